// A filter of EndTime bounds alone (storage/end_time_range.h, migrations/018_end_time_tallies.sql)
// is counted from the end tallies and, in creation order, read between creation bounds that the
// tallies' durations give: the count and every page are what the sessions say, however they
// arrive and change, for ranges on and across a bucket's edge, before 1970, with sessions that
// run, end before they begin or have no creation time; the bounds are used where they are exact
// and left where they are not; `verify` holds the tallies to a count.

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "model/em_time.h"
#include "model/query_type.h"
#include "storage/archive.h"
#include "storage/end_time_range.h"
#include "storage/record_batches.h"
#include "storage/record_query.h"
#include "storage/session_tallies.h"
#include "storage/verifier.h"
#include "tests/storage/archive_fixture.h"

namespace emarchive::storage {
namespace {

using namespace emarchive::storage::fixture;

constexpr EmTime kMinute = 60'000'000'000;
constexpr EmTime kHour = 60 * kMinute;

// The start of the first tally bucket at or after `t`, as a filter writes it.
std::string bucket_edge_after(std::string_view t) {
  return format_em_time(first_bucket_from(at(t)) << kTallyBucketShift);
}

// A filter and which end times it matches.
struct Case {
  std::string filter;
  std::function<bool(EmTime)> matches;
};

std::vector<Case> cases() {
  const EmTime edge = at(bucket_edge_after("2025-06-05T00:00:00Z"));
  return {
      {R"(EndTime>="2025-06-03";EndTime<"2025-06-09")",
       [](EmTime e) { return e >= at("2025-06-03T00:00:00Z") && e < at("2025-06-09T00:00:00Z"); }},
      {R"(EndTime>"2025-06-05 12:00:00")", [](EmTime e) { return e > at("2025-06-05T12:00:00Z"); }},
      {R"(EndTime<="2025-06-04T06:00:00Z")",
       [](EmTime e) { return e <= at("2025-06-04T06:00:00Z"); }},
      {R"(EndTime<"1970-01-02")", [](EmTime e) { return e < at("1970-01-02T00:00:00Z"); }},
      {R"(EndTime>="1969-12-31";EndTime<"1970-01-01 01:00:00")",
       [](EmTime e) { return e >= at("1969-12-31T00:00:00Z") && e < at("1970-01-01T01:00:00Z"); }},
      {R"(EndTime>="2025-06-04";EndTime<"2025-06-04 06:00:00")",
       [](EmTime e) { return e >= at("2025-06-04T00:00:00Z") && e < at("2025-06-04T06:00:00Z"); }},
      {R"(EndTime>="2025-06-02";EndTime<"2025-06-30";EndTime>"2025-06-03")",
       [](EmTime e) { return e > at("2025-06-03T00:00:00Z") && e < at("2025-06-30T00:00:00Z"); }},
      {"EndTime>=\"" + format_em_time(edge) + "\"", [edge](EmTime e) { return e >= edge; }},
      {"EndTime<\"" + format_em_time(edge) + "\";EndTime>=\"2025-06-02\"",
       [edge](EmTime e) { return e < edge && e >= at("2025-06-02T00:00:00Z"); }},
      {"EndTime<=\"" + format_em_time(edge - 1) + "\"", [edge](EmTime e) { return e < edge; }},
      {R"(EndTime>="2025-07-01")", [](EmTime e) { return e >= at("2025-07-01T00:00:00Z"); }},
      {R"(EndTime=="2025-06-03 12:20:00")",
       [](EmTime e) { return e == at("2025-06-03T12:20:00Z"); }},
  };
}

class EndTimeRange : public ArchiveTest {
 protected:
  static std::string guid(int i) { return numbered_guid(i); }

