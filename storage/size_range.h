#pragma once
// A filter of TotalSize bounds alone (CompiledFilter::size_range, a size_ranged() query): counted
// from the size tallies (table session_size_tallies, migrations/021_size_tallies.sql) where a
// bucket of size lies wholly inside its range, and from sessions_kind_size_creation in the partial
// buckets at its ends. Each match's index entry was read instead: 0.5 s for every task session
// with a size among ten million. In creation order, a page of a range is read either from the
// size index, every match sorted, or by walking the creation index and testing each session's
// size; size_range_read() chooses by the count. One size (==) is read from the size index in
// creation order.

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/kind.h"
#include "storage/record_query.h"
#include "storage/tallied_range.h"

namespace emarchive::storage {

// The count of the sessions of `kind` whose TotalSize is in `range`, as end_tally_count counts an
// EndTime range (storage/end_time_range.h): `plain` (with `plain_params`) while the tallies are
// set aside. Sets `params` to the statement's. Empty when no bucket lies wholly inside `range`
// (negative sizes alone, which are few, or a range inside one bucket): then `plain` reads no more
// than the partial buckets would.
std::string size_tally_count(Kind kind, const ValueRange& range, const std::string& plain,
                             const std::vector<SqlValue>& plain_params,
                             std::vector<SqlValue>& params);

// How the page `window` of `query`, a size_ranged() query in creation order with `total`
// matches, is found sooner: by walking the creation index from the nearer end and testing each
// session's size on its entry, or by reading the matches from the size index and sorting them.
// Left to SQLite, a range with one bound is walked and one with two sorted, as it guesses they
// match a quarter and 1/64 of the sessions, however deep the page; the count says how many do,
// and the size tallies how many sessions of the kind have a size. A walk reads some
// (offset + limit) * sessions / total entries; the sort reads every match, each costing some 1.6
// entries walked, and keeps the offset + limit first, each some 25. Over ten million task
// sessions, in sqlite3 (schema version 23, the size in the creation index's entries): 90 to 100
// ns an entry walked, 140 to 190 ns a match sorted and 1.3 to 5 us a match kept; the first page
// of the largest hundredth (100,001 matches) 1 ms walked and 14 ms sorted, its middle page
// (50,100 kept) 0.5 s walked and 0.12 s sorted, the middle page of the twentieth below the median
// size (250,100 kept) 0.5 s walked and 0.9 s sorted. And those it keeps take memory: the middle
// page of every task session with a size kept 5,000,050 in 42 s, at a peak RSS of 140 MB, so
// beyond 300,000 (some 8 MB) it walks. As planned while the tallies are set aside, and for one
// size, which is read from the size index in creation order. Sorted by TotalSize, with that range
// or no filter, a page deep into the answer starts at the edge of a size-tally bucket. Call in the
// read transaction that reads the page.
RecordQuery::SizeRangeRead size_range_read(SQLite::Database& db, const RecordQuery& query,
                                           std::int64_t total, const PageWindow& window);

// Where a page deep into `query` (a size_ordered() query with `total` matches) starts its walk,
// read in ascending size order or not, as tallied_edge() (storage/tallied_range.h) finds it in
// the size tallies: `at`, the least size of the size-tally bucket in which the tallies'
// running sum in reading order passes `offset` (ascending), or the least size past it, and
// `before`, the matches before `at` in that order, counted exactly. Without a filter, the
// sessions without a size come first in ascending order: the query's total less the kind's
// sessions with a size, which all match (only an entity has a size). The walk then reads the
// page's bucket up to the page, not the `offset` before it (the middle page of every task
// session sorted by TotalSize took 1.9 s at ten million). nullopt where the tallies are not
// current, put no bucket past `offset`, put the page among the negative sizes (one bucket with
// no least size) or in the range's first bucket in reading order, or where no size lies past the
// bucket. Call in the read transaction that counted `total`.
std::optional<RangeEdge> size_bucket_edge(SQLite::Database& db, const RecordQuery& query,
                                          std::int64_t total, bool ascending, std::int64_t offset);

}  // namespace emarchive::storage
