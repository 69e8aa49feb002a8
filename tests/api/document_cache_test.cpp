// The cache of rendered single records: bounded, and never a stale revision, also while a
// record changes under clients reading it.

#include "api/document_cache.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "model/json_render.h"
#include "tests/api/resources_fixture.h"

namespace emarchive::api {
namespace {

DocumentCache::Key key(std::string_view uid, Form form = Form::Entity,
                       std::string_view origin = "http://a:1") {
  return {uid, form, origin};
}

constexpr storage::CurrentRevisions kFirst{0, 1};
constexpr storage::CurrentRevisions kSecond{0, 2};

TEST(DocumentCacheTest, FindsADocumentOnlyUnderItsRecordFormOriginAndFormat) {
  DocumentCache cache(1 << 20);
  cache.insert(key("urn:x:1"), kFirst, cache.epoch(), "<one />");
  const auto found = cache.find(key("urn:x:1"));
  ASSERT_TRUE(found);
  EXPECT_EQ(*found->document, "<one />");
  EXPECT_EQ(found->revisions, kFirst);
  EXPECT_TRUE(found->current);
  EXPECT_FALSE(cache.find(key("urn:x:2")));
  EXPECT_FALSE(cache.find(key("urn:x:1", Form::Reference)));
  EXPECT_FALSE(cache.find(key("urn:x:1", Form::Entity, "http://b:1")));
  EXPECT_FALSE(cache.find({"urn:x:1", Form::Entity, "http://a:1", true}));
  cache.insert({"urn:x:1", Form::Entity, "http://a:1", true}, kFirst, cache.epoch(),
               R"({"One":1})");
  EXPECT_EQ(*cache.find({"urn:x:1", Form::Entity, "http://a:1", true})->document, R"({"One":1})");
  EXPECT_EQ(*cache.find(key("urn:x:1"))->document, "<one />");
}

// A document is current only in the epoch its revisions were read in; confirmed with the same
// revisions it is current again, and a newer document replaces it.
TEST(DocumentCacheTest, ADocumentIsCurrentOnlyUntilTheArchiveChanges) {
  DocumentCache cache(1 << 20);
  const std::uint64_t filed = cache.epoch();
  cache.insert(key("urn:x:1"), kFirst, filed, "<one />");
  cache.archive_changed();
  EXPECT_NE(cache.epoch(), filed);
  EXPECT_FALSE(cache.find(key("urn:x:1"))->current);

  cache.confirm(key("urn:x:1"), kSecond, cache.epoch());  // not the revisions it was filed with
  EXPECT_FALSE(cache.find(key("urn:x:1"))->current);
  cache.confirm(key("urn:x:1"), kFirst, cache.epoch());
  EXPECT_TRUE(cache.find(key("urn:x:1"))->current);

  // Revisions read before a change that came meanwhile are filed in the old epoch.
  const std::uint64_t before = cache.epoch();
  cache.archive_changed();
  cache.insert(key("urn:x:1"), kSecond, before, "<two />");
  const auto found = cache.find(key("urn:x:1"));
  EXPECT_EQ(*found->document, "<two />");
  EXPECT_EQ(found->revisions, kSecond);
  EXPECT_FALSE(found->current);
}

// The region's bytes a document takes: its key (key_text's) and itself.
std::size_t slot_size(std::string_view uid, std::string_view document) {
  return uid.size() + 1 + 2 + std::string_view("http://a:1").size() + document.size();
}

TEST(DocumentCacheTest, KeepsWithinItsRegionDroppingTheOldestFirst) {
  const std::string document(2000, 'x');  // big enough that the count of entries is no bound
  const std::size_t slot = slot_size("urn:x:1", document);
  DocumentCache cache(3 * slot + 10);
  const std::vector<std::string> uids = {"urn:x:1", "urn:x:2", "urn:x:3", "urn:x:4"};
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(cache.insert(key(uids[i]), kFirst, 0, document));
  EXPECT_EQ(cache.bytes(), 3 * slot);
  ASSERT_TRUE(cache.find(key(uids[0])));  // found, yet still the oldest
  EXPECT_TRUE(cache.insert(key(uids[3]), kFirst, 0, document));
  EXPECT_EQ(cache.bytes(), 3 * slot);
  EXPECT_FALSE(cache.find(key(uids[0])));  // the oldest went
  EXPECT_TRUE(cache.find(key(uids[1])));
  EXPECT_TRUE(cache.find(key(uids[2])));
  EXPECT_EQ(*cache.find(key(uids[3]))->document, document);

  // Replaced: the new document is found, written where the writing goes next, over the oldest
  // (uids[1]); the old one's bytes wait until the writing comes round to them.
  EXPECT_TRUE(cache.insert(key(uids[3]), kSecond, 0, std::string(2000, 'z')));
  EXPECT_EQ(*cache.find(key(uids[3]))->document, std::string(2000, 'z'));
  EXPECT_EQ(cache.find(key(uids[3]))->revisions, kSecond);
  EXPECT_EQ(cache.bytes(), 3 * slot);
  EXPECT_EQ(cache.entries(), 2u);
  EXPECT_FALSE(cache.find(key(uids[1])));
  EXPECT_TRUE(cache.find(key(uids[2])));

  // Larger than the region: not kept, nothing else dropped for it, and the document it was to
  // replace is gone.
  EXPECT_FALSE(cache.insert(key(uids[2]), kSecond, 0, std::string(4 * slot, 'y')));
  EXPECT_FALSE(cache.find(key(uids[2])));
  EXPECT_EQ(*cache.find(key(uids[3]))->document, std::string(2000, 'z'));
}

// A client may still be sending a document the cache has since dropped or replaced: its bytes
// stay as they were however often the writing comes round, and the rest of the region serves
// on. Once every byte of the region is held, a new document is not kept; let go, it is.
TEST(DocumentCacheTest, ADocumentBeingSentIsNeverWrittenOver) {
  DocumentCache cache(64 * 1024);
  const std::string first(5000, 'a');
  ASSERT_TRUE(cache.insert(key("urn:x:held"), kFirst, 0, first));
  SharedDocument held = cache.find(key("urn:x:held"))->document;
  ASSERT_TRUE(cache.insert(key("urn:x:held"), kSecond, 0, std::string(5000, 'b')));
  EXPECT_EQ(*cache.find(key("urn:x:held"))->document, std::string(5000, 'b'));
  for (int i = 0; i < 500; ++i) {  // some thirty times round the region
    const std::string document(4000 + i, static_cast<char>('c' + i % 20));
    const std::string uid = "urn:x:" + std::to_string(i);
    ASSERT_TRUE(cache.insert(key(uid), kFirst, 0, document)) << i;
    ASSERT_EQ(*cache.find(key(uid))->document, document) << i;
  }
  EXPECT_EQ(*held, first);
  EXPECT_LE(cache.bytes(), 64u * 1024);

  DocumentCache small(12 * 1024);
  std::vector<SharedDocument> sending;
  for (int i = 0; i < 3; ++i) {
    const std::string uid = "urn:y:" + std::to_string(i);
    ASSERT_TRUE(small.insert(key(uid), kFirst, 0, std::string(3900, 'h')));
    sending.push_back(small.find(key(uid))->document);
  }
  EXPECT_FALSE(small.insert(key("urn:y:new"), kFirst, 0, std::string(3900, 'n')));
  for (const SharedDocument& document : sending) EXPECT_EQ(*document, std::string(3900, 'h'));
  sending.pop_back();
  EXPECT_TRUE(small.insert(key("urn:y:new"), kFirst, 0, std::string(3900, 'n')));
  EXPECT_EQ(*small.find(key("urn:y:new"))->document, std::string(3900, 'n'));
  for (const SharedDocument& document : sending) EXPECT_EQ(*document, std::string(3900, 'h'));
}

// Many small documents: at most one entry per kBytesPerEntry of the region, the newest kept.
TEST(DocumentCacheTest, HoldsAtMostOneEntryPerKilobyte) {
  DocumentCache cache(64 * DocumentCache::kBytesPerEntry);
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(cache.insert(key("urn:x:" + std::to_string(i)), kFirst, 0, "<small />"));
  }
  EXPECT_LE(cache.entries(), 64u);
  EXPECT_GE(cache.entries(), 60u);
  EXPECT_TRUE(cache.find(key("urn:x:199")));
  EXPECT_FALSE(cache.find(key("urn:x:0")));
}

// Documents of every size filed, replaced, found and held in random order, the region going
// round many times: whatever is found is the document last filed under its key, a held document
// never changes, and the cache stays within its region and its count of entries.
TEST(DocumentCacheTest, WhatIsFoundIsAlwaysTheDocumentLastFiled) {
  constexpr std::size_t kRegion = 256 * 1024;
  DocumentCache cache(kRegion);
  std::mt19937 random(12);
  std::map<std::string, std::string> filed;
  std::vector<std::pair<SharedDocument, std::string>> held;
  std::size_t found = 0;
  for (int step = 0; step < 20000; ++step) {
    const std::string uid = "urn:x:" + std::to_string(random() % 100);
    switch (random() % 4) {
      case 0:
      case 1: {
        const std::size_t size = random() % 8 == 0 ? 20000 + random() % 40000 : random() % 3000;
        std::string document(size, static_cast<char>('a' + step % 26));
        document += std::to_string(step);
        if (cache.insert(key(uid), kFirst, 0, document)) {
          filed[uid] = document;
        } else {
          filed.erase(uid);  // the old one was dropped for it
        }
        break;
      }
      case 2: {
        const auto it = cache.find(key(uid));
        if (!it) break;
        ++found;
        ASSERT_TRUE(filed.count(uid)) << uid;
        ASSERT_EQ(*it->document, filed.at(uid)) << uid;
        if (held.size() < 6) held.emplace_back(it->document, filed.at(uid));
        break;
      }
      default:
        if (!held.empty()) held.erase(held.begin() + static_cast<long>(random() % held.size()));
    }
    for (const auto& [document, text] : held) ASSERT_EQ(*document, text);
    ASSERT_LE(cache.bytes(), kRegion);
    ASSERT_LE(cache.entries(), kRegion / DocumentCache::kBytesPerEntry);
  }
  EXPECT_GT(found, 1000u);
}

using emarchive::testing::HttpClient;
using emarchive::testing::HttpReply;
using emarchive::testing::TestServer;
using served::ResourcesTest;
using served::Task;

// The TotalSize of a task session entity in XML or EM's JSON; -1 when there is none.
std::int64_t total_size(const std::string& body) {
  for (const std::string_view field : {"<TotalSize>", "\"TotalSize\":"}) {
    const std::size_t at = body.find(field);
    if (at != std::string::npos) return std::stoll(body.substr(at + field.size()));
  }
  return -1;
}

const HttpClient::Headers kJson{{"Accept", "application/json"}};

// The query page that holds only the task session `guid`, as entities.
std::string page_of(const std::string& guid) {
  return "/api/query?type=BackupTaskSession&format=Entities&filter=UID==%22urn:veeam:"
         "BackupTaskSession:" +
         guid + "%22";
}

// A writer stores new revisions of one task session while clients read it, in both forms and
// both formats, and in a query page, through the cache. A client never sees a revision older than
// the newest one stored before its request began, nor one older than it saw before, and the last
// revision is served at the end.
TEST_F(ResourcesTest, ARecordChangedWhileClientsReadItIsNeverServedStale) {
  auto server = serve();
  Task task = history_.tasks.front();
  const std::string target = "/api/backupTaskSessions/" + task.guid;
  const std::string page = page_of(task.guid);
  constexpr int kRevisions = 40;
  std::atomic<std::int64_t> stored{task.size};
  std::atomic<bool> done{false};
  std::atomic<int> stale{0};
  std::atomic<int> reads{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 3; ++c) {
    clients.emplace_back([&] {
      HttpClient client(server->port());
      std::int64_t seen = 0;
      while (!done) {
        const std::int64_t at_least = stored;
        const HttpReply entity = client.get(target + "?format=Entity");
        const HttpReply reference = client.get(target);
        const HttpReply json = client.get(target + "?format=Entity", kJson);
        const HttpReply in_page = client.get(page);
        const HttpReply json_page = client.get(page, kJson);
        std::int64_t least = total_size(entity.body);
        for (const HttpReply* reply : {&json, &in_page, &json_page}) {
          least = std::min(least, total_size(reply->body));
        }
        if (entity.status != 200 || reference.status != 200 || json.status != 200 ||
            in_page.status != 200 || json_page.status != 200 || least < at_least || least < seen) {
          ++stale;
        }
        seen = least;
        ++reads;
      }
    });
  }
  // Returns what failed, "" when every revision was stored; the clients are joined either way.
  const auto write = [&]() -> std::string {
    auto writer = storage::Archive::open(db_);
    if (!writer) return writer.error().message;
    auto run = (*writer)->begin_run("test", "", "2024-03-02T00:00:00Z");
    if (!run) return run.error().message;
    for (int i = 1; i <= kRevisions; ++i) {
      ++task.size;
      auto doc = parse_document(served::task_entity(task), "changed");
      if (!doc) return doc.error().message;
      auto outcomes = (*writer)->store(doc->records, *run, "2024-03-02T00:00:00Z");
      if (!outcomes) return outcomes.error().message;
      stored = task.size;
      // Let the clients read this revision a few times, so that it is cached when the next
      // one is stored.
      const int until = reads + 6;
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (reads < until && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::yield();
      }
    }
    return "";
  };
  EXPECT_EQ(write(), "");
  done = true;
  for (std::thread& client : clients) client.join();
  EXPECT_EQ(stale, 0);
  HttpClient client(server->port());
  EXPECT_EQ(total_size(client.get(target + "?format=Entity").body), task.size);
  EXPECT_EQ(total_size(client.get(target + "?format=Entity", kJson).body), task.size);
  EXPECT_EQ(total_size(client.get(page).body), task.size);
  EXPECT_EQ(total_size(client.get(page, kJson).body), task.size);
  const auto revisions = [&] {
    auto archive = storage::Archive::open(db_);
    return (*archive)->revision_count("urn:veeam:BackupTaskSession:" + task.guid, Form::Entity);
  }();
  ASSERT_TRUE(revisions);
  EXPECT_EQ(*revisions, kRevisions + 1);
}

// A record or a query page asked for in JSON is converted once and then answered from the cache:
// each answer is EM's JSON of the XML answer, with JSON's Content-Type, in both forms.
TEST_F(ResourcesTest, JsonIsCachedAsTheConversionOfTheXml) {
  auto server = serve();
  HttpClient client(server->port());
  const std::string record = "/api/backupTaskSessions/" + history_.tasks.front().guid;
  for (const std::string& target :
       {record + "?format=Entity", record, page_of(history_.tasks.front().guid),
        std::string("/api/query?type=BackupTaskSession&pageSize=7&page=2")}) {
    const HttpReply xml = client.get(target);
    ASSERT_EQ(xml.status, 200u) << xml.body;
    const auto expected = render_json(xml.body);
    ASSERT_TRUE(expected) << expected.error().message;
    for (int i = 0; i < 3; ++i) {  // rendered, then from the cache
      const HttpReply json = client.get(target, kJson);
      EXPECT_EQ(json.status, 200u);
      EXPECT_EQ(json.header("Content-Type"), kJsonContentType);
      EXPECT_EQ(json.body, *expected) << target;
    }
    EXPECT_EQ(client.get(target).body, xml.body);  // XML is still XML
  }
}

// `target` (about `task`) answered from the cache costs no `call` of the archive `db` while
// nothing was committed: the second such call fails on cue, so an answer without it shows that
// it was not made. After another connection's commit the next request makes it (and fails), and
// then the changed task is served.
void expect_cached_until_a_commit_elsewhere(const std::string& db,
                                            emarchive::testing::ArchiveCall call,
                                            const std::string& target, Task task) {
  emarchive::testing::ArchiveFailurePlan plan;
  plan.call = call;
  plan.nth = 2;
  plan.code = ErrorCode::busy;
  ResourceOptions resources;
  resources.now = [] { return *parse_em_time("2024-02-10T00:00:00Z"); };
  TestServer server({}, make_resource_handler(served::failing_pool(db, plan), resources));
  HttpClient client(server.port());  // one request at a time: the pool opens one connection

  const HttpReply first = client.get(target);  // the first call, then rendered
  ASSERT_EQ(first.status, 200u) << first.body;
  EXPECT_EQ(total_size(first.body), task.size);
  for (int i = 0; i < 3; ++i) {
    const HttpReply again = client.get(target);  // from the cache, without the call
    ASSERT_EQ(again.status, 200u) << again.body;
    EXPECT_EQ(again.body, first.body);
  }

  auto writer = storage::Archive::open(db);
  ASSERT_TRUE(writer) << writer.error().message;
  auto run = (*writer)->begin_run("test", "", "2024-03-02T00:00:00Z");
  ASSERT_TRUE(run) << run.error().message;
  ++task.size;
  auto doc = parse_document(served::task_entity(task), "changed");
  ASSERT_TRUE(doc) << doc.error().message;
  ASSERT_TRUE((*writer)->store(doc->records, *run, "2024-03-02T00:00:00Z"));

  EXPECT_EQ(client.get(target).status, 503u);  // the second call, which fails
  const HttpReply changed = client.get(target);
  ASSERT_EQ(changed.status, 200u) << changed.body;
  EXPECT_EQ(total_size(changed.body), task.size);
}

// A record's document is answered without a lookup of its revisions while nothing was
// committed, and looked up after a commit elsewhere.
TEST_F(ResourcesTest, TheCacheLooksUpRevisionsOnlyAfterACommitElsewhere) {
  const Task& task = history_.tasks.front();
  expect_cached_until_a_commit_elsewhere(db_, emarchive::testing::ArchiveCall::CurrentRevisions,
                                         "/api/backupTaskSessions/" + task.guid + "?format=Entity",
                                         task);
}

// A query page is answered without a query while nothing was committed, and queried again after
// a commit elsewhere: there are no revisions to confirm it by.
TEST_F(ResourcesTest, AQueryPageIsKeptUntilACommitElsewhere) {
  const Task& task = history_.tasks.front();
  expect_cached_until_a_commit_elsewhere(db_, emarchive::testing::ArchiveCall::Query,
                                         page_of(task.guid), task);
}

// A page whose filter counts from the clock (the two days before now) changes as the clock moves,
// with no commit: it is answered afresh each time, not from the cache.
TEST_F(ResourcesTest, AQueryPageCountingFromTheClockIsNotKept) {
  auto now = std::make_shared<std::atomic<EmTime>>(*parse_em_time("2024-01-07T00:00:00Z"));
  ResourceOptions resources;
  resources.now = [now] { return now->load(); };
  auto server = serve({}, resources);
  HttpClient client(server->port());
  const std::string page =
      "/api/query?type=BackupTaskSession&format=Entities&filter=CreationTime%3E=now-2d;"
      "CreationTime%3Cnow";
  const auto in_last_two_days = [&](EmTime at) {
    return history_.uids([&](const Task& t) {
      return t.created >= at - std::int64_t{2} * 86'400'000'000'000 && t.created < at;
    });
  };
  for (const char* at : {"2024-01-07T00:00:00Z", "2024-02-02T00:00:00Z", "2024-01-07T00:00:00Z"}) {
    *now = *parse_em_time(at);
    const HttpReply reply = client.get(page);
    ASSERT_EQ(reply.status, 200u) << reply.body;
    EXPECT_EQ(served::uids_in(reply.body), in_last_two_days(*now)) << at;
  }
}

}  // namespace
}  // namespace emarchive::api
