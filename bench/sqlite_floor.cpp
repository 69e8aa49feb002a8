#include "bench/sqlite_floor.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <array>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <iostream>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string_view>

#include "bench/clock.h"
#include "storage/archive.h"
// The copy runs on a connection of its own configured as the archive's writer is
// (storage/sqlite_open.h), beside the Archive that opens, bulk-loads and closes as import's does:
// opened as an archive, it would build the indexes the bulk load set aside.
#include "storage/sqlite_open.h"

namespace emarchive::bench {
namespace {

namespace fs = std::filesystem;

// In the order foreign keys need. The chain's genesis entry, which every new archive has, is
// replaced by the copied archive's, so that the copy verifies as the original does.
constexpr std::array<std::string_view, 12> kTables = {
    "sources", "runs",      "chain",    "records", "representations", "link_values",
    "links",   "unmodeled", "sessions", "jobs",    "backup_servers",  "revisions"};

// Rows of sessions per INSERT: SQLite first holds in memory the rows of an INSERT ... SELECT into
// a table with triggers (sessions has migration 19's), 2.7 GB at ten million in one statement,
// where import holds one record at a time.
constexpr std::int64_t kSessionsPerInsert = 10000;

void copy_table(SQLite::Database& target, const std::string& name) {
  SQLite::Transaction transaction(target);
  if (name == "chain") {
    target.exec("INSERT OR REPLACE INTO main.chain SELECT * FROM source.chain");
  } else if (name == "sessions") {
    const std::int64_t last =
        target.execAndGet("SELECT coalesce(max(record_id), 0) FROM source.sessions").getInt64();
    SQLite::Statement insert(target,
                             "INSERT INTO main.sessions SELECT * FROM source.sessions "
                             "WHERE record_id > ? AND record_id <= ?");
    for (std::int64_t from = 0; from < last; from += kSessionsPerInsert) {
      insert.bind(1, from);
      insert.bind(2, from + kSessionsPerInsert);
      insert.exec();
      insert.reset();
    }
  } else {
    target.exec("INSERT INTO main." + name + " SELECT * FROM source." + name);
  }
  transaction.commit();
}

// Copies the rows of `from` into the open archive `db`; returns how many records it holds.
std::int64_t copy_rows(const std::string& from, const std::string& db) {
  SQLite::Database target(db, SQLite::OPEN_READWRITE);
  storage::configure_connection(target, storage::OpenOptions{});
  SQLite::Statement attach(target, "ATTACH DATABASE ? AS source");
  attach.bind(1, from);
  attach.exec();
  const int version = target.execAndGet("PRAGMA source.user_version").getInt();
  const int ours = target.execAndGet("PRAGMA main.user_version").getInt();
  if (version != ours) {
    throw std::runtime_error(from + " is at schema version " + std::to_string(version) +
                             ", the new archive at " + std::to_string(ours) +
                             ": open it with this emarchive first");
  }
  for (std::string_view table : kTables) copy_table(target, std::string(table));
  target.exec("DETACH DATABASE source");
  return target.execAndGet("SELECT count(*) FROM records").getInt64();
}

void remove_archive(const std::string& db) {
  std::error_code ignored;
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db + suffix, ignored);
}

}  // namespace

int sqlite_floor(const std::string& from, const std::string& db) {
  std::error_code error;
  if (!fs::is_regular_file(from, error)) {
    std::cerr << from << ": no such archive to copy\n";
    return 1;
  }
  if (fs::exists(db, error) || error) {
    std::cerr << db << ": exists; the floor needs a new archive\n";
    return 1;
  }
  try {
    const Clock::time_point start = Clock::now();
    auto archive = storage::Archive::open(db, storage::OpenOptions{});
    if (!archive) throw std::runtime_error(archive.error().message);
    // As import begins a load far larger than the archive.
    auto deferred = (*archive)->begin_bulk_load(std::numeric_limits<std::uint64_t>::max());
    if (!deferred) throw std::runtime_error(deferred.error().message);
    const std::int64_t records = copy_rows(from, db);
    const double load = seconds_since(start);
    const Clock::time_point end_start = Clock::now();
    auto built = (*archive)->end_bulk_load();
    if (!built) throw std::runtime_error(built.error().message);
    archive->reset();  // closing refreshes statistics and empties the WAL, as import's does
    const double end = seconds_since(end_start);
    std::cout << "records=" << records << "\nload_seconds=" << load << "\nend_seconds=" << end
              << "\nseconds=" << load + end << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << db << ": copying the rows of " << from << ": " << e.what() << "\n";
    remove_archive(db);
    return 1;
  }
}

}  // namespace emarchive::bench
