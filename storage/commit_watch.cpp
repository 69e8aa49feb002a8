#include "storage/commit_watch.h"

#include <sqlite3.h>

#include <atomic>
#include <string>

#include "storage/sqlite_support.h"

namespace emarchive::storage {

namespace {

// The size of a page of the WAL index, which every mapping of it uses.
constexpr int kWalIndexPageBytes = 32768;
// Where the header says whether it was initialised (isInit, a byte after three 32-bit words).
constexpr std::size_t kIsInitOffset = 12;

bool in_wal_mode(SQLite::Database& db) {
  SQLite::Statement mode(db, "PRAGMA journal_mode");
  return mode.executeStep() && mode.getColumn(0).getString() == "wal";
}

// The first page of the connection's WAL index, mapped by SQLite when it read in WAL mode; null
// if its VFS has none to give.
const volatile std::uint32_t* map_wal_index(SQLite::Database& db) {
  sqlite3_file* file = nullptr;
  if (sqlite3_file_control(db.getHandle(), "main", SQLITE_FCNTL_FILE_POINTER, &file) != SQLITE_OK ||
      file == nullptr || file->pMethods == nullptr || file->pMethods->iVersion < 2 ||
      file->pMethods->xShmMap == nullptr) {
    return nullptr;
  }
  // Not extending (0): the page exists once the connection has read in WAL mode, and this only
  // asks for SQLite's own mapping of it, which lasts as long as the connection.
  void volatile* page = nullptr;
  if (file->pMethods->xShmMap(file, 0, kWalIndexPageBytes, 0, &page) != SQLITE_OK) return nullptr;
  return static_cast<const volatile std::uint32_t*>(page);
}

}  // namespace

CommitWatch::CommitWatch(SQLite::Database& db) : data_version_(db, "PRAGMA data_version") {
  // A read, which opens the WAL and maps its index if the database has one; the version it
  // reads is not kept, so that the first changed() still says true.
  Use(data_version_)->executeStep();
  // Asking for the mapping of a database without a WAL would create a -shm file.
  if (in_wal_mode(db)) header_ = map_wal_index(db);
}

bool CommitWatch::changed() {
  if (header_ == nullptr) return changed_by_data_version();
  const auto* bytes = reinterpret_cast<const volatile std::uint8_t*>(header_);
  Header first;
  Header second;
  for (std::size_t i = 0; i < first.size(); ++i) first[i] = header_[i];
  // SQLite's writer writes the second copy, then the first; read in the other order, two equal
  // copies are one whole header.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  for (std::size_t i = 0; i < second.size(); ++i) second[i] = header_[first.size() + i];
  std::atomic_thread_fence(std::memory_order_seq_cst);
  // Being written, or not yet rebuilt after a crash: something is changing, and whatever this
  // request reads next sees it. The next call compares afresh.
  if (first != second || bytes[kIsInitOffset] == 0) {
    last_header_.reset();
    return true;
  }
  const bool changed = last_header_ != first;
  last_header_ = first;
  return changed;
}

bool CommitWatch::changed_by_data_version() {
  Use s(data_version_);
  s->executeStep();
  const std::int64_t version = s->getColumn(0).getInt64();
  const bool changed = last_version_ != version;
  last_version_ = version;
  return changed;
}

}  // namespace emarchive::storage
