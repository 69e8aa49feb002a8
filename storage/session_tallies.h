#pragma once
// Kept counts of sessions (tables session_tallies, session_server_tallies and
// session_job_tallies, migrations/012_session_tallies.sql and 013, and session_job_id_tallies,
// migration 20): how many sessions of a kind with a Result and a State, and the same of each
// backup server, of each job name and of each job, were created in each bucket of time; and
// (session_end_tallies, migration 18) how many of a kind ended in each bucket of time, with the
// shortest and longest of their durations; and (session_size_tallies, migration 21) how many of a
// kind have a TotalSize in each bucket of size; and (session_blank_tallies, migration 22) how many
// of a kind created in each bucket have no value, or an empty one, in each of kBlankColumns.
// storage/record_query.cpp counts the common filters, EndTime ranges, TotalSize ranges and blank
// fields from them instead of reading every matching index entry,
// storage/end_time_range.h bounds an EndTime range's creation times by them, and `verify`
// (storage/verifier.h) holds them to a count of the sessions.

#include <SQLiteCpp/SQLiteCpp.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace emarchive::storage {

// A session's bucket is creation_time_ns >> kTallyBucketShift: 2^46 ns, 19.5 hours. Smaller
// buckets make the partial ones at a range's ends cheaper to count and the sum longer.
inline constexpr int kTallyBucketShift = 46;

// The first bucket that starts at or after `t`.
std::int64_t first_bucket_from(std::int64_t t);

// The buckets wholly inside the instants [from, until) (a side without a bound is open): from
// the first whose start is at or after `from` to before the first whose end is after `until`.
struct WholeBuckets {
  std::optional<std::int64_t> first;
  std::optional<std::int64_t> end;
};
// nullopt when no bucket lies wholly inside.
std::optional<WholeBuckets> whole_buckets(std::optional<std::int64_t> from,
                                          std::optional<std::int64_t> until);

// A TotalSize's bucket (session_size_tallies): its number of decimal digits times 10,000 plus its
// first four digits, which keeps the sizes' order; 0 for every negative size. A bucket holds the
// sizes that share their first four digits and number of digits: one size apiece below 10,000.
std::int64_t size_bucket(std::int64_t size);
// The same in SQL, of the integer column `column`.
std::string size_bucket_sql(std::string_view column);

// The triggers that keep the tallies. A bulk load drops them, with the query indexes, and the
// tallies are counted again when it ends; while one of them waits in deferred_indexes the
// tallies are not current, and counts read the index.
inline constexpr std::array<std::string_view, 13> kTallyTriggers = {
    "sessions_tally_insert",      "sessions_tally_delete",       "sessions_tally_update",
    "sessions_job_tally_update",  "sessions_end_tally_insert",   "sessions_end_tally_delete",
    "sessions_end_tally_update",  "sessions_size_tally_insert",  "sessions_size_tally_delete",
    "sessions_size_tally_update", "sessions_blank_tally_insert", "sessions_blank_tally_delete",
    "sessions_blank_tally_update"};

// The columns of the sessions that session_blank_tallies counts the blank values of: those of
// the fields EM's query service filters on that an index leads with right after the kind, so
// that the partial buckets at a range's ends are counted by seeking. The tally's column
// `<column>_null` counts the sessions where it is NULL, and for text `<column>_empty` those
// where it is ''.
struct BlankColumn {
  std::string_view column;
  bool text;
};
inline constexpr std::array<BlankColumn, 6> kBlankColumns = {{{"name", true},
                                                              {"vm_display_name", true},
                                                              {"vm_uid", true},
                                                              {"reason", true},
                                                              {"total_size", false},
                                                              {"end_time_ns", false}}};

// An SQL expression, true while the tallies are not current: a bulk load (or migration 12) has
// set their triggers aside in deferred_indexes, and counts read the index instead. The triggers
// leave and come back together (storage/deferred_indexes.cpp): one tells.
std::string tallies_set_aside_sql();
// Whether they are set aside now.
bool tallies_set_aside(SQLite::Database& db);
// A count that reads the tallies (`tallied`, an SQL expression) while they are current, and
// `plain` (a SELECT) while they are set aside: the query both make.
std::string tallied_or_plain_sql(const std::string& plain, const std::string& tallied);

// The sessions with a creation time grouped once by every key of the tallies by creation bucket
// (the kind, the server, the job name and the job, the Result, the bucket, the State), with each
// group's count and those of its blank values: the temporary table temp.session_groups, which the
// counts of those tallies and of the blank tallies read (session_tally_counts()). One pass over
// the sessions for the five tallies, where each read them all: over a million task sessions in
// sqlite3, 3.0 s and 0.02 s more for the five sums against 5.6 s, and 4.7 s against 10.4 s where
// each task session has a job. The constructor counts; the table is dropped when this goes. With
// temp_store = FILE it stays out of memory (some 200,000 groups a million sessions with a job).
class SessionGroups {
 public:
  explicit SessionGroups(SQLite::Database& db);
  ~SessionGroups();
  SessionGroups(const SessionGroups&) = delete;
  SessionGroups& operator=(const SessionGroups&) = delete;

 private:
  SQLite::Database& db_;
};

// A tally table, its key's columns, the columns after them, and the SELECT that counts its rows
// afresh: the key's columns in order, then those. The counts of the tallies by creation bucket and
// of the blank tallies read temp.session_groups, which a SessionGroups must hold while they run;
// the others read the sessions.
struct TallyCount {
  std::string table;
  std::string key;
  std::string columns;
  // Those of `columns` a count afresh gives exactly ("n", the counts); the others are bounds
  // that the triggers only ever widen (session_end_tallies' shortest and longest).
  std::string exact;
  // For a table with bounds: an SQL condition on a kept row `k` and the row counted afresh `c`
  // of the same key, true when k's bounds do not hold c's. Empty for the others.
  std::string narrower;
  std::string count;
};
std::array<TallyCount, 7> session_tally_counts();

// Counts every session into the tallies afresh, replacing what they held. Call inside a write
// transaction, with the tally triggers absent and temp_store = FILE, and create the triggers
// before it commits.
void recount_session_tallies(SQLite::Database& db);

}  // namespace emarchive::storage
