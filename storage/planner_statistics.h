#pragma once
// Internal to storage/'s SQLite backend: when the planner's statistics (sqlite_stat1) are
// gathered afresh for the whole archive.
//
// The planner picks each query's index by the statistics ANALYZE keeps (docs/SCHEMA.md, "Query
// plans"); without them, or with stale ones, JobName=="x" walked a million task sessions in
// creation order. PRAGMA optimize, as SQLite advises for long-lived connections, refreshes only
// tables the connection queried, and an import queries none; so, besides it, a whole ANALYZE once
// the archive holds over twice the records it held when last analyzed: about a second per million
// sessions, at most twice the final size's worth in all. Not a sampled one (analysis_limit): it
// reads the first entries of each index, all of one kind, and misleads the planner. Archives
// under 1,000 records do well without.

#include <SQLiteCpp/SQLiteCpp.h>

namespace emarchive::storage {

// Whether the archive holds over twice the records it held when it was last analyzed whole (and
// at least 1,000), so that a whole ANALYZE is due.
bool statistics_outgrown(SQLite::Database& db);

}  // namespace emarchive::storage
