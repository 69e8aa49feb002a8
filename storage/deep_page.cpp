#include "storage/deep_page.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "storage/session_tallies.h"
#include "storage/sqlite_support.h"

namespace emarchive::storage {
namespace {

// Below this offset the walk costs less than the seek's two statements: reading a thousand
// index entries takes about as long as summing the tallies and counting from a bucket's edge.
constexpr std::int64_t kSeekFrom = 1000;

// The instant before which (reading in ascending creation order) or at or after which
// (descending) the tallies put fewer matches than `offset`, as near the page as they can tell:
// the start of the bucket in which the running sum of the tallies in reading order passes
// `offset`, or (descending) the end of it. nullopt if the sum never does.
std::optional<EmTime> bucket_edge(SQLite::Database& db, const RecordQuery& query, bool ascending,
                                  std::int64_t offset) {
  const BucketTalliesSql sql = bucket_tallies_sql(query);
  SQLite::Statement statement(db, sql.sql);
  bind_all(statement, sql.params);
  std::vector<std::pair<EmTime, std::int64_t>> buckets;  // bucket, n
  while (statement.executeStep()) {
    buckets.emplace_back(statement.getColumn(0).getInt64(), statement.getColumn(1).getInt64());
  }
  if (!ascending) std::reverse(buckets.begin(), buckets.end());
  std::int64_t before = 0;
  for (const auto& [bucket, n] : buckets) {
    if (before + n > offset) {
      if (ascending) return bucket * (EmTime{1} << kTallyBucketShift);
      if (bucket >= std::numeric_limits<EmTime>::max() >> kTallyBucketShift) return std::nullopt;
      return (bucket + 1) * (EmTime{1} << kTallyBucketShift);
    }
    before += n;
  }
  return std::nullopt;
}

// The ids `select` (a RecordQuerySql select, its last two parameters LIMIT and OFFSET) reads.
std::vector<std::int64_t> select_ids(SQLite::Database& db, const std::string& select,
                                     const std::vector<SqlValue>& params, std::int64_t limit,
                                     std::int64_t offset) {
  SQLite::Statement statement(db, select);
  bind_all(statement, params);
  const int next = static_cast<int>(params.size()) + 1;
  statement.bind(next, limit);
  statement.bind(next + 1, offset);
  std::vector<std::int64_t> ids;
  while (statement.executeStep()) ids.push_back(statement.getColumn(0).getInt64());
  return ids;
}

}  // namespace

std::vector<std::int64_t> read_page(SQLite::Database& db, const RecordQuery& query,
                                    const RecordQuerySql& sql, std::int64_t total,
                                    const PageWindow& window) {
  std::optional<std::vector<std::int64_t>> ids =
      total >= 0 ? read_deep_page(db, query, total, window) : std::nullopt;
  if (!ids) {
    ids = select_ids(db, window.reversed ? sql.select_ids_reversed : sql.select_ids, sql.params,
                     window.limit, window.offset);
  }
  if (window.reversed) std::reverse(ids->begin(), ids->end());
  return std::move(*ids);
}

std::optional<std::vector<std::int64_t>> read_deep_page(SQLite::Database& db,
                                                        const RecordQuery& query,
                                                        std::int64_t total,
                                                        const PageWindow& window) {
  if (window.offset < kSeekFrom || window.limit <= 0 || !tallied(query) ||
      !ordered_by_creation(query)) {
    return std::nullopt;
  }
  // The order the window reads in: the query's, or backwards for a page read from the end.
  const bool ascending = query.sort.descending == window.reversed;
  const std::optional<EmTime> edge = bucket_edge(db, query, ascending, window.offset);
  if (!edge) return std::nullopt;

  // How many matches come before the edge in reading order, exactly: those created at or after
  // it when reading backwards, the rest when reading forwards (the matches without a creation
  // time come first then). The tallies estimate; this count decides.
  RecordQuery from_edge = query;
  from_edge.past = RecordQuery::Past{*edge, true};
  const RecordQuerySql count_sql = record_query_sql(from_edge);
  SQLite::Statement count(db, count_sql.count);
  bind_all(count, count_sql.count_params);
  count.executeStep();
  const std::int64_t at_or_after = count.getColumn(0).getInt64();
  const std::int64_t before = ascending ? total - at_or_after : at_or_after;
  if (before <= 0 || before > window.offset) return std::nullopt;

  RecordQuery rest = query;
  rest.past = RecordQuery::Past{*edge, ascending};
  rest.count = false;
  const RecordQuerySql rest_sql = record_query_sql(rest);
  std::vector<std::int64_t> ids =
      select_ids(db, window.reversed ? rest_sql.select_ids_reversed : rest_sql.select_ids,
                 rest_sql.params, window.limit, window.offset - before);
  // Reading backwards, the matches without a creation time come after the rest, and `rest`
  // leaves them out: a page that reaches them is read from the first match instead. Pages that
  // far are read forwards from the other end (page_window()), so this is rare.
  if (!ascending && static_cast<std::int64_t>(ids.size()) < window.limit) return std::nullopt;
  return ids;
}

}  // namespace emarchive::storage
