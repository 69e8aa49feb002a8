// A collection holds everything archived, so one can be far larger than the server's memory:
// over 1,000 records it is streamed, read and rendered in batches. These tests hold a streamed
// collection to the document the same records make when built whole, in XML and in JSON, over
// HTTP/1.1 (chunked) and HTTP/1.0 (ended by closing the connection), and HEAD to GET's headers.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "api/archive_pool.h"
#include "api/resources.h"
#include "model/codec.h"
#include "model/json_render.h"
#include "model/query_type.h"
#include "model/reference.h"
#include "sim/history.h"
#include "storage/archive.h"
#include "tests/support/http_client.h"
#include "tests/support/test_data.h"
#include "tests/support/test_server.h"

namespace emarchive::api {
namespace {

using emarchive::testing::HttpClient;
using emarchive::testing::HttpReply;
using emarchive::testing::TempDir;
using emarchive::testing::TestServer;

constexpr const char* kStoredAt = "2025-06-01T00:00:00Z";

// Task sessions that EM showed only by reference: they have no creation time, and a list of
// references holds them before the others.
std::string references_only(int count) {
  std::string xml = R"(<EntityReferences xmlns="http://www.veeam.com/ent/v1.0">)";
  for (int i = 0; i < count; ++i) {
    char id[40];
    std::snprintf(id, sizeof id, "0f0f0f0f-2222-4333-8444-%012d", i);
    const std::string href =
        std::string("https://em.example.net:9398/api/backupTaskSessions/") + id;
    const std::string name = "only-a-ref-" + std::to_string(i);
    xml += R"(<Ref UID="urn:veeam:BackupTaskSession:)" + std::string(id) + R"(" Name=")" + name +
           R"(" Href=")" + href + R"(" Type="BackupTaskSessionReference"><Links>)" +
           R"(<Link Href=")" + href + R"(?format=Entity" Name=")" + name +
           R"(" Type="BackupTaskSession" Rel="Alternate" /></Links></Ref>)";
  }
  return xml + "</EntityReferences>";
}

void set_creation_time(Record& record, const std::string& time) {
  const auto& fields = info(record.kind).fields;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].element == "CreationTimeUTC") record.entity->fields[i] = time;
  }
}

class StreamedListTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    auto archive = storage::Archive::open(db());
    ASSERT_TRUE(archive) << archive.error().message;
    auto run = (*archive)->begin_run("test", "streamed lists", kStoredAt);
    ASSERT_TRUE(run);
    // About 1,750 task sessions: more than one streamed batch (500) and than a page built whole.
    // The first 700 are made to start in the same instant, so that a batch ends among sessions
    // of one creation time, which archive order sorts.
    int same_instant = 700;
    sim::generate({.seed = 20261203, .days = 3, .jobs = 9, .vms = 600},
                  *parse_em_time("2025-06-01T00:00:00Z"), [&](std::vector<Record>&& batch) {
                    for (Record& record : batch) {
                      if (record.kind != Kind::BackupTaskSession || same_instant == 0) continue;
                      set_creation_time(record, "2025-05-29T22:00:00Z");
                      --same_instant;
                    }
                    ASSERT_TRUE((*archive)->store(batch, *run, kStoredAt));
                  });
    ASSERT_EQ(same_instant, 0);
    auto refs = parse_document(references_only(40), "references-only.xml");
    ASSERT_TRUE(refs) << refs.error().message;
    ASSERT_TRUE((*archive)->store(refs->records, *run, kStoredAt));
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string db() { return (*dir_ / "archive.db").string(); }

  void SetUp() override {
    auto pool = std::make_shared<ArchivePool>([] { return storage::Archive::open(db()); });
    ResourceOptions options;
    options.now = [] { return *parse_em_time("2025-06-01T00:00:00Z"); };
    server_ = std::make_unique<TestServer>(ServerOptions{}, make_resource_handler(pool, options));
    origin_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }

  // The collection of `kind` built whole, from one query of the archive, as a page of up to
  // 1,000 records is.
  std::string built_whole(Kind kind, bool entities) const {
    auto archive = storage::Archive::open(db());
    EXPECT_TRUE(archive);
    storage::RecordQuery query;
    query.kind = kind;
    query.entities_only = entities;
    auto page = (*archive)->query(query);
    EXPECT_TRUE(page);
    EXPECT_GT(page->records.size(), 1000u) << "too short to be streamed";
    if (entities) return render_entity_list(kind, page->records, origin_);
    for (Record& record : page->records) {
      if (!record.reference) record.reference = derive_reference(record);
    }
    return render_entity_references(page->records, origin_);
  }

  // The UIDs of a query-service page read at once, in process.
  static std::vector<std::string> queried_whole(const std::string& sort, bool descending,
                                                std::int64_t offset, std::int64_t limit) {
    auto archive = storage::Archive::open(db());
    EXPECT_TRUE(archive);
    storage::RecordQuery query;
    query.kind = Kind::BackupTaskSession;
    if (!sort.empty())
      query.sort.field = find_query_field(*find_query_type("BackupTaskSession"), sort);
    query.sort.descending = descending;
    query.offset = offset;
    query.limit = limit;
    auto page = (*archive)->query(query);
    EXPECT_TRUE(page);
    std::vector<std::string> uids;
    for (const Record& record : page->records) uids.push_back(record.uid);
    return uids;
  }

  static std::vector<std::string> uids_of(const HttpReply& reply) {
    auto document = parse_document(reply.body, "reply");
    EXPECT_TRUE(document) << document.error().message;
    std::vector<std::string> uids;
    if (document) {
      for (const Record& record : document->records) uids.push_back(record.uid);
    }
    return uids;
  }

  static TempDir* dir_;
  std::unique_ptr<TestServer> server_;
  std::string origin_;
};

