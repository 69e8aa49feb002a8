#include "bench/sqlite_floor.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <array>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <iostream>
#include <string_view>

#include "bench/clock.h"
#include "storage/archive.h"
// The floor drives the bulk load's own steps on a connection of its own, configured as the
// archive's writer is, so that it pays what an import pays in SQLite and nothing else.
#include "storage/deferred_indexes.h"
#include "storage/sqlite_open.h"

namespace emarchive::bench {
namespace {

// In the order foreign keys need. The chain's genesis entry, which every new archive has, is
// replaced by the copied archive's, so that the copy verifies as the original does.
constexpr std::array<std::string_view, 12> kTables = {
    "sources", "runs",      "chain",    "records", "representations", "link_values",
    "links",   "unmodeled", "sessions", "jobs",    "backup_servers",  "revisions"};

}  // namespace

int sqlite_floor(const std::string& from, const std::string& db) {
  if (!std::filesystem::is_regular_file(from)) {
    std::cerr << from << ": no such archive to copy\n";
    return 1;
  }
  if (std::filesystem::exists(db)) {
    std::cerr << db << ": exists; the floor needs a new archive\n";
    return 1;
  }
  auto opened = storage::open_database(db, storage::OpenOptions{});
  if (!opened) {
    std::cerr << opened.error().message << "\n";
    return 1;
  }
  SQLite::Database& target = *opened->db;
  try {
    const Clock::time_point start = Clock::now();
    storage::defer_query_indexes(target);
    SQLite::Statement attach(target, "ATTACH DATABASE ? AS source");
    attach.bind(1, from);
    attach.exec();
    for (std::string_view table : kTables) {
      const std::string name(table);
      SQLite::Transaction transaction(target);
      target.exec((name == "chain" ? "INSERT OR REPLACE INTO main." : "INSERT INTO main.") + name +
                  " SELECT * FROM source." + name);
      transaction.commit();
    }
    const std::int64_t records = target.execAndGet("SELECT count(*) FROM records").getInt64();
    target.exec("DETACH DATABASE source");
    const double load = seconds_since(start);
    const Clock::time_point end_start = Clock::now();
    storage::build_deferred_indexes(target);
    const double end = seconds_since(end_start);
    std::cout << "records=" << records << "\nload_seconds=" << load << "\nend_seconds=" << end
              << "\nseconds=" << load + end << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << db << ": copying the rows of " << from << ": " << e.what() << "\n";
    return 1;
  }
}

}  // namespace emarchive::bench
