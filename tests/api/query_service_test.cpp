// The query service served over HTTP: the filter grammar, sorting, paging and bad queries.
// Servers run on 127.0.0.1, port 0.

#include "api/resources.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <pugixml.hpp>

#include "api/users_file.h"
#include "ingest/importer.h"
#include "model/codec.h"
#include "model/em_time.h"
#include "model/href.h"
#include "model/xml_compare.h"
#include "model/xml_escape.h"
#include "tests/api/resources_fixture.h"
#include "tests/support/failing_archive.h"
#include "tests/support/http_client.h"
#include "tests/support/test_data.h"
#include "tests/support/test_server.h"

namespace emarchive::api {
namespace {

using namespace emarchive::api::served;
namespace fs = std::filesystem;
using emarchive::testing::HttpClient;
using emarchive::testing::HttpReply;
using emarchive::testing::TempDir;
using emarchive::testing::TestServer;

struct FilterCase {
  const char* filter;
  std::function<bool(const Task&)> expected;
};

TEST_F(ResourcesTest, TheFilterGrammarSelectsWhatItSays) {
  auto server = serve();
  HttpClient client(server->port());
  const EmTime jan6 = *parse_em_time("2024-01-06T00:00:00Z");
  const EmTime feb = *parse_em_time("2024-02-01T21:00:02.25Z");
  const std::vector<FilterCase> cases = {
      {"Result==Failed", [](const Task& t) { return t.result == "Failed"; }},
      {"result==failed", [](const Task& t) { return t.result == "Failed"; }},
      {"Result!=Success", [](const Task& t) { return t.result != "Success"; }},
      // Enum order: None < Success < Warning < Failed.
      {"Result>Success",
       [](const Task& t) { return t.result == "Warning" || t.result == "Failed"; }},
      {"Result<=Success",
       [](const Task& t) { return t.result == "Success" || t.result == "None"; }},
      {"State==InProgress", [](const Task& t) { return t.state == "InProgress"; }},
      {"TotalSize>=5368709120", [](const Task& t) { return t.size >= 5368709120; }},
      {"TotalSize<2147483648", [](const Task& t) { return t.size < 2147483648; }},
      {"CreationTime>=\"2024-01-06T00:00:00Z\"", [&](const Task& t) { return t.created >= jan6; }},
      {"CreationTime>=2024-01-06T00:00:00", [&](const Task& t) { return t.created >= jan6; }},
      {"CreationTime<2024-01-06T00:00:00Z", [&](const Task& t) { return t.created < jan6; }},
      // As people write them: a date alone, a space for the T.
      {"CreationTime<2024-01-06", [&](const Task& t) { return t.created < jan6; }},
      {"CreationTime>=\"2024-01-06 00:00:00\"", [&](const Task& t) { return t.created >= jan6; }},
      // Seven-digit and two-digit fractions compare as instants.
      {"CreationTime==2024-02-01T21:00:02.25Z", [&](const Task& t) { return t.created == feb; }},
      {"Result==Failed;TotalSize>3221225472",
       [](const Task& t) { return t.result == "Failed" && t.size > 3221225472; }},
      {"Result==Failed,Result==None",
       [](const Task& t) { return t.result == "Failed" || t.result == "None"; }},
      // ';' binds tighter than ','.
      {"Result==Failed,Result==Success;TotalSize<3221225472",
       [](const Task& t) {
         return t.result == "Failed" || (t.result == "Success" && t.size < 3221225472);
       }},
      {"(Result==Failed,Result==Success);TotalSize<3221225472",
       [](const Task& t) {
         return (t.result == "Failed" || t.result == "Success") && t.size < 3221225472;
       }},
      {"VmDisplayName==db-10", [](const Task& t) { return t.vm == "db-10"; }},
      {"vmdisplayname==\"DB-10\"", [](const Task& t) { return t.vm == "db-10"; }},
      {"JobSessionUid==urn:veeam:BackupJobSession:5e000003-1111-4222-8333-000000000002",
       [](const Task& t) { return t.job_session_guid == session_guid(2); }},
      {"JobSessionUid!=urn:veeam:BackupJobSession:5e000003-1111-4222-8333-000000000002",
       [](const Task& t) { return t.job_session_guid != session_guid(2); }},
      {"BackupServerUid==URN:VEEAM:BACKUPSERVER:5E000002-1111-4222-8333-000000000001",
       [](const Task& t) { return t.server == 1; }},
      {"BackupServerName==vbr-a.example.net", [](const Task& t) { return t.server == 0; }},
      {"JobName==\"Lab \"\"Dev\"\" & Test\"", [](const Task& t) { return t.job == 1; }},
      {"JobUid==urn:veeam:Job:5e000001-1111-4222-8333-000000000000",
       [](const Task& t) { return t.job == 0; }},
      {"Reason==\"Error: disk 'C:\\' <full> [0x70]\"",
       [](const Task& t) { return t.result == "Failed"; }},
      // Hostile values are values: they match nothing and change nothing.
      {"Name==\"x' OR '1'='1\"", [](const Task&) { return false; }},
      {"Name==\"\"\"; DROP TABLE sessions; --\"", [](const Task&) { return false; }},
  };
  const auto ours = history_.uids([](const Task&) { return true; });
  for (const FilterCase& c : cases) {
    const HttpReply reply =
        client.get("/api/query?type=BackupTaskSession&pageSize=1000&filter=" + encode(c.filter));
    ASSERT_EQ(reply.status, 200u) << c.filter << "\n" << reply.body;
    std::vector<std::string> got;
    for (const std::string& uid : uids_in(reply.body)) {
      if (std::find(ours.begin(), ours.end(), uid) != ours.end()) got.push_back(uid);
    }
    EXPECT_EQ(got, history_.uids(c.expected)) << c.filter;
  }
  // The hostile filters left the archive whole.
  EXPECT_EQ(uids_in(client.get("/api/query?type=BackupTaskSession&pageSize=1000").body).size() >=
                history_.tasks.size(),
            true);
}

TEST_F(ResourcesTest, SortingAndPagingFollowNextLinksToTheEnd) {
  auto server = serve();
  HttpClient client(server->port());
  std::vector<std::string> expected =
      history_.uids([](const Task& t) { return t.result != "None"; });
  std::vector<const Task*> by_size;
  for (const Task& t : history_.tasks) {
    if (t.result != "None") by_size.push_back(&t);
  }
  std::stable_sort(by_size.begin(), by_size.end(),
                   [](const Task* a, const Task* b) { return a->size > b->size; });

  std::string target =
      "/api/query?type=backupTaskSession&format=Entities&sortDesc=TotalSize&pageSize=7&filter=" +
      encode("Result!=None;CreationTime>2000-01-01T00:00:00Z");
  std::vector<std::string> got;
  std::vector<EmTime> sizes;
  int pages = 0;
  while (!target.empty() && pages < 20) {
    const HttpReply reply = client.get(target);
    ASSERT_EQ(reply.status, 200u) << target << "\n" << reply.body;
    auto doc = parse_document(reply.body, target);
    ASSERT_TRUE(doc) << doc.error().message;
    ASSERT_TRUE(doc->paging);
    ++pages;
    EXPECT_EQ(doc->paging->page_num, pages);
    EXPECT_EQ(doc->paging->page_size, 7);
    EXPECT_EQ(doc->paging->pages_count, 4);  // 24 of ours and 4 of tests/data/em are not None
    for (const Record& r : doc->records) {
      got.push_back(r.uid);
      sizes.push_back(std::stoll(*r.field("TotalSize")));
    }
    target.clear();
    for (const Link& l : doc->paging->links) {
      if (l.rel == "Next") target = *l.href;
    }
  }
  EXPECT_EQ(pages, 4);
  EXPECT_TRUE(std::is_sorted(sizes.rbegin(), sizes.rend()));
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()).size(), got.size()) << "a record twice";
  // tests/data/em adds its own task sessions to ours; every one of ours must be there, in order.
  std::vector<std::string> ours;
  for (const std::string& uid : got) {
    if (std::find(expected.begin(), expected.end(), uid) != expected.end()) ours.push_back(uid);
  }
  std::vector<std::string> expected_order;
  for (const Task* t : by_size) expected_order.push_back("urn:veeam:BackupTaskSession:" + t->guid);
  EXPECT_EQ(ours, expected_order);
}

