// How an archive's file is opened: writers refuse a corrupt database, files are the owner's only,
// and a writer leaves no WAL behind when it closes.

#include "storage/archive.h"

#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>

#include "model/codec.h"
#include "tests/support/test_data.h"

namespace emarchive::storage {
namespace {

namespace fs = std::filesystem;
using emarchive::testing::TempDir;

class SqliteOpenTest : public ::testing::Test {
 protected:
  TempDir dir_;
  const std::string path_ = (dir_ / "archive.db").string();
};

// Overwrites the first bytes of the page `table`'s B-tree starts on: its page header, which
// only a read of that table (or PRAGMA quick_check) looks at.
void corrupt_root_page(const std::string& path, const std::string& table) {
  int page = 0;
  int page_size = 0;
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    page =
        db.execAndGet("SELECT rootpage FROM sqlite_schema WHERE name = '" + table + "'").getInt();
    page_size = db.execAndGet("PRAGMA page_size").getInt();
  }
  ASSERT_GT(page, 1);
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekp(static_cast<std::streamoff>(page - 1) * page_size);
  file << std::string(16, '\xee');
  ASSERT_TRUE(file.flush());
}

TEST_F(SqliteOpenTest, AWriterRefusesACorruptArchiveNamingTheFile) {
  ASSERT_TRUE(Archive::open(path_));
  corrupt_root_page(path_, "revisions");

  auto writer = Archive::open(path_);
  ASSERT_FALSE(writer);
  EXPECT_EQ(writer.error().code, ErrorCode::corrupt);
  EXPECT_EQ(writer.error().message.rfind(path_ + ": ", 0), 0u) << writer.error().message;
  EXPECT_NE(writer.error().message.find("corrupt"), std::string::npos) << writer.error().message;
}

TEST_F(SqliteOpenTest, ArchivesAreTheOwnersOnlyWhateverTheUmask) {
  const mode_t old_mask = umask(022);
  auto archive = Archive::open(path_);
  umask(old_mask);
  ASSERT_TRUE(archive) << archive.error().message;
  for (const std::string& file : {path_, path_ + "-wal", path_ + "-shm"}) {
    if (!fs::exists(file)) continue;
    EXPECT_EQ(fs::status(file).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write)
        << file;
  }
}

TEST_F(SqliteOpenTest, AWriterLeavesNoWalBehindWhenItCloses) {
  {
    auto writer = Archive::open(path_);
    ASSERT_TRUE(writer) << writer.error().message;
    // A reader still open when the writer closes keeps SQLite from deleting the WAL itself.
    SQLite::Database reader(path_, SQLite::OPEN_READONLY);
    reader.execAndGet("SELECT count(*) FROM sqlite_schema");
    ASSERT_TRUE((*writer)->begin_run("import", "x", "2026-12-02T00:00:00Z"));
    writer->reset();
    EXPECT_EQ(fs::exists(path_ + "-wal") ? fs::file_size(path_ + "-wal") : 0u, 0u);
  }
}

// The disk fills up while a writer stores (here: the process may write no file beyond 64 KB):
// the error names the archive and says how much room to free, and once there is room again
// the writer leaves no WAL behind.
TEST_F(SqliteOpenTest, AFullDiskSaysHowMuchRoomIsNeeded) {
  auto archive = Archive::open(path_);
  ASSERT_TRUE(archive) << archive.error().message;
  auto run = (*archive)->begin_run("import", "x", "2026-12-02T00:00:00Z");
  ASSERT_TRUE(run) << run.error().message;

  // Beyond the limit, write() fails with EFBIG instead of the process getting SIGXFSZ.
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit old_limit{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  rlimit small = old_limit;
  small.rlim_cur = 64 * 1024;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string failure;
  for (const fs::path& file : emarchive::testing::files_under("em")) {
    auto document = parse_document(emarchive::testing::read_file(file), file.string());
    if (!document) continue;
    auto stored = (*archive)->store(document->records, *run, "2026-12-02T00:00:01Z");
    if (!stored) {
      failure = stored.error().message;
      break;
    }
  }
  setrlimit(RLIMIT_FSIZE, &old_limit);
  std::signal(SIGXFSZ, old_handler);

  ASSERT_FALSE(failure.empty()) << "the documents fit in 64 KB";
  EXPECT_EQ(failure.rfind(path_ + ": ", 0), 0u) << failure;
  EXPECT_NE(failure.find("free at least 256 MB"), std::string::npos) << failure;
  archive->reset();
  EXPECT_EQ(fs::exists(path_ + "-wal") ? fs::file_size(path_ + "-wal") : 0u, 0u);
}

}  // namespace
}  // namespace emarchive::storage
