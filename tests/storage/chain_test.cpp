// The chain of revisions and `verify` (storage/chain.h, storage/verifier.h, docs/AUDIT.md): every
// store appends an entry whose digest follows the documented definition, and verify finds every
// single edit of the archive's rows, and a consistent rewrite once given an earlier head.

#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "migrations/embedded.h"
#include "storage/chain.h"
#include "storage/sha256.h"
#include "storage/verifier.h"
#include "tests/storage/archive_fixture.h"

namespace emarchive::storage {
namespace {

using namespace fixture;

constexpr std::string_view kLater = "2026-01-03T03:04:05Z";

// The revisions of one entry (bound: its id) in the order its content digest takes them.
const std::string kEntryRevisions =
    "SELECT r.uid, v.form, v.revision, v.observed_at, v.sha256 FROM revisions v "
    "JOIN records r ON r.id = v.record_id WHERE v.chain_entry = ? "
    "ORDER BY v.record_id, v.form, v.revision";

// docs/AUDIT.md's definition, written again from the document alone: a field is its length as
// 8 bytes big-endian, then its bytes.
std::string field(std::string_view bytes) {
  std::string out;
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((static_cast<std::uint64_t>(bytes.size()) >> shift) & 0xff));
  }
  return out + std::string(bytes);
}
std::string field(const Sha256& digest) {
  return field(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

// Every entry's digest, recomputed from the revisions and chain tables with plain SQL.
std::vector<std::string> recompute_chain(SQLite::Database& db) {
  std::vector<std::string> digests;
  std::optional<Sha256> previous;
  SQLite::Statement entries(db, "SELECT id, run_id, created_at FROM chain ORDER BY id");
  while (entries.executeStep()) {
    std::string content;
    std::int64_t count = 0;
    SQLite::Statement revisions(db, kEntryRevisions);
    revisions.bind(1, entries.getColumn(0).getInt64());
    while (revisions.executeStep()) {
      const SQLite::Column sha = revisions.getColumn(4);
      content +=
          field(revisions.getColumn(0).getString()) + field(revisions.getColumn(1).getString()) +
          field(revisions.getColumn(2).getString()) + field(revisions.getColumn(3).getString()) +
          field(std::string_view(static_cast<const char*>(sha.getBlob()),
                                 static_cast<std::size_t>(sha.getBytes())));
      ++count;
    }
    const Sha256 digest = sha256(
        field("emarchive-chain-1") + (previous ? field(*previous) : field("")) +
        field(entries.getColumn(0).getString()) +
        (entries.getColumn(1).isNull() ? field("") : field(entries.getColumn(1).getString())) +
        field(entries.getColumn(2).getString()) + field(std::to_string(count)) +
        field(sha256(content)));
    digests.push_back(to_hex(digest));
    previous = digest;
  }
  return digests;
}

std::vector<std::string> stored_chain(SQLite::Database& db) {
  std::vector<std::string> digests;
  SQLite::Statement s(db, "SELECT lower(hex(digest)) FROM chain ORDER BY id");
  while (s.executeStep()) digests.push_back(s.getColumn(0).getString());
  return digests;
}

class ChainTest : public ArchiveTest {
 protected:
  ChainHead head() {
    auto head = archive_->chain_head();
    EXPECT_TRUE(head) << head.error().message;
    return head ? *head : ChainHead{};
  }

  VerifyReport verify(std::optional<std::string> expect_head = std::nullopt) {
    VerifyOptions options;
    options.expect_head = std::move(expect_head);
    auto report = verify_archive(path_, options);
    EXPECT_TRUE(report) << report.error().message;
    return report ? *report : VerifyReport{};
  }

  // A job, a job session and a task session, the task stored twice (revision 1 superseded).
  void store_history() {
    store({full_record(Kind::Job, kJobGuid), full_record(Kind::BackupJobSession, kJobSessionGuid),
           task_});
    Record changed = task_;
    set_field(changed, "Result", "Failed");
    store({changed}, kLater);
  }

  const std::string task_uid_ = uid(Kind::BackupTaskSession, kTaskGuid);
  const Record task_ = full_record(Kind::BackupTaskSession, kTaskGuid);
};

TEST_F(ChainTest, AFreshArchiveStartsWithAGenesisEntryOverNothing) {
  const ChainHead h = head();
  EXPECT_EQ(h.entry, 1);
  EXPECT_EQ(h.run_id, std::nullopt);
  EXPECT_EQ(h.revisions, 0);
  EXPECT_EQ(h.records, 0);
  SQLite::Database db = sql();
  EXPECT_EQ(recompute_chain(db), std::vector<std::string>{h.digest});
  EXPECT_NE(db.execAndGet("SELECT note FROM chain WHERE id = 1").getString().find("genesis"),
            std::string::npos);
}

TEST_F(ChainTest, EachStoreThatWritesRevisionsAppendsOneEntryAsDocumented) {
  store_history();
  ChainHead h = head();
  EXPECT_EQ(h.entry, 3);
  EXPECT_EQ(h.run_id, run_);
  EXPECT_EQ(h.created_at, kLater);
  EXPECT_EQ(h.records, 3);
  EXPECT_EQ(h.revisions, 7);  // both forms of three records, and the task's new entity
  {
    SQLite::Database db = sql();
    EXPECT_EQ(db.execAndGet("SELECT revisions FROM chain WHERE id = 2").getInt(), 6);
    // The head's counts are the entries' sums: three records archived first in entry 2, none
    // in entry 3, which changed one.
    EXPECT_EQ(db.execAndGet("SELECT records FROM chain WHERE id = 2").getInt(), 3);
    EXPECT_EQ(db.execAndGet("SELECT records FROM chain WHERE id = 3").getInt(), 0);
    EXPECT_EQ(recompute_chain(db), stored_chain(db));
  }
  // Nothing new: no entry.
  Record changed = task_;
  set_field(changed, "Result", "Failed");
  store({changed});
  EXPECT_EQ(head().entry, 3);
  EXPECT_EQ(head().digest, h.digest);
}

TEST_F(ChainTest, AStoreThatFailsLeavesNoEntry) {
  store({task_});
  const ChainHead before = head();
  Record bad = full_record(Kind::BackupJobSession, kJobSessionGuid);
  set_field(bad, "Progress", "not a number");
  EXPECT_FALSE(
      archive_->store(std::vector<Record>{full_record(Kind::Job, kJobGuid), bad}, run_, kLater));
  EXPECT_EQ(head().entry, before.entry);
  EXPECT_EQ(head().digest, before.digest);
  EXPECT_TRUE(verify().ok());
}

TEST_F(ChainTest, VerifyPassesOnAnUntouchedArchiveAndFindsTheExpectedHead) {
  store_history();
  const ChainHead h = head();
  const VerifyReport report = verify(h.digest);
  EXPECT_TRUE(report.ok()) << (report.problems.empty() ? "" : report.problems.front().what);
  EXPECT_EQ(report.records, 3);
  EXPECT_EQ(report.revisions, 7);
  EXPECT_EQ(report.documents, 1);
  EXPECT_EQ(report.chain_entries, 3);
  EXPECT_EQ(report.head, h.digest);
  EXPECT_EQ(report.expected_head_entry, 3);
}

TEST_F(ChainTest, AnExpectedHeadThatIsNotADigestIsRefused) {
  VerifyOptions options;
  options.expect_head = "abc";
  auto report = verify_archive(path_, options);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, ErrorCode::invalid_input);
}

struct Edit {
  std::string name;
  std::string sql;    // :task is the task session's records.id
  std::string names;  // the UID a problem must name, or words its text must hold
};

// For gtest's messages: the edit's name, not its bytes.
void PrintTo(const Edit& edit, std::ostream* out) {
  *out << edit.name;
}

const std::string kTaskUid = uid(Kind::BackupTaskSession, kTaskGuid);

class VerifyEditTest : public ChainTest, public ::testing::WithParamInterface<Edit> {};

TEST_P(VerifyEditTest, FindsTheEditAndNamesWhatItConcerns) {
  store_history();
  ASSERT_TRUE(verify().ok());
  {
    SQLite::Database db = sql();
    SQLite::Statement edit(db, GetParam().sql);
    if (edit.getBindParameterCount() > 0) {
      edit.bind(":task",
                db.execAndGet("SELECT id FROM records WHERE uid = '" + task_uid_ + "'").getInt64());
    }
    ASSERT_GT(edit.exec(), 0);
  }
  const VerifyReport report = verify();
  ASSERT_FALSE(report.ok());
  bool named = false;
  for (const VerifyProblem& p : report.problems) {
    named |= p.uid == GetParam().names || p.what.find(GetParam().names) != std::string::npos;
  }
  EXPECT_TRUE(named) << report.problems.front().uid << ": " << report.problems.front().what;
}

INSTANTIATE_TEST_SUITE_P(
    Edits, VerifyEditTest,
    ::testing::Values(
        Edit{"SessionColumn", "UPDATE sessions SET result = 'Success' WHERE record_id = :task",
             kTaskUid},
        Edit{"JobColumn",
             "UPDATE jobs SET description = 'altered' WHERE record_id = "
             "(SELECT id FROM records WHERE kind_id = 6 AND uid LIKE '%" +
                 std::string(kJobGuid) + "')",
             uid(Kind::Job, kJobGuid)},
        Edit{"LinkValue",
             "UPDATE link_values SET name = 'altered' WHERE id = "
             "(SELECT link_value_id FROM links WHERE record_id = :task AND form = 1 "
             "AND position = 0)",
             kTaskUid},
        Edit{"LinkRow",
             "UPDATE links SET position = 99 WHERE record_id = :task AND form = 1 "
             "AND position = 0",
             kTaskUid},
        Edit{"RepresentationAttribute",
             "UPDATE representations SET name = 'altered' WHERE record_id = :task AND form = 0",
             kTaskUid},
        Edit{"UnmodeledElement", "UPDATE unmodeled SET xml = '<Tail/>' WHERE record_id = :task",
             kTaskUid},
        Edit{"RevisionSha256",
             "UPDATE revisions SET sha256 = zeroblob(32) WHERE record_id = :task AND form = 1 "
             "AND revision = 2",
             kTaskUid},
        Edit{"SupersededDocument",
             "UPDATE revisions SET document = replace(document, 'Text', 'Txet') "
             "WHERE record_id = :task AND form = 1 AND revision = 1",
             kTaskUid},
        Edit{"RevisionObservedAt",
             "UPDATE revisions SET observed_at = '2020-01-01T00:00:00Z' WHERE record_id = :task "
             "AND revision = 1",
             "chain entry"},
        Edit{"DeletedSupersededRevision",
             "DELETE FROM revisions WHERE record_id = :task AND form = 1 AND revision = 1",
             kTaskUid},
        Edit{"DeletedCurrentRevision",
             "DELETE FROM revisions WHERE record_id = :task AND form = 1 AND revision = 2",
             kTaskUid},
        Edit{"ChainRow", "UPDATE chain SET created_at = '2020-01-01T00:00:00Z' WHERE id = 2",
             "chain entry"},
        Edit{"DeletedChainRow", "DELETE FROM chain WHERE id = 3", kTaskUid},
        Edit{"ChainRecordCount", "UPDATE chain SET records = 1 WHERE id = 3", "chain entry 3 "},
        // The kept counts of sessions, which no revision covers: a count of them must agree.
        Edit{"SessionTally", "UPDATE session_tallies SET n = n + 1", "table session_tallies "},
        Edit{"DeletedServerTally", "DELETE FROM session_server_tallies",
             "table session_server_tallies "},
        Edit{"AddedJobTally",
             "INSERT INTO session_job_tallies VALUES (2, 'Ghost', 'Failed', 7, 'Completed', 3)",
             "table session_job_tallies "},
        Edit{"MovedJobIdTally", "UPDATE session_job_id_tallies SET job_id = job_id + 1000",
             "table session_job_id_tallies "},
        Edit{"EndTally", "UPDATE session_end_tallies SET n = n + 1",
             "table session_end_tallies differs"},
        Edit{"NarrowedEndTallyBound", "UPDATE session_end_tallies SET longest = shortest - 1",
             "table session_end_tallies holds bounds narrower"}),
    [](const ::testing::TestParamInfo<Edit>& info) { return info.param.name; });

// What someone who can write the file does to hide an edit: the row, its revision's SHA-256 and
// every chain entry from the one that covers it, all recomputed with emarchive's own code.
TEST_F(ChainTest, AConsistentRewritePassesPlainVerifyButNotAnEarlierAttestedHead) {
  store({full_record(Kind::Job, kJobGuid), task_});
  const std::string attested = head().digest;
  store({full_record(Kind::BackupJobSession, kJobSessionGuid)}, kLater);
  ASSERT_TRUE(verify(attested).ok());

  {
    SQLite::Database db = sql();
    const std::int64_t task =
        db.execAndGet("SELECT id FROM records WHERE uid = '" + task_uid_ + "'").getInt64();
    db.exec("UPDATE sessions SET result = 'Success' WHERE record_id = " + std::to_string(task));
    const std::optional<Record> altered = load(task_uid_);
    ASSERT_TRUE(altered);
    const Sha256 rehashed = sha256(render_entity(*altered, ""));
    SQLite::Statement set(db, "UPDATE revisions SET sha256 = ? WHERE record_id = ? AND form = 1");
    set.bind(1, rehashed.data(), static_cast<int>(rehashed.size()));
    set.bind(2, task);
    set.exec();
    // The whole chain again, entry by entry.
    std::optional<Sha256> previous;
    SQLite::Statement entries(db, "SELECT id, run_id, created_at FROM chain ORDER BY id");
    std::vector<std::pair<std::int64_t, Sha256>> rewritten;
    while (entries.executeStep()) {
      ChainContent content;
      SQLite::Statement revisions(db, kEntryRevisions);
      revisions.bind(1, entries.getColumn(0).getInt64());
      while (revisions.executeStep()) {
        const SQLite::Column sha = revisions.getColumn(4);
        content.add(revisions.getColumn(0).getString(), revisions.getColumn(1).getInt(),
                    revisions.getColumn(2).getInt64(), revisions.getColumn(3).getString(),
                    sha.getBlob(), static_cast<std::size_t>(sha.getBytes()));
      }
      ChainEntryFields fields{entries.getColumn(0).getInt64(), std::nullopt,
                              entries.getColumn(2).getString(), content.count()};
      if (!entries.getColumn(1).isNull()) fields.run_id = entries.getColumn(1).getInt64();
      const Sha256 digest = entry_digest(previous, fields, content.finish());
      rewritten.emplace_back(fields.id, digest);
      previous = digest;
    }
    for (const auto& [id, digest] : rewritten) {
      SQLite::Statement update(db, "UPDATE chain SET digest = ? WHERE id = ?");
      update.bind(1, digest.data(), static_cast<int>(digest.size()));
      update.bind(2, id);
      update.exec();
    }
  }

  // Alone, verify cannot tell: everything in the file agrees with everything else.
  EXPECT_TRUE(verify().ok());
  // The head kept elsewhere can.
  const VerifyReport report = verify(attested);
  EXPECT_FALSE(report.ok());
  EXPECT_EQ(report.expected_head_entry, std::nullopt);
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_NE(report.problems[0].what.find("expected head " + attested), std::string::npos)
      << report.problems[0].what;
}

// Turns an archive written at the current schema into the one version 4 would have written with
// the same records, by undoing migrations 13 to 5, newest first: 013 to 009 (fixture
// undo_migrations_to_version_8), 008 (source names), 007 (Links to the record itself stored
// once, derived: each gets its own stored value again), 006 (query indexes) and 005 (the chain).
void downgrade_to_version_4(SQLite::Database& db) {
  undo_migrations_to_version_8(db);
  db.exec("DROP INDEX sources_by_name; ALTER TABLE sources DROP COLUMN name");

  SQLite::Statement derived(
      db,
      "SELECT l.record_id, l.form, l.position, v.rel, v.type, '/api/' || k.collection || '/' || "
      "substr(r.uid, length(k.uid_prefix) + 1) || CASE v.derived WHEN 2 THEN '?format=Entity' "
      "ELSE '' END, p.name, v.extra_attributes FROM links l "
      "JOIN link_values v ON v.id = l.link_value_id JOIN records r ON r.id = l.record_id "
      "JOIN kinds k ON k.id = r.kind_id "
      "JOIN representations p ON p.record_id = l.record_id AND p.form = l.form "
      "WHERE v.derived <> 0");
  std::vector<std::vector<std::optional<std::string>>> rows;
  while (derived.executeStep()) {
    std::vector<std::optional<std::string>> row;
    for (int i = 0; i < 8; ++i) {
      const SQLite::Column c = derived.getColumn(i);
      row.push_back(c.isNull() ? std::nullopt : std::optional(c.getString()));
    }
    rows.push_back(std::move(row));
  }
  for (const auto& row : rows) {
    SQLite::Statement insert(db,
                             "INSERT INTO link_values (hash, rel, type, href, name, "
                             "extra_attributes) VALUES (0, ?, ?, ?, ?, ?)");
    for (int i = 3; i < 8; ++i) {
      if (row[i]) insert.bind(i - 2, *row[i]);
    }
    insert.exec();
    SQLite::Statement relink(
        db, "UPDATE links SET link_value_id = ? WHERE record_id = ? AND form = ? AND position = ?");
    relink.bind(1, static_cast<std::int64_t>(db.getLastInsertRowid()));
    for (int i = 0; i < 3; ++i) relink.bind(i + 2, static_cast<std::int64_t>(std::stoll(*row[i])));
    relink.exec();
  }
  db.exec(
      "DELETE FROM link_values WHERE derived <> 0; DROP INDEX link_values_derived; "
      "DROP VIEW links_v; ALTER TABLE link_values DROP COLUMN derived; "
      "CREATE VIEW links_v AS SELECT r.uid, CASE l.form WHEN 0 THEN 'reference' ELSE 'entity' "
      "END AS form, l.position, v.rel, v.type, v.href, v.name, v.extra_attributes, v.raw_xml "
      "FROM links l JOIN link_values v ON v.id = l.link_value_id "
      "JOIN records r ON r.id = l.record_id");

  db.exec(
      "DROP INDEX sessions_kind_vm_creation; DROP INDEX sessions_kind_name_creation; "
      "DROP INDEX sessions_kind_vm_uid_creation; DROP INDEX sessions_kind_job_name_creation; "
      "DROP INDEX sessions_kind_job_result_creation; "
      "DROP INDEX sessions_kind_parent_result_creation; DROP INDEX sessions_kind_server_creation; "
      "CREATE INDEX sessions_name ON sessions (name COLLATE NOCASE); "
      "CREATE INDEX sessions_vm_display_name ON sessions (vm_display_name COLLATE NOCASE) "
      "WHERE vm_display_name IS NOT NULL; "
      "CREATE INDEX sessions_backup_server ON sessions (backup_server_id)");

  db.exec(
      "DROP INDEX revisions_chain; ALTER TABLE revisions DROP COLUMN chain_entry; "
      "DROP TABLE chain; PRAGMA user_version = 4");
}

TEST_F(ChainTest, AVersion4ArchiveIsMigratedWithAGenesisEntryOverWhatItHolds) {
  store_history();
  archive_.reset();
  {
    SQLite::Database db = sql();
    downgrade_to_version_4(db);
  }
  archive_ = open();
  EXPECT_EQ(archive_->schema_version(), static_cast<int>(migrations::all().size()));
  const ChainHead h = head();
  EXPECT_EQ(h.entry, 1);
  EXPECT_EQ(h.revisions, 7);
  EXPECT_EQ(h.records, 3);
  {
    SQLite::Database db = sql();
    EXPECT_EQ(db.execAndGet("SELECT revisions FROM chain WHERE id = 1").getInt(), 7);
    EXPECT_EQ(recompute_chain(db), std::vector<std::string>{h.digest});
  }
  EXPECT_TRUE(verify(h.digest).ok());

  store({full_record(Kind::BackupTaskSession, kJobSessionGuid)});
  EXPECT_EQ(head().entry, 2);
  EXPECT_TRUE(verify(h.digest).ok());
}

// An archive at version 15 has no count of records in its entries: migrating counts each
// entry's from the revisions, and the head reports the same as before.
TEST_F(ChainTest, MigratingToVersion16CountsTheRecordsEachEntryArchivedFirst) {
  store_history();
  store({full_record(Kind::BackupTaskSession, kJobSessionGuid)}, kLater);
  const ChainHead before = head();
  reopen_from_version(15, undo_migration_16);
  ASSERT_TRUE(archive_);
  {
    SQLite::Database db = sql();
    SQLite::Statement counts(db, "SELECT id, records FROM chain ORDER BY id");
    std::vector<std::pair<int, int>> found;
    while (counts.executeStep()) found.emplace_back(counts.getColumn(0), counts.getColumn(1));
    EXPECT_EQ(found, (std::vector<std::pair<int, int>>{{1, 0}, {2, 3}, {3, 0}, {4, 1}}));
  }
  const ChainHead after = head();
  EXPECT_EQ(after.records, 4);
  EXPECT_EQ(after.revisions, before.revisions);
  EXPECT_EQ(after.digest, before.digest);
  EXPECT_TRUE(verify(before.digest).ok());
}

}  // namespace
}  // namespace emarchive::storage