  static Record session(Kind kind, int i, std::optional<EmTime> created,
                        std::optional<EmTime> ended) {
    Record r = full_record(kind, guid(i));
    set_field(r, "CreationTimeUTC",
              created ? std::optional(format_em_time(*created)) : std::nullopt);
    set_field(r, "EndTimeUTC", ended ? std::optional(format_em_time(*ended)) : std::nullopt);
    return r;
  }
  static Record task(int i, std::optional<EmTime> created, std::optional<EmTime> ended) {
    return session(Kind::BackupTaskSession, i, created, ended);
  }

  // Task sessions every 3 h 7 min from 2025-06-01 for 12 days, of 0 to 30 hours, across many
  // buckets' edges; one across 1970's start; one running; one that ends before it begins; one
  // known by reference only; and job sessions in the same days, which no task session query
  // counts.
  void store_history() {
    std::vector<Record> tasks;
    const EmTime start = at("2025-06-01T00:00:00Z");
    for (int i = 0; i < 100; ++i) {
      const EmTime created = start + i * (3 * kHour + 7 * kMinute);
      tasks.push_back(task(i, created, created + (i * 37 % 31) * kHour + i * kMinute));
    }
    tasks.push_back(task(100, at("1969-12-31T20:00:00Z"), at("1970-01-01T02:00:00Z")));
    tasks.push_back(task(101, at("2025-06-06T00:00:00Z"), std::nullopt));
    tasks.push_back(task(102, at("2025-06-08T00:00:00Z"), at("2025-06-07T23:00:00Z")));
    Record by_reference = task(103, start, start + kHour);
    by_reference.entity.reset();
    tasks.push_back(by_reference);
    store(std::vector<Record>(tasks.begin(), tasks.begin() + 50));
    store({session(Kind::BackupJobSession, 900, start, start + 40 * kHour),
           session(Kind::BackupJobSession, 901, start + 30 * kHour, start + 31 * kHour)});
    store(std::vector<Record>(tasks.begin() + 50, tasks.end()));
  }

  RecordQuery query(const std::string& filter, const char* sort_field, bool descending) const {
    RecordQuery q;
    q.kind = Kind::BackupTaskSession;
    q.filter = compiled_filter(q.kind, filter);
    const QueryType& type = *find_query_type(info(q.kind).name);
    if (sort_field) q.sort.field = find_query_field(type, sort_field);
    q.sort.descending = descending;
    return q;
  }

  // The task sessions with an entity as (UID, creation time, end time, record id).
  using Row = std::tuple<std::string, std::optional<EmTime>, std::optional<EmTime>, std::int64_t>;
  std::vector<Row> task_rows() {
    SQLite::Database db = sql();
    SQLite::Statement s(
        db,
        "SELECT r.uid, s.creation_time_ns, s.end_time_ns, s.record_id FROM sessions "
        "s JOIN records r ON r.id = s.record_id WHERE s.kind_id = 2");
    std::vector<Row> rows;
    const auto time = [](const SQLite::Column& c) {
      return c.isNull() ? std::nullopt : std::optional<EmTime>(c.getInt64());
    };
    while (s.executeStep()) {
      rows.emplace_back(s.getColumn(0).getString(), time(s.getColumn(1)), time(s.getColumn(2)),
                        s.getColumn(3).getInt64());
    }
    return rows;
  }

  // What the query lists, by the sessions' own rows: the matches in the query's order (a time
  // missing first ascending, last descending), ties by record id.
  static std::vector<std::string> expected(std::vector<Row> rows, const Case& c, bool by_end,
                                           bool descending) {
    std::erase_if(rows,
                  [&](const Row& r) { return !std::get<2>(r) || !c.matches(*std::get<2>(r)); });
    std::sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
      const auto& ta = by_end ? std::get<2>(a) : std::get<1>(a);
      const auto& tb = by_end ? std::get<2>(b) : std::get<1>(b);
      if (ta != tb) return descending ? tb < ta : ta < tb;
      return std::get<3>(a) < std::get<3>(b);
    });
    std::vector<std::string> uids;
    for (const Row& r : rows) uids.push_back(std::get<0>(r));
    return uids;
  }

