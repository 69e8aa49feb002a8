#include "storage/backup.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "storage/archive.h"
#include "tests/storage/archive_fixture.h"
#include "tests/support/test_data.h"

namespace emarchive::storage {
namespace {

using namespace emarchive::storage::fixture;

// A task session of its own GUID, from the shared full record.
Record numbered_task(int n) {
  char guid[40];
  std::snprintf(guid, sizeof guid, "00000000-0000-4000-8000-%012d", n);
  Record r = full_record(Kind::BackupTaskSession, guid);
  return r;
}

class BackupTest : public ::testing::Test {
 protected:
  emarchive::testing::TempDir dir_;
  std::string source_ = (dir_ / "archive.db").string();
  std::string copy_ = (dir_ / "copy.db").string();
};

TEST_F(BackupTest, ACopyMadeWhileAWriterWritesIsConsistentAndPrivate) {
  auto archive = Archive::open(source_);
  ASSERT_TRUE(archive) << archive.error().message;
  auto run = (*archive)->begin_run("import", "backup test", kNow);
  ASSERT_TRUE(run);
  for (int n = 0; n < 200; ++n) {
    ASSERT_TRUE((*archive)->store(std::vector<Record>{numbered_task(n)}, *run, kNow));
  }
  // A writer goes on storing, one record a transaction, during the copy.
  std::atomic<bool> stop{false};
  std::atomic<int> written{200};
  std::thread writer([&] {
    for (int n = 200; !stop && n < 20000; ++n) {
      if (!(*archive)->store(std::vector<Record>{numbered_task(n)}, *run, kNow)) break;
      written = n + 1;
    }
  });
  auto copied = backup_archive(source_, copy_);
  stop = true;
  writer.join();
  ASSERT_TRUE(copied) << copied.error().message;

  // The copy is one instant of the source: whole records only, every one it counts readable.
  EXPECT_GE(copied->records, 200);
  EXPECT_LE(copied->records, written.load() + 10);  // + the servers, jobs and sessions linked
  EXPECT_EQ(copied->schema_version, (*archive)->schema_version());
  auto copy = Archive::open(copy_, {.create = false, .read_only = true});
  ASSERT_TRUE(copy) << copy.error().message;
  auto loaded = (*copy)->load(numbered_task(199).uid);
  ASSERT_TRUE(loaded);
  EXPECT_TRUE(loaded->has_value());
  SQLite::Database sql(copy_, SQLite::OPEN_READONLY);
  EXPECT_EQ(sql.execAndGet("PRAGMA integrity_check").getString(), "ok");
  EXPECT_EQ(sql.execAndGet("SELECT count(*) FROM records").getInt64(), copied->records);
  struct stat st {};
  ASSERT_EQ(stat(copy_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(BackupTest, NeverOverwritesAndNamesWhatIsMissing) {
  ASSERT_TRUE(Archive::open(source_));
  std::ofstream(copy_) << "an older backup";
  auto refused = backup_archive(source_, copy_);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::io);
  EXPECT_NE(refused.error().message.find(copy_), std::string::npos) << refused.error().message;
  std::ifstream kept(copy_);
  std::string text;
  std::getline(kept, text);
  EXPECT_EQ(text, "an older backup");

  const std::string missing = (dir_ / "none.db").string();
  auto none = backup_archive(missing, (dir_ / "other.db").string());
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::not_found);
  EXPECT_NE(none.error().message.find(missing), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "other.db"));
}

TEST_F(BackupTest, AFileThatIsNotAnArchiveLeavesNoCopy) {
  std::ofstream(source_) << std::string(4096, 'x');
  auto refused = backup_archive(source_, copy_);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::corrupt) << refused.error().message;
  EXPECT_FALSE(std::filesystem::exists(copy_));
}

}  // namespace
}  // namespace emarchive::storage
