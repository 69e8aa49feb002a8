// The cache of rendered single records: bounded, and never a stale revision, also while a
// record changes under clients reading it.

#include "api/document_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "tests/api/resources_fixture.h"

namespace emarchive::api {
namespace {

DocumentCache::Key key(std::string_view uid, std::int64_t entity_revision, Form form = Form::Entity,
                       std::string_view origin = "http://a:1") {
  return {uid, form, origin, 0, entity_revision};
}

TEST(DocumentCacheTest, FindsADocumentOnlyUnderItsRecordFormOriginAndRevisions) {
  DocumentCache cache(1 << 20);
  cache.insert(key("urn:x:1", 1), "<one />");
  EXPECT_EQ(cache.find(key("urn:x:1", 1)), "<one />");
  EXPECT_EQ(cache.find(key("urn:x:1", 2)), std::nullopt);  // a newer revision: not this one
  EXPECT_EQ(cache.find(key("urn:x:2", 1)), std::nullopt);
  EXPECT_EQ(cache.find(key("urn:x:1", 1, Form::Reference)), std::nullopt);
  EXPECT_EQ(cache.find(key("urn:x:1", 1, Form::Entity, "http://b:1")), std::nullopt);
  DocumentCache::Key with_reference = key("urn:x:1", 1);
  with_reference.reference_revision = 1;  // the reference was archived since
  EXPECT_EQ(cache.find(with_reference), std::nullopt);
}

TEST(DocumentCacheTest, KeepsWithinItsBoundDroppingTheLeastRecentlyUsed) {
  const std::string document(1000, 'x');
  const std::size_t entry = document.size() + DocumentCache::kEntryOverhead + 40;
  DocumentCache cache(3 * entry);
  const std::vector<std::string> uids = {"urn:x:1", "urn:x:2", "urn:x:3", "urn:x:4"};
  for (int i = 0; i < 3; ++i) cache.insert(key(uids[i], 1), document);
  ASSERT_TRUE(cache.find(key(uids[0], 1)));  // now the most recently used
  cache.insert(key(uids[3], 1), document);
  EXPECT_LE(cache.bytes(), 3 * entry);
  EXPECT_TRUE(cache.find(key(uids[0], 1)));
  EXPECT_FALSE(cache.find(key(uids[1], 1)));  // the least recently used went
  EXPECT_TRUE(cache.find(key(uids[2], 1)));
  EXPECT_TRUE(cache.find(key(uids[3], 1)));

  cache.insert(key("urn:x:big", 1), std::string(4 * entry, 'y'));  // larger than the bound
  EXPECT_FALSE(cache.find(key("urn:x:big", 1)));
  EXPECT_TRUE(cache.find(key(uids[3], 1)));
}

using emarchive::testing::HttpClient;
using emarchive::testing::HttpReply;
using served::ResourcesTest;
using served::Task;

std::int64_t total_size(const std::string& body) {
  const std::size_t at = body.find("<TotalSize>");
  if (at == std::string::npos) return -1;
  return std::stoll(body.substr(at + 11));
}

// A writer stores new revisions of one task session while clients read it, in both forms,
// through the cache. A client never sees a revision older than the newest one stored before
// its request began, nor one older than it saw before, and the last revision is served at the
// end.
TEST_F(ResourcesTest, ARecordChangedWhileClientsReadItIsNeverServedStale) {
  auto server = serve();
  Task task = history_.tasks.front();
  const std::string target = "/api/backupTaskSessions/" + task.guid;
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
        const std::int64_t size = total_size(entity.body);
        if (entity.status != 200 || reference.status != 200 || size < at_least || size < seen) {
          ++stale;
        }
        seen = size;
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
  const auto revisions = [&] {
    auto archive = storage::Archive::open(db_);
    return (*archive)->revision_count("urn:veeam:BackupTaskSession:" + task.guid, Form::Entity);
  }();
  ASSERT_TRUE(revisions);
  EXPECT_EQ(*revisions, kRevisions + 1);
}

}  // namespace
}  // namespace emarchive::api
