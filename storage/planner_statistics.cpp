#include "storage/planner_statistics.h"

#include <cstdint>

namespace emarchive::storage {

bool statistics_outgrown(SQLite::Database& db) {
  constexpr std::int64_t kAnalyzeFrom = 1000;
  const std::int64_t records = db.execAndGet("SELECT coalesce(max(id), 0) FROM records").getInt64();
  if (records < kAnalyzeFrom) return false;
  // The entries of the records' UID index when last analyzed: the stat's first number.
  SQLite::Statement stat(db,
                         "SELECT stat FROM sqlite_stat1 WHERE idx = 'sqlite_autoindex_records_1'");
  const std::int64_t analyzed = stat.executeStep() ? stat.getColumn(0).getInt64() : 0;
  return records > 2 * analyzed;
}

}  // namespace emarchive::storage
