#include "storage/deep_page.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "storage/end_time_range.h"
#include "storage/session_tallies.h"
#include "storage/size_range.h"
#include "storage/sqlite_support.h"

namespace emarchive::storage {
namespace {

// Below this offset the walk costs less than the seek's two statements: reading a thousand
// index entries takes about as long as summing the tallies and counting from a bucket's edge.
constexpr std::int64_t kSeekFrom = 1000;

// Where a deep page's walk starts, by the tallies: `at`, the instant before which (reading in
// ascending creation order) or at or after which (descending) the tallies put fewer matches
// than the page's offset, as near the page as they can tell: the start of the bucket in which
// the running sum of the tallies in reading order passes the offset, or (descending) the end of
// it. `before` is the sum of the tallies on the near side of `at`, `all` their sum over every
// bucket.
struct BucketEdge {
  EmTime at = 0;
  std::int64_t before = 0;
  std::int64_t all = 0;
};

// nullopt if the tallies' sum never passes `offset`.
std::optional<BucketEdge> bucket_edge(SQLite::Database& db, const RecordQuery& query,
                                      bool ascending, std::int64_t offset) {
  const BucketTalliesSql sql = bucket_tallies_sql(query);
  SQLite::Statement statement(db, sql.sql);
  bind_all(statement, sql.params);
  std::vector<std::pair<EmTime, std::int64_t>> rows;  // bucket, n
  // The rows come in a few runs in bucket order (one a Result, a server, a table), merged pair
  // by pair: less than a sort of them all (at ten million task sessions, `JobName!=` a job's
  // middle page took 9.6 to 10.0 ms against 10.4 to 11.0).
  std::vector<std::size_t> run_ends;
  std::int64_t all = 0;
  while (statement.executeStep()) {
    const EmTime bucket = statement.getColumn(0).getInt64();
    if (!rows.empty() && bucket < rows.back().first) run_ends.push_back(rows.size());
    rows.emplace_back(bucket, statement.getColumn(1).getInt64());
    all += rows.back().second;
  }
  run_ends.push_back(rows.size());
  while (run_ends.size() > 1) {
    std::vector<std::size_t> merged;
    std::size_t begin = 0;
    for (std::size_t i = 0; i < run_ends.size(); i += 2) {
      if (i + 1 < run_ends.size()) {
        std::inplace_merge(rows.begin() + begin, rows.begin() + run_ends[i],
                           rows.begin() + run_ends[i + 1]);
      }
      merged.push_back(run_ends[std::min(i + 1, run_ends.size() - 1)]);
      begin = merged.back();
    }
    run_ends = std::move(merged);
  }
  if (!ascending) std::reverse(rows.begin(), rows.end());
  std::int64_t before = 0;
  for (auto row = rows.begin(); row != rows.end();) {
    const EmTime bucket = row->first;
    std::int64_t n = 0;
    for (; row != rows.end() && row->first == bucket; ++row) n += row->second;
    if (before + n > offset) {
      if (ascending) return BucketEdge{bucket * (EmTime{1} << kTallyBucketShift), before, all};
      if (bucket >= std::numeric_limits<EmTime>::max() >> kTallyBucketShift) return std::nullopt;
      return BucketEdge{(bucket + 1) * (EmTime{1} << kTallyBucketShift), before, all};
    }
    before += n;
  }
  return std::nullopt;
}

// How many matches of a query (`sql` its record_query_sql(), `total` in all) come before `edge`
// in reading order, if the tallies tell exactly: they are current, and their sum is the matches
// with a creation time. Each bucket's sum is then its matches, as none holds fewer (only more,
// where the filter bounds the time inside the bucket). Reading forwards, the matches without a
// creation time come first.
std::optional<std::int64_t> tallied_before(SQLite::Database& db, const RecordQuerySql& sql,
                                           std::int64_t total, const BucketEdge& edge,
                                           bool ascending) {
  SQLite::Statement statement(db, sql.undated_count);
  bind_all(statement, sql.params);
  statement.executeStep();
  if (statement.getColumn(0).isNull()) return std::nullopt;  // the tallies are set aside
  const std::int64_t undated = statement.getColumn(0).getInt64();
  if (undated + edge.all != total) return std::nullopt;
  return ascending ? undated + edge.before : edge.before;
}

// How many matches of `query` (`total` in all) come before `edge` in reading order, counted:
// those created at or after it when reading backwards, the rest when reading forwards.
std::int64_t counted_before(SQLite::Database& db, const RecordQuery& query, std::int64_t total,
                            const BucketEdge& edge, bool ascending) {
  RecordQuery from_edge = query;
  from_edge.past = RecordQuery::Past{edge.at, true};
  const RecordQuerySql sql = record_query_sql(from_edge);
  SQLite::Statement count(db, sql.count);
  bind_all(count, sql.count_params);
  count.executeStep();
  const std::int64_t at_or_after = count.getColumn(0).getInt64();
  return ascending ? total - at_or_after : at_or_after;
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
      total >= 0 ? read_deep_page(db, query, sql, total, window) : std::nullopt;
  if (!ids) {
    ids = select_ids(db, window.reversed ? sql.select_ids_reversed : sql.select_ids, sql.params,
                     window.limit, window.offset);
  }
  if (window.reversed) std::reverse(ids->begin(), ids->end());
  return std::move(*ids);
}

std::optional<std::vector<std::int64_t>> read_deep_page(SQLite::Database& db,
                                                        const RecordQuery& query,
                                                        const RecordQuerySql& sql,
                                                        std::int64_t total,
                                                        const PageWindow& window) {
  if (window.offset < kSeekFrom || window.limit <= 0) return std::nullopt;
  // The order the window reads in: the query's, or backwards for a page read from the end.
  const bool ascending = query.sort.descending == window.reversed;
  RecordQuery rest = query;
  rest.count = false;
  std::int64_t before = 0;
  if (tallied(query) && ordered_by_creation(query)) {
    const std::optional<BucketEdge> edge = bucket_edge(db, query, ascending, window.offset);
    if (!edge) return std::nullopt;
    // The tallies estimate; their exact sum, or else a count, decides.
    std::optional<std::int64_t> counted = tallied_before(db, sql, total, *edge, ascending);
    before = counted ? *counted : counted_before(db, query, total, *edge, ascending);
    rest.past = RecordQuery::Past{edge->at, ascending};
  } else if (end_ordered(query)) {
    const std::optional<RangeEdge> edge =
        end_bucket_edge(db, query, total, ascending, window.offset);
    if (!edge) return std::nullopt;
    before = edge->before;
    rest.past = RecordQuery::Past{edge->at, ascending, RecordQuery::Past::Column::end};
  } else if (size_ordered(query)) {
    const std::optional<RangeEdge> edge =
        size_bucket_edge(db, query, total, ascending, window.offset);
    if (!edge) return std::nullopt;
    before = edge->before;
    rest.past = RecordQuery::Past{edge->at, ascending, RecordQuery::Past::Column::size};
  } else {
    return std::nullopt;
  }
  if (before <= 0 || before > window.offset) return std::nullopt;

  const RecordQuerySql rest_sql = record_query_sql(rest);
  std::vector<std::int64_t> ids =
      select_ids(db, window.reversed ? rest_sql.select_ids_reversed : rest_sql.select_ids,
                 rest_sql.params, window.limit, window.offset - before);
  // Reading backwards in creation order, the matches without a creation time come after the
  // rest, and `rest` leaves them out: a page that reaches them is read from the first match
  // instead. Pages that far are read forwards from the other end (page_window()), so this is
  // rare. In end-time or size order, the matches without an end time or a size are as those
  // without a creation time.
  if (!ascending && static_cast<std::int64_t>(ids.size()) < window.limit) return std::nullopt;
  return ids;
}

}  // namespace emarchive::storage
