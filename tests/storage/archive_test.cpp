#include "storage/archive.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "migrations/embedded.h"
#include "model/codec.h"
#include "model/em_time.h"
#include "model/query_filter.h"
#include "model/query_type.h"
#include "storage/sha256.h"
#include "tests/storage/archive_fixture.h"
#include "tests/support/test_data.h"

namespace emarchive::storage {
namespace {

using namespace emarchive::storage::fixture;

TEST_F(ArchiveTest, OpensInWalModeAtTheNewestSchemaVersion) {
  EXPECT_EQ(archive_->schema_version(), static_cast<int>(migrations::all().size()));
  SQLite::Database db = sql();
  EXPECT_EQ(db.execAndGet("PRAGMA journal_mode").getString(), "wal");
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM kinds").getInt(), 7);
}

TEST_F(ArchiveTest, RoundTripsEveryKindWithBothForms) {
  for (const KindInfo& kind : all_kinds()) {
    SCOPED_TRACE(std::string(kind.name));
    const Record record = full_record(kind.kind, kTaskGuid);
    EXPECT_EQ(store({record}), std::vector{StoreOutcome::New});
    const std::optional<Record> loaded = load(record.uid);
    ASSERT_TRUE(loaded);
    EXPECT_EQ(*loaded, record);
    EXPECT_EQ(render_entity(*loaded, kOrigin), render_entity(record, kOrigin));
    EXPECT_EQ(render_entity_ref(*loaded, kOrigin), render_entity_ref(record, kOrigin));
    // The view spells out the Type and Href the table only marks as derived.
    SQLite::Database db = sql();
    for (const char* form : {"reference", "entity"}) {
      SQLite::Statement view(db,
                             "SELECT type, href FROM representations_v WHERE uid = ? AND form = ?");
      view.bind(1, record.uid);
      view.bind(2, form);
      ASSERT_TRUE(view.executeStep());
      const Representation& expected =
          *record.form(std::string_view(form) == "entity" ? Form::Entity : Form::Reference);
      EXPECT_EQ(view.getColumn(0).getString(), *expected.type);
      EXPECT_EQ(view.getColumn(1).getString(), *expected.href);
    }
  }
  EXPECT_EQ(sql().execAndGet("SELECT count(*) FROM pragma_foreign_key_check").getInt(), 0);
}

TEST_F(ArchiveTest, RoundTripsEveryTestDocument) {
  const auto files = testing::files_under("em");
  ASSERT_FALSE(files.empty());
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    const Expected<Document> document = parse_document(testing::read_file(file), file.string());
    ASSERT_TRUE(document) << document.error().message;
    store(document->records);
    // A document may carry a record twice (a QueryResult's Refs and Entities); the last wins.
    std::map<std::pair<std::string, Form>, const Representation*> expected;
    for (const Record& record : document->records) {
      for (Form form : {Form::Reference, Form::Entity}) {
        if (record.form(form)) expected[{record.uid, form}] = &*record.form(form);
      }
    }
    for (const auto& [key, representation] : expected) {
      const std::optional<Record> loaded = load(key.first);
      ASSERT_TRUE(loaded && loaded->form(key.second)) << key.first;
      EXPECT_EQ(*loaded->form(key.second), *representation) << key.first;
    }
  }
  EXPECT_EQ(sql().execAndGet("SELECT count(*) FROM pragma_foreign_key_check").getInt(), 0);
}

TEST_F(ArchiveTest, KeepsEachFormAloneAsItCame) {
  Record reference_only = full_record(Kind::BackupTaskSession, kTaskGuid);
  reference_only.entity.reset();
  EXPECT_EQ(store({reference_only}), std::vector{StoreOutcome::New});
  EXPECT_EQ(load(reference_only.uid), reference_only);

  Record entity_only = full_record(Kind::BackupTaskSession, kTaskGuid);
  entity_only.reference.reset();
  EXPECT_EQ(store({entity_only}), std::vector{StoreOutcome::Updated});
  EXPECT_EQ(load(entity_only.uid), full_record(Kind::BackupTaskSession, kTaskGuid));

  // Without Links at all, and with <Links /> empty; no Type, and an Href of another path.
  Record bare = full_record(Kind::Job, kJobGuid);
  bare.reference->type.reset();
  bare.entity->href = "/api/agents/jobs/" + std::string(kJobGuid) + "?format=Entity";
  bare.reference->has_links = false;
  bare.reference->links.clear();
  bare.entity->links.clear();
  bare.entity->fields.assign(bare.entity->fields.size(), std::nullopt);
  bare.entity->unmodeled.clear();
  EXPECT_EQ(store({bare}), std::vector{StoreOutcome::New});
  EXPECT_EQ(load(bare.uid), bare);
}

TEST_F(ArchiveTest, StoringTheSameDocumentsAgainChangesNothing) {
  const Record record = full_record(Kind::BackupJobSession, kJobSessionGuid);
  EXPECT_EQ(store({record}), std::vector{StoreOutcome::New});
  EXPECT_EQ(store({record}, "2026-02-01T00:00:00Z"), std::vector{StoreOutcome::Unchanged});
  // A different origin does not make a document different: Hrefs are kept without it.
  Record elsewhere = record;
  elsewhere.origin = "http://other:9399";
  EXPECT_EQ(store({elsewhere}), std::vector{StoreOutcome::Unchanged});
  EXPECT_EQ(revisions(record.uid, Form::Entity), 1);
  EXPECT_EQ(revisions(record.uid, Form::Reference), 1);
  EXPECT_EQ(load(record.uid)->origin, kOrigin);
}

TEST_F(ArchiveTest, AChangedDocumentIsANewRevisionAndTheOldOneIsKept) {
  const KindInfo& k = info(Kind::BackupJobSession);
  Record working = full_record(Kind::BackupJobSession, kJobSessionGuid);
  auto set_field = [&](Record& r, std::string_view element, std::optional<std::string> value) {
    for (std::size_t i = 0; i < k.fields.size(); ++i) {
      if (k.fields[i].element == element) r.entity->fields[i] = std::move(value);
    }
  };
  set_field(working, "EndTimeUTC", std::nullopt);
  set_field(working, "State", "Working");
  EXPECT_EQ(store({working}), std::vector{StoreOutcome::New});

  Record stopped = working;
  set_field(stopped, "EndTimeUTC", "2025-06-05T02:00:00.1234567Z");
  set_field(stopped, "State", "Stopped");
  EXPECT_EQ(store({stopped}, "2026-01-03T00:00:00Z"), std::vector{StoreOutcome::Updated});

  EXPECT_EQ(revisions(working.uid, Form::Entity), 2);
  EXPECT_EQ(revisions(working.uid, Form::Reference), 1);
  EXPECT_EQ(load(working.uid), stopped);

  SQLite::Database db = sql();
  SQLite::Statement history(db,
                            "SELECT revision, observed_at, document, sha256 FROM revisions "
                            "WHERE form = 1 ORDER BY revision");
  ASSERT_TRUE(history.executeStep());
  EXPECT_EQ(history.getColumn(1).getString(), kNow);
  const std::string old_document = history.getColumn(2).getString();
  EXPECT_EQ(old_document, render_entity(working, ""));
  const Sha256 old_digest = sha256(old_document);
  EXPECT_EQ(std::string(static_cast<const char*>(history.getColumn(3).getBlob()), 32),
            std::string(old_digest.begin(), old_digest.end()));
  ASSERT_TRUE(history.executeStep());
  EXPECT_EQ(history.getColumn(1).getString(), "2026-01-03T00:00:00Z");
  EXPECT_TRUE(history.getColumn(2).isNull());  // the current revision is the normalized rows

  EXPECT_EQ(db.execAndGet("SELECT state || ' ' || end_time FROM sessions s "
                          "JOIN records r ON r.id = s.record_id WHERE r.uid = '" +
                          working.uid + "'")
                .getString(),
            "Stopped 2025-06-05T02:00:00.1234567Z");
}

// current_revisions() gives both forms' current revision numbers, which are their counts.
TEST_F(ArchiveTest, CurrentRevisionsAreBothFormsCurrentRevisionNumbers) {
  Record record = full_record(Kind::BackupJobSession, kJobSessionGuid);
  auto current = archive_->current_revisions(record.uid);
  ASSERT_TRUE(current) << current.error().message;
  EXPECT_EQ(*current, (CurrentRevisions{0, 0}));  // never archived
  store({record});
  set_field(record, "State", "Working");
  store({record}, "2026-01-03T00:00:00Z");
  current = archive_->current_revisions(record.uid);
  ASSERT_TRUE(current) << current.error().message;
  EXPECT_EQ(*current, (CurrentRevisions{1, 2}));
  EXPECT_EQ(current->reference, revisions(record.uid, Form::Reference));
  EXPECT_EQ(current->entity, revisions(record.uid, Form::Entity));
}

// changed() reports commits (and the first call), its own connection's too, not reads.
TEST_F(ArchiveTest, ChangedReportsCommitsSinceTheLastCall) {
  auto reader = open();
  const auto changed = [&] {
    auto answer = reader->changed();
    EXPECT_TRUE(answer) << answer.error().message;
    return answer && *answer;
  };
  EXPECT_TRUE(changed());
  EXPECT_FALSE(changed());
  Record record = full_record(Kind::BackupJobSession, kJobSessionGuid);
  store({record});
  EXPECT_TRUE(changed());
  EXPECT_FALSE(changed());
  ASSERT_TRUE(reader->load(record.uid));
  EXPECT_FALSE(changed());
  set_field(record, "State", "Working");
  store({record}, "2026-01-04T00:00:00Z");
  EXPECT_TRUE(changed());
  auto writer_changed = archive_->changed();
  ASSERT_TRUE(writer_changed);
  EXPECT_TRUE(*writer_changed);  // its first call
  set_field(record, "State", "Stopped");
  store({record}, "2026-01-05T00:00:00Z");
  EXPECT_TRUE(*archive_->changed());  // its own commit
  EXPECT_FALSE(*archive_->changed());
  EXPECT_TRUE(changed());
}

TEST_F(ArchiveTest, TypedColumnsAreQueryable) {
  Record task = full_record(Kind::BackupTaskSession, kTaskGuid);
  task.entity->fields = {uid(Kind::BackupJobSession, kJobSessionGuid),
                         "2025-06-05T01:04:29.56Z",
                         "2025-06-05T01:14:29Z",
                         "Completed",
                         "Failed",
                         "Cannot connect to 'host'",
                         "123456789012",
                         "urn:VMware:Vm:7f6e5d4c-0000-1111-2222-333344445555.vm-91826"};
  store({task});
  SQLite::Database db = sql();
  SQLite::Statement row(
      db,
      "SELECT s.creation_time_ns, s.end_time_ns, t.total_size, t.result, t.reason, "
      "t.job_session_uid, t.backup_server, t.job_session, t.vm_display_name "
      "FROM task_sessions_v t JOIN records r ON r.uid = t.uid "
      "JOIN sessions s ON s.record_id = r.id");
  ASSERT_TRUE(row.executeStep());
  EXPECT_EQ(row.getColumn(0).getInt64(), 1749085469560000000);
  EXPECT_EQ(row.getColumn(1).getInt64(), 1749086069000000000);
  EXPECT_EQ(row.getColumn(2).getInt64(), 123456789012);
  EXPECT_EQ(row.getColumn(3).getString(), "Failed");
  EXPECT_EQ(row.getColumn(4).getString(), "Cannot connect to 'host'");
  EXPECT_EQ(row.getColumn(5).getString(), uid(Kind::BackupJobSession, kJobSessionGuid));
  EXPECT_EQ(row.getColumn(6).getString(), "vbr-test-01");
  EXPECT_EQ(row.getColumn(7).getString(), "Nightly VMs@2025-06-05 03:04:05");
  EXPECT_EQ(row.getColumn(8).getString(), "vm-01");
  EXPECT_FALSE(row.executeStep());

  // Its job and job name are its job session's, once that is archived.
  EXPECT_TRUE(db.execAndGet("SELECT job_uid FROM task_sessions_v").isNull());
  store({full_record(Kind::BackupJobSession, kJobSessionGuid)});
  SQLite::Statement job(db, "SELECT job_name, job_uid FROM task_sessions_v");
  ASSERT_TRUE(job.executeStep());
  EXPECT_EQ(job.getColumn(0).getString(), "Nightly VMs");
  EXPECT_EQ(job.getColumn(1).getString(), uid(Kind::Job, kJobGuid));
}

TEST_F(ArchiveTest, CreatesStubsForWhatRecordsPointToAndFillsThemLater) {
  const Record task = full_record(Kind::BackupTaskSession, kTaskGuid);
  EXPECT_EQ(store({task}), std::vector{StoreOutcome::New});

  // The parent session and the backup server are known, named by the Links, but not archived.
  const std::string parent_uid = uid(Kind::BackupJobSession, kJobSessionGuid);
  const std::string server_uid = uid(Kind::BackupServer, kServerGuid);
  EXPECT_EQ(load(parent_uid), std::nullopt);
  EXPECT_EQ(load(server_uid), std::nullopt);
  EXPECT_EQ(revisions(parent_uid, Form::Reference), 0);
  SQLite::Database db = sql();
  auto name_of = [&](const std::string& u) {
    return db.execAndGet("SELECT name || '/' || archived FROM records_v WHERE uid = '" + u + "'")
        .getString();
  };
  EXPECT_EQ(name_of(parent_uid), "Nightly VMs@2025-06-05 03:04:05/0");
  EXPECT_EQ(name_of(server_uid), "vbr-test-01/0");

  // The parent session arrives: it is new, and its job becomes a stub named by JobName's Link.
  const Record parent = full_record(Kind::BackupJobSession, kJobSessionGuid);
  const Record server = full_record(Kind::BackupServer, kServerGuid);
  EXPECT_EQ(store({parent, server}), (std::vector{StoreOutcome::New, StoreOutcome::New}));
  EXPECT_EQ(load(parent_uid), parent);
  EXPECT_EQ(load(server_uid), server);
  EXPECT_EQ(name_of(parent_uid), *parent.entity->name + "/1");
  EXPECT_EQ(name_of(uid(Kind::Job, kJobGuid)), "Nightly VMs/0");
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM records").getInt(), 4);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM sessions WHERE parent_id IS NOT NULL").getInt(), 1);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM pragma_foreign_key_check").getInt(), 0);
}

