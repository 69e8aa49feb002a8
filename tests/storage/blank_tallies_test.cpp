// The sessions without a value or with an empty one (storage/session_tallies.h, kBlankColumns;
// migrations/022_blank_tallies.sql): the counts of =="" of a text field, and of a != counted by
// complement, read the blank tallies, and they and every page are what the sessions say, alone
// and in time ranges on a bucket's edges, however the sessions arrive and change; filters the
// blank tallies do not hold are counted from the index alike; a bulk load counts them afresh;
// `verify` holds them to a count; an archive of schema version 21 gets them.

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "model/ascii.h"
#include "model/em_time.h"
#include "model/query_type.h"
#include "storage/archive.h"
#include "storage/deferred_indexes.h"
#include "storage/record_query.h"
#include "storage/session_tallies.h"
#include "storage/sqlite_support.h"
#include "tests/storage/archive_fixture.h"

namespace emarchive::storage {
namespace {

using namespace emarchive::storage::fixture;

// Bucket 25000 of 2^46 ns starts at this instant; the session just before it is in bucket 24999.
constexpr const char* kBucketEdge = "2025-09-30T07:50:04.4416Z";
constexpr const char* kBeforeEdge = "2025-09-30T07:50:04.441599999Z";
constexpr std::int64_t kHour = 3'600'000'000'000;

// A backup task session as its row holds it.
struct Row {
  std::string uid;
  std::optional<std::int64_t> created;
  std::optional<std::string> name, display, vm_uid, reason;
  std::optional<std::int64_t> size, end;
};

bool is_empty(const std::optional<std::string>& v) {
  return v && v->empty();
}
// Has a value other than `other`, compared as the query service compares text.
bool other_than(const std::optional<std::string>& v, std::string_view other) {
  return v && !iequals(*v, other);
}
bool created_in(const Row& r, std::optional<std::string_view> from, bool from_inclusive,
                std::optional<std::string_view> until) {
  if (!r.created) return false;
  if (from && (from_inclusive ? *r.created < at(*from) : *r.created <= at(*from))) return false;
  return !until || *r.created < at(*until);
}

struct Case {
  std::string filter;
  std::function<bool(const Row&)> matches;
  bool tallied;  // its count reads session_blank_tallies
};

std::vector<Case> cases() {
  const std::int64_t end = at("2025-09-29T05:00:00Z");
  const std::string from = "2025-09-28T00:00:00Z";
  const std::string until = "2025-10-01T12:00:00Z";
  return {
      {"Reason==\"\"", [](const Row& r) { return is_empty(r.reason); }, true},
      {"Reason!=\"\"", [](const Row& r) { return other_than(r.reason, ""); }, true},
      {"Reason!=\"disk full\"", [](const Row& r) { return other_than(r.reason, "disk full"); },
       true},
      {"VmUid==\"\"", [](const Row& r) { return is_empty(r.vm_uid); }, true},
      {"VmUid!=\"\"", [](const Row& r) { return other_than(r.vm_uid, ""); }, true},
      {"VmUid!=\"vm-1\"", [](const Row& r) { return other_than(r.vm_uid, "vm-1"); }, true},
      {"VmDisplayName==\"\"", [](const Row& r) { return is_empty(r.display); }, true},
      {"VmDisplayName!=\"\"", [](const Row& r) { return other_than(r.display, ""); }, true},
      {"Name==\"\"", [](const Row& r) { return is_empty(r.name); }, true},
      {"Name!=\"\"", [](const Row& r) { return other_than(r.name, ""); }, true},
      {"TotalSize!=5000", [](const Row& r) { return r.size && *r.size != 5000; }, true},
      {"EndTime!=\"2025-09-29T05:00:00Z\"", [=](const Row& r) { return r.end && *r.end != end; },
       true},
      {"Reason==\"\";CreationTime>=\"" + from + "\";CreationTime<\"" + until + "\"",
       [=](const Row& r) { return is_empty(r.reason) && created_in(r, from, true, until); }, true},
      {std::string("Reason!=\"\";CreationTime>=\"") + kBucketEdge + "\"",
       [](const Row& r) {
         return other_than(r.reason, "") && created_in(r, kBucketEdge, true, {});
       },
       true},
      {std::string("VmUid!=\"\";CreationTime<\"") + kBucketEdge + "\"",
       [](const Row& r) {
         return other_than(r.vm_uid, "") && created_in(r, {}, true, kBucketEdge);
       },
       true},
      {std::string("VmDisplayName==\"\";CreationTime>\"") + kBeforeEdge + "\"",
       [](const Row& r) { return is_empty(r.display) && created_in(r, kBeforeEdge, false, {}); },
       true},
      // Two terms beside a blank one, a blank one under OR, and a range with no whole bucket:
      // counted from the index.
      {"Reason==\"\";VmUid==\"\"",
       [](const Row& r) { return is_empty(r.reason) && is_empty(r.vm_uid); }, false},
      {"Reason==\"\";VmUid!=\"\"",
       [](const Row& r) { return is_empty(r.reason) && other_than(r.vm_uid, ""); }, false},
      {"Reason==\"\",VmUid==\"\"",
       [](const Row& r) { return is_empty(r.reason) || is_empty(r.vm_uid); }, false},
      {"Reason==\"\";CreationTime>=\"2025-09-28T00:00:00Z\";CreationTime<\"2025-09-29T04:00:00Z\"",
       [](const Row& r) {
         return is_empty(r.reason) &&
                created_in(r, "2025-09-28T00:00:00Z", true, "2025-09-29T04:00:00Z");
       },
       false},
  };
}

class BlankTallies : public ArchiveTest {
 protected:
  // Task session `i`, created 3 hours after the one before, from 72 hours before the bucket's edge
  // (about 7 buckets in all; none on the edge itself, so that no two share an instant), its fields
  // each blank, empty, or a value in either case by turns.
  static Record task(int i) {
    Record r = full_record(Kind::BackupTaskSession, numbered_guid(i));
    const std::vector<std::optional<std::string>> reasons = {std::nullopt, "", "Disk full",
                                                             "DISK FULL", "Timeout"};
    const std::vector<std::optional<std::string>> vms = {std::nullopt, "", "vm-1", "VM-2"};
    const std::int64_t created = at(kBucketEdge) + (i - 24) * 3 * kHour + kHour / 7;
    set_field(r, "CreationTimeUTC", format_em_time(created));
    set_field(r, "Reason", reasons[i % reasons.size()]);
    set_field(r, "VmUid", vms[i % vms.size()]);
    set_field(r, "TotalSize",
              i % 6 == 0 ? std::nullopt : std::optional(std::to_string(5000 + i % 2)));
    set_field(r, "EndTimeUTC",
              i % 5 == 0 ? std::nullopt : std::optional(format_em_time(created + kHour)));
    const std::optional<std::string> display =
        i % 3 == 0 ? std::nullopt : std::optional<std::string>(i % 3 == 1 ? "" : "web");
    r.reference->vm_display_name = display;
    r.entity->vm_display_name = display;
    if (i % 7 == 0) {
      r.reference->name = "";
      r.entity->name = "";
    }
    return r;
  }