TEST_F(ResourcesTest, SortingByAnEnumFollowsEmsOrderNotTheAlphabet) {
  auto server = serve();
  HttpClient client(server->port());
  const HttpReply reply = client.get(
      "/api/query?type=BackupTaskSession&format=Entities&sortAsc=Result&pageSize=1000&filter=" +
      encode("JobSessionUid!=urn:veeam:BackupJobSession:00000000-0000-0000-0000-000000000000"));
  ASSERT_EQ(reply.status, 200u) << reply.body;
  auto doc = parse_document(reply.body, "reply");
  ASSERT_TRUE(doc) << doc.error().message;
  const std::vector<std::string> order = {"None", "Success", "Warning", "Failed"};
  std::vector<std::size_t> ranks;
  for (const Record& r : doc->records) {
    ranks.push_back(std::find(order.begin(), order.end(), *r.field("Result")) - order.begin());
  }
  EXPECT_FALSE(ranks.empty());
  EXPECT_TRUE(std::is_sorted(ranks.begin(), ranks.end()));
}

TEST_F(ResourcesTest, PagingInfoIsThereForOnePageAndDefaultsToAHundred) {
  auto server = serve();
  HttpClient client(server->port());
  const HttpReply reply =
      client.get("/api/query?type=BackupJobSession&filter=" + encode("JobName==\"Finance VMs\""));
  ASSERT_EQ(reply.status, 200u) << reply.body;
  auto doc = parse_document(reply.body, "reply");
  ASSERT_TRUE(doc) << doc.error().message;
  ASSERT_TRUE(doc->paging);
  EXPECT_EQ(doc->paging->page_num, 1);
  EXPECT_EQ(doc->paging->page_size, 100);
  EXPECT_EQ(doc->paging->pages_count, 1);
  EXPECT_EQ(doc->records.size(), 2u);
  std::vector<std::string> rels;
  for (const Link& l : doc->paging->links) rels.push_back(*l.rel);
  EXPECT_EQ(rels, (std::vector<std::string>{"First", "Last"}));
  EXPECT_NE(doc->paging->links[0].href->find("pageSize=100&page=1"), std::string::npos);
}

