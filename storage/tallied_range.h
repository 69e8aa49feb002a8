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

// The bucket where a page deep into a range of such a column, read in the column's order
// (ascending or not), may start its walk: the first of `table`'s buckets of `kind` among the
// keys `buckets` (those the range touches) in which the running sum of n in reading order, from
// `skipped` (the matches before every bucket), passes `offset`; nullopt if none does. The
// buckets at the range's ends also hold sessions outside it: the sum passes `offset` no later
// than the matches do, so the page lies at or past the bucket's edge in reading order, and the
// caller counts the matches before that edge exactly.
std::optional<std::int64_t> bucket_passing(SQLite::Database& db, std::string_view table, Kind kind,
                                           const ValueRange& buckets, bool ascending,
                                           std::int64_t offset, std::int64_t skipped);

}  // namespace emarchive::storage