TEST_F(ArchiveTest, StoresALinkSharedByManyRecordsOnce) {
  std::vector<Record> tasks;
  for (char last : std::string("0123456789")) {
    std::string guid(kTaskGuid);
    guid.back() = last;
    tasks.push_back(full_record(Kind::BackupTaskSession, guid));
  }
  store(tasks);
  SQLite::Database db = sql();
  EXPECT_EQ(
      db.execAndGet("SELECT count(*) FROM links_v WHERE type = 'BackupServerReference'").getInt(),
      20);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM link_values WHERE type = 'BackupServerReference'")
                .getInt(),
            1);
  for (const Record& task : tasks) EXPECT_EQ(load(task.uid), task);
}

TEST_F(ArchiveTest, AnswersRecordQueriesPageByPage) {
  std::vector<Record> tasks;
  for (int i = 0; i < 5; ++i) {
    std::string guid(kTaskGuid);
    guid.back() = static_cast<char>('0' + i);
    Record task = full_record(Kind::BackupTaskSession, guid);
    task.entity->fields[1] = "2025-06-0" + std::to_string(9 - i) + "T00:00:00Z";  // creation
    task.entity->fields[4] = i % 2 ? "Failed" : "Success";                        // result
    tasks.push_back(task);
  }
  store(tasks);
  store({full_record(Kind::BackupJobSession, kJobSessionGuid)});

  RecordQuery query;
  query.kind = Kind::BackupTaskSession;
  query.parent_uid = uid(Kind::BackupJobSession, kJobSessionGuid);
  query.offset = 1;
  query.limit = 2;
  auto page = archive_->query(query);
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->total, 5);
  // Oldest first: the tasks were created in reverse order.
  EXPECT_EQ(page->records, (std::vector{tasks[3], tasks[2]}));

  const QueryType* type = find_query_type("BackupTaskSession");
  ASSERT_NE(type, nullptr);
  auto filter = parse_filter("Result==Failed");
  ASSERT_TRUE(filter) << filter.error().message;
  auto compiled = compile_filter(*type, *filter, system_now());
  ASSERT_TRUE(compiled) << compiled.error().message;
  query.filter = *compiled;
  query.offset = 0;
  query.limit = -1;
  page = archive_->query(query);
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->total, 2);
  EXPECT_EQ(page->records, (std::vector{tasks[3], tasks[1]}));
}

