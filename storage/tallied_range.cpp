#include "storage/tallied_range.h"

#include <limits>

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
  return tallied_or_plain_sql(plain, sum);
}

std::int64_t count_in_range(SQLite::Database& db, std::string_view column, Kind kind,
                            const ValueRange& range, TallyCountSql tally_count) {
  const std::string c = "t." + std::string(column);
  std::string plain =
      "SELECT count(*) FROM sessions t WHERE t.kind_id = ? AND " + c + " IS NOT NULL";
  std::vector<SqlValue> plain_params{std::int64_t{kind_id(kind)}};
  append_range(c, range, plain, plain_params);
  std::vector<SqlValue> params;
  std::string sql = tally_count(kind, range, plain, plain_params, params);
  if (sql.empty()) {
    sql = std::move(plain);
    params = std::move(plain_params);
  }
  SQLite::Statement statement(db, sql);
  bind_all(statement, params);
  statement.executeStep();
  return statement.getColumn(0).getInt64();
}

namespace {

// The first of `table`'s buckets of `kind` among the keys `buckets` in which the running sum of n
// in reading order (ascending or not), from `skipped`, passes `offset`; nullopt if none does.
std::optional<std::int64_t> bucket_passing(SQLite::Database& db, std::string_view table, Kind kind,
                                           const ValueRange& buckets, bool ascending,
                                           std::int64_t offset, std::int64_t skipped) {
  std::string sql = "SELECT bucket, n FROM " + std::string(table) + " WHERE kind_id = ? AND n > 0";
  std::vector<SqlValue> params{std::int64_t{kind_id(kind)}};
  append_range("bucket", buckets, sql, params);
  sql += ascending ? " ORDER BY bucket" : " ORDER BY bucket DESC";
  SQLite::Statement statement(db, sql);
  bind_all(statement, params);
  std::int64_t sum = skipped;
  while (statement.executeStep()) {
    sum += statement.getColumn(1).getInt64();
    if (sum > offset) return statement.getColumn(0).getInt64();
  }
  return std::nullopt;
}

}  // namespace

std::optional<RangeEdge> tallied_edge(SQLite::Database& db, const TalliedColumn& column, Kind kind,
                                      const std::optional<ValueRange>& range, std::int64_t total,
                                      bool ascending, std::int64_t offset) {
  const ValueRange bounds = range.value_or(ValueRange{});
  if (bounds.until && *bounds.until == std::numeric_limits<std::int64_t>::min()) {
    return std::nullopt;  // no value is below it
  }
  if (tallies_set_aside(db)) return std::nullopt;
  std::int64_t without = 0;  // the matches without a value, before every bucket
  if (!range && ascending) {
    without = total - count_in_range(db, column.column, kind, {}, column.count);
    if (without < 0) return std::nullopt;
  }
  const std::optional<std::int64_t> bucket =
      bucket_passing(db, column.table, kind, column.touched(bounds), ascending, offset, without);
  if (!bucket) return std::nullopt;
  const std::optional<std::int64_t> at =
      ascending ? column.least(*bucket) : column.least_past(*bucket);
  if (!at) return std::nullopt;
  ValueRange before = bounds;
  if (ascending) {
    if (bounds.from && *bounds.from >= *at) return std::nullopt;  // the walk starts there
    before.until = *at;
  } else {
    if (bounds.until && *bounds.until <= *at) return std::nullopt;
    before.from = *at;
  }
  return RangeEdge{*at, without + count_in_range(db, column.column, kind, before, column.count)};
}

}  // namespace emarchive::storage
