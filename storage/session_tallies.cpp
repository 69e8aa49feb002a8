#include "storage/session_tallies.h"

#include <limits>
#include <string>
#include <utility>
#include <vector>

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

namespace {

// The blank values session_blank_tallies counts after n, each a column named as the table's
// (<column>_null for each of kBlankColumns and, for text, <column>_empty) and the test of a
// session it counts; and `any`, true of a session with any of them.
struct BlankCounts {
  std::vector<std::pair<std::string, std::string>> columns;  // name, test
  std::string any;
};
BlankCounts blank_counts() {
  BlankCounts out;
  for (const BlankColumn& c : kBlankColumns) {
    const std::string column(c.column);
    out.columns.emplace_back(column + "_null", column + " IS NULL");
    if (c.text) out.columns.emplace_back(column + "_empty", column + " IS ''");
    out.any += (out.any.empty() ? "" : " OR ") +
               (c.text ? "coalesce(" + column + ", '') = ''" : column + " IS NULL");
  }
  return out;
}

// Grouped as the tables' keys compare (NOCASE), so that 'Failed' and 'FAILED' share a row, and
// compared so by `verify`, which sets these beside the tables' rows.
std::string nocase(const std::string& column) {
  return column + " COLLATE NOCASE";
}

}  // namespace

SessionGroups::SessionGroups(SQLite::Database& db) : db_(db) {
  const std::string bucket = "creation_time_ns >> " + std::to_string(kTallyBucketShift);
  const std::string key = "kind_id, backup_server_id, " + nocase("job_name") + ", job_id, " +
                          nocase("coalesce(result, '')") + ", " + bucket + ", " +
                          nocase("coalesce(state, '')");
  const BlankCounts blanks = blank_counts();
  std::string columns =
      "kind_id, backup_server_id, job_name, job_id, result, bucket, state, n, "
      "blank";
  std::string counts = "count(*), sum(" + blanks.any + ")";
  for (const auto& [name, test] : blanks.columns) {
    columns += ", " + name;
    counts += ", sum(" + test + ")";
  }
  db_.exec("DROP TABLE IF EXISTS temp.session_groups");
  db_.exec("CREATE TEMP TABLE session_groups (" + columns + ")");
  // Scanned in the table's own order: SQLite would walk an index in kind order and read each
  // session's row from it, a page at a time.
  db_.exec("INSERT INTO temp.session_groups SELECT " + key + ", " + counts +
           " FROM sessions NOT INDEXED WHERE creation_time_ns IS NOT NULL GROUP BY " + key);
}

SessionGroups::~SessionGroups() {
  try {
    db_.exec("DROP TABLE IF EXISTS temp.session_groups");
  } catch (const SQLite::Exception&) {
    // The connection is closing or failed: its temporary tables go with it.
  }
}

std::array<TallyCount, 7> session_tally_counts() {
  // Every tally by creation bucket is keyed by the kind, then what it is per (`per`, a column of
  // sessions; the sessions without one are not in it), then the Result, the bucket and the
  // State, and summed from temp.session_groups, whose groups part no two sessions that share a
  // key here. Its columns compare as BINARY: the keys' text is grouped NOCASE again.
  const auto tally = [](std::string table, const std::string& per, const std::string& grouped) {
    const std::string values = "kind_id" + (per.empty() ? "" : ", " + grouped) + ", " +
                               nocase("result") + ", bucket, " + nocase("state");
    return TallyCount{std::move(table),
                      "kind_id" + (per.empty() ? "" : ", " + per) + ", result, bucket, state",
                      "n",
                      "n",
                      "",
                      "SELECT " + values + ", sum(n) FROM temp.session_groups" +
                          (per.empty() ? "" : " WHERE " + per + " IS NOT NULL") + " GROUP BY " +
                          values};
  };
  // By end time, every session that has one (an entity: only an entity writes it), scanned as
  // temp.session_groups is. A duration that overflows 64 bits becomes a REAL, which compares as
  // the number it is.
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
                      "), max(" + duration + ") FROM sessions NOT INDEXED " +
                      "WHERE end_time_ns IS NOT NULL GROUP BY kind_id, " + end_bucket};
  // By size, every session that has one (an entity, as for the end time), from the size index,
  // which holds all it needs.
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
  // migration 22 tallies it): n counts those, and each column's count, over all the sessions,
  // counts only such sessions.
  std::string blank_columns = "n";
  std::string blank_sums = "sum(blank)";
  for (const auto& [name, test] : blank_counts().columns) {
    blank_columns += ", " + name;
    blank_sums += ", sum(" + name + ")";
  }
  TallyCount blanks{"session_blank_tallies",
                    "kind_id, bucket",
                    blank_columns,
                    blank_columns,
                    "",
                    "SELECT kind_id, bucket, " + blank_sums +
                        " FROM temp.session_groups GROUP BY kind_id, bucket HAVING sum(blank) > 0"};
  return {{
      tally("session_tallies", "", ""),
      tally("session_server_tallies", "backup_server_id", "backup_server_id"),
      tally("session_job_tallies", "job_name", nocase("job_name")),
      tally("session_job_id_tallies", "job_id", "job_id"),
      std::move(ends),
      std::move(sizes),
      std::move(blanks),
  }};
}

std::string tallies_set_aside_sql() {
  return "EXISTS (SELECT 1 FROM deferred_indexes WHERE name = '" +
         std::string(kTallyTriggers.front()) + "')";
}

bool tallies_set_aside(SQLite::Database& db) {
  return db.execAndGet("SELECT " + tallies_set_aside_sql()).getInt() != 0;
}

std::string tallied_or_plain_sql(const std::string& plain, const std::string& tallied) {
  return "SELECT CASE WHEN " + tallies_set_aside_sql() + " THEN (" + plain + ") ELSE " + tallied +
         " END";
}

void recount_session_tallies(SQLite::Database& db) {
  const SessionGroups groups(db);
  for (const TallyCount& tally : session_tally_counts()) {
    db.exec("DELETE FROM " + tally.table);
    db.exec("INSERT INTO " + tally.table + " (" + tally.key + ", " + tally.columns + ") " +
            tally.count);
  }
}

}  // namespace emarchive::storage
