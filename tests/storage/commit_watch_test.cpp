// A connection learns of every commit before its next request, as serve's cache of rendered
// documents needs (api/document_cache.h): from the WAL index in memory, or from SQLite's
// data_version without a WAL.

#include "storage/commit_watch.h"

#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "storage/archive.h"
#include "storage/sqlite_open.h"
#include "tests/support/test_data.h"

namespace emarchive::storage {
namespace {

namespace fs = std::filesystem;
using emarchive::testing::TempDir;

void insert(SQLite::Database& db, int value) {
  db.exec("INSERT INTO t VALUES (" + std::to_string(value) + ")");
}

// A commit by another process that opens the database itself, as `emarchive ingest` commits
// beside serve: sqlite3, run (fork, then exec: nothing of this process's SQLite state is used).
void commit_from_another_process(const std::string& path, int value) {
  const std::string sql = "INSERT INTO t VALUES (" + std::to_string(value) + ")";
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    execlp("sqlite3", "sqlite3", path.c_str(), sql.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "sqlite3 failed to commit (exit status " << status << ")";
}

class CommitWatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SQLite::Database db(path_, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("CREATE TABLE t (x INTEGER)");
  }

  TempDir dir_;
  const std::string path_ = (dir_ / "archive.db").string();
};

TEST_F(CommitWatchTest, AReaderSeesEveryCommitOfAnotherConnectionFromTheWalIndex) {
  SQLite::Database reader(path_, SQLite::OPEN_READONLY);
  CommitWatch watch(reader);
  EXPECT_TRUE(watch.reads_wal_index());
  EXPECT_TRUE(watch.changed());  // the first call
  EXPECT_FALSE(watch.changed());
  SQLite::Database writer(path_, SQLite::OPEN_READWRITE);
  for (int i = 0; i < 50; ++i) {
    insert(writer, i);
    EXPECT_TRUE(watch.changed()) << "commit " << i;
    EXPECT_FALSE(watch.changed()) << "after commit " << i;
  }
  EXPECT_EQ(reader.execAndGet("SELECT count(*) FROM t").getInt(), 50);
  EXPECT_FALSE(watch.changed());  // reading is not committing
}

TEST_F(CommitWatchTest, AReaderSeesTheCommitsOfAnotherProcess) {
  SQLite::Database reader(path_, SQLite::OPEN_READONLY);
  CommitWatch watch(reader);
  ASSERT_TRUE(watch.reads_wal_index());
  watch.changed();
  for (int i = 0; i < 5; ++i) {
    commit_from_another_process(path_, i);
    EXPECT_TRUE(watch.changed()) << "commit " << i;
    EXPECT_FALSE(watch.changed()) << "after commit " << i;
  }
}

// A checkpoint that empties the WAL starts it again from its first frame, so that commits after
// it can end at the very frame where the last commit the reader saw ended: the header still
// differs (its commit counter and salts).
TEST_F(CommitWatchTest, ACommitIsSeenWhenTheWalStartedAgainEndsAtTheSameFrame) {
  SQLite::Database reader(path_, SQLite::OPEN_READONLY);
  CommitWatch watch(reader);
  ASSERT_TRUE(watch.reads_wal_index());
  SQLite::Database writer(path_, SQLite::OPEN_READWRITE);
  const auto page_bytes =
      static_cast<std::uintmax_t>(writer.execAndGet("PRAGMA page_size").getInt());
  // The WAL's frames, from its size: a 32-byte header, then a 24-byte header and a page each.
  const auto frames = [&] {
    const std::uintmax_t bytes = fs::file_size(path_ + "-wal");
    return bytes < 32 ? 0 : (bytes - 32) / (24 + page_bytes);
  };
  insert(writer, 1);
  const std::uintmax_t seen = frames();
  ASSERT_GT(seen, 0u);
  watch.changed();
  writer.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  ASSERT_EQ(frames(), 0u);
  for (int value = 2; frames() < seen; ++value) insert(writer, value);
  ASSERT_EQ(frames(), seen);
  EXPECT_TRUE(watch.changed());
}

// The usual restart: a checkpoint that copied every frame back, then the next commit, which
// starts the WAL file over from its first frame without truncating it.
TEST_F(CommitWatchTest, ACommitIsSeenAfterACheckpointLetTheWalStartOver) {
  SQLite::Database reader(path_, SQLite::OPEN_READONLY);
  CommitWatch watch(reader);
  ASSERT_TRUE(watch.reads_wal_index());
  SQLite::Database writer(path_, SQLite::OPEN_READWRITE);
  for (int i = 0; i < 3; ++i) {
    insert(writer, i);
    watch.changed();
    writer.exec("PRAGMA wal_checkpoint(PASSIVE)");
    watch.changed();  // a checkpoint may move the header too; only commits must
    insert(writer, i);
    EXPECT_TRUE(watch.changed()) << "round " << i;
    EXPECT_FALSE(watch.changed()) << "round " << i;
  }
}

// serve's readers are read-only connections opened as storage opens them.
TEST_F(CommitWatchTest, AReaderOfAnArchiveOpenedAsServeOpensItReadsTheWalIndex) {
  const std::string path = (dir_ / "emarchive.db").string();
  auto writer = Archive::open(path);
  ASSERT_TRUE(writer) << writer.error().message;
  OpenOptions options;
  options.read_only = true;
  auto reader = open_database(path, options);
  ASSERT_TRUE(reader) << reader.error().message;
  CommitWatch watch(*reader->db);
  EXPECT_TRUE(watch.reads_wal_index());
}

TEST_F(CommitWatchTest, WithoutAWalItAsksSqliteAndCreatesNoSharedMemoryFile) {
  const std::string path = (dir_ / "rollback.db").string();
  SQLite::Database writer(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  writer.exec("PRAGMA journal_mode = DELETE");
  writer.exec("CREATE TABLE t (x INTEGER)");
  SQLite::Database watched(path, SQLite::OPEN_READWRITE);
  CommitWatch watch(watched);
  EXPECT_FALSE(watch.reads_wal_index());
  EXPECT_TRUE(watch.changed());
  EXPECT_FALSE(watch.changed());
  insert(writer, 1);
  EXPECT_TRUE(watch.changed());
  EXPECT_FALSE(watch.changed());
  insert(watched, 2);  // the watched connection's own commit
  EXPECT_TRUE(watch.changed());
  EXPECT_FALSE(watch.changed());
  EXPECT_FALSE(fs::exists(path + "-shm"));
}

}  // namespace
}  // namespace emarchive::storage
