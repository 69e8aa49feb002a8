#pragma once
// A page deep into a long answer. SQLite's OFFSET reads every match before the page: the middle
// page of a million task sessions by creation time took 0.1 s, and a client that pages through
// everything reads the archive's index over and over. For a query the session tallies count
// (storage/record_query.h, tallied()), in creation order, the page's walk starts instead at the
// edge of the tally bucket (19.5 hours) it falls in: the tallies say which bucket that is and
// how many matches come before its edge (where they may hold more than the matches, one count
// says), and the walk skips only the matches of that bucket before the page. Sessions sorted by
// EndTime, all or an EndTime range, start at the edge of an end-tally bucket alike
// (storage/end_time_range.h), and sorted by TotalSize, all or a TotalSize range, at a size-tally
// bucket's edge (storage/size_range.h).

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "storage/record_query.h"

namespace emarchive::storage {

// The ids of the page `window` of `query` (page_window() of its `total` matches; -1 when they
// were not counted), in the query's order: from a tally bucket's edge (read_deep_page) where
// that is quicker, else with `sql`'s select from the first match (or the last). Call in the
// read transaction that counted `total`.
std::vector<std::int64_t> read_page(SQLite::Database& db, const RecordQuery& query,
                                    const RecordQuerySql& sql, std::int64_t total,
                                    const PageWindow& window);

// The ids of the page `window` of `query` (`sql` its record_query_sql(); page_window() of its
// `total` matches), in the order the window reads them, or nullopt where an OFFSET from the
// first match is as quick (a page near the start, a query the tallies do not count in its
// order, or tallies that put the page nowhere). Call in the read transaction that counted
// `total`.
std::optional<std::vector<std::int64_t>> read_deep_page(SQLite::Database& db,
                                                        const RecordQuery& query,
                                                        const RecordQuerySql& sql,
                                                        std::int64_t total,
                                                        const PageWindow& window);

}  // namespace emarchive::storage