// Relative times count from the server's clock (the fixture's: 2024-02-10T00:00:00Z), read once
// a request; Duration is EndTime minus CreationTime in whole seconds (job sessions here end at
// 23:59:59 the day they were created: sessions 0 and 2 at 21:00:00, 1 half a second later).
TEST_F(ResourcesTest, RelativeTimesAndDurationSelectAndSort) {
  auto server = serve();
  HttpClient client(server->port());
  const auto session = [](int s) { return "urn:veeam:BackupJobSession:" + session_guid(s); };
  const std::vector<std::string> sessions = {session(0), session(1), session(2)};
  // Ours of the job sessions answered, in their order (tests/data/em adds its own).
  const auto uids = [&](const std::string& query) {
    const HttpReply reply = client.get("/api/query?type=BackupJobSession&pageSize=1000&" + query);
    EXPECT_EQ(reply.status, 200u) << query << "\n" << reply.body;
    std::vector<std::string> ours;
    for (const std::string& uid : uids_in(reply.body)) {
      if (std::find(sessions.begin(), sessions.end(), uid) != sessions.end()) ours.push_back(uid);
    }
    return ours;
  };
  const auto filter = [&](const std::string& text) { return uids("filter=" + encode(text)); };
  EXPECT_EQ(filter("CreationTime>=now-30d"), (std::vector{session(2)}));
  EXPECT_EQ(filter("CreationTime>=NOW-5w;CreationTime<\"now\""),
            (std::vector{session(1), session(2)}));
  EXPECT_EQ(filter("CreationTime<now-840h"), (std::vector{session(0)}));
  EXPECT_TRUE(filter("CreationTime>now+1m").empty());
  EXPECT_EQ(filter("Duration>=10799"), (std::vector{session(0), session(2)}));
  EXPECT_EQ(filter("Duration<10799"), (std::vector{session(1)}));
  // Ties (sessions 0 and 2) in archive order.
  EXPECT_EQ(uids("sortDesc=Duration"), (std::vector{session(0), session(2), session(1)}));
  // Task sessions here have no end time, so no Duration: they match no comparison of it.
  const auto ours = history_.uids([](const Task&) { return true; });
  const HttpReply tasks =
      client.get("/api/query?type=BackupTaskSession&pageSize=1000&filter=" + encode("Duration>=0"));
  for (const std::string& uid : uids_in(tasks.body)) {
    EXPECT_EQ(std::find(ours.begin(), ours.end(), uid), ours.end()) << uid;
  }
}

