#include "storage/end_time_range.h"

#include <cassert>
#include <cstdint>
#include <limits>

#include "storage/session_tallies.h"
#include "storage/sqlite_support.h"
#include "storage/tallied_range.h"

namespace emarchive::storage {
namespace {

constexpr int kShift = kTallyBucketShift;
constexpr EmTime kMax = std::numeric_limits<EmTime>::max();
constexpr EmTime kMin = std::numeric_limits<EmTime>::min();

// The statement that counts the sessions of `kind` that ended in `range`, from the end tallies
// where a bucket lies wholly inside it, as a query of the range alone is counted.
SQLite::Statement count_ended(SQLite::Database& db, Kind kind, const TimeRange& range) {
  std::string plain = "SELECT count(*) FROM sessions t WHERE t.kind_id = ?";
  std::vector<SqlValue> plain_params{std::int64_t{kind_id(kind)}};
  append_range("t.end_time_ns", range, plain, plain_params);
  std::vector<SqlValue> params;
  std::string sql = end_tally_count(kind, range, plain, plain_params, params);
  if (sql.empty()) {
    sql = std::move(plain);
    params = std::move(plain_params);
  }
  SQLite::Statement statement(db, sql);
  bind_all(statement, params);
  return statement;
}

// Narrows `sql`, a query of session_end_tallies, to the buckets `range` touches, the partial
// ones at its ends included. Not for a range that ends at the first instant (nothing ends before
// it, and its last bucket would be before the first).
void append_touched_buckets(const TimeRange& range, std::string& sql,
                            std::vector<SqlValue>& params) {
  assert(!range.until || *range.until != kMin);
  if (range.from) {
    sql += " AND bucket >= ?";
    params.emplace_back(*range.from >> kShift);
  }
  if (range.until) {
    sql += " AND bucket <= ?";
    params.emplace_back((*range.until - 1) >> kShift);
  }
}

}  // namespace

std::string end_tally_count(Kind kind, const TimeRange& range, const std::string& plain,
                            const std::vector<SqlValue>& plain_params,
                            std::vector<SqlValue>& params) {
  const std::optional<WholeBuckets> whole = whole_buckets(range.from, range.until);
  if (!whole) return {};
  WholeBucketRange buckets{{whole->first, whole->end}, {}};
  if (whole->first) buckets.values.from = *whole->first << kShift;
  if (whole->end) buckets.values.until = *whole->end << kShift;
  return tallied_range_count("session_end_tallies", "end_time_ns", kind, range, buckets, plain,
                             plain_params, params);
}

std::optional<TimeRange> creation_bounds(SQLite::Database& db, const RecordQuery& query) {
  if (!end_ranged(query) || !ordered_by_creation(query)) return std::nullopt;
  const TimeRange& range = *query.filter->end_range;
  if (range.until && *range.until == kMin) return std::nullopt;  // nothing ends before it
  // The buckets the range touches, the partial ones at its ends included: their bounds hold
  // those of the matches in them.
  std::string sql = "SELECT " + tallies_set_aside_sql() +
                    ", sum(undated), min(shortest), max(longest), min(bucket), max(bucket) "
                    "FROM session_end_tallies WHERE kind_id = ? AND n > 0";
  std::vector<SqlValue> params{std::int64_t{kind_id(query.kind)}};
  append_touched_buckets(range, sql, params);
  SQLite::Statement tallies(db, sql);
  bind_all(tallies, params);
  tallies.executeStep();
  if (tallies.getColumn(0).getInt() != 0 || tallies.getColumn(4).isNull()) return std::nullopt;
  if (tallies.getColumn(1).getInt64() != 0) return std::nullopt;
  // A duration past 64 bits is held as a REAL (the subtraction overflowed).
  if (!tallies.getColumn(2).isInteger() || !tallies.getColumn(3).isInteger()) return std::nullopt;
  const EmTime shortest = tallies.getColumn(2).getInt64();
  const EmTime longest = tallies.getColumn(3).getInt64();
  // The span the matches ended in, [start, end): the range, narrowed to the buckets that have
  // sessions. Without `end`, it reaches past the last instant there is.
  const EmTime first_bucket = tallies.getColumn(4).getInt64();
  const EmTime last_bucket = tallies.getColumn(5).getInt64();
  EmTime start = first_bucket << kShift;
  if (range.from && *range.from > start) start = *range.from;
  std::optional<EmTime> end;
  if (last_bucket < (kMax >> kShift)) end = (last_bucket + 1) << kShift;
  if (range.until && (!end || *range.until < *end)) end = *range.until;
  EmTime margin = 0;
  EmTime span = 0;
  if (__builtin_sub_overflow(longest, shortest, &margin)) return std::nullopt;
  if (__builtin_sub_overflow(end.value_or(kMax), start, &span)) span = kMax;
  if (margin > span) return std::nullopt;
  // A bound past the instants there are is left out: that side is open.
  TimeRange bounds;
  EmTime bound = 0;
  if (!__builtin_sub_overflow(start, longest, &bound)) bounds.from = bound;
  if (end && !__builtin_sub_overflow(*end, shortest, &bound)) bounds.until = bound;
  return bounds;
}

std::optional<EndEdge> end_bucket_edge(SQLite::Database& db, const RecordQuery& query,
                                       bool ascending, std::int64_t offset) {
  assert(end_ranged(query) && ordered_by_end(query));
  const TimeRange& range = *query.filter->end_range;
  if (range.until && *range.until == kMin) return std::nullopt;  // nothing ends before it
  SQLite::Statement set_aside(db, "SELECT " + tallies_set_aside_sql());
  set_aside.executeStep();
  if (set_aside.getColumn(0).getInt() != 0) return std::nullopt;
  // The buckets the range touches, in reading order (the table's key gives either).
  std::string sql = "SELECT bucket, n FROM session_end_tallies WHERE kind_id = ? AND n > 0";
  std::vector<SqlValue> params{std::int64_t{kind_id(query.kind)}};
  append_touched_buckets(range, sql, params);
  sql += ascending ? " ORDER BY bucket" : " ORDER BY bucket DESC";
  SQLite::Statement buckets(db, sql);
  bind_all(buckets, params);
  // The partial bucket at the range's start (in reading order) holds sessions outside it as
  // well: the sum passes `offset` no later than the matches do, and the count below is exact.
  std::int64_t sum = 0;
  while (buckets.executeStep()) {
    sum += buckets.getColumn(1).getInt64();
    if (sum <= offset) continue;
    const EmTime bucket = buckets.getColumn(0).getInt64();
    EndEdge edge;
    TimeRange before = range;
    if (ascending) {
      edge.at = bucket << kShift;
      if (range.from && *range.from >= edge.at) return std::nullopt;  // the walk starts there
      before.until = edge.at;
    } else {
      if (bucket >= kMax >> kShift) return std::nullopt;
      edge.at = (bucket + 1) << kShift;
      if (range.until && *range.until <= edge.at) return std::nullopt;
      before.from = edge.at;
    }
    SQLite::Statement count = count_ended(db, query.kind, before);
    count.executeStep();
    edge.before = count.getColumn(0).getInt64();
    return edge;
  }
  return std::nullopt;
}

}  // namespace emarchive::storage