  // Every case, in creation and in end order, both ways: the count, all the matches, pages at
  // the start, the middle and the end (read from the other end), and the matches read in batches
  // of 4 (each resumed from the creation time the one before ended at) are the expected ones.
  void expect_answers_match_sessions() {
    const std::vector<Row> rows = task_rows();
    for (const Case& c : cases()) {
      for (const char* sort : {static_cast<const char*>(nullptr), "CreationTime", "EndTime"}) {
        for (const bool descending : {false, true}) {
          const std::string what =
              c.filter + " by " + (sort ? sort : "default") + (descending ? " descending" : "");
          const std::vector<std::string> all =
              expected(rows, c, sort && std::string(sort) == "EndTime", descending);
          RecordQuery q = query(c.filter, sort, descending);
          const auto [listed, total] = page(q);
          EXPECT_EQ(total, std::ssize(all)) << what;
          EXPECT_EQ(listed, all) << what;
          for (const std::int64_t offset : {std::int64_t{0}, std::ssize(all) / 2,
                                            std::max<std::int64_t>(std::ssize(all) - 5, 0)}) {
            q.offset = offset;
            q.limit = 7;
            const auto from = all.begin() + std::min<std::int64_t>(offset, std::ssize(all));
            const auto to = all.begin() + std::min<std::int64_t>(offset + 7, std::ssize(all));
            EXPECT_EQ(page(q).first, std::vector<std::string>(from, to))
                << what << " at " << offset;
          }
          q.offset = 0;
          q.limit = -1;
          RecordBatches batches(q, total);
          std::vector<std::string> read;
          while (!batches.done()) {
            auto batch = batches.next(*archive_, 4);
            ASSERT_TRUE(batch) << batch.error().message;
            for (const Record& r : *batch) read.push_back(r.uid);
          }
          EXPECT_EQ(read, all) << what << " in batches";
        }
      }
    }
  }

  // The bounds creation_bounds() puts on the query of `filter` in creation order, now.
  std::optional<TimeRange> bounds(const std::string& filter) {
    SQLite::Database db = sql();
    return creation_bounds(db, query(filter, nullptr, false));
  }

  // The end tallies as (kind, bucket, n, undated), leaving out those at 0, and their bounds.
  using Tally = std::tuple<int, std::int64_t, std::int64_t, std::int64_t>;
  static std::vector<Tally> end_tallies(SQLite::Database& db) {
    SQLite::Statement s(db,
                        "SELECT kind_id, bucket, n, undated FROM session_end_tallies "
                        "WHERE n <> 0 ORDER BY 1, 2");
    std::vector<Tally> out;
    while (s.executeStep()) {
      out.emplace_back(s.getColumn(0).getInt(), s.getColumn(1).getInt64(),
                       s.getColumn(2).getInt64(), s.getColumn(3).getInt64());
    }
    return out;
  }

  // What the triggers kept equals a count afresh, but for bounds, which hold the counted ones.
  void expect_end_tallies_current() {
    SQLite::Database db = sql();
    const std::vector<Tally> kept = end_tallies(db);
    EXPECT_FALSE(kept.empty());
    db.exec("CREATE TEMP TABLE kept AS SELECT * FROM session_end_tallies");
    SQLite::Transaction transaction(db);
    for (std::string_view trigger : kTallyTriggers) {
      db.exec("DROP TRIGGER " + std::string(trigger));  // rolled back below
    }
    recount_session_tallies(db);
    EXPECT_EQ(end_tallies(db), kept);
    EXPECT_EQ(count(db,
                    "SELECT count(*) FROM temp.kept k JOIN session_end_tallies c USING (kind_id, "
                    "bucket) WHERE c.shortest IS NOT NULL AND (k.shortest > c.shortest OR "
                    "k.longest < c.longest)"),
              0);
  }