// Queries skip the stub test when the filter compares a field only an entity gives: this holds
// them to listing what they listed with it.
TEST_F(ArchiveTest, FiltersListArchivedRecordsOnlyNeverStubs) {
  const Record task = full_record(Kind::BackupTaskSession, kTaskGuid);
  std::string guid(kTaskGuid);
  guid.back() = 'f';
  Record reference_only = full_record(Kind::BackupTaskSession, guid);
  reference_only.entity.reset();
  store({task, reference_only});  // the parent job session is a stub, named by the Links

  const auto uids = [&](Kind kind, const std::string& text) {
    const QueryType* type = find_query_type(info(kind).name);
    auto filter = parse_filter(text);
    EXPECT_TRUE(filter) << filter.error().message;
    auto compiled = compile_filter(*type, *filter, system_now());
    EXPECT_TRUE(compiled) << compiled.error().message;
    RecordQuery query;
    query.kind = kind;
    query.filter = *compiled;
    auto page = archive_->query(query);
    EXPECT_TRUE(page) << page.error().message;
    std::vector<std::string> out;
    for (const Record& r : page->records) out.push_back(r.uid);
    EXPECT_EQ(page->total, static_cast<std::int64_t>(out.size()));
    return out;
  };
  const std::string result = *task.field("Result");
  const std::string name = *reference_only.reference->name;
  EXPECT_EQ(uids(Kind::BackupTaskSession, "Result==\"" + result + "\""), std::vector{task.uid});
  EXPECT_EQ(uids(Kind::BackupTaskSession, "Result==\"" + result + "\",Name==\"" + name + "\""),
            (std::vector{task.uid, reference_only.uid}));
  EXPECT_EQ(uids(Kind::BackupTaskSession, "UID==\"" + reference_only.uid + "\""),
            std::vector{reference_only.uid});
  EXPECT_EQ(uids(Kind::BackupTaskSession, "UID!=\"" + reference_only.uid + "\""),
            std::vector{task.uid});
  const std::string stub_name = "Nightly VMs@2025-06-05 03:04:05";
  EXPECT_EQ(uids(Kind::BackupJobSession, "Name==\"" + stub_name + "\""),
            std::vector<std::string>{});
  EXPECT_EQ(uids(Kind::BackupJobSession, "Result!=Success"), std::vector<std::string>{});
}

