// A bulk load sets the query indexes (and the tallies' triggers) aside and builds them again
// (storage/deferred_indexes.h, Archive::begin_bulk_load): the same indexes come back, consistent
// with their tables and with statistics, whether the load ends, or stops early and the archive
// is opened again.

#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "storage/planner_statistics.h"
#include "storage/session_tallies.h"
#include "tests/storage/archive_fixture.h"

namespace emarchive::storage {
namespace {

using namespace fixture;

constexpr std::uint64_t kLarge = std::uint64_t{1} << 30;

// name -> CREATE statement of every index of the typed tables, as sqlite_master has them.
std::map<std::string, std::string> query_indexes(SQLite::Database& db) {
  std::map<std::string, std::string> indexes;
  SQLite::Statement s(db,
                      "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                      "AND tbl_name IN ('sessions', 'jobs', 'backup_servers') AND sql IS NOT NULL");
  while (s.executeStep()) indexes.emplace(s.getColumn(0).getString(), s.getColumn(1).getString());
  return indexes;
}

// A task session for each GUID: enough rows that every sessions index has entries.
std::vector<Record> task_sessions(int n) {
  std::vector<Record> records;
  for (int i = 0; i < n; ++i) {
    char guid[37];
    std::snprintf(guid, sizeof guid, "00000000-0000-4000-8000-%012d", i);
    records.push_back(full_record(Kind::BackupTaskSession, guid));
  }
  return records;
}

class DeferredIndexesTest : public ArchiveTest {};

TEST_F(DeferredIndexesTest, ALoadNoLargerThanTheArchiveKeepsTheIndexes) {
  SQLite::Database db = sql();
  const auto before = query_indexes(db);
  ASSERT_GE(before.size(), 10u);
  auto deferred = archive_->begin_bulk_load(1 << 20);
  ASSERT_TRUE(deferred) << deferred.error().message;
  EXPECT_EQ(*deferred, 0);
  EXPECT_EQ(query_indexes(db), before);
  auto built = archive_->end_bulk_load();
  ASSERT_TRUE(built) << built.error().message;
  EXPECT_EQ(*built, 0);
}

TEST_F(DeferredIndexesTest, ALargeLoadDropsTheQueryIndexesAndBuildsTheSameOnesAgain) {
  SQLite::Database db = sql();
  const auto before = query_indexes(db);
  auto deferred = archive_->begin_bulk_load(kLarge);
  ASSERT_TRUE(deferred) << deferred.error().message;
  // All but the one the writer's triggers read through, and the tallies' triggers.
  EXPECT_EQ(*deferred, static_cast<std::int64_t>(before.size() - 1 + kTallyTriggers.size()));
  EXPECT_EQ(count(db,
                  "SELECT count(*) FROM sqlite_master WHERE name LIKE '%tally%' "
                  "AND type = 'trigger'"),
            0);
  EXPECT_EQ(
      query_indexes(db),
      (std::map<std::string, std::string>{{"sessions_parent", before.at("sessions_parent")}}));
  // The triggers that give task sessions their job session's job stay (migration 19).
  EXPECT_EQ(count(db,
                  "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN "
                  "('sessions_task_job_insert', 'sessions_task_job_update', "
                  "'sessions_job_to_tasks')"),
            3);
  EXPECT_EQ(count(db, "SELECT count(*) FROM deferred_indexes"), *deferred);
  // The writer needs none of them: records of every kind store as before.
  std::vector<Record> records = task_sessions(50);
  for (const KindInfo& kind : all_kinds()) records.push_back(full_record(kind.kind, kTaskGuid));
  const std::vector<StoreOutcome> outcomes = store(records);
  EXPECT_EQ(outcomes.size(), records.size());

  auto built = archive_->end_bulk_load();
  ASSERT_TRUE(built) << built.error().message;
  EXPECT_EQ(*built, *deferred);
  EXPECT_EQ(query_indexes(db), before);
  EXPECT_EQ(count(db, "SELECT count(*) FROM deferred_indexes"), 0);
  EXPECT_EQ(count(db,
                  "SELECT count(*) FROM sqlite_master WHERE name LIKE '%tally%' "
                  "AND type = 'trigger'"),
            static_cast<std::int64_t>(kTallyTriggers.size()));
  // integrity_check compares every index with its table, entry by entry.
  EXPECT_EQ(db.execAndGet("PRAGMA integrity_check").getString(), "ok");
  // Each index of sessions built again, which now has rows, has the planner's statistics.
  for (const auto& [name, sql] : before) {
    if (sql.find(" ON sessions ") == std::string::npos || name == "sessions_parent") continue;
    SQLite::Statement stat(db, "SELECT count(*) FROM sqlite_stat1 WHERE idx = ?");
    stat.bind(1, name);
    ASSERT_TRUE(stat.executeStep());
    EXPECT_EQ(stat.getColumn(0).getInt(), 1) << name;
  }
}

// A load that leaves the archive over twice as large as when it was last analyzed (a first import)
// has it analyzed whole as its indexes are built, every table's, once: the writer's close then
// finds the statistics current. (A smaller one has the indexes built analyzed, one by one:
// ALargeLoadDropsTheQueryIndexesAndBuildsTheSameOnesAgain.)
TEST_F(DeferredIndexesTest, ALoadThatOutgrowsTheStatisticsHasTheArchiveAnalyzedOnce) {
  SQLite::Database db = sql();
  auto deferred = archive_->begin_bulk_load(kLarge);
  ASSERT_TRUE(deferred) << deferred.error().message;
  store(task_sessions(1200));
  EXPECT_TRUE(statistics_outgrown(db));
  auto built = archive_->end_bulk_load();
  ASSERT_TRUE(built) << built.error().message;
  EXPECT_FALSE(statistics_outgrown(db));
  EXPECT_EQ(count(db, "SELECT count(*) FROM sqlite_stat1 WHERE idx = 'sqlite_autoindex_records_1'"),
            1);
  EXPECT_GE(count(db, "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'links'"), 1);
  EXPECT_GE(count(db, "SELECT count(*) FROM sqlite_stat1 WHERE idx = 'sessions_kind_creation'"), 1);
}

TEST_F(DeferredIndexesTest, ALoadThatStoppedEarlyHasItsIndexesBuiltAtTheNextOpenForWriting) {
  SQLite::Database db = sql();
  const auto before = query_indexes(db);
  ASSERT_TRUE(archive_->begin_bulk_load(kLarge));
  store(task_sessions(20));
  archive_.reset();  // the process stops here: end_bulk_load never runs

  // A reader (serve) meanwhile answers from the tables alone.
  {
    OpenOptions read_only;
    read_only.read_only = true;
    std::unique_ptr<Archive> reader = open(read_only);
    ASSERT_TRUE(reader);
    auto record =
        reader->load(uid(Kind::BackupTaskSession, "00000000-0000-4000-8000-000000000007"));
    ASSERT_TRUE(record) << record.error().message;
    EXPECT_TRUE(record->has_value());
    EXPECT_EQ(query_indexes(db).size(), 1u);
  }
  archive_ = open();
  ASSERT_TRUE(archive_);
  EXPECT_EQ(query_indexes(db), before);
  EXPECT_EQ(count(db, "SELECT count(*) FROM deferred_indexes"), 0);
  EXPECT_EQ(db.execAndGet("PRAGMA integrity_check").getString(), "ok");
}

// Each index is built and committed on its own (so that the WAL holds one at a time): when one
// cannot be built, those built before it stay built, and it and the rest wait in
// deferred_indexes for the next open for writing.
TEST_F(DeferredIndexesTest, EachIndexIsBuiltInATransactionOfItsOwn) {
  SQLite::Database db = sql();
  const auto before = query_indexes(db);
  ASSERT_TRUE(archive_->begin_bulk_load(kLarge));
  store(task_sessions(20));
  // Built in the order of the names, between the others; every task session has the same kind.
  const std::string failing = "sessions_kind_m_unique";
  db.exec("INSERT INTO deferred_indexes (name, sql) VALUES ('" + failing +
          "', 'CREATE UNIQUE INDEX " + failing + " ON sessions (kind_id)')");
  EXPECT_FALSE(archive_->end_bulk_load());

  const auto built = query_indexes(db);
  int earlier = 0;
  int later = 0;
  for (const auto& [name, sql] : before) {
    if (name == "sessions_parent") continue;  // never deferred
    const bool is_earlier = name < failing;
    (is_earlier ? earlier : later) += 1;
    EXPECT_EQ(built.contains(name), is_earlier) << name;
    SQLite::Statement waits(db, "SELECT count(*) FROM deferred_indexes WHERE name = ?");
    waits.bind(1, name);
    ASSERT_TRUE(waits.executeStep());
    EXPECT_EQ(waits.getColumn(0).getInt(), is_earlier ? 0 : 1) << name;
  }
  EXPECT_GT(earlier, 0);
  EXPECT_GT(later, 0);
  EXPECT_EQ(db.execAndGet("PRAGMA integrity_check").getString(), "ok");
}

TEST_F(DeferredIndexesTest, TwoLoadsAtOnceLeaveEveryIndexBuilt) {
  SQLite::Database db = sql();
  const auto before = query_indexes(db);
  ASSERT_TRUE(archive_->begin_bulk_load(kLarge));
  // A second writer opening meanwhile builds them (it cannot tell the first is still running);
  // the first keeps storing, now into indexed tables, and has nothing left to build.
  std::unique_ptr<Archive> second = open();
  ASSERT_TRUE(second);
  EXPECT_EQ(query_indexes(db), before);
  store(task_sessions(10));
  auto built = archive_->end_bulk_load();
  ASSERT_TRUE(built) << built.error().message;
  EXPECT_EQ(*built, 0);
  EXPECT_EQ(query_indexes(db), before);
  EXPECT_EQ(db.execAndGet("PRAGMA integrity_check").getString(), "ok");
}

}  // namespace
}  // namespace emarchive::storage
