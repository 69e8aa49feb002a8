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

// The keys of the end-tally buckets `range` touches, the partial ones at its ends included. Not
// for a range that ends at the first instant (nothing ends before it, and its last bucket would
// be before the first).
ValueRange touched_buckets(const TimeRange& range) {
  assert(!range.until || *range.until != kMin);
  ValueRange buckets;
  if (range.from) buckets.from = *range.from >> kShift;
  if (range.until) buckets.until = ((*range.until - 1) >> kShift) + 1;
  return buckets;
}

// The first instant of the end-tally bucket `bucket`.
std::optional<EmTime> bucket_start(std::int64_t bucket) {
  return bucket << kShift;
}

// The first instant past the end-tally bucket `bucket`; nullopt past the last instant there is.
std::optional<EmTime> start_past(std::int64_t bucket) {
  if (bucket >= kMax >> kShift) return std::nullopt;
  return (bucket + 1) << kShift;
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
  append_range("bucket", touched_buckets(range), sql, params);
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

std::optional<RangeEdge> end_bucket_edge(SQLite::Database& db, const RecordQuery& query,
                                         std::int64_t total, bool ascending, std::int64_t offset) {
  assert(end_ordered(query));
  constexpr TalliedColumn kEnds{
      "session_end_tallies", "end_time_ns", end_tally_count,
      touched_buckets,       bucket_start,  start_past,
  };
  return tallied_edge(db, kEnds, query.kind, query.filter ? query.filter->end_range : std::nullopt,
                      total, ascending, offset);
}

}  // namespace emarchive::storage
