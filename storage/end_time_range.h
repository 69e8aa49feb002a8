#pragma once
// A filter of EndTime bounds alone (CompiledFilter::end_range, an end_ranged() query): counted
// from the end tallies (table session_end_tallies, migrations/018_end_time_tallies.sql), and,
// read in creation order, walked in the creation index between bounds that the tallies' shortest
// and longest durations put on its matches' creation times. Its own index, sessions_kind_end, is
// in end-time order: a page in creation order from it sorted every match (2.8 s at ten million
// task sessions, half of them matching), and its count read every match's entry (163 ms). Sorted
// by EndTime, a page deep into the range, or into every session, starts at the edge of an
// end-tally bucket.

#include <SQLiteCpp/SQLiteCpp.h>

#include <optional>
#include <string>
#include <vector>

#include "model/kind.h"
#include "storage/record_query.h"
#include "storage/tallied_range.h"

namespace emarchive::storage {

// The count of the sessions of `kind` that ended in `range`: the end tallies of the buckets
// wholly inside it, plus the sessions in the partial buckets at either end counted from
// sessions_kind_end; `plain` (with `plain_params`) while the tallies are not current. Sets
// `params` to the statement's. Empty when no bucket lies wholly inside: then `plain` reads no
// more than the two partial buckets would.
std::string end_tally_count(Kind kind, const TimeRange& range, const std::string& plain,
                            const std::vector<SqlValue>& plain_params,
                            std::vector<SqlValue>& params);

// Bounds on the creation time of every match of `query`, an end_ranged() query read in creation
// order (RecordQuery::created_within): a match ended within the range and the buckets the
// tallies have sessions in, so it was created between that span's start less the longest
// duration there and its end less the shortest. nullopt where the bounds would not make the page
// quicker or would not be exact: another query; tallies not current (a bulk load set them aside);
// sessions without a creation time in the buckets the range touches (the bounds leave them
// out); or durations that vary by more than the span itself, since the walk then reads more
// sessions created around the span's ends than the sort reads matches. Call in the read
// transaction that reads the page.
std::optional<TimeRange> creation_bounds(SQLite::Database& db, const RecordQuery& query);

// Where a page deep into `query` (an end_ordered() query with `total` matches: an EndTime range
// or every session, sorted by EndTime) starts its walk, read in ascending end-time order or not,
// as tallied_edge() (storage/tallied_range.h) finds it in the end tallies: `at`, the start
// (ascending) or the end of the end-tally bucket in which the tallies' running sum in reading order
// passes `offset`, and `before`, the matches that come before `at` in that order, counted exactly
// (the tallies of the buckets between, and the index in the partial bucket at the range's end).
// Without a filter, the sessions without an end time come first in ascending order: the query's
// total less the kind's sessions with one, which all match (only an entity has an end time). The
// walk then reads the page's bucket up to the page, and the matches of the partial bucket at the
// range's end if that is the next (its tallies also hold sessions outside the range), not the
// `offset` before the page (half of ten million task sessions that ended in a range: 0.86 to 1.03 s
// for the middle page sorted by EndTime, 2.1 to 7.5 ms from the edge). nullopt where the tallies
// are not current, put no bucket past `offset` or put the page in the range's first bucket in
// reading order (the walk from the range's end is as short), or where no edge lies past the bucket
// (the last instant there is). Call in the read transaction that reads the page.
std::optional<RangeEdge> end_bucket_edge(SQLite::Database& db, const RecordQuery& query,
                                         std::int64_t total, bool ascending, std::int64_t offset);

}  // namespace emarchive::storage