struct BadQuery {
  const char* target;
  const char* message;
};

TEST_F(ResourcesTest, BadQueriesAre400WithAMessageThatSaysWhere) {
  auto server = serve();
  HttpClient client(server->port());
  const std::vector<BadQuery> cases = {
      {"/api/query", "type: missing"},
      {"/api/query?type=Repository", "type: 'Repository' is not a type this archive holds"},
      {"/api/query?type=Job&format=Entity", "format: 'Entity' is neither References nor Entities"},
      {"/api/query?type=Job&pageSize=0", "pageSize: '0' is not a positive integer"},
      {"/api/query?type=Job&pageSize=9223372036854775807&page=3", "page: too large"},
      {"/api/query?type=Job&page=x", "page: 'x' is not a positive integer"},
      {"/api/query?type=Job&sortAsc=Name&sortDesc=Name", "give one of them"},
      {"/api/query?type=Job&sortAsc=Size", "sortAsc: unknown field 'Size' for type Job"},
      {"/api/query?type=BackupTaskSession&filter=Result%3D%3D",
       "filter: at character 9: expected a value"},
      {"/api/query?type=BackupTaskSession&filter=Reslt%3D%3DFailed",
       "filter: at character 1: unknown field 'Reslt' for type BackupTaskSession"},
      {"/api/query?type=BackupTaskSession&filter=Result%3EDone", "'Done' is not a Result"},
      {"/api/query?type=BackupTaskSession&filter=CreationTime%3E2024-13-01", "CreationTime"},
      {"/api/query?type=BackupTaskSession&filter=TotalSize%3E1e9", "'1e9' is not an integer"},
      {"/api/query?type=BackupTaskSession&filter=Result%3D%3DFailed;CreationTime%3Enow-7x",
       "filter: at character 16: 'now-7x' is not a relative time: the unit must be s, m, h, d "
       "or w"},
      {"/api/query?type=BackupTaskSession&filter=CreationTime%3Enow7d", "expected + or -"},
      {"/api/query?type=BackupTaskSession&filter=Duration%3E1h", "'1h' is not an integer"},
  };
  for (const BadQuery& c : cases) {
    const HttpReply reply = client.get(c.target);
    EXPECT_EQ(reply.status, 400u) << c.target << "\n" << reply.body;
    EXPECT_NE(reply.body.find(c.message), std::string::npos) << c.target << "\n" << reply.body;
    EXPECT_NE(reply.body.find("<Error"), std::string::npos);
  }
  EXPECT_EQ(client.get("/api/nothingHere").status, 404u);
  EXPECT_EQ(client.request("PUT", "/api/backupSessions").status, 405u);
}

}  // namespace
}  // namespace emarchive::api
