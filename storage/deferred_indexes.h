#pragma once
// Internal to storage/'s SQLite backend: the query indexes and the session tallies' triggers a
// bulk load sets aside and builds again when it ends (table deferred_indexes,
// migrations/010_deferred_indexes.sql; storage/session_tallies.h).
//
// Kept up row by row, the indexes of the typed tables take random inserts: each of a task
// session's thirteen lands on a leaf of its own, and over a million sessions those leaves no
// longer fit the writer's page cache, so an import spent two fifths of its CPU time on them
// (docs/BENCHMARKS.md). Built after the load, each is one sorted pass over its table.

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>

namespace emarchive::storage {

// Drops every index of sessions, jobs and backup_servers (not their primary keys, nor
// sessions_parent, which the writer's triggers read through) and the tallies' triggers,
// recording each with its CREATE statement in deferred_indexes, in one transaction. Returns how
// many it dropped. Queries stay correct without them, only slower. Call with no transaction
// open.
std::int64_t defer_query_indexes(SQLite::Database& db);

// What build_deferred_indexes does with the tallies' triggers it finds in deferred_indexes.
enum class DeferredTallies {
  count,  // count the tallies afresh and create the triggers
  leave,  // leave them there: a migration may yet change the tallies' tables (migration 13)
};

// Builds every index deferred_indexes holds, each in a transaction of its own that also removes
// it from there; then, if it holds the tallies' triggers and `tallies` says so, counts the
// tallies afresh and creates them, in one more; then refreshes the planner's statistics of each
// index (ANALYZE), or of the whole archive where it has outgrown them
// (storage/planner_statistics.h). Returns how many indexes and triggers it built: 0 when none was
// deferred, or when the table does not exist yet (an archive before schema version 10). Sorting
// spills to temporary files rather than memory, which keeps an import within its memory bound. Call
// with no transaction open.
std::int64_t build_deferred_indexes(SQLite::Database& db,
                                    DeferredTallies tallies = DeferredTallies::count);

}  // namespace emarchive::storage
