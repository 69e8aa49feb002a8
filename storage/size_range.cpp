#include "storage/size_range.h"

#include <cassert>
#include <cstdint>
#include <limits>
#include <optional>

#include "storage/session_tallies.h"
#include "storage/sqlite_support.h"
#include "storage/tallied_range.h"

namespace emarchive::storage {
namespace {

// How far apart the sizes at the start of neighbouring buckets are around `size` (0 or more):
// 1 below 10,000, where each size is a bucket; else the unit of the fourth digit from the left.
std::int64_t bucket_unit(std::int64_t size) {
  std::int64_t unit = 1;
  for (std::int64_t rest = size; rest >= 10000; rest /= 10) unit *= 10;
  return unit;
}

// The least size of the bucket of `size` (0 or more).
std::int64_t bucket_start(std::int64_t size) {
  return size - size % bucket_unit(size);
}

// The least size of the first bucket that starts at or after `size` (0 or more); nullopt past the
// largest size there is.
std::optional<std::int64_t> first_start_from(std::int64_t size) {
  const std::int64_t start = bucket_start(size);
  if (start == size) return size;
  const std::int64_t unit = bucket_unit(size);
  if (start > std::numeric_limits<std::int64_t>::max() - unit) return std::nullopt;
  return start + unit;
}

// The least size of the bucket keyed `bucket` (session_tallies.h, size_bucket()); nullopt for
// bucket 0, the negative sizes. A key is the count of digits times 10,000 plus the first four.
std::optional<std::int64_t> bucket_least(std::int64_t bucket) {
  const std::int64_t digits = bucket / 10000;
  std::int64_t least = bucket % 10000;
  if (digits == 0) return std::nullopt;
  for (std::int64_t d = digits; d > 4; --d) least *= 10;
  return least;
}

// The least size past the bucket keyed `bucket`; nullopt past the largest size there is.
std::optional<std::int64_t> least_past(std::int64_t bucket) {
  const std::optional<std::int64_t> least = bucket_least(bucket);
  if (!least) return 0;
  const std::int64_t unit = bucket_unit(*least);
  if (*least > std::numeric_limits<std::int64_t>::max() - unit) return std::nullopt;
  return *least + unit;
}

// The keys of the size-tally buckets `range` touches, the partial ones at its ends included. Not
// for a range that ends at the least size there is.
ValueRange touched_buckets(const ValueRange& range) {
  ValueRange touched;
  if (range.from) touched.from = size_bucket(*range.from);
  if (range.until) touched.until = size_bucket(*range.until - 1) + 1;
  return touched;
}

}  // namespace

std::string size_tally_count(Kind kind, const ValueRange& range, const std::string& plain,
                             const std::vector<SqlValue>& plain_params,
                             std::vector<SqlValue>& params) {
  // Every negative size is in bucket 0: it is whole only where the range is open below.
  WholeBucketRange whole;
  if (range.from) {
    whole.values.from =
        *range.from < 0 ? std::optional<std::int64_t>(0) : first_start_from(*range.from);
    if (!whole.values.from) return {};
    whole.buckets.from = size_bucket(*whole.values.from);
  }
  if (range.until) {
    if (*range.until <= 0) return {};
    whole.values.until = bucket_start(*range.until);
    whole.buckets.until = size_bucket(*whole.values.until);
  }
  if (whole.values.from && whole.values.until && *whole.values.from >= *whole.values.until) {
    return {};
  }
  return tallied_range_count("session_size_tallies", "total_size", kind, range, whole, plain,
                             plain_params, params);
}

RecordQuery::SizeRangeRead size_range_read(SQLite::Database& db, const RecordQuery& query,
                                           std::int64_t total, const PageWindow& window) {
  using Read = RecordQuery::SizeRangeRead;
  if (!size_ranged(query) || !ordered_by_creation(query) || total <= 0 || window.limit <= 0) {
    return Read::as_planned;
  }
  // One size (==) is read from the size index in creation order already.
  const ValueRange& range = *query.filter->size_range;
  if (range.from && range.until && *range.from != std::numeric_limits<std::int64_t>::max() &&
      *range.from + 1 == *range.until) {
    return Read::as_planned;
  }
  // Not while the tallies are set aside: a bulk load's indexes may be missing then.
  if (tallies_set_aside(db)) return Read::as_planned;
  // Costs in entries walked.
  constexpr double kSortedCost = 1.6;
  constexpr double kKeptCost = 25;
  constexpr std::int64_t kMostKept = 300'000;
  const std::int64_t kept = window.offset + window.limit;
  if (kept > kMostKept) return Read::walk_creation;
  const double sorted =
      static_cast<double>(total) * kSortedCost + static_cast<double>(kept) * kKeptCost;
  const auto walked = [&](std::int64_t sessions) {
    return static_cast<double>(kept) * static_cast<double>(sessions) / static_cast<double>(total);
  };
  // The sessions with a size are at most the largest record id of a session, as ids are
  // distinct: one step down the table, which shows the walk cheaper for a page near either end
  // of many matches. Else the size tallies count them: 16,785 rows over ten million task
  // sessions, 1.6 ms.
  const std::int64_t most =
      db.execAndGet("SELECT coalesce(max(record_id), 0) FROM sessions").getInt64();
  if (walked(most) < sorted) return Read::walk_creation;
  SQLite::Statement sized(db,
                          "SELECT coalesce(sum(n), 0) FROM session_size_tallies "
                          "WHERE kind_id = ?");
  sized.bind(1, kind_id(query.kind));
  sized.executeStep();
  return walked(sized.getColumn(0).getInt64()) < sorted ? Read::walk_creation : Read::sort_matches;
}

std::optional<RangeEdge> size_bucket_edge(SQLite::Database& db, const RecordQuery& query,
                                          std::int64_t total, bool ascending, std::int64_t offset) {
  assert(size_ordered(query));
  constexpr TalliedColumn kSizes{
      "session_size_tallies", "total_size", size_tally_count,
      touched_buckets,        bucket_least, least_past,
  };
  return tallied_edge(db, kSizes, query.kind,
                      query.filter ? query.filter->size_range : std::nullopt, total, ascending,
                      offset);
}

}  // namespace emarchive::storage
