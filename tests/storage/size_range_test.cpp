// A filter of TotalSize bounds alone (storage/size_range.h, migrations/021_size_tallies.sql) is
// counted from the size tallies where a bucket lies wholly inside its range: the count and every
// page are what the sessions say, for ranges on and inside a bucket's edges, across the sizes
// below 10,000 (a bucket each), zero, negative sizes and the largest ones, however the sessions
// arrive and change; a bulk load sets the tallies aside and counts them afresh; `verify` holds them
// to a count; an archive of schema version 20 gets them; one of version 22 gets the size in its
// creation index. Sorted by size, a deep page starts at a bucket's edge.

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "model/em_time.h"
#include "model/query_type.h"
#include "storage/archive.h"
#include "storage/deferred_indexes.h"
#include "storage/record_query.h"
#include "storage/session_tallies.h"
#include "storage/size_range.h"
#include "storage/sqlite_support.h"
#include "storage/verifier.h"
#include "tests/storage/archive_fixture.h"

namespace emarchive::storage {
namespace {

using namespace emarchive::storage::fixture;

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();

// A filter of sizes and what it matches.
struct Case {
  std::string filter;
  std::optional<std::int64_t> from;   // size >= from
  std::optional<std::int64_t> until;  // size < until
  bool tallied;                       // some bucket lies wholly inside
};

std::vector<Case> cases() {
  return {
      {"TotalSize>=1234000000", 1234000000, std::nullopt, true},
      {"TotalSize>1234000000", 1234000001, std::nullopt, true},
      {"TotalSize>=1234000001;TotalSize<1235000000", 1234000001, 1235000000, false},
      {"TotalSize>=1233999999;TotalSize<=1235000000", 1233999999, 1235000001, true},
      {"TotalSize==1234000000", 1234000000, 1234000001, false},
      {"TotalSize==1234000007", 1234000007, 1234000008, false},
      {"TotalSize<=0", std::nullopt, 1, true},
      {"TotalSize<0", std::nullopt, 0, false},
      {"TotalSize>=-5000000;TotalSize<100", -5000000, 100, true},
      {"TotalSize>-1", 0, std::nullopt, true},
      {"TotalSize>=5000;TotalSize<12000", 5000, 12000, true},
      {"TotalSize>9998;TotalSize<=10001", 9999, 10002, true},
      {"TotalSize>=123456;TotalSize<=990000012345", 123456, 990000012346, true},
      {"TotalSize>=9223372036854775000", 9223372036854775000, std::nullopt, false},
      {"TotalSize>9223372036854775806", kMax, std::nullopt, false},
      {"TotalSize<9223372036854775807", std::nullopt, kMax, true},
      {"TotalSize>=1;TotalSize<1", 1, 1, false},
  };
}

class SizeRange : public ArchiveTest {
 protected:
  static Record task(Kind kind, int i, std::optional<std::int64_t> size) {
    Record r = full_record(kind, numbered_guid(i));
    set_field(r, "CreationTimeUTC",
              format_em_time(at("2025-06-01T00:00:00Z") + std::int64_t{i} * 60'000'000'000));
    set_field(r, "TotalSize", size ? std::optional(std::to_string(*size)) : std::nullopt);
    return r;
  }

  // Sizes on and beside buckets' edges, below and above 10,000, zero, negative and the largest;
  // several of each; a task session without one, one known by reference only, and replica task
  // sessions, which no backup task session query counts.
  static std::vector<std::int64_t> sizes() {
    return {0,
            0,
            1,
            9,
            99,
            5000,
            9998,
            9999,
            10000,
            10001,
            10009,
            11999,
            12000,
            123456,
            123499,
            123500,
            1233999999,
            1234000000,
            1234000000,
            1234000001,
            1234000007,
            1234999999,
            1235000000,
            1235000001,
            99999999,
            100000000,
            -1,
            -5000000,
            -5000001,
            kMin,
            kMax,
            kMax - 1,
            9223372036854775000,
            990000012345,
            990000012346};
  }

  void store_history() {
    std::vector<Record> tasks;
    const std::vector<std::int64_t> all = sizes();
    for (std::size_t i = 0; i < all.size(); ++i) {
      tasks.push_back(task(Kind::BackupTaskSession, static_cast<int>(i), all[i]));
    }
    tasks.push_back(task(Kind::BackupTaskSession, 100, std::nullopt));
    Record by_reference = task(Kind::BackupTaskSession, 101, 5);
    by_reference.entity.reset();
    tasks.push_back(by_reference);
    store(std::vector<Record>(tasks.begin(), tasks.begin() + 20));
    store({task(Kind::ReplicaTaskSession, 900, 1234000000), task(Kind::ReplicaTaskSession, 901, -1),
           task(Kind::ReplicaTaskSession, 902, 10000)});
    store(std::vector<Record>(tasks.begin() + 20, tasks.end()));
  }

  RecordQuery query(const std::string& filter, const char* sort_field) const {
    RecordQuery q;
    q.kind = Kind::BackupTaskSession;
    q.filter = compiled_filter(q.kind, filter);
    if (sort_field) {
      q.sort.field = find_query_field(*find_query_type(info(q.kind).name), sort_field);
    }
    return q;
  }

  // The backup task sessions as (size, creation time, UID), in creation order.
  using Row = std::tuple<std::optional<std::int64_t>, std::int64_t, std::string>;
  std::vector<Row> task_rows() {
    SQLite::Database db = sql();
    SQLite::Statement s(db,
                        "SELECT s.total_size, s.creation_time_ns, r.uid FROM sessions s JOIN "
                        "records r ON r.id = s.record_id WHERE s.kind_id = ? AND "
                        "s.creation_time_ns IS NOT NULL ORDER BY s.creation_time_ns, s.record_id");
    s.bind(1, kind_id(Kind::BackupTaskSession));
    std::vector<Row> rows;
    while (s.executeStep()) {
      const SQLite::Column size = s.getColumn(0);
      rows.emplace_back(size.isNull() ? std::nullopt : std::optional(size.getInt64()),
                        s.getColumn(1).getInt64(), s.getColumn(2).getString());
    }
    return rows;
  }

  // Each case's count, and its matches in creation order, are those of the sessions' rows.
  void expect_answers_match_sessions() {
    const std::vector<Row> rows = task_rows();
    for (const Case& c : cases()) {
      std::vector<std::string> expected;
      for (const auto& [size, created, uid] : rows) {
        if (size && (!c.from || *size >= *c.from) && (!c.until || *size < *c.until)) {
          expected.push_back(uid);
        }
      }
      const auto [listed, total] = page(query(c.filter, nullptr));
      EXPECT_EQ(total, std::ssize(expected)) << c.filter;
      EXPECT_EQ(listed, expected) << c.filter;
      // Pages of 3 at the start, the middle and the end, both ways, whether the archive walks
      // the creation index for them or sorts.
      for (const bool descending : {false, true}) {
        std::vector<std::string> order = expected;
        if (descending) std::reverse(order.begin(), order.end());
        for (const std::int64_t offset : {std::int64_t{0}, std::ssize(order) / 2,
                                          std::max<std::int64_t>(std::ssize(order) - 2, 0)}) {
          RecordQuery q = query(c.filter, "CreationTime");
          q.sort.descending = descending;
          q.offset = offset;
          q.limit = 3;
          const auto from = order.begin() + std::min<std::int64_t>(offset, std::ssize(order));
          const auto to = order.begin() + std::min<std::int64_t>(offset + 3, std::ssize(order));
          EXPECT_EQ(page(q).first, std::vector<std::string>(from, to))
              << c.filter << (descending ? " descending" : "") << " at " << offset;
        }
      }
      RecordQuery sorted = query(c.filter, "TotalSize");
      EXPECT_EQ(page(sorted).second, std::ssize(expected)) << c.filter << " sorted by size";
    }
  }

  // What the triggers kept equals a count afresh.
  void expect_size_tallies_current() {
    SQLite::Database db = sql();
    const auto tallies = [&] {
      std::vector<std::tuple<int, std::int64_t, std::int64_t>> out;
      SQLite::Statement s(db,
                          "SELECT kind_id, bucket, n FROM session_size_tallies WHERE n <> 0 "
                          "ORDER BY 1, 2");
      while (s.executeStep()) {
        out.emplace_back(s.getColumn(0).getInt(), s.getColumn(1).getInt64(),
                         s.getColumn(2).getInt64());
      }
      return out;
    };
    const auto kept = tallies();
    EXPECT_FALSE(kept.empty());
    SQLite::Transaction transaction(db);
    for (std::string_view trigger : kTallyTriggers) {
      db.exec("DROP TRIGGER " + std::string(trigger));  // rolled back below
    }
    recount_session_tallies(db);
    EXPECT_EQ(tallies(), kept);
  }
};

// The bucket in C++ and in SQL agree, and keep the sizes' order.
TEST_F(SizeRange, TheBucketIsTheSameInSqlAndKeepsTheOrder) {
  SQLite::Database db = sql();
  SQLite::Statement s(db, "SELECT " + size_bucket_sql("?1"));
  std::vector<std::int64_t> values = sizes();
  for (std::int64_t v : {std::int64_t{10}, std::int64_t{100}, std::int64_t{1000},
                         std::int64_t{99999}, std::int64_t{100000}, std::int64_t{999999999999}}) {
    values.push_back(v);
  }
  std::sort(values.begin(), values.end());
  std::int64_t last = -1;
  for (std::int64_t v : values) {
    s.reset();
    s.bind(1, v);
    ASSERT_TRUE(s.executeStep());
    EXPECT_EQ(s.getColumn(0).getInt64(), size_bucket(v)) << v;
    EXPECT_GE(size_bucket(v), last) << v;
    last = size_bucket(v);
  }
  EXPECT_EQ(size_bucket(-1), 0);
  EXPECT_EQ(size_bucket(9999), 49999);
  EXPECT_EQ(size_bucket(10000), 51000);
  EXPECT_EQ(size_bucket(10009), 51000);
  EXPECT_EQ(size_bucket(10010), 51001);
}

TEST_F(SizeRange, CountsAndPagesAreWhatTheSessionsSay) {
  store_history();
  expect_answers_match_sessions();
  for (const Case& c : cases()) {
    const bool tallied =
        record_query_sql(query(c.filter, nullptr)).count.find("session_size_tallies") !=
        std::string::npos;
    EXPECT_EQ(tallied, c.tallied) << c.filter;
  }
  // Other queries are counted as before: another field beside it, a size excluded.
  for (const char* other : {"TotalSize>=1234000000;Result==Success", "TotalSize!=0",
                            "TotalSize>=1234000000,TotalSize<0"}) {
    EXPECT_EQ(record_query_sql(query(other, nullptr)).count.find("session_size_tallies"),
              std::string::npos)
        << other;
  }
  expect_size_tallies_current();
  EXPECT_EQ(verify_problems(), std::vector<std::string>{});
}

// The ids `query` selects for its first `limit` matches, read with its SQL in a connection of
// its own.
std::vector<std::int64_t> selected(SQLite::Database& db, const RecordQuery& query,
                                   std::int64_t limit) {
  const RecordQuerySql q = record_query_sql(query);
  SQLite::Statement s(db, q.select_ids);
  std::vector<SqlValue> params = q.params;
  params.emplace_back(limit);
  params.emplace_back(std::int64_t{0});
  bind_all(s, params);
  std::vector<std::int64_t> ids;
  while (s.executeStep()) ids.push_back(s.getColumn(0).getInt64());
  return ids;
}

// The plan's lines for the page `query` selects.
std::string page_plan(SQLite::Database& db, const RecordQuery& query) {
  const RecordQuerySql q = record_query_sql(query);
  SQLite::Statement plan(db, "EXPLAIN QUERY PLAN " + q.select_ids);
  std::vector<SqlValue> params = q.params;
  params.emplace_back(std::int64_t{100});
  params.emplace_back(std::int64_t{0});
  bind_all(plan, params);
  std::string lines;
  while (plan.executeStep()) lines += plan.getColumn(3).getString() + "\n";
  return lines;
}

// A page near either end of many matches walks the creation index, testing each size on its
// entry; a page deep into them, or of few matches, reads the size index and sorts the matches;
// one size, another order or tallies set aside leave it to SQLite. Each reads the same ids.
TEST_F(SizeRange, APageIsWalkedOrSortedByWhatItReads) {
  using Read = RecordQuery::SizeRangeRead;
  store_history();
  std::vector<Record> more;
  for (int i = 1000; i < 3000; ++i) more.push_back(task(Kind::BackupTaskSession, i, i * 1000 + 7));
  store(more);
  SQLite::Database db = sql();
  const char* many = "TotalSize>=1;TotalSize<9223372036854775000";
  RecordQuery q = query(many, nullptr);
  const std::int64_t total = page(q).second;
  EXPECT_EQ(total, 2026);
  EXPECT_EQ(size_range_read(db, q, total, {false, 0, 3}), Read::walk_creation);
  EXPECT_EQ(size_range_read(db, q, total, {true, 0, 3}), Read::walk_creation);
  // Where nearly every session matches, a walk reads few more than the page, however deep.
  EXPECT_EQ(size_range_read(db, q, total, {false, total / 2, 3}), Read::walk_creation);
  EXPECT_EQ(size_range_read(db, q, total, {false, 0, 0}), Read::as_planned);
  // 30 matches of 2,035 sessions: a walk would read some 68 sessions for each match, the sort
  // 30 matches, from the first page on.
  const RecordQuery few = query("TotalSize>=1000000;TotalSize<1030000", nullptr);
  EXPECT_EQ(page(few).second, 30);
  EXPECT_EQ(size_range_read(db, few, 30, {false, 0, 3}), Read::sort_matches);
  EXPECT_EQ(size_range_read(db, few, 30, {false, 15, 3}), Read::sort_matches);
  // 300 matches: some 7 sessions walked for each match kept, less than the sort's keeping it
  // costs, however deep the page.
  const RecordQuery some = query("TotalSize>=1000000;TotalSize<1300000", nullptr);
  EXPECT_EQ(page(some).second, 300);
  EXPECT_EQ(size_range_read(db, some, 300, {false, 0, 3}), Read::walk_creation);
  EXPECT_EQ(size_range_read(db, some, 300, {false, 150, 3}), Read::walk_creation);
  // One bound, which SQLite alone walks however few match.
  const RecordQuery one_bound = query("TotalSize>=2970000", nullptr);
  const std::int64_t largest = page(one_bound).second;
  EXPECT_LT(largest, 60);
  EXPECT_EQ(size_range_read(db, one_bound, largest, {false, 20, 3}), Read::sort_matches);
  // Beyond 300,000 kept the sort would take too much memory.
  EXPECT_EQ(size_range_read(db, few, 30, {false, 300'000, 3}), Read::walk_creation);
  // One size is read in creation order from the size index.
  EXPECT_EQ(size_range_read(db, query("TotalSize==1234000000", nullptr), 2, {false, 0, 3}),
            Read::as_planned);
  EXPECT_EQ(size_range_read(db, query(many, "TotalSize"), total, {false, 0, 3}), Read::as_planned);
  EXPECT_EQ(size_range_read(db, query(std::string(many) + ";Result==Success", nullptr), total,
                            {false, 0, 3}),
            Read::as_planned);
  for (const RecordQuery& asked : {q, few, one_bound}) {
    for (const bool descending : {false, true}) {
      RecordQuery planned = asked;
      planned.sort.descending = descending;
      const std::vector<std::int64_t> ids = selected(db, planned, 3000);
      RecordQuery walking = planned;
      walking.size_range_read = Read::walk_creation;
      const std::string walked = page_plan(db, walking);
      EXPECT_NE(record_query_sql(walking).select_ids.find("+t.total_size"), std::string::npos);
      // The size is read from the creation index's entry: its sessions are not read for it.
      EXPECT_NE(walked.find("COVERING INDEX sessions_kind_creation ("), std::string::npos)
          << walked;
      EXPECT_EQ(walked.find("TEMP B-TREE FOR ORDER BY"), std::string::npos) << walked;
      RecordQuery sorting = planned;
      sorting.size_range_read = Read::sort_matches;
      const std::string sorted = page_plan(db, sorting);
      EXPECT_NE(sorted.find("INDEX sessions_kind_size_creation ("), std::string::npos) << sorted;
      EXPECT_NE(sorted.find("TEMP B-TREE FOR ORDER BY"), std::string::npos) << sorted;
      for (const std::int64_t limit : {std::int64_t{3}, std::int64_t{3000}}) {
        const auto first = std::vector<std::int64_t>(
            ids.begin(), ids.begin() + std::min<std::int64_t>(limit, std::ssize(ids)));
        EXPECT_EQ(selected(db, walking, limit), first) << asked.filter->sql;
        EXPECT_EQ(selected(db, sorting, limit), first) << asked.filter->sql;
      }
    }
  }
  {
    SQLite::Transaction transaction(db);
    db.exec("INSERT INTO deferred_indexes (name, sql) VALUES ('" +
            std::string(kTallyTriggers.front()) + "', '')");  // rolled back below
    EXPECT_EQ(size_range_read(db, q, total, {false, 0, 3}), Read::as_planned);
  }
}

// Sorted by TotalSize, all the task sessions or a range of sizes, a page deep into the answer
// starts at a size-tally bucket's edge: every page, both ways and from either end, is the one an
// OFFSET from the first match reads, with the sessions without a size first in ascending order
// and last in descending, ties in archive order; with the tallies set aside the pages are read
// from the first match, the same.
TEST_F(SizeRange, ADeepPageSortedBySizeStartsAtABucketsEdge) {
  store_history();
  // 3,000 more: some 300 sizes between 10,000 and 13,000 (buckets of ten, each size thrice or
  // more), and every 97th without a size, every 89th negative.
  std::vector<Record> more;
  for (int i = 0; i < 3000; ++i) {
    Record r = task(Kind::BackupTaskSession, 1000 + i, 10000 + std::int64_t{i} * 7919 % 1000 * 3);
    if (i % 97 == 5) set_field(r, "TotalSize", std::nullopt);
    if (i % 89 == 3) set_field(r, "TotalSize", std::to_string(-i));
    more.push_back(std::move(r));
  }
  store(more);
  SQLite::Database db = sql();
  for (const char* filter : {"", "TotalSize>=10500", "TotalSize<12000",
                             "TotalSize>=10501;TotalSize<12997", "TotalSize>=-1000"}) {
    for (const bool descending : {false, true}) {
      RecordQuery sorted = query(filter, "TotalSize");
      sorted.sort.descending = descending;
      ASSERT_TRUE(size_ordered(sorted)) << filter;
      const auto [all, total] = page(sorted);
      ASSERT_EQ(std::ssize(all), total) << filter;
      ASSERT_GT(total, 1500) << filter;
      // The whole answer, read from its first match, in size order.
      const std::vector<Row> rows = task_rows();
      std::map<std::string, std::optional<std::int64_t>> size_of;
      for (const auto& [size, created, uid] : rows) size_of[uid] = size;
      for (std::size_t i = 1; i < all.size(); ++i) {
        const std::optional<std::int64_t> a = size_of[all[i - 1]];
        const std::optional<std::int64_t> b = size_of[all[i]];
        EXPECT_TRUE(descending ? (!b || (a && *a >= *b)) : (!a || (b && *a <= *b)))
            << filter << " at " << i;
      }
      for (const std::int64_t offset : {std::int64_t{1000}, std::int64_t{1001}, total / 2 - 7,
                                        total / 2, total - 1200, total - 40}) {
        RecordQuery q = sorted;
        q.offset = offset;
        q.limit = 50;
        const auto from = all.begin() + offset;
        const auto to = all.begin() + std::min<std::int64_t>(offset + 50, total);
        EXPECT_EQ(page(q).first, std::vector<std::string>(from, to))
            << filter << (descending ? " descending" : "") << " at " << offset;
      }
      // The edge is used: reading forwards or backwards, it lies before the page.
      for (const bool ascending : {false, true}) {
        SQLite::Transaction read(db);
        const std::optional<RangeEdge> edge =
            size_bucket_edge(db, sorted, total, ascending, total / 2);
        ASSERT_TRUE(edge) << filter;
        EXPECT_GT(edge->before, 0) << filter;
        EXPECT_LE(edge->before, total / 2) << filter;
      }
    }
  }
  // From the edge, the size index is ranged by the tighter bound a side, the filter's own tested
  // on each entry.
  for (const bool ascending : {false, true}) {
    RecordQuery from_edge = query("TotalSize>=10501;TotalSize<12997", "TotalSize");
    from_edge.past = RecordQuery::Past{11000, ascending, RecordQuery::Past::Column::size};
    const std::string plan = page_plan(db, from_edge);
    EXPECT_NE(plan.find("INDEX sessions_kind_size_creation (kind_id=? AND total_size>? AND "
                        "total_size<?)"),
              std::string::npos)
        << plan;
    EXPECT_NE(record_query_sql(from_edge).select_ids.find("+t.total_size >= ?"), std::string::npos);
  }
  // Tallies set aside (as by a bulk load): no edge, the same pages.
  RecordQuery sorted = query("", "TotalSize");
  const auto [all, total] = page(sorted);
  defer_query_indexes(db);
  {
    SQLite::Transaction read(db);
    EXPECT_FALSE(size_bucket_edge(db, sorted, total, true, total / 2));
  }
  sorted.offset = total / 2;
  sorted.limit = 50;
  EXPECT_EQ(page(sorted).first,
            std::vector<std::string>(all.begin() + total / 2, all.begin() + total / 2 + 50));
}

// Sessions that change size (into another bucket, to none, from none), one removed and one moved
// to another kind: the tallies follow and every count stays right.
TEST_F(SizeRange, CountsStayRightAsSessionsChange) {
  store_history();
  store({task(Kind::BackupTaskSession, 17, 5000), task(Kind::BackupTaskSession, 18, std::nullopt),
         task(Kind::BackupTaskSession, 100, 1234000000)});
  expect_answers_match_sessions();
  expect_size_tallies_current();
  delete_and_move_session_rows(uid(Kind::BackupTaskSession, numbered_guid(19)),
                               uid(Kind::BackupTaskSession, numbered_guid(16)),
                               Kind::ReplicaTaskSession);
  expect_answers_match_sessions();
  expect_size_tallies_current();
}

// A bulk load sets the tallies aside: counts read the index, and its end counts them afresh.
TEST_F(SizeRange, ABulkLoadCountsThemAfresh) {
  auto deferred = archive_->begin_bulk_load(std::uint64_t{1} << 40);
  ASSERT_TRUE(deferred) << deferred.error().message;
  store_history();
  SQLite::Database db = sql();
  EXPECT_EQ(count(db, "SELECT count(*) FROM session_size_tallies"), 0);
  expect_answers_match_sessions();
  ASSERT_TRUE(archive_->end_bulk_load());
  expect_answers_match_sessions();
  expect_size_tallies_current();
  EXPECT_EQ(verify_problems(), std::vector<std::string>{});
}

// `verify` finds a count changed.
TEST_F(SizeRange, VerifyHoldsThemToACount) {
  store_history();
  sql().exec("UPDATE session_size_tallies SET n = n + 1 WHERE kind_id = " +
             std::to_string(kind_id(Kind::BackupTaskSession)) +
             " AND bucket = " + std::to_string(size_bucket(1234000000)));
  expect_one_problem("session_size_tallies differs from a count");
}

// An archive of schema version 20 has no size tallies: opened for writing, it counts them, and
// keeps them from there on, whether the other tallies were current or a bulk load that stopped
// early had set them aside (then every tally is counted afresh).
TEST_F(SizeRange, TheMigrationTo21CountsTheSizes) {
  expect_migrated_from<undo_migration_21>(
      20, [&] { store_history(); },
      [&] {
        expect_answers_match_sessions();
        expect_size_tallies_current();
        EXPECT_EQ(verify_problems(), std::vector<std::string>{});
        store({task(Kind::BackupTaskSession, 3, 1234000000)});
        expect_answers_match_sessions();
        expect_size_tallies_current();
      });
}

// An archive of schema version 22 has the creation index without the size: opened for writing,
// it has the size in its entries, whether the index was in place or a bulk load that stopped
// early had set it aside, and every answer stays the same.
TEST_F(SizeRange, TheMigrationTo23PutsTheSizeInTheCreationIndex) {
  expect_migrated_from<undo_migration_23>(
      22, [&] { store_history(); },
      [&] {
        std::vector<std::string> columns;
        SQLite::Database db = sql();
        SQLite::Statement index(db, "SELECT name FROM pragma_index_info('sessions_kind_creation')");
        while (index.executeStep()) columns.push_back(index.getColumn(0).getString());
        EXPECT_EQ(columns, (std::vector<std::string>{"kind_id", "creation_time_ns", "total_size"}));
        expect_answers_match_sessions();
        expect_size_tallies_current();
        EXPECT_EQ(verify_problems(), std::vector<std::string>{});
      });
}

}  // namespace
}  // namespace emarchive::storage
