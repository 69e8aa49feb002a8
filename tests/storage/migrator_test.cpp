#include "storage/migrator.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "storage/archive.h"
#include "tests/support/test_data.h"

namespace emarchive::storage {
namespace {

using migrations::Migration;

const std::vector<Migration> kTwoMigrations = {
    {1, "001_a.sql",
     "CREATE TABLE a (id INTEGER PRIMARY KEY, x TEXT); INSERT INTO a (x) VALUES ('one');"},
    {2, "002_b.sql", "ALTER TABLE a ADD COLUMN y TEXT; UPDATE a SET y = 'two';"},
};

SQLite::Database open_db(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db.exec("PRAGMA foreign_keys = ON");
  return db;
}

TEST(Migrator, EmbeddedMigrationsAreNumberedWithoutGaps) {
  EXPECT_TRUE(validate(migrations::all()));
  EXPECT_FALSE(migrations::all().empty());
}

TEST(Migrator, RejectsListsWithGapsOrDisorder) {
  const std::vector<Migration> gap = {{1, "001.sql", ""}, {3, "003.sql", ""}};
  const Status status = validate(gap);
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("003.sql"), std::string::npos);
  const std::vector<Migration> disorder = {{2, "002.sql", ""}, {1, "001.sql", ""}};
  EXPECT_FALSE(validate(disorder));
}

TEST(Migrator, MigratesAnEmptyDatabaseToTheNewestVersion) {
  testing::TempDir dir;
  const std::string path = (dir / "a.db").string();
  SQLite::Database db = open_db(path);
  ASSERT_TRUE(migrate(db, kTwoMigrations, path));
  EXPECT_EQ(user_version(db), 2);
  EXPECT_EQ(db.execAndGet("SELECT x || y FROM a").getString(), "onetwo");
  // Running again has nothing to do.
  ASSERT_TRUE(migrate(db, kTwoMigrations, path));
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM a").getInt(), 1);
}

TEST(Migrator, UpgradesFromEveryEarlierVersion) {
  for (std::size_t start = 0; start <= kTwoMigrations.size(); ++start) {
    SCOPED_TRACE("from version " + std::to_string(start));
    testing::TempDir dir;
    const std::string path = (dir / "a.db").string();
    SQLite::Database db = open_db(path);
    ASSERT_TRUE(migrate(db, std::span(kTwoMigrations).first(start), path));
    EXPECT_EQ(user_version(db), static_cast<int>(start));
    ASSERT_TRUE(migrate(db, kTwoMigrations, path));
    EXPECT_EQ(user_version(db), 2);
    EXPECT_EQ(db.execAndGet("SELECT x || y FROM a").getString(), "onetwo");
  }
}

TEST(Migrator, EmbeddedSchemaUpgradesFromEveryEarlierVersion) {
  const std::span<const Migration> all = migrations::all();
  for (std::size_t start = 0; start < all.size(); ++start) {
    SCOPED_TRACE("from version " + std::to_string(start));
    testing::TempDir dir;
    const std::string path = (dir / "a.db").string();
    SQLite::Database db = open_db(path);
    ASSERT_TRUE(migrate(db, all.first(start), path));
    const Status status = migrate(db, all, path);
    ASSERT_TRUE(status) << status.error().message;
    EXPECT_EQ(user_version(db), static_cast<int>(all.size()));
    EXPECT_FALSE(db.execAndGet("PRAGMA integrity_check").getString() != "ok");
  }
}

TEST(Migrator, ProcessesOpeningANewDatabaseTogetherMigrateItOnce) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    testing::TempDir dir;
    const std::string path = (dir / "shared.db").string();
    std::vector<std::string> errors(4);
    std::vector<std::thread> openers;
    for (std::string& error : errors) {
      openers.emplace_back([&path, &error] {
        auto archive = Archive::open(path);
        if (!archive) error = archive.error().message;
      });
    }
    for (std::thread& opener : openers) opener.join();
    for (const std::string& error : errors) EXPECT_EQ(error, "");
  }
}