  void expect_verified(bool tallies_checked = true) {
    auto report = verify_archive(path_, {});
    ASSERT_TRUE(report) << report.error().message;
    for (const VerifyProblem& p : report->problems) ADD_FAILURE() << p.uid << ": " << p.what;
    EXPECT_EQ(report->tallies_checked, tallies_checked);
  }
};

constexpr const char* kWideRange = R"(EndTime>="2025-06-03";EndTime<"2025-06-09")";

TEST_F(EndTimeRange, CountsAndPagesAreWhatTheSessionsSay) {
  store_history();
  expect_answers_match_sessions();
  // The count sums the end tallies where a bucket lies wholly inside the range.
  EXPECT_NE(record_query_sql(query(kWideRange, nullptr, false)).count.find("session_end_tallies"),
            std::string::npos);
  EXPECT_EQ(
      record_query_sql(query(cases()[5].filter, nullptr, false)).count.find("session_end_tallies"),
      std::string::npos);
  expect_end_tallies_current();
  expect_verified();
}

// Over six days, sessions of up to 30 hours and one that ends an hour before it begins: the
// matches were created from the range's start less 30 hours and a bit, to its end plus one hour.
TEST_F(EndTimeRange, BoundsTheCreationTimeByTheDurationsInRange) {
  store_history();
  const std::optional<TimeRange> within = bounds(kWideRange);
  ASSERT_TRUE(within);
  ASSERT_TRUE(within->from && within->until);
  EXPECT_LE(*within->from, at("2025-06-03T00:00:00Z") - 30 * kHour);
  EXPECT_GE(*within->from, at("2025-06-03T00:00:00Z") - 32 * kHour);
  EXPECT_EQ(*within->until, at("2025-06-09T00:00:00Z") + kHour);
  // An open side stays open only where the sessions do: the span ends with the last bucket.
  const std::optional<TimeRange> since = bounds(R"(EndTime>"2025-06-05 12:00:00")");
  ASSERT_TRUE(since && since->until);
  // A range shorter than the durations vary: the sort reads fewer sessions than the walk would.
  EXPECT_FALSE(bounds(cases()[5].filter));
  // Other queries have none: another field beside it, another order, a time in the past.
  EXPECT_FALSE(bounds(std::string(kWideRange) + ";Result==Failed"));
  SQLite::Database db = sql();
  EXPECT_FALSE(creation_bounds(db, query(kWideRange, "EndTime", false)));
  RecordQuery as_of = query(kWideRange, nullptr, false);
  as_of.as_of = at(kNow);
  EXPECT_FALSE(creation_bounds(db, as_of));
}

// A session with an end time and no creation time is in no bound's range: where one ended, the
// query sorts, and lists it first (ascending) as the sessions without a time come.
TEST_F(EndTimeRange, ASessionWithoutACreationTimeTurnsTheBoundsOff) {
  store_history();
  store({task(200, std::nullopt, at("2025-06-04T10:00:00Z"))});
  EXPECT_FALSE(bounds(kWideRange));
  EXPECT_TRUE(bounds(R"(EndTime>="2025-06-10")"));
  expect_answers_match_sessions();
  const auto [listed, total] = page(query(kWideRange, nullptr, false));
  ASSERT_FALSE(listed.empty());
  EXPECT_EQ(listed.front(), uid(Kind::BackupTaskSession, guid(200)));
  expect_end_tallies_current();
  expect_verified();
}

// One session that ran for five years makes the bounds of every range it ended in wider than
// the range: those are sorted, and others keep their bounds.
TEST_F(EndTimeRange, DurationsLongerThanTheRangeTurnTheBoundsOff) {
  store_history();
  store({task(201, at("2020-06-04T00:00:00Z"), at("2025-06-04T01:00:00Z"))});
  EXPECT_FALSE(bounds(kWideRange));
  EXPECT_TRUE(bounds(R"(EndTime>="2025-06-10")"));
  expect_answers_match_sessions();
  expect_verified();
}

