#include "storage/session_tallies.h"

#include <string>

namespace emarchive::storage {

std::array<TallyCount, 3> session_tally_counts() {
  const std::string bucket = "creation_time_ns >> " + std::to_string(kTallyBucketShift);
  // Grouped as the tables' keys compare (NOCASE), so that 'Failed' and 'FAILED' share a row, and
  // compared so by `verify`, which sets these beside the tables' rows.
  const std::string result = "coalesce(result, '') COLLATE NOCASE";
  const std::string state = "coalesce(state, '') COLLATE NOCASE";
  // Every tally is keyed by the kind, then what it is per (`per`, a column of sessions; the
  // sessions without one are not in it), then the Result, the bucket and the State. `grouped` is
  // `per` as the key compares it.
  const auto tally = [&](std::string table, const std::string& per, const std::string& grouped) {
    const std::string by = per.empty() ? "" : ", " + per;
    const std::string values = "kind_id" + (per.empty() ? "" : ", " + grouped) + ", " + result +
                               ", " + bucket + ", " + state;
    return TallyCount{
        std::move(table), "kind_id" + by + ", result, bucket, state",
        "SELECT " + values + ", count(*) FROM sessions WHERE creation_time_ns IS NOT NULL" +
            (per.empty() ? "" : " AND " + per + " IS NOT NULL") + " GROUP BY " + values};
  };
  return {{
      tally("session_tallies", "", ""),
      tally("session_server_tallies", "backup_server_id", "backup_server_id"),
      tally("session_job_tallies", "job_name", "job_name COLLATE NOCASE"),
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
