#include "storage/size_range.h"

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

bool walk_for_sizes(SQLite::Database& db, const RecordQuery& query, std::int64_t total,
                    const PageWindow& window) {
  if (!size_ranged(query) || !ordered_by_creation(query) || total <= 0 || window.limit <= 0) {
    return false;
  }
  // One size (==) is read from the size index in creation order already.
  const ValueRange& range = *query.filter->size_range;
  if (range.from && range.until && *range.from != std::numeric_limits<std::int64_t>::max() &&
      *range.from + 1 == *range.until) {
    return false;
  }
  SQLite::Statement sized(db, "SELECT CASE WHEN " + tallies_set_aside_sql() +
                                  " THEN NULL ELSE (SELECT coalesce(sum(n), 0) FROM "
                                  "session_size_tallies WHERE kind_id = ?) END");
  sized.bind(1, kind_id(query.kind));
  sized.executeStep();
  if (sized.getColumn(0).isNull()) return false;
  // Costs in matches read from the size index.
  constexpr double kWalkedCost = 5;
  constexpr double kKeptCost = 15;
  constexpr std::int64_t kMostKept = 300'000;
  const std::int64_t kept = window.offset + window.limit;
  if (kept > kMostKept) return true;
  const double walked = static_cast<double>(kept) *
                        static_cast<double>(sized.getColumn(0).getInt64()) /
                        static_cast<double>(total);
  return walked * kWalkedCost < static_cast<double>(total) + static_cast<double>(kept) * kKeptCost;
}

}  // namespace emarchive::storage