  // 48 task sessions, one on the bucket's edge and one just before, one by reference only (no
  // creation time) and replica task sessions, which no backup task session query counts.
  void store_history() {
    std::vector<Record> tasks;
    for (int i = 0; i < 48; ++i) tasks.push_back(task(i));
    Record edge = task(48);
    set_field(edge, "CreationTimeUTC", kBucketEdge);
    Record before = task(49);
    set_field(before, "CreationTimeUTC", kBeforeEdge);
    Record by_reference = task(50);
    by_reference.entity.reset();
    tasks.insert(tasks.end(), {edge, before, by_reference});
    store(std::vector<Record>(tasks.begin(), tasks.begin() + 25));
    Record replica = full_record(Kind::ReplicaTaskSession, numbered_guid(900));
    set_field(replica, "CreationTimeUTC", kBucketEdge);
    set_field(replica, "Reason", "");
    store({replica});
    store(std::vector<Record>(tasks.begin() + 25, tasks.end()));
  }

  RecordQuery query(const std::string& filter) const {
    RecordQuery q;
    q.kind = Kind::BackupTaskSession;
    q.filter = compiled_filter(q.kind, filter);
    q.sort.field = find_query_field(*find_query_type(info(q.kind).name), "CreationTime");
    return q;
  }

  // The backup task sessions' rows, in creation order (those without one first).
  std::vector<Row> task_rows() {
    SQLite::Database db = sql();
    SQLite::Statement s(db,
                        "SELECT r.uid, s.creation_time_ns, s.name, s.vm_display_name, s.vm_uid, "
                        "s.reason, s.total_size, s.end_time_ns FROM sessions s JOIN records r ON "
                        "r.id = s.record_id WHERE s.kind_id = ? "
                        "ORDER BY s.creation_time_ns, s.record_id");
    s.bind(1, kind_id(Kind::BackupTaskSession));
    const auto text = [&](int i) {
      return s.getColumn(i).isNull() ? std::nullopt : std::optional(s.getColumn(i).getString());
    };
    const auto integer = [&](int i) {
      return s.getColumn(i).isNull() ? std::nullopt : std::optional(s.getColumn(i).getInt64());
    };
    std::vector<Row> rows;
    while (s.executeStep()) {
      rows.push_back({s.getColumn(0).getString(), integer(1), text(2), text(3), text(4), text(5),
                      integer(6), integer(7)});
    }
    return rows;
  }

