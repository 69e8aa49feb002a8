#include "storage/sqlite_open.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <span>
#include <thread>

#include "migrations/embedded.h"
#include "model/kind.h"
#include "storage/chain.h"
#include "storage/deferred_indexes.h"
#include "storage/migrator.h"
#include "storage/sqlite_support.h"

namespace emarchive::storage {
namespace {

// The kinds table must say what model/kind.cpp says: the views and the derived Types and Hrefs
// of representations depend on it.
void check_kinds(SQLite::Database& db) {
  SQLite::Statement s(db, "SELECT id, name, reference_type, collection, uid_prefix FROM kinds");
  std::size_t matched = 0;
  while (s.executeStep()) {
    const int id = s.getColumn(0).getInt();
    if (id < 1 || id > static_cast<int>(all_kinds().size())) continue;
    const KindInfo& kind = info(kind_from_id(id));
    if (kind.name != s.getColumn(1).getString() ||
        kind.reference_type != s.getColumn(2).getString() ||
        kind.collection != s.getColumn(3).getString() ||
        kind.uid_prefix != s.getColumn(4).getString()) {
      throw ArchiveFailure(ErrorCode::corrupt, "table kinds describes kind " + std::to_string(id) +
                                                   " (" + s.getColumn(1).getString() +
                                                   ") unlike this emarchive (" +
                                                   std::string(kind.name) + ")");
    }
    ++matched;
  }
  if (matched != all_kinds().size()) {
    throw ArchiveFailure(ErrorCode::corrupt, "table kinds lacks kinds this emarchive archives");
  }
}

void configure(SQLite::Database& db, const OpenOptions& options) {
  db.exec("PRAGMA foreign_keys = ON");
  // Statements that may abort halfway inside a transaction (updates of tables with foreign
  // keys, upserts) keep a statement journal; in a temporary file it cost an import two thirds
  // of its system time (about 34 small writes per record). It holds the pages one statement
  // changed, so memory is the right place.
  db.exec("PRAGMA temp_store = MEMORY");
  // SQLite's default page cache (2 MB) is far smaller than the indexes an import or a query
  // touches: records' UID index takes random GUIDs (as link_values' hash index took a random
  // hash per record before schema version 15), so an import of 100,000 task sessions ran at
  // half the rate of one of 20,000, re-reading pages from the OS. The cache fills only as
  // pages are used. A writer takes 24 MB: with 32 MB, an
  // import of 1,000,000 task sessions peaked at 66 MB, over the 64 MB bound, as the reading
  // thread's next document sits beside the one stored; with 24 MB at 56 MB, for 3% more CPU
  // time (docs/BENCHMARKS.md).
  // A reader (`serve` opens one per request running at once) takes 2 MB: its pages come back
  // from the OS's cache when evicted, and serve's memory must stay within 64 MB with the cache
  // of rendered documents (api/document_cache.h) beside it. A connection that scans
  // (OpenOptions::scans) takes 512 KB: serve keeps three (the dashboard's two, /metrics). With 8
  // MB readers, serve over 1,000,000 task sessions peaked at 64.5 MB; with 4 MB at 56 MB, until
  // it built its pages as it started, which opened the three at 4 MB each: 72 to 75 MB. With
  // these it peaks at 59 to 61 MB at the same rate, and dashboard pages take as long. A query
  // page of 100 records reads some 3 to 4 MB of pages: its first page per VM over 1,000,000
  // takes 1.5 ms instead of 1.0 (also with 3 MB), the rest read from the OS's cache; the bound
  // on memory is the harder limit, and 10 ms the target for pages (docs/BENCHMARKS.md).
  const char* cache_size = !options.read_only ? "PRAGMA cache_size = -24576"
                           : options.scans    ? "PRAGMA cache_size = -512"
                                              : "PRAGMA cache_size = -2048";
  db.exec(cache_size);
  // A checkpoint copies every page in the WAL back into the database file. A store dirties
  // thousands of pages of indexes with random keys (records' UIDs, the sessions' indexes), so
  // at SQLite's default of 1,000 pages every commit of an import checkpointed, and a third of
  // its CPU time was system time writing pages. At 16,384 pages a page that several
  // commits change reaches the database once: 30% less system time importing 200,000 task
  // sessions. At 65,536 the UID index's pages are changed by about fifty commits between
  // checkpoints instead of thirteen: an import of 1,000,000 took 7% less wall time, and 131,072
  // gained nothing more (docs/BENCHMARKS.md). The cost: the WAL file grows to about 256 MB while
  // the archive is open to write, and its index in shared memory to 512 KB.
  db.exec("PRAGMA wal_autocheckpoint = 65536");
}

// WAL lets readers run beside the writer; with it, NORMAL syncs at checkpoints only and still
// never corrupts the database, losing at most the last commits on power loss. Switching a new
// file to WAL needs an exclusive lock, and SQLite answers SQLITE_BUSY at once, without its busy
// handler, when another process is opening the same new file: retry until the busy timeout.
void enable_wal(SQLite::Database& db, int busy_timeout_ms) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(busy_timeout_ms);
  while (true) {
    try {
      db.exec("PRAGMA journal_mode = WAL");
      db.exec("PRAGMA synchronous = NORMAL");
      return;
    } catch (const SQLite::Exception& e) {
      if (e.getErrorCode() != SQLITE_BUSY || std::chrono::steady_clock::now() > deadline) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
}

// A new archive is created here, empty (an empty file is an empty SQLite database), so that it
// is readable by its owner only whatever the umask: the records are an organisation's backup
// history. SQLite gives its -wal and -shm files the database file's permissions. An existing
// file is left as its owner set it; a failure here is SQLite's to report when it opens the path.
void create_owner_only(const std::string& path) {
  if (path.empty() || path == ":memory:" || path.starts_with("file:")) return;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR);
  if (fd < 0) return;
  ::fchmod(fd, S_IRUSR | S_IWUSR);  // the umask may have taken bits from the owner too
  ::close(fd);
}

// A writer checks the whole file's structure before it changes anything: writing into a
// damaged B-tree or free list can spread the damage to pages that were sound. quick_check reads
// every page once (about 5 s per GB on a busy two-core machine, docs/SECURITY.md) but, unlike
// integrity_check, does not compare indexes with their tables; `verify` is the full check.
void check_structure(SQLite::Database& db) {
  std::string first_problem;
  try {
    first_problem = db.execAndGet("PRAGMA quick_check(1)").getString();
  } catch (const SQLite::Exception& e) {
    first_problem = e.what();
  }
  if (first_problem == "ok") return;
  throw ArchiveFailure(ErrorCode::corrupt,
                       "the archive is corrupt (SQLite's quick_check: " + first_problem +
                           "); nothing was written. Restore it from a backup, or copy what "
                           "can be read out of it with sqlite3's .recover");
}

}  // namespace

void configure_connection(SQLite::Database& db, const OpenOptions& options) {
  configure(db, options);
  if (!options.read_only) enable_wal(db, options.busy_timeout_ms);
}

void prepare_database_engine() {
  // SQLITE_MISUSE once SQLite is initialised: the statistics then stay on, which is only slower.
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

Expected<OpenedDatabase> open_database(const std::string& path, const OpenOptions& options) {
  try {
    int flags = options.read_only ? SQLite::OPEN_READONLY : SQLite::OPEN_READWRITE;
    if (options.create && !options.read_only) {
      create_owner_only(path);
      flags |= SQLite::OPEN_CREATE;
    }
    auto db = std::make_unique<SQLite::Database>(path, flags, options.busy_timeout_ms);
    configure(*db, options);
    const std::span<const migrations::Migration> list = migrations::all();
    if (options.read_only) {
      const int version = user_version(*db);
      if (version != static_cast<int>(list.size())) {
        return Error{path + ": the database has schema version " + std::to_string(version) +
                         ", this emarchive reads version " + std::to_string(list.size()) +
                         (version < static_cast<int>(list.size())
                              ? "; open it once for writing to upgrade it"
                              : "; use a newer emarchive to open it"),
                     ErrorCode::invalid_input};
      }
    } else {
      check_structure(*db);
      enable_wal(*db, options.busy_timeout_ms);
      // Indexes a bulk load set aside and did not build, as it stopped early; before migrating,
      // so that a migration finds every index its version had. Not the tallies: a migration may
      // change their tables (013), and counting them into the old ones would fail.
      build_deferred_indexes(*db, DeferredTallies::leave);
      // Migrations are transactions, so repeating them (after another process's) is safe.
      if (Status migrated = migrate(*db, list, path); !migrated) return migrated.error();
      // The tallies, and what a migration set aside for this (migrations/012, 013 and 018).
      build_deferred_indexes(*db);
      // What migration 005 cannot do in SQL; also after a crash between the two.
      seal_genesis(*db);
    }
    check_kinds(*db);
    const int version = user_version(*db);
    return OpenedDatabase{std::move(db), version};
  } catch (const std::exception& e) {
    return sqlite_error(path, "cannot open the archive", e);
  }
}

}  // namespace emarchive::storage
