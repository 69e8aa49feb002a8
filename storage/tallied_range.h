#pragma once
// The count of a range of one column of sessions (end_time_ns, total_size) that tallies by bucket
// of that column hold (session_end_tallies, session_size_tallies: kind_id, bucket, n): the
// buckets wholly inside the range are summed, and the sessions in the partial buckets at its ends
// are counted from the column's index. storage/end_time_range.h and storage/size_range.h say
// where their buckets lie.

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/kind.h"
#include "storage/record_query.h"

namespace emarchive::storage {

// The buckets a range holds wholly: `buckets`, the keys [from, until) in `table`, which hold the
// sessions whose column is in `values` and no other; a side without a bound is open, and is open
// in both.
struct WholeBucketRange {
  ValueRange buckets;
  ValueRange values;
};

// The count of the sessions of `kind` whose `column` (over the alias t) is in `range`: the sum of
// n in `table` over `whole.buckets`, plus the sessions of `range` outside `whole.values` counted
// from the index; `plain` (with `plain_params`) while the tallies are set aside (a bulk load).
// `whole.values` lies inside `range`. Sets `params` to the statement's. Every session with a
// value in such a column is an archived entity (only an entity writes one): no stub test.
std::string tallied_range_count(std::string_view table, std::string_view column, Kind kind,
                                const ValueRange& range, const WholeBucketRange& whole,
                                const std::string& plain, const std::vector<SqlValue>& plain_params,
                                std::vector<SqlValue>& params);

// A count of a range of such a column by its tallies, as end_tally_count and size_tally_count
// make one: empty where no bucket lies wholly inside the range.
using TallyCountSql = std::string (*)(Kind kind, const ValueRange& range, const std::string& plain,
                                      const std::vector<SqlValue>& plain_params,
                                      std::vector<SqlValue>& params);

// How many sessions of `kind` have a value of `column` (of sessions) in `range`: counted by
// `tally_count` as a query of the range alone is, else from the column's index.
std::int64_t count_in_range(SQLite::Database& db, std::string_view column, Kind kind,
                            const ValueRange& range, TallyCountSql tally_count);

// Where a page deep into a range of such a column, read in the column's order, starts its walk:
// `at`, the edge of a bucket, and `before`, how many matches come before it in reading order,
// counted exactly.
struct RangeEdge {
  std::int64_t at = 0;
  std::int64_t before = 0;
};

// A column of sessions that tallies by bucket of it hold, as a page deep into its order reads them.
struct TalliedColumn {
  std::string_view table;   // the tallies, (kind_id, bucket, n)
  std::string_view column;  // of sessions
  TallyCountSql count;      // a range of it counted from the tallies
  // The keys of the buckets a range touches, the partial ones at its ends included. Not for a
  // range that ends at the least value there is.
  ValueRange (*touched)(const ValueRange& range);
  // The least value of a bucket, and the least past it; nullopt where there is none.
  std::optional<std::int64_t> (*least)(std::int64_t bucket);
  std::optional<std::int64_t> (*least_past)(std::int64_t bucket);
};

// Where a page deep into the sessions of `kind` sorted by `column`, those with a value in `range`
// or (nullopt) every one, `total` matches in all, starts its walk, read in ascending order of the
// column or not: `at`, the least value of the bucket in which the tallies' running sum in reading
// order passes `offset` (ascending), or the least value past it, and `before`, the matches that
// come before `at` in that order, counted exactly (the tallies of the buckets between, and the
// index in the partial bucket at the range's end). Without a range, the sessions without a value
// come first in ascending order: `total` less the kind's sessions with one, which all match (only
// an entity writes such a column). The buckets at the range's ends also hold sessions outside it:
// the sum passes `offset` no later than the matches do, so the page lies at or past the edge.
// nullopt where the tallies are not current, put no bucket past `offset` or put the page in the
// range's first bucket in reading order (the walk from the range's end is as short), or where
// the bucket has no such least value. Call in the read transaction that counted `total`.
std::optional<RangeEdge> tallied_edge(SQLite::Database& db, const TalliedColumn& column, Kind kind,
                                      const std::optional<ValueRange>& range, std::int64_t total,
                                      bool ascending, std::int64_t offset);

}  // namespace emarchive::storage
