#include "storage/tallied_range.h"

#include "storage/session_tallies.h"
#include "storage/sqlite_support.h"

namespace emarchive::storage {

std::string tallied_range_count(std::string_view table, std::string_view column, Kind kind,
                                const ValueRange& range, const WholeBucketRange& whole,
                                const std::string& plain, const std::vector<SqlValue>& plain_params,
                                std::vector<SqlValue>& params) {
  params = plain_params;
  std::string sum = "(SELECT coalesce(sum(n), 0) FROM " + std::string(table) + " WHERE kind_id = ?";
  params.emplace_back(std::int64_t{kind_id(kind)});
  if (whole.buckets.from) {
    sum += " AND bucket >= ?";
    params.emplace_back(*whole.buckets.from);
  }
  if (whole.buckets.until) {
    sum += " AND bucket < ?";
    params.emplace_back(*whole.buckets.until);
  }
  sum += ")";
  const auto count_between = [&](const ValueRange& part) {
    sum += " + (SELECT count(*) FROM sessions t WHERE t.kind_id = ?";
    params.emplace_back(std::int64_t{kind_id(kind)});
    append_range("t." + std::string(column), part, sum, params);
    sum += ")";
  };
  if (whole.values.from && (!range.from || *range.from < *whole.values.from)) {
    count_between({range.from, whole.values.from});
  }
  if (whole.values.until && (!range.until || *whole.values.until < *range.until)) {
    count_between({whole.values.until, range.until});
  }
  return "SELECT CASE WHEN " + tallies_set_aside_sql() + " THEN (" + plain + ") ELSE " + sum +
         " END";
}

}  // namespace emarchive::storage
