#pragma once
// The count of a range of one column of sessions (end_time_ns, total_size) that tallies by bucket
// of that column hold (session_end_tallies, session_size_tallies: kind_id, bucket, n): the
// buckets wholly inside the range are summed, and the sessions in the partial buckets at its ends
// are counted from the column's index. storage/end_time_range.h and storage/size_range.h say
// where their buckets lie.

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

}  // namespace emarchive::storage
