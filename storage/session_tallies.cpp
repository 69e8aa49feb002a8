#include "storage/session_tallies.h"

#include <limits>
#include <string>

namespace emarchive::storage {

std::int64_t first_bucket_from(std::int64_t t) {
  constexpr std::int64_t bucket_mask = (std::int64_t{1} << kTallyBucketShift) - 1;
  return (t >> kTallyBucketShift) + ((t & bucket_mask) != 0 ? 1 : 0);
}

std::optional<WholeBuckets> whole_buckets(std::optional<std::int64_t> from,
                                          std::optional<std::int64_t> until) {
  WholeBuckets buckets;
  if (from) buckets.first = first_bucket_from(*from);
  if (until) buckets.end = *until >> kTallyBucketShift;
  if (buckets.first && buckets.end && *buckets.first >= *buckets.end) return std::nullopt;
  // A first bucket whose start is past the last instant there is.
  if (buckets.first &&
      *buckets.first > (std::numeric_limits<std::int64_t>::max() >> kTallyBucketShift)) {
    return std::nullopt;
  }
  return buckets;
}

std::int64_t size_bucket(std::int64_t size) {
  if (size < 0) return 0;
  const std::string digits = std::to_string(size);
  return static_cast<std::int64_t>(digits.size()) * 10000 + std::stoll(digits.substr(0, 4));
}

std::string size_bucket_sql(std::string_view column) {
  const std::string c(column);
  return "CASE WHEN " + c + " < 0 THEN 0 ELSE length(" + c + ") * 10000 + CAST(substr(" + c +
         ", 1, 4) AS INTEGER) END";
}

std::array<TallyCount, 7> session_tally_counts() {
  // Where nearly every session is counted, the table is scanned in its own order: SQLite would
  // walk an index in kind order and read each session's row from it, a page at a time (over a
  // million task sessions in sqlite3, four rounds: the tallies by creation bucket 3.8 to 6.7 s
  // that way against 1.4 to 2.4 s scanned, the blank tallies 3.3 to 5.0 s against 1.3 to 1.9).
  // The job tallies count only the sessions with a job, which may be few, and the size tallies
  // read a covering index.
  const std::string scanned = " FROM sessions NOT INDEXED";
  const std::string bucket = "creation_time_ns >> " + std::to_string(kTallyBucketShift);
  // Grouped as the tables' keys compare (NOCASE), so that 'Failed' and 'FAILED' share a row, and
  // compared so by `verify`, which sets these beside the tables' rows.
  const std::string result = "coalesce(result, '') COLLATE NOCASE";
  const std::string state = "coalesce(state, '') COLLATE NOCASE";
  // Every tally is keyed by the kind, then what it is per (`per`, a column of sessions; the
  // sessions without one are not in it), then the Result, the bucket and the State. `grouped` is
  // `per` as the key compares it.
  const auto tally = [&](std::string table, const std::string& per, const std::string& grouped,
                         const std::string& from) {
    const std::string by = per.empty() ? "" : ", " + per;
    const std::string values = "kind_id" + (per.empty() ? "" : ", " + grouped) + ", " + result +
                               ", " + bucket + ", " + state;
    return TallyCount{
        std::move(table),
        "kind_id" + by + ", result, bucket, state",
        "n",
        "n",
        "",
        "SELECT " + values + ", count(*)" + from + " WHERE creation_time_ns IS NOT NULL" +
            (per.empty() ? "" : " AND " + per + " IS NOT NULL") + " GROUP BY " + values};
  };
  // By end time, every session that has one (an entity: only an entity writes it). A duration
  // that overflows 64 bits becomes a REAL, which compares as the number it is.
  const std::string duration = "end_time_ns - creation_time_ns";
  const std::string end_bucket = "end_time_ns >> " + std::to_string(kTallyBucketShift);
  TallyCount ends{"session_end_tallies",
                  "kind_id, bucket",
                  "n, undated, shortest, longest",
                  "n, undated",
                  "c.shortest IS NOT NULL AND (k.shortest IS NULL OR k.longest IS NULL OR "
                  "k.shortest > c.shortest OR k.longest < c.longest)",
                  "SELECT kind_id, " + end_bucket +
                      ", count(*), count(*) - count(creation_time_ns), min(" + duration +
                      "), max(" + duration + ")" + scanned +
                      " WHERE end_time_ns IS NOT NULL GROUP BY kind_id, " + end_bucket};
  // By size, every session that has one (an entity, as for the end time).
  const std::string size_bucket = size_bucket_sql("total_size");
  TallyCount sizes{"session_size_tallies",
                   "kind_id, bucket",
                   "n",
                   "n",
                   "",
                   "SELECT kind_id, " + size_bucket +
                       ", count(*) FROM sessions WHERE total_size IS NOT NULL GROUP BY kind_id, " +
                       size_bucket};
  // The blank values, every session with a creation time that has one (as the insert trigger of
  // migration 22 tallies it).
  std::string blank_columns = "n";
  std::string blank_counts = "count(*)";
  std::string any_blank;
  for (const BlankColumn& c : kBlankColumns) {
    const std::string column(c.column);
    blank_columns += ", " + column + "_null";
    blank_counts += ", sum(" + column + " IS NULL)";
    any_blank += (any_blank.empty() ? "" : " OR ") +
                 (c.text ? "coalesce(" + column + ", '') = ''" : column + " IS NULL");
    if (c.text) {
      blank_columns += ", " + column + "_empty";
      blank_counts += ", sum(" + column + " IS '')";
    }
  }
  TallyCount blanks{"session_blank_tallies",
                    "kind_id, bucket",
                    blank_columns,
                    blank_columns,
                    "",
                    "SELECT kind_id, " + bucket + ", " + blank_counts + scanned +
                        " WHERE creation_time_ns IS NOT NULL AND (" + any_blank +
                        ") GROUP BY kind_id, " + bucket};
  return {{
      tally("session_tallies", "", "", scanned),
      tally("session_server_tallies", "backup_server_id", "backup_server_id", scanned),
      tally("session_job_tallies", "job_name", "job_name COLLATE NOCASE", " FROM sessions"),
      tally("session_job_id_tallies", "job_id", "job_id", " FROM sessions"),
      std::move(ends),
      std::move(sizes),
      std::move(blanks),
  }};
}

std::string tallies_set_aside_sql() {
  return "EXISTS (SELECT 1 FROM deferred_indexes WHERE name = '" +
         std::string(kTallyTriggers.front()) + "')";
}

void recount_session_tallies(SQLite::Database& db) {
  for (const TallyCount& tally : session_tally_counts()) {
    db.exec("DELETE FROM " + tally.table);
    db.exec("INSERT INTO " + tally.table + " (" + tally.key + ", " + tally.columns + ") " +
            tally.count);
  }
}

}  // namespace emarchive::storage