TEST(Migrator, RefusesADatabaseNewerThanTheBinary) {
  testing::TempDir dir;
  const std::string path = (dir / "new.db").string();
  {
    SQLite::Database db = open_db(path);
    ASSERT_TRUE(migrate(db, kTwoMigrations, path));
    const Status status = migrate(db, std::span(kTwoMigrations).first(1), path);
    ASSERT_FALSE(status);
    const std::string& message = status.error().message;
    EXPECT_NE(message.find(path), std::string::npos) << message;
    EXPECT_NE(message.find("schema version 2"), std::string::npos) << message;
    EXPECT_NE(message.find("(1)"), std::string::npos) << message;
    EXPECT_EQ(user_version(db), 2);
  }
  {
    // Archive::open says the same for a database newer than the embedded migrations.
    SQLite::Database db = open_db(path);
    db.exec("PRAGMA user_version = 999");
  }
  const auto archive = Archive::open(path);
  ASSERT_FALSE(archive);
  EXPECT_NE(archive.error().message.find(path), std::string::npos);
  EXPECT_NE(archive.error().message.find("schema version 999"), std::string::npos)
      << archive.error().message;
}

TEST(Migrator, AFailingMigrationLeavesThePreviousVersion) {
  const std::vector<Migration> failing = {
      kTwoMigrations[0],
      {2, "002_bad.sql", "ALTER TABLE a ADD COLUMN y TEXT; INSERT INTO missing VALUES (1);"},
  };
  testing::TempDir dir;
  const std::string path = (dir / "a.db").string();
  SQLite::Database db = open_db(path);
  const Status status = migrate(db, failing, path);
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("002_bad.sql"), std::string::npos);
  EXPECT_NE(status.error().message.find("missing"), std::string::npos) << status.error().message;
  EXPECT_EQ(user_version(db), 1);
  // The failed migration's first statement was rolled back with it.
  EXPECT_FALSE(
      db.execAndGet("SELECT count(*) FROM pragma_table_info('a') WHERE name = 'y'").getInt());
  // A fixed binary then applies it.
  ASSERT_TRUE(migrate(db, kTwoMigrations, path));
  EXPECT_EQ(user_version(db), 2);
}

TEST(Migrator, AMigrationThatBreaksAForeignKeyIsRolledBack) {
  const std::vector<Migration> breaking = {
      {1, "001.sql",
       "CREATE TABLE p (id INTEGER PRIMARY KEY);"
       "CREATE TABLE c (p_id INTEGER REFERENCES p (id));"},
      // Deferred, the broken reference is only noticed at COMMIT, as in a table rebuild.
      {2, "002.sql", "PRAGMA defer_foreign_keys = ON; INSERT INTO c VALUES (42);"},
  };
  testing::TempDir dir;
  const std::string path = (dir / "a.db").string();
  SQLite::Database db = open_db(path);
  const Status status = migrate(db, breaking, path);
  ASSERT_FALSE(status);
  EXPECT_EQ(user_version(db), 1);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM c").getInt(), 0);
}

// Migrations sort in temporary files with a small page cache, whose runs are as large as the
// cache (storage/migrator.cpp), and leave the connection's own settings as they found them.
TEST(Migrator, MigrationsRunWithASmallCacheAndLeaveTheConnectionsOwn) {
  const std::vector<Migration> seeing = {
      {1, "001.sql",
       "CREATE TABLE seen AS SELECT (SELECT cache_size FROM pragma_cache_size()) AS cache, "
       "(SELECT temp_store FROM pragma_temp_store()) AS temp"},
  };
  testing::TempDir dir;
  const std::string path = (dir / "a.db").string();
  SQLite::Database db = open_db(path);
  db.exec("PRAGMA cache_size = -24576; PRAGMA temp_store = MEMORY");
  ASSERT_TRUE(migrate(db, seeing, path));
  EXPECT_EQ(db.execAndGet("SELECT cache FROM seen").getInt(), -8192);
  EXPECT_EQ(db.execAndGet("SELECT temp FROM seen").getInt(), 1);  // FILE
  EXPECT_EQ(db.execAndGet("PRAGMA cache_size").getInt(), -24576);
  EXPECT_EQ(db.execAndGet("PRAGMA temp_store").getInt(), 2);  // MEMORY
}

}  // namespace
}  // namespace emarchive::storage
