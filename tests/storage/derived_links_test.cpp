// Links to the record itself (its Alternate Links) are derived from the record instead of
// stored once per record (migrations/007_derived_links.sql), and come back exactly as EM wrote
// them.

#include "tests/storage/archive_fixture.h"

namespace emarchive::storage::fixture {
namespace {

// A task session whose Alternate Links point to the record itself with its Name, as EM writes
// them: the entity's to its reference, the reference's to its entity.
Record self_linked(std::string_view guid, std::optional<std::string> name) {
  Record record = full_record(Kind::BackupTaskSession, guid);
  const KindInfo& k = info(record.kind);
  record.reference->name = name;
  record.reference->links = up_links(record.kind);
  record.reference->links.push_back(
      link("Alternate", std::string(k.name), path_of(record.kind, guid) + "?format=Entity", name));
  record.entity->name = name;
  record.entity->links = up_links(record.kind);
  record.entity->links.push_back(
      link("Alternate", std::string(k.reference_type), path_of(record.kind, guid), name));
  return record;
}

constexpr std::string_view kGuids[] = {"11111111-1111-4111-8111-111111111111",
                                       "22222222-2222-4222-8222-222222222222",
                                       "33333333-3333-4333-8333-333333333333"};

TEST_F(ArchiveTest, LinksToTheRecordItselfShareOneDerivedRowAndComeBackExactly) {
  std::vector<Record> records = {self_linked(kGuids[0], "vm-a@2025-06-05 01:00:00"),
                                 self_linked(kGuids[1], "vm-b & <c>@2025-06-05 02:00:00"),
                                 self_linked(kGuids[2], std::nullopt)};
  store(records);
  for (const Record& record : records) EXPECT_EQ(load(record.uid), record) << record.uid;

  SQLite::Database db = sql();
  // One row for each form's self Link, whatever the number of records; none holds an Href.
  EXPECT_EQ(count(db, "SELECT count(*) FROM link_values WHERE derived <> 0"), 2);
  EXPECT_EQ(count(db, "SELECT count(*) FROM link_values WHERE href LIKE '%" +
                          std::string(kGuids[0]) + "%'"),
            0);
  // links_v shows them whole, as sqlite3 users read Links.
  SQLite::Statement shown(db,
                          "SELECT href, name FROM links_v WHERE uid = ? AND form = 'entity' "
                          "AND rel = 'Alternate'");
  shown.bind(1, records[1].uid);
  ASSERT_TRUE(shown.executeStep());
  EXPECT_EQ(shown.getColumn(0).getString(), path_of(Kind::BackupTaskSession, kGuids[1]));
  EXPECT_EQ(shown.getColumn(1).getString(), "vm-b & <c>@2025-06-05 02:00:00");

  // Storing the same again changes nothing.
  EXPECT_EQ(store(records), std::vector<StoreOutcome>(3, StoreOutcome::Unchanged));
}

TEST_F(ArchiveTest, ASelfLinkThatSaysAnythingElseIsStoredWhole) {
  Record record = self_linked(kGuids[0], "vm-a");
  record.entity->links.back().name = "another name";
  record.reference->links.back().extra_attributes = {{"Extra", "1"}};
  Record pointing_elsewhere = self_linked(kGuids[1], "vm-b");
  pointing_elsewhere.entity->links.back().href =
      "/api/backupTaskSessions/" + std::string(kGuids[0]);
  store({record, pointing_elsewhere});
  EXPECT_EQ(load(record.uid), record);
  EXPECT_EQ(load(pointing_elsewhere.uid), pointing_elsewhere);
  SQLite::Database db = sql();
  // Only pointing_elsewhere's reference has a self Link as EM writes them.
  EXPECT_EQ(count(db, "SELECT count(*) FROM link_values WHERE derived <> 0"), 1);
}

TEST_F(ArchiveTest, ARenamedRecordsSelfLinksFollowAndTheOldRevisionKeepsItsOwn) {
  const Record before = self_linked(kGuids[0], "vm-a@1");
  store({before});
  const Record after = self_linked(kGuids[0], "vm-a@2");
  EXPECT_EQ(store({after}), std::vector<StoreOutcome>{StoreOutcome::Updated});
  EXPECT_EQ(load(after.uid), after);
  SQLite::Database db = sql();
  SQLite::Statement kept(db,
                         "SELECT document FROM revisions WHERE revision = 1 AND form = 1 AND "
                         "record_id = (SELECT id FROM records WHERE uid = ?)");
  kept.bind(1, before.uid);
  ASSERT_TRUE(kept.executeStep());
  EXPECT_EQ(kept.getColumn(0).getString(), render_entity(before, ""));
}

// Archives written before schema version 7 hold every self Link whole (derived 0): they are
// served as before.
TEST_F(ArchiveTest, SelfLinksStoredWholeByAnOlderVersionAreServedAsBefore) {
  const Record record = self_linked(kGuids[0], "vm-a");
  store({record});
  {
    SQLite::Database db = sql();
    db.exec("PRAGMA foreign_keys = ON");
    SQLite::Statement copy(db,
                           "INSERT INTO link_values (hash, rel, type, href, name) "
                           "VALUES (1, 'Alternate', 'BackupTaskSessionReference', ?, 'vm-a')");
    copy.bind(1, path_of(Kind::BackupTaskSession, kGuids[0]));
    copy.exec();
    db.exec(
        "UPDATE links SET link_value_id = last_insert_rowid() WHERE form = 1 AND "
        "link_value_id IN (SELECT id FROM link_values WHERE derived <> 0)");
    EXPECT_EQ(db.getChanges(), 1);
  }
  EXPECT_EQ(load(record.uid), record);
}

}  // namespace
}  // namespace emarchive::storage::fixture
