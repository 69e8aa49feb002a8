#include "api/access_log.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace emarchive::api {
namespace {

TEST(AccessLogTest, LogonSessionIdsAreNotLogged) {
  // The id is the token's plain text: whoever reads the log must not be able to use it.
  EXPECT_EQ(loggable_target("/api/logonSessions/6f1b2c3d-aaaa-4bbb-8ccc-0123456789ab"),
            "/api/logonSessions/{id}");
  EXPECT_EQ(loggable_target("/api/LOGONSESSIONS/6f1b2c3d-aaaa?format=Entity"),
            "/api/LOGONSESSIONS/{id}?format=Entity");
  EXPECT_EQ(loggable_target("/api/logonSessions/abc/x"), "/api/logonSessions/{id}/x");
  EXPECT_EQ(loggable_target("/api/logonSessions/a/logonSessions/b"),
            "/api/logonSessions/{id}/logonSessions/{id}");
  EXPECT_EQ(loggable_target("/api/logonSessions/"), "/api/logonSessions/");
  EXPECT_EQ(loggable_target("/api/logonSessions"), "/api/logonSessions");
  EXPECT_EQ(loggable_target("/api/backupSessions/6f1b2c3d?format=Entity"),
            "/api/backupSessions/6f1b2c3d?format=Entity");
}

TEST(AccessLogTest, HandsLinesToTheSinkInOrderOnFlush) {
  std::vector<std::string> blocks;
  AccessLog log([&](std::string_view block) { blocks.emplace_back(block); });
  log.write("a 1");
  log.write("b 2");
  EXPECT_TRUE(blocks.empty());
  log.flush();
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_NE(blocks[0].find("a 1"), std::string::npos);
  EXPECT_LT(blocks[0].find("a 1"), blocks[0].find("b 2"));
}

}  // namespace
}  // namespace emarchive::api
