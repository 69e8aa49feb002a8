// Only Up Links are shared between records; every other Link is a row of its own record's,
// reused by the record's next revisions (migrations/015_own_links.sql).

#include "tests/storage/archive_fixture.h"

namespace emarchive::storage::fixture {
namespace {

// full_record()'s job session, whose entity links Up to its backup server and job, and to a
// restore point, its task list and its Stop action, the same in every record (the restore
// point's Href included), so that only the rule decides what is shared.
Record job_session(int i) {
  return full_record(Kind::BackupJobSession, numbered_guid(i));
}

const std::string kOwnRows =
    "SELECT count(*) FROM link_values WHERE derived = 0 AND rel IS NOT 'Up'";

TEST_F(ArchiveTest, UpLinksAreSharedAndEveryOtherLinkBelongsToItsRecord) {
  const std::vector<Record> records = {job_session(1), job_session(2), job_session(3)};
  store(records);
  for (const Record& record : records) EXPECT_EQ(load(record.uid), record) << record.uid;

  SQLite::Database db = sql();
  const auto up = static_cast<std::int64_t>(up_links(Kind::BackupJobSession).size());
  EXPECT_EQ(count(db, "SELECT count(*) FROM link_values WHERE rel = 'Up'"), up);
  // Each record's Links other than Up: both forms' Alternate (their Names are not the
  // record's, so they are stored, not derived), the Related, the raw XML one, two Down, Stop.
  EXPECT_EQ(count(db, kOwnRows), 7 * 3);
  // Only the shared rows have a hash, and only they are in its index.
  EXPECT_EQ(count(db, "SELECT count(*) FROM link_values WHERE hash <> 0"), up);
  EXPECT_EQ(count(db,
                  "SELECT count(*) FROM link_values INDEXED BY link_values_hash "
                  "WHERE hash <> 0"),
            up);
  SQLite::Statement plan(db,
                         "EXPLAIN QUERY PLAN SELECT id FROM link_values "
                         "WHERE hash = 5 AND hash <> 0 AND derived = 0");
  ASSERT_TRUE(plan.executeStep());
  EXPECT_NE(plan.getColumn(3).getString().find("link_values_hash"), std::string::npos);
}

TEST_F(ArchiveTest, ANewRevisionReusesItsRecordsOwnLinks) {
  Record record = job_session(1);
  // The same Link in both forms is one row of the record's.
  record.reference->links.push_back(record.entity->links[3]);
  ASSERT_EQ(record.entity->links[3].rel, "Related");
  store({record});
  SQLite::Database db = sql();
  const std::int64_t rows = count(db, "SELECT count(*) FROM link_values");
  EXPECT_EQ(count(db, kOwnRows), 7);

  set_field(record, "State", "Working");
  EXPECT_EQ(store({record}), std::vector<StoreOutcome>{StoreOutcome::Updated});
  EXPECT_EQ(load(record.uid), record);
  EXPECT_EQ(count(db, "SELECT count(*) FROM link_values"), rows);

  // A Link that changed is a new row; the others stay.
  record.entity->links.back().href = *record.entity->links.back().href + "&again=1";
  EXPECT_EQ(store({record}), std::vector<StoreOutcome>{StoreOutcome::Updated});
  EXPECT_EQ(load(record.uid), record);
  EXPECT_EQ(count(db, "SELECT count(*) FROM link_values"), rows + 1);
  EXPECT_EQ(revisions(record.uid, Form::Entity), 3);
}

// Before schema version 15 every Link was found by its hash, so an archive written then has
// rows with hashes that records share. Migrating keeps them in the hash index; they are served
// as before, and a record's next revision reuses its own.
TEST_F(ArchiveTest, LinksStoredByAnOlderVersionAreServedAndReused) {
  Record first = job_session(1);
  Record second = job_session(2);
  store({first, second});
  {
    SQLite::Database db = sql();
    db.exec("UPDATE link_values SET hash = 1000 + id WHERE derived = 0 AND rel IS NOT 'Up'");
  }
  reopen_from_version(14, undo_migration_15);
  ASSERT_TRUE(archive_);
  SQLite::Database db = sql();
  EXPECT_NE(db.execAndGet("SELECT sql FROM sqlite_master WHERE name = 'link_values_hash'")
                .getString()
                .find("WHERE hash <> 0"),
            std::string::npos);
  EXPECT_EQ(load(first.uid), first);
  EXPECT_EQ(load(second.uid), second);

  const std::int64_t rows = count(db, "SELECT count(*) FROM link_values");
  set_field(first, "State", "Working");
  Record third = job_session(3);
  EXPECT_EQ(store({first, third}),
            (std::vector<StoreOutcome>{StoreOutcome::Updated, StoreOutcome::New}));
  EXPECT_EQ(load(first.uid), first);
  EXPECT_EQ(load(third.uid), third);
  // first reused its rows; third shares the Up rows and has its own seven.
  EXPECT_EQ(count(db, "SELECT count(*) FROM link_values"), rows + 7);
}

}  // namespace
}  // namespace emarchive::storage::fixture