  // Each case's count, and pages at its start, middle and end both ways (deep ones start from a
  // bucket's edge), are those of the sessions' rows; the count reads the blank tallies for the
  // cases that say so.
  void expect_answers_match_sessions() {
    const std::vector<Row> rows = task_rows();
    for (const Case& c : cases()) {
      std::vector<std::string> expected;
      for (const Row& row : rows) {
        if (c.matches(row)) expected.push_back(row.uid);
      }
      ASSERT_FALSE(expected.empty()) << c.filter;
      EXPECT_EQ(record_query_sql(query(c.filter)).count.find("session_blank_tallies") !=
                    std::string::npos,
                c.tallied)
          << c.filter;
      const auto [listed, total] = page(query(c.filter));
      EXPECT_EQ(total, std::ssize(expected)) << c.filter;
      EXPECT_EQ(listed, expected) << c.filter;
      for (const bool descending : {false, true}) {
        std::vector<std::string> order = expected;
        if (descending) std::reverse(order.begin(), order.end());
        for (const std::int64_t offset : {std::int64_t{0}, std::ssize(order) / 2,
                                          std::max<std::int64_t>(std::ssize(order) - 2, 0)}) {
          RecordQuery q = query(c.filter);
          q.sort.descending = descending;
          q.offset = offset;
          q.limit = 2;
          const auto from = order.begin() + std::min<std::int64_t>(offset, std::ssize(order));
          const auto to = order.begin() + std::min<std::int64_t>(offset + 2, std::ssize(order));
          EXPECT_EQ(page(q), std::make_pair(std::vector<std::string>(from, to), total))
              << c.filter << (descending ? " descending" : "") << " at " << offset;
        }
      }
    }
  }

  // The blank tallies' rows with a count that is not 0, as text.
  std::vector<std::string> blank_tallies(SQLite::Database& db) {
    std::string counted = "n <> 0";
    for (const BlankColumn& c : kBlankColumns) {
      counted += " OR " + std::string(c.column) + "_null <> 0";
      if (c.text) counted += " OR " + std::string(c.column) + "_empty <> 0";
    }
    SQLite::Statement s(db,
                        "SELECT * FROM session_blank_tallies WHERE " + counted + " ORDER BY 1, 2");
    std::vector<std::string> out;
    while (s.executeStep()) {
      std::string row;
      for (int i = 0; i < s.getColumnCount(); ++i) row += s.getColumn(i).getString() + " ";
      out.push_back(row);
    }
    return out;
  }

  // What the triggers kept equals a count afresh.
  void expect_blank_tallies_current() {
    SQLite::Database db = sql();
    const std::vector<std::string> kept = blank_tallies(db);
    EXPECT_FALSE(kept.empty());
    SQLite::Transaction transaction(db);
    for (std::string_view trigger : kTallyTriggers) {
      db.exec("DROP TRIGGER " + std::string(trigger));  // rolled back below
    }
    recount_session_tallies(db);
    EXPECT_EQ(blank_tallies(db), kept);
  }