// Sessions that finish, end at another time (into another bucket), begin at another time (a
// longer duration, a more negative one: both outside the bounds before), or become undated, one
// removed and one moved to another kind: the tallies follow, the bounds widen only, and every
// answer stays right.
TEST_F(EndTimeRange, AnswersStayRightAsSessionsChange) {
  store_history();
  const EmTime start = at("2025-06-01T00:00:00Z");
  store({task(101, at("2025-06-06T00:00:00Z"), at("2025-06-07T05:00:00Z")),
         task(10, start, at("2025-06-10T00:00:00Z")),
         task(20, at("2025-05-31T00:00:00Z"), at("2025-06-03T06:00:00Z")),
         task(30, at("2025-06-09T02:00:00Z"), at("2025-06-08T23:30:00Z"))});
  // Both now lie outside the bounds the durations had before.
  EXPECT_TRUE(bounds(kWideRange));
  expect_answers_match_sessions();
  expect_end_tallies_current();
  delete_and_move_session_rows(uid(Kind::BackupTaskSession, guid(40)),
                               uid(Kind::BackupTaskSession, guid(41)), Kind::BackupJobSession);
  expect_answers_match_sessions();
  expect_end_tallies_current();
  store({task(50, std::nullopt, at("2025-06-06T06:00:00Z"))});
  expect_answers_match_sessions();
  expect_end_tallies_current();
}

// A bulk load sets the tallies aside: counts read the index, pages sort, and its end counts them
// afresh.
TEST_F(EndTimeRange, ABulkLoadCountsThemAfresh) {
  auto deferred = archive_->begin_bulk_load(std::uint64_t{1} << 40);
  ASSERT_TRUE(deferred) << deferred.error().message;
  store_history();
  SQLite::Database db = sql();
  EXPECT_EQ(count(db, "SELECT count(*) FROM session_end_tallies"), 0);
  EXPECT_FALSE(bounds(kWideRange));
  expect_answers_match_sessions();
  ASSERT_TRUE(archive_->end_bulk_load());
  EXPECT_TRUE(bounds(kWideRange));
  expect_answers_match_sessions();
  expect_end_tallies_current();
  expect_verified();
}

// `verify` finds a count changed and bounds narrowed, which would make answers wrong, and accepts
// bounds widened, as removals leave them.
TEST_F(EndTimeRange, VerifyHoldsThemToACount) {
  store_history();
  const std::string bucket =
      "(SELECT bucket FROM session_end_tallies WHERE kind_id = 2 AND n > 1 LIMIT 1)";
  sql().exec("UPDATE session_end_tallies SET shortest = shortest - 1, longest = longest + 1");
  expect_verified();
  sql().exec("UPDATE session_end_tallies SET n = n + 1 WHERE kind_id = 2 AND bucket = " + bucket);
  expect_one_problem("session_end_tallies differs from a count");
  sql().exec(
      "UPDATE session_end_tallies SET n = n - 1, longest = shortest WHERE kind_id = 2 AND "
      "bucket = " +
      bucket);
  expect_one_problem("session_end_tallies holds bounds narrower");
}

// An archive of schema version 17 has no end tallies: opened for writing, it counts them, and
// every tally with them.
TEST_F(EndTimeRange, TheMigrationTo18CountsTheEndTimes) {
  store_history();
  reopen_from_version(17, undo_migration_18);
  ASSERT_TRUE(archive_);
  SQLite::Database db = sql();
  EXPECT_EQ(count(db, "SELECT count(*) FROM deferred_indexes"), 0);
  EXPECT_TRUE(bounds(kWideRange));
  expect_answers_match_sessions();
  expect_end_tallies_current();
  expect_verified();
}

}  // namespace
}  // namespace emarchive::storage
