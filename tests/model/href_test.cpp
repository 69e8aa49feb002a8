#include "model/href.h"

#include <gtest/gtest.h>

namespace emarchive {
namespace {

struct SplitCase {
  std::string_view href;
  std::string_view origin;
  std::string_view rest;
};

TEST(HrefTest, SplitsOriginFromPathAndQuery) {
  const SplitCase cases[] = {
      {"https://em.example.test:9398/api/backupSessions/5d0c1f7a-2b8e-4c61-9a3d-7e4f2b6c8d10",
       "https://em.example.test:9398", "/api/backupSessions/5d0c1f7a-2b8e-4c61-9a3d-7e4f2b6c8d10"},
      {"http://localhost:9399/api/jobs/ab12?format=Entity", "http://localhost:9399",
       "/api/jobs/ab12?format=Entity"},
      {"http://em/api/query?type=Job&page=2", "http://em", "/api/query?type=Job&page=2"},
      {"http://em:9399", "http://em:9399", ""},
      {"http://em:9399?x=1", "http://em:9399", "?x=1"},
      {"http://[fe80::1]:9399/api/", "http://[fe80::1]:9399", "/api/"},
      {"/api/backupSessions/1", "", "/api/backupSessions/1"},
      {"backupSessions/1", "", "backupSessions/1"},
      {"", "", ""},
      {"urn:veeam:Job:1", "", "urn:veeam:Job:1"},  // a scheme without "//" has no authority
      {"1http://em/api", "", "1http://em/api"},    // a scheme starts with a letter
  };
  for (const SplitCase& c : cases) {
    SplitHref split = split_href(c.href);
    EXPECT_EQ(split.origin, c.origin) << c.href;
    EXPECT_EQ(split.rest, c.rest) << c.href;
  }
}

TEST(HrefTest, JoinIsTheInverseOfSplitForPaths) {
  EXPECT_EQ(join_href("https://archive.test:8443", "/api/jobs/ab12?format=Entity"),
            "https://archive.test:8443/api/jobs/ab12?format=Entity");
  EXPECT_EQ(join_href("", "/api/jobs/ab12"), "/api/jobs/ab12");
  // Not a path: left alone rather than glued onto a host.
  EXPECT_EQ(join_href("http://archive.test", "jobs/ab12"), "jobs/ab12");
  for (std::string_view href : {"http://em:9399/api/backupSessions/1?format=Entity",
                                "/api/backupSessions/1", "http://em/api/query?a=1&b=2"}) {
    SplitHref split = split_href(href);
    EXPECT_EQ(join_href(split.origin, split.rest), href);
  }
}

TEST(HrefTest, IdIsTheLastPathSegment) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"http://em:9399/api/backupSessions/5d0c1f7a-2b8e?format=Entity", "5d0c1f7a-2b8e"},
      {"/api/backupTaskSessions/77e1", "77e1"},
      {"/api/backupSessions/5d0c/taskSessions", "taskSessions"},
      {"/api/jobs/", ""},
      {"http://em:9399", ""},
      {"", ""},
      {"/api/jobs/ab12#top", "ab12"},
  };
  for (const auto& [href, id] : cases) EXPECT_EQ(href_id(href), id) << href;
}

}  // namespace
}  // namespace emarchive
