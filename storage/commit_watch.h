#pragma once
// Whether anything was committed to an archive since a connection last asked: what serve asks
// before every request it may answer from its cache of rendered documents
// (api/document_cache.h), so it must be cheap and never miss a commit.
//
// SQLite's own answer, PRAGMA data_version, starts a read transaction: a lock on the WAL index
// (fcntl), a size check of the database (fstat) and SQLite's process-wide VFS mutex, which two
// I/O threads contend for. That was a quarter of serve's CPU time per cached document
// (docs/BENCHMARKS.md). In WAL mode the same answer is in memory: every commit rewrites the
// WAL-index header at the start of the -shm file, which every connection maps. Its 48 bytes hold
// a counter of commits (iChange), the last valid frame (mxFrame) and the salts that change when
// the WAL restarts, so no commit leaves them as they were. SQLite documents that header for its
// unix VFS (its "WAL-mode file format" page): two copies, the second written first, and a reader
// that finds them equal has read a whole one. A commit's header is written before its
// sqlite3_step() returns, so a request that starts after a commit finishes sees it.
//
// It tells of commits, not of what a read transaction sees: asked inside one, it reports a
// commit made after the transaction began, which the transaction does not see. So it is asked
// between transactions (AsOfReader, which must know whether its transaction's snapshot moved,
// asks data_version inside one). Without a WAL index in shared memory (a database another
// program keeps in rollback mode, exclusive locking, another VFS), or with a header of a layout
// other than SQLite's since 3.7.0, changed() falls back to data_version.

#include <SQLiteCpp/SQLiteCpp.h>

#include <array>
#include <cstdint>
#include <optional>
#include <utility>

namespace emarchive::storage {

class CommitWatch {
 public:
  // `db` must outlive the watch. Finds the connection's WAL index, if it has one.
  explicit CommitWatch(SQLite::Database& db);

  // Whether a commit (of any connection, this one's included) happened since the last call;
  // true on the first. Throws SQLite::Exception as statements do.
  bool changed();

  // Whether changed() reads the WAL index (false: data_version), for tests and diagnostics.
  bool reads_wal_index() const { return header_ != nullptr; }

 private:
  static constexpr std::size_t kHeaderBytes = 48;
  using Header = std::array<std::uint32_t, kHeaderBytes / 4>;

  // PRAGMA data_version and the connection's total_changes.
  using Version = std::pair<std::int64_t, std::int64_t>;

  bool changed_by_data_version();

  SQLite::Database& db_;
  SQLite::Statement data_version_;
  std::optional<Version> last_version_;
  // The WAL index's first page as this connection maps it, or null without a WAL.
  const volatile std::uint32_t* header_ = nullptr;
  std::optional<Header> last_header_;
};

}  // namespace emarchive::storage