  void expect_all_right() {
    expect_answers_match_sessions();
    expect_blank_tallies_current();
    EXPECT_EQ(verify_problems(), std::vector<std::string>{});
  }
};

TEST_F(BlankTallies, CountsAndPagesAreWhatTheSessionsSay) {
  store_history();
  expect_all_right();
}

// Sessions whose fields go from blank to empty to a value and back, that finish (gain an end
// time), move across the bucket's edge, are removed or change kind: the tallies follow.
TEST_F(BlankTallies, TheyFollowTheSessionsAsTheyChange) {
  store_history();
  std::vector<Record> changed;
  for (int i : {0, 1, 2, 5, 10, 20}) {
    Record r = task(i);
    set_field(r, "Reason", i % 2 ? std::nullopt : std::optional<std::string>(i % 4 ? "" : "x"));
    set_field(r, "VmUid", i % 3 ? std::optional<std::string>("") : std::optional<std::string>("v"));
    set_field(r, "EndTimeUTC", "2025-10-02T00:00:00Z");
    set_field(r, "TotalSize", i % 2 ? std::nullopt : std::optional<std::string>("7"));
    if (i == 20) set_field(r, "CreationTimeUTC", "2025-09-30T07:50:04.44159Z");  // by the edge
    r.entity->vm_display_name = i % 2 ? std::nullopt : std::optional<std::string>("");
    changed.push_back(r);
  }
  store(changed);
  delete_and_move_session_rows(uid(Kind::BackupTaskSession, numbered_guid(3)),
                               uid(Kind::BackupTaskSession, numbered_guid(4)),
                               Kind::ReplicaTaskSession);
  // Not `verify`: it finds the record whose session row went.
  expect_answers_match_sessions();
  expect_blank_tallies_current();
}

// A bulk load sets the tallies aside: counts read the index, and its end counts them afresh.
TEST_F(BlankTallies, ABulkLoadCountsThemAfresh) {
  auto deferred = archive_->begin_bulk_load(std::uint64_t{1} << 40);
  ASSERT_TRUE(deferred) << deferred.error().message;
  store_history();
  // And a session with every field set, alone in its bucket: no blank value there, no row.
  Record full = full_record(Kind::BackupTaskSession, numbered_guid(8000));
  set_field(full, "CreationTimeUTC", "2031-01-01T00:00:00Z");
  set_field(full, "EndTimeUTC", "2031-01-01T01:00:00Z");
  set_field(full, "Reason", "x");
  set_field(full, "VmUid", "v");
  set_field(full, "TotalSize", "7");
  store({full});
  {
    SQLite::Database db = sql();
    EXPECT_EQ(count(db, "SELECT count(*) FROM session_blank_tallies"), 0);
  }
  for (const Case& c : cases()) {
    const std::int64_t total = page(query(c.filter)).second;
    EXPECT_GT(total, 0) << c.filter << " while the tallies are set aside";
  }
  ASSERT_TRUE(archive_->end_bulk_load());
  expect_all_right();
  SQLite::Database db = sql();
  EXPECT_EQ(count(db, "SELECT count(*) FROM session_blank_tallies WHERE n = 0"), 0);
}

// `verify` finds a count changed.
TEST_F(BlankTallies, VerifyHoldsThemToACount) {
  store_history();
  sql().exec(
      "UPDATE session_blank_tallies SET reason_empty = reason_empty + 1 WHERE (kind_id, bucket) = "
      "(SELECT kind_id, bucket FROM session_blank_tallies WHERE reason_empty > 0 LIMIT 1)");
  expect_one_problem("session_blank_tallies differs from a count");
}

// `verify` finds a count added to a row whose `n` is 0, as a bucket's row is once its blank
// sessions have all moved away, which the query would read all the same.
TEST_F(BlankTallies, VerifyHoldsARowWithoutSessionsToACount) {
  store_history();
  SQLite::Database db = sql();
  const std::string kind = std::to_string(kind_id(Kind::BackupTaskSession));
  const std::int64_t empty =
      count(db, "SELECT count(*) FROM sessions WHERE kind_id = " + kind + " AND reason = ''");
  db.exec("INSERT INTO session_blank_tallies VALUES (" + kind +
          ", 1, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0)");
  EXPECT_EQ(page(query("Reason==\"\"")).second, empty + 5);
  expect_one_problem("session_blank_tallies differs from a count");
}

// An archive of schema version 21 has no blank tallies: opened for writing, it counts them, and
// keeps them from there on, whether the other tallies were current or a bulk load that stopped
// early had set them aside (then every tally is counted afresh).
TEST_F(BlankTallies, TheMigrationTo22CountsTheBlankValues) {
  expect_migrated_from<undo_migration_22>(
      21, [&] { store_history(); },
      [&] {
        expect_all_right();
        store({task(7), task(60)});
        expect_all_right();
      });
}

}  // namespace
}  // namespace emarchive::storage
