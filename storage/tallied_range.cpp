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

}  // namespace emarchive::storage
