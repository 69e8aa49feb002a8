#include "storage/session_tallies.h"

#include <string>

namespace emarchive::storage {

std::array<TallyCount, 3> session_tally_counts() {
  const std::string bucket = "creation_time_ns >> " + std::to_string(kTallyBucketShift);
  // Grouped as the tables' keys compare (NOCASE), so that 'Failed' and 'FAILED' share a row, and
  // compared so by `verify`, which sets these beside the tables' rows.
  const std::string result = "coalesce(result, '') COLLATE NOCASE";
  const std::string state = "coalesce(state, '') COLLATE NOCASE";
  return {{
      {"session_tallies", "kind_id, result, bucket, state",
       "SELECT kind_id, " + result + ", " + bucket + ", " + state +
           ", count(*) FROM sessions "
           "WHERE creation_time_ns IS NOT NULL GROUP BY kind_id, " +
           result + ", " + bucket + ", " + state},
      {"session_server_tallies", "kind_id, backup_server_id, result, bucket, state",
       "SELECT kind_id, backup_server_id, " + result + ", " + bucket + ", " + state +
           ", count(*) FROM sessions WHERE creation_time_ns IS NOT NULL AND backup_server_id IS "
           "NOT NULL GROUP BY kind_id, backup_server_id, " +
           result + ", " + bucket + ", " + state},
      {"session_job_tallies", "kind_id, job_name, result, bucket, state",
       "SELECT kind_id, job_name COLLATE NOCASE, " + result + ", " + bucket + ", " + state +
           ", count(*) FROM sessions WHERE creation_time_ns IS NOT NULL AND job_name IS NOT NULL "
           "GROUP BY kind_id, job_name COLLATE NOCASE, " +
           result + ", " + bucket + ", " + state},
  }};
}

std::string tallies_set_aside_sql() {
  return "EXISTS (SELECT 1 FROM deferred_indexes WHERE name = '" +
         std::string(kTallyTriggers.front()) + "')";
}

void recount_session_tallies(SQLite::Database& db) {
  for (const TallyCount& tally : session_tally_counts()) {
    db.exec("DELETE FROM " + tally.table);
    db.exec("INSERT INTO " + tally.table + " (" + tally.key + ", n) " + tally.count);
  }
}

}  // namespace emarchive::storage
