#include "storage/commit_watch.h"

#include <sqlite3.h>

#include <atomic>
#include <string>

#include "storage/sqlite_support.h"

namespace emarchive::storage {

namespace {

// The size of a page of the WAL index, which every mapping of it uses.
constexpr int kWalIndexPageBytes = 32768;
// The header's first word, the version of the WAL index's layout (iVersion), as SQLite writes it
// since 3.7.0; another value is a layout this code does not know.
constexpr std::uint32_t kWalIndexVersion = 3007000;
// Where the header says whether it was initialised (isInit, a byte after three 32-bit words).
constexpr std::size_t kIsInitOffset = 12;

std::string pragma(SQLite::Database& db, const char* name) {
  SQLite::Statement statement(db, std::string("PRAGMA ") + name);
  return statement.executeStep() ? statement.getColumn(0).getString() : "";
}

// Whether the connection reads through a WAL index in shared memory: WAL mode with normal
// locking (in exclusive locking mode SQLite keeps the index in its heap, and asking the VFS for
// the mapping would create a -shm file SQLite does not use).
bool has_shared_wal_index(SQLite::Database& db) {
  return pragma(db, "journal_mode") == "wal" && pragma(db, "locking_mode") == "normal";
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
  // asks for SQLite's own mapping of it, which lasts as long as the connection. A -shm file this
  // process may not write is mapped all the same, and said so with SQLITE_READONLY.
  void volatile* page = nullptr;
  const int rc = file->pMethods->xShmMap(file, 0, kWalIndexPageBytes, 0, &page);
  if (rc != SQLITE_OK && rc != SQLITE_READONLY) return nullptr;
  return static_cast<const volatile std::uint32_t*>(page);
}

}  // namespace

CommitWatch::CommitWatch(SQLite::Database& db) : db_(db), data_version_(db, "PRAGMA data_version") {
  // A read, which opens the WAL and maps its index if the database has one; the version it
  // reads is not kept, so that the first changed() still says true.
  Use(data_version_)->executeStep();
  // Asking for the mapping of a database without a WAL would create a -shm file.
  if (!has_shared_wal_index(db)) return;
  header_ = map_wal_index(db);
  if (header_ != nullptr && header_[0] != kWalIndexVersion) header_ = nullptr;
}

bool CommitWatch::changed() {
  if (header_ == nullptr) return changed_by_data_version();
  Header first;
  Header second;
  for (std::size_t i = 0; i < first.size(); ++i) first[i] = header_[i];
  // SQLite's writer writes the second copy, then the first; read in the other order, two equal
  // copies are one whole header.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  for (std::size_t i = 0; i < second.size(); ++i) second[i] = header_[first.size() + i];
  std::atomic_thread_fence(std::memory_order_seq_cst);
  // Being written, not yet rebuilt after a crash, or of a layout this code does not know:
  // something is changing, and whatever this request reads next sees it. The next call compares
  // afresh.
  const auto* first_bytes = reinterpret_cast<const std::uint8_t*>(first.data());
  if (first != second || first_bytes[kIsInitOffset] == 0 || first[0] != kWalIndexVersion) {
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
  // data_version moves with the other connections' commits; this one's own changes are counted
  // by total_changes (rows it changed, committed or not: at worst a change too many).
  const Version version{s->getColumn(0).getInt64(), sqlite3_total_changes64(db_.getHandle())};
  const bool changed = last_version_ != version;
  last_version_ = version;
  return changed;
}

}  // namespace emarchive::storage