TEST_F(ArchiveTest, AgentManagementSessionsPointToTheirParentByLink) {
  Record child = full_record(Kind::BackupJobSession, kTaskGuid);
  child.entity->links.push_back(link("Up", "BackupJobSessionReference",
                                     path_of(Kind::BackupJobSession, kJobSessionGuid),
                                     "Parent session"));
  store({child});
  SQLite::Database db = sql();
  EXPECT_EQ(db.execAndGet("SELECT parent_uid FROM job_sessions_v WHERE uid = '" + child.uid + "'")
                .getString(),
            uid(Kind::BackupJobSession, kJobSessionGuid));
}

TEST_F(ArchiveTest, AFailedStoreStoresNothingOfTheBatch) {
  // Injected failure: the database refuses the second record's representation.
  sql().exec(
      "CREATE TRIGGER refuse BEFORE INSERT ON representations WHEN NEW.name = 'refused' "
      "BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
  const Record good = full_record(Kind::BackupTaskSession, kTaskGuid);
  Record bad = full_record(Kind::BackupJobSession, kJobSessionGuid);
  bad.reference->name = "refused";
  const auto outcome = archive_->store(std::vector{good, bad}, run_, kNow);
  ASSERT_FALSE(outcome);
  EXPECT_NE(outcome.error().message.find(path_), std::string::npos) << outcome.error().message;
  EXPECT_NE(outcome.error().message.find("injected failure"), std::string::npos);
  EXPECT_NE(outcome.error().message.find(bad.uid), std::string::npos);

  EXPECT_EQ(load(good.uid), std::nullopt);
  SQLite::Database db = sql();
  for (const char* table : {"records", "representations", "links", "sessions", "revisions"}) {
    EXPECT_EQ(db.execAndGet(std::string("SELECT count(*) FROM ") + table).getInt(), 0) << table;
  }
  // The archive is still usable.
  EXPECT_EQ(store({good}), std::vector{StoreOutcome::New});
}

TEST_F(ArchiveTest, RejectsAFieldThatWouldNotReadBackUnchanged) {
  Record record = full_record(Kind::BackupTaskSession, kTaskGuid);
  record.entity->fields[6] = "007";  // TotalSize
  const auto outcome = archive_->store(std::vector{record}, run_, kNow);
  ASSERT_FALSE(outcome);
  EXPECT_NE(outcome.error().message.find("TotalSize"), std::string::npos)
      << outcome.error().message;
  EXPECT_EQ(load(record.uid), std::nullopt);
}

TEST_F(ArchiveTest, KeepsAUidFieldOfAnUnusualFormExactly) {
  Record record = full_record(Kind::BackupJobSession, kJobSessionGuid);
  record.entity->fields[0] = "URN:Veeam:Job:ABC";  // JobUid
  EXPECT_EQ(store({record}), std::vector{StoreOutcome::New});
  EXPECT_EQ(load(record.uid), record);
  EXPECT_EQ(
      sql().execAndGet("SELECT kind FROM records_v WHERE uid = 'URN:Veeam:Job:ABC'").getString(),
      "Job");
}

TEST_F(ArchiveTest, RecordsRuns) {
  ASSERT_TRUE(archive_->finish_run(run_, "2026-01-02T03:05:00Z", {3, 1, 4, 5, 6}, "bad.xml: x"));
  SQLite::Database db = sql();
  EXPECT_EQ(db.execAndGet("SELECT command || ' ' || detail || ' ' || documents || rejected || "
                          "records_new || records_updated || records_unchanged || ' ' || errors "
                          "FROM runs WHERE id = " +
                          std::to_string(run_))
                .getString(),
            "import tests 31456 bad.xml: x");
  EXPECT_FALSE(archive_->finish_run(run_ + 100, kNow, {}, ""));
  // Revisions name their run; the archive's connection enforces the foreign key.
  const auto outcome =
      archive_->store(std::vector{full_record(Kind::Job, kJobGuid)}, run_ + 100, kNow);
  ASSERT_FALSE(outcome);
  EXPECT_NE(outcome.error().message.find("FOREIGN KEY"), std::string::npos)
      << outcome.error().message;
}

TEST_F(ArchiveTest, ReadersRunBesideTheWriter) {
  store({full_record(Kind::BackupServer, kServerGuid)});
  auto reader = open();
  ASSERT_TRUE(reader);
  // A reader in the middle of a read transaction does not block the writer (WAL).
  SQLite::Database reading(path_, SQLite::OPEN_READONLY);
  SQLite::Transaction snapshot(reading, SQLite::TransactionBehavior::DEFERRED);
  EXPECT_EQ(reading.execAndGet("SELECT count(*) FROM records").getInt(), 1);
  EXPECT_EQ(store({full_record(Kind::Job, kJobGuid)}), std::vector{StoreOutcome::New});
  EXPECT_EQ(reading.execAndGet("SELECT count(*) FROM records").getInt(), 1);
  // And a reader sees what the writer committed.
  auto job = reader->load(uid(Kind::Job, kJobGuid));
  ASSERT_TRUE(job) << job.error().message;
  EXPECT_EQ(*job, full_record(Kind::Job, kJobGuid));
}

TEST_F(ArchiveTest, ASecondWriterWaitsThenFailsNamingTheFile) {
  OpenOptions impatient;
  impatient.busy_timeout_ms = 50;
  auto other = open(impatient);
  ASSERT_TRUE(other);
  SQLite::Database writing = sql();
  SQLite::Transaction lock(writing, SQLite::TransactionBehavior::IMMEDIATE);
  const auto outcome = other->store(std::vector{full_record(Kind::Job, kJobGuid)}, run_, kNow);
  ASSERT_FALSE(outcome);
  EXPECT_NE(outcome.error().message.find(path_), std::string::npos) << outcome.error().message;
  // Reading is not blocked by the writer.
  auto loaded = other->load(uid(Kind::Job, kJobGuid));
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(*loaded, std::nullopt);
}

TEST_F(ArchiveTest, OpensReadOnlyAndRefusesMissingFilesWhenAskedTo) {
  const Record record = full_record(Kind::Job, kJobGuid);
  store({record});
  OpenOptions read_only;
  read_only.read_only = true;
  auto reader = open(read_only);
  ASSERT_TRUE(reader);
  EXPECT_EQ(reader->load(record.uid)->value(), record);
  EXPECT_FALSE(
      reader->store(std::vector{full_record(Kind::BackupServer, kServerGuid)}, run_, kNow));

  OpenOptions existing;
  existing.create = false;
  const std::string missing = (dir_ / "missing.db").string();
  auto refused = Archive::open(missing, existing);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find(missing), std::string::npos);
}

TEST_F(ArchiveTest, RefusesAFileThatIsNotADatabase) {
  const std::string junk = (dir_ / "junk.db").string();
  {
    std::FILE* f = std::fopen(junk.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("this is not an SQLite database, but it is long enough to look like a header.....",
               f);
    std::fclose(f);
  }
  auto refused = Archive::open(junk);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find(junk), std::string::npos);
}

TEST(ArchiveSha256, MatchesTheStandardTestVector) {
  EXPECT_EQ(to_hex(sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace emarchive::storage