TempDir* StreamedListTest::dir_ = nullptr;

TEST_F(StreamedListTest, IsTheDocumentBuiltWholeInXmlAndJson) {
  HttpClient client(server_->port());
  for (const bool entities : {false, true}) {
    const std::string target =
        std::string("/api/backupTaskSessions") + (entities ? "?format=Entity" : "");
    SCOPED_TRACE(target);
    const std::string whole = built_whole(Kind::BackupTaskSession, entities);
    const HttpReply xml = client.get(target);
    ASSERT_EQ(xml.status, 200u) << xml.body.substr(0, 300);
    EXPECT_EQ(xml.header("Transfer-Encoding"), "chunked");
    EXPECT_FALSE(xml.has_header("Content-Length"));
    EXPECT_EQ(xml.header("Content-Type"), "application/xml; charset=utf-8");
    EXPECT_EQ(xml.body, whole);

    const HttpReply json = client.get(target, {{"Accept", "application/json"}});
    ASSERT_EQ(json.status, 200u);
    EXPECT_EQ(json.header("Transfer-Encoding"), "chunked");
    EXPECT_EQ(json.header("Content-Type"), "application/json; charset=utf-8");
    auto converted = render_json(whole);
    ASSERT_TRUE(converted) << converted.error().message;
    EXPECT_EQ(json.body, *converted);
  }
  // Only the entity list leaves out the task sessions seen only by reference.
  EXPECT_NE(client.get("/api/backupTaskSessions").body.find("only-a-ref-39"), std::string::npos);
  EXPECT_EQ(client.get("/api/backupTaskSessions?format=Entity").body.find("only-a-ref-"),
            std::string::npos);
}

// A streamed query page is read in batches that each resume where the one before ended: in
// either order, across sessions created in the same instant and those with no creation time
// (first ascending, last descending), and from a page's offset on.
TEST_F(StreamedListTest, QueryPagesReadInBatchesHoldWhatOneReadHolds) {
  HttpClient client(server_->port());
  struct Case {
    std::string parameters;
    std::string sort;
    bool descending;
    std::int64_t offset;
    std::int64_t limit;
  };
  for (const Case& c :
       {Case{"pageSize=5000", "", false, 0, 5000},
        Case{"sortDesc=CreationTime&pageSize=5000", "CreationTime", true, 0, 5000},
        Case{"sortAsc=CreationTime&pageSize=1100&page=1", "CreationTime", false, 0, 1100},
        Case{"pageSize=1001&page=2", "", false, 1001, 1001},
        Case{"sortDesc=CreationTime&pageSize=1001&page=2", "CreationTime", true, 1001, 1001},
        Case{"sortAsc=Result&pageSize=2000", "Result", false, 0, 2000}}) {
    SCOPED_TRACE(c.parameters);
    const HttpReply reply = client.get("/api/query?type=BackupTaskSession&" + c.parameters);
    ASSERT_EQ(reply.status, 200u) << reply.body.substr(0, 300);
    EXPECT_EQ(reply.header("Transfer-Encoding"), "chunked");
    const std::vector<std::string> whole = queried_whole(c.sort, c.descending, c.offset, c.limit);
    EXPECT_GT(whole.size(), 500u);  // more than one batch
    EXPECT_EQ(uids_of(reply), whole);
  }
}

TEST_F(StreamedListTest, Http10GetsTheBodyEndedByTheClose) {
  HttpClient client(server_->port());
  const std::string host = "127.0.0.1:" + std::to_string(server_->port());
  const HttpReply reply =
      client.send_raw("GET /api/backupTaskSessions?format=Entity HTTP/1.0\r\nHost: " + host +
                      "\r\nConnection: keep-alive\r\n\r\n");
  ASSERT_EQ(reply.status, 200u) << reply.error;
  EXPECT_FALSE(reply.has_header("Content-Length"));
  EXPECT_FALSE(reply.has_header("Transfer-Encoding"));
  EXPECT_EQ(reply.body, built_whole(Kind::BackupTaskSession, true));
  // The close is what ends the body: keep-alive, though asked for, is not kept.
  EXPECT_TRUE(client.wait_closed_by_server());
}

TEST_F(StreamedListTest, HeadGetsGetsHeadersWithoutTheBodyAndTheConnectionGoesOn) {
  HttpClient client(server_->port());
  for (const char* target : {"/api/backupTaskSessions", "/api/backupTaskSessions?format=Entity"}) {
    SCOPED_TRACE(target);
    const HttpReply get = client.get(target);
    const HttpReply head = client.request("HEAD", target);
    ASSERT_EQ(head.status, 200u) << head.error;
    EXPECT_EQ(head.header("Transfer-Encoding"), get.header("Transfer-Encoding"));
    EXPECT_EQ(head.header("Content-Type"), get.header("Content-Type"));
    EXPECT_FALSE(head.has_header("Content-Length"));
    EXPECT_TRUE(head.body.empty());
  }
  // Nothing of a body was sent after the HEAD's header: the next answer parses on the same
  // connection.
  EXPECT_EQ(client.get("/api/backupServers").status, 200u);
  EXPECT_EQ(client.connections_opened(), 1);
}

}  // namespace
}  // namespace emarchive::api
