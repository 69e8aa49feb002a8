// What the archive's errors say and which ErrorCode they carry: SQLite's result codes become
// busy, corrupt or io at storage's edge, and every message still names the database file.

#include "storage/archive.h"

#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <fstream>
#include <string>

#include "tests/support/test_data.h"

namespace emarchive::storage {
namespace {

using emarchive::testing::TempDir;

class ArchiveErrorsTest : public ::testing::Test {
 protected:
  TempDir dir_;
  const std::string path_ = (dir_ / "archive.db").string();
};

TEST_F(ArchiveErrorsTest, ADatabaseLockedByAnotherWriterIsBusyAndThenWorks) {
  OpenOptions options;
  options.busy_timeout_ms = 20;
  auto archive = Archive::open(path_, options);
  ASSERT_TRUE(archive) << archive.error().message;
  {
    SQLite::Database other(path_, SQLite::OPEN_READWRITE);
    other.exec("BEGIN IMMEDIATE");
    auto run = (*archive)->begin_run("import", "x", "2026-12-02T00:00:00Z");
    ASSERT_FALSE(run);
    EXPECT_EQ(run.error().code, ErrorCode::busy);
    EXPECT_NE(run.error().message.find(path_), std::string::npos) << run.error().message;
    other.exec("ROLLBACK");
  }
  auto run = (*archive)->begin_run("import", "x", "2026-12-02T00:00:00Z");
  EXPECT_TRUE(run) << run.error().message;
}

TEST_F(ArchiveErrorsTest, AFileThatIsNotADatabaseIsCorrupt) {
  std::ofstream(path_, std::ios::binary) << std::string(4096, 'x');
  auto archive = Archive::open(path_);
  ASSERT_FALSE(archive);
  EXPECT_EQ(archive.error().code, ErrorCode::corrupt);
  EXPECT_NE(archive.error().message.find(path_), std::string::npos) << archive.error().message;
}

TEST_F(ArchiveErrorsTest, AFileThatCannotBeOpenedIsAnIoError) {
  const std::string missing = (dir_ / "no such directory" / "archive.db").string();
  auto archive = Archive::open(missing);
  ASSERT_FALSE(archive);
  EXPECT_EQ(archive.error().code, ErrorCode::io);
  EXPECT_NE(archive.error().message.find(missing), std::string::npos) << archive.error().message;
}

TEST_F(ArchiveErrorsTest, AnUnknownRunOrRecordIsNotFound) {
  auto archive = Archive::open(path_);
  ASSERT_TRUE(archive) << archive.error().message;
  Status finished = (*archive)->finish_run(42, "2026-12-02T00:00:00Z", {}, "");
  ASSERT_FALSE(finished);
  EXPECT_EQ(finished.error().code, ErrorCode::not_found);
  Status gone = (*archive)->mark_gone("urn:veeam:Job:unknown", 42, "2026-12-02T00:00:00Z");
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::not_found);
}

TEST_F(ArchiveErrorsTest, ARecordThatCannotBeStoredIsInvalidInputAndNamesTheRecord) {
  auto archive = Archive::open(path_);
  ASSERT_TRUE(archive) << archive.error().message;
  auto run = (*archive)->begin_run("import", "x", "2026-12-02T00:00:00Z");
  ASSERT_TRUE(run) << run.error().message;
  Record record;
  record.kind = Kind::Job;
  record.uid = "urn:veeam:BackupServer:5b0f2d7e-91c3-4a8e-b2d4-7c1e9a3f6b10";
  record.reference.emplace();
  auto stored = (*archive)->store(std::span(&record, 1), *run, "2026-12-02T00:00:00Z");
  ASSERT_FALSE(stored);
  EXPECT_EQ(stored.error().code, ErrorCode::invalid_input);
  EXPECT_NE(stored.error().message.find(record.uid), std::string::npos) << stored.error().message;
}

}  // namespace
}  // namespace emarchive::storage
