#include "storage/session_tallies.h"

#include <string>

namespace emarchive::storage {

void recount_session_tallies(SQLite::Database& db) {
  const std::string bucket = "creation_time_ns >> " + std::to_string(kTallyBucketShift);
  db.exec("DELETE FROM session_tallies; DELETE FROM session_server_tallies; "
          "DELETE FROM session_job_tallies");
  // Grouped as the tables' keys compare (NOCASE), so that 'Failed' and 'FAILED' share a row.
  db.exec("INSERT INTO session_tallies (kind_id, result, bucket, state, n) "
          "SELECT kind_id, coalesce(result, ''), " + bucket + ", coalesce(state, ''), count(*) "
          "FROM sessions WHERE creation_time_ns IS NOT NULL "
          "GROUP BY kind_id, coalesce(result, '') COLLATE NOCASE, " + bucket +
          ", coalesce(state, '') COLLATE NOCASE");
  db.exec("INSERT INTO session_server_tallies (kind_id, backup_server_id, result, bucket, n) "
          "SELECT kind_id, backup_server_id, coalesce(result, ''), " + bucket + ", count(*) "
          "FROM sessions WHERE creation_time_ns IS NOT NULL AND backup_server_id IS NOT NULL "
          "GROUP BY kind_id, backup_server_id, coalesce(result, '') COLLATE NOCASE, " + bucket);
  db.exec("INSERT INTO session_job_tallies (kind_id, job_name, result, bucket, n) "
          "SELECT kind_id, job_name, coalesce(result, ''), " + bucket + ", count(*) FROM sessions "
          "WHERE creation_time_ns IS NOT NULL AND job_name IS NOT NULL "
          "GROUP BY kind_id, job_name COLLATE NOCASE, coalesce(result, '') COLLATE NOCASE, " +
          bucket);
}

}  // namespace emarchive::storage
