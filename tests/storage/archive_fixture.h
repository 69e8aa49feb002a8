#pragma once
// The records and the fixture that the archive's tests share: a fresh archive file per test, one
// run begun, and records of every kind with every field set.

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "migrations/embedded.h"
#include "model/codec.h"
#include "model/em_time.h"
#include "model/query_filter.h"
#include "model/query_type.h"
#include "storage/archive.h"
#include "storage/deferred_indexes.h"
#include "storage/sqlite_support.h"
#include "storage/verifier.h"
#include "tests/support/test_data.h"

namespace emarchive::storage::fixture {

inline constexpr std::string_view kOrigin = "https://em.test.local:9398";
inline constexpr std::string_view kServerGuid = "0d7b3c52-4f1e-4a8e-9b1c-5e2f6a7d8c90";
inline constexpr std::string_view kJobGuid = "6a1f0e3d-2b4c-4d5e-8f9a-0b1c2d3e4f50";
inline constexpr std::string_view kJobSessionGuid = "b2e4d6f8-1a3c-4e5f-9a7b-c8d9e0f1a2b3";
inline constexpr std::string_view kTaskGuid = "91c3e5a7-6b8d-4f0a-8c2e-4d6f8a0b2c4e";
inline constexpr std::string_view kNow = "2026-01-02T03:04:05Z";

// The i-th of a series of GUIDs (i below 9,000): kTaskGuid with its last four digits numbered.
inline std::string numbered_guid(int i) {
  std::string g(kTaskGuid);
  g.replace(g.size() - 4, 4, std::to_string(1000 + i));
  return g;
}

inline std::string uid(Kind kind, std::string_view guid) {
  return std::string(info(kind).uid_prefix) + std::string(guid);
}

inline std::string path_of(Kind kind, std::string_view guid) {
  return "/api/" + std::string(info(kind).collection) + "/" + std::string(guid);
}

inline Link link(std::string rel, std::string type, std::string href,
                 std::optional<std::string> name) {
  Link l;
  l.rel = std::move(rel);
  l.type = std::move(type);
  l.href = std::move(href);
  l.name = std::move(name);
  return l;
}

inline Link up_to_server() {
  return link("Up", "BackupServerReference", path_of(Kind::BackupServer, kServerGuid),
              "vbr-test-01");
}

// The Links EM gives a record of this kind: Up to its backup server, job or parent session.
inline std::vector<Link> up_links(Kind kind) {
  std::vector<Link> links;
  if (kind != Kind::BackupServer) links.push_back(up_to_server());
  switch (kind) {
    case Kind::BackupJobSession:
    case Kind::ReplicaJobSession:
      links.push_back(link("Up", "JobReference", path_of(Kind::Job, kJobGuid), "Nightly VMs"));
      break;
    case Kind::BackupTaskSession:
      links.push_back(link("Up", "BackupJobSessionReference",
                           path_of(Kind::BackupJobSession, kJobSessionGuid),
                           "Nightly VMs@2025-06-05 03:04:05"));
      break;
    case Kind::ReplicaTaskSession:
      links.push_back(link("Up", "ReplicaJobSessionReference",
                           path_of(Kind::ReplicaJobSession, kJobSessionGuid),
                           "Replicate@2025-06-05 03:04:05"));
      break;
    default:
      break;
  }
  return links;
}

// A representative text for each field type; a Uid field names the record up_links points to.
inline std::string field_text(const FieldSpec& field) {
  switch (field.type) {
    case FieldType::Text:
      return "Text of " + std::string(field.element) + " & <more>";
    case FieldType::Time:
      return "2025-06-05T01:04:29.56Z";
    case FieldType::Integer:
      return "-42";
    case FieldType::Boolean:
      return "true";
    case FieldType::Uid:
      return uid(*field.target, *field.target == Kind::Job ? kJobGuid : kJobSessionGuid);
  }
  return "";
}

// A record of `kind` with both forms and every fidelity case the archive must keep: Links with an
// absent and an empty Name, extra attributes with characters XML escapes, a Link kept as raw XML,
// unmodeled elements around the fields, and fields absent and empty.
inline Record full_record(Kind kind, std::string_view guid) {
  const KindInfo& k = info(kind);
  Record record;
  record.kind = kind;
  record.uid = uid(kind, guid);
  record.origin = std::string(kOrigin);

  Representation reference;
  reference.type = std::string(k.reference_type);
  reference.href = path_of(kind, guid);
  reference.name = "Record " + std::string(guid.substr(0, 8));
  reference.has_links = true;
  reference.links = up_links(kind);
  reference.links.push_back(
      link("Alternate", std::string(k.name), path_of(kind, guid) + "?format=Entity", std::nullopt));
  record.reference = reference;

  Representation entity;
  entity.type = std::string(k.name);
  entity.href = path_of(kind, guid) + "?format=Entity";
  entity.name = reference.name;
  if (k.has_vm_display_name) entity.vm_display_name = "vm-01";
  entity.extra_attributes = {{"xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"},
                             {"Note", "a \"quoted\" & <tagged>\n\tline"}};
  entity.has_links = true;
  entity.links = up_links(kind);
  entity.links.push_back(link("Alternate", std::string(k.reference_type), path_of(kind, guid), ""));
  Link extra = link("Related", "RestorePointReference", "/api/restorePoints/1?x=1&y=2", "");
  extra.extra_attributes = {{"Extra", "1"}};
  entity.links.push_back(extra);
  Link raw;
  raw.raw_xml = "<Link Rel=\"Down\" Href=\"/api/x\"><Note>kept</Note></Link>";
  entity.links.push_back(raw);
  // Identical but for an absent and an empty Name: two different Links.
  const std::string children = path_of(kind, guid) + "/taskSessions";
  entity.links.push_back(link("Down", "BackupTaskSessionReferenceList", children, std::nullopt));
  entity.links.push_back(link("Down", "BackupTaskSessionReferenceList", children, ""));
  Link bare;
  bare.rel = "Stop";
  bare.href = path_of(kind, guid) + "?action=stop";
  entity.links.push_back(bare);
  for (const FieldSpec& field : k.fields) entity.fields.emplace_back(field_text(field));
  // The last field present but empty (<Reason />-like), the second absent.
  if (entity.fields.back() && k.fields.back().type == FieldType::Text) entity.fields.back() = "";
  if (entity.fields.size() > 1) entity.fields[1].reset();
  entity.unmodeled = {{1, "<NewerElement xmlns=\"http://www.veeam.com/ent/v1.0\">x</NewerElement>"},
                      {entity.fields.size() + 5, "<Tail />"}};
  record.entity = entity;
  return record;
}

// `undo`, then what a bulk load that stopped early leaves: the query indexes and every tally
// trigger set aside in deferred_indexes by the load's own step, and the tallies out of date.
template <void (*undo)(SQLite::Database&)>
void undo_with_load_stopped(SQLite::Database& db) {
  undo(db);
  defer_query_indexes(db);
  db.exec("UPDATE session_tallies SET n = n + 1");
}

class ArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (dir_ / "archive.db").string();
    archive_ = open();
    auto run = archive_->begin_run("import", "tests", kNow);
    ASSERT_TRUE(run) << run.error().message;
    run_ = *run;
  }

  std::unique_ptr<Archive> open(const OpenOptions& options = {}) {
    auto archive = Archive::open(path_, options);
    EXPECT_TRUE(archive) << archive.error().message;
    return archive ? std::move(*archive) : nullptr;
  }

  std::vector<StoreOutcome> store(const std::vector<Record>& records,
                                  std::string_view observed_at = kNow) {
    auto outcomes = archive_->store(records, run_, observed_at);
    EXPECT_TRUE(outcomes) << outcomes.error().message;
    return outcomes ? *outcomes : std::vector<StoreOutcome>{};
  }

  std::optional<Record> load(std::string_view uid) {
    auto record = archive_->load(uid);
    EXPECT_TRUE(record) << record.error().message;
    return record ? *record : std::nullopt;
  }

  // The UIDs of the page `query` asks for, and the total it counts.
  std::pair<std::vector<std::string>, std::int64_t> page(const RecordQuery& query) {
    auto answer = archive_->query(query);
    EXPECT_TRUE(answer) << answer.error().message;
    if (!answer) return {};
    std::vector<std::string> out;
    for (const Record& r : answer->records) out.push_back(r.uid);
    return {out, answer->total};
  }

  std::int64_t revisions(std::string_view uid, Form form) {
    auto count = archive_->revision_count(uid, form);
    EXPECT_TRUE(count) << count.error().message;
    return count ? *count : -1;
  }

  // A separate plain connection, as a sqlite3 user would have.
  SQLite::Database sql() { return SQLite::Database(path_, SQLite::OPEN_READWRITE); }

  // Deletes the sessions row of the record `removed` (a UID) and moves that of `moved` to `kind`,
  // which no writer does: the tallies' triggers follow them all the same.
  void delete_and_move_session_rows(const std::string& removed, const std::string& moved,
                                    Kind kind) {
    SQLite::Database db = sql();
    const auto record = [](const std::string& uid) {
      return "(SELECT id FROM records WHERE uid = '" + uid + "')";
    };
    db.exec("DELETE FROM sessions WHERE record_id = " + record(removed));
    db.exec("UPDATE sessions SET kind_id = " + std::to_string(kind_id(kind)) +
            " WHERE record_id = " + record(moved));
  }

  // The problems `verify` reports.
  std::vector<std::string> verify_problems() {
    auto report = verify_archive(path_, {});
    EXPECT_TRUE(report) << report.error().message;
    std::vector<std::string> out;
    if (report) {
      for (const VerifyProblem& p : report->problems) out.push_back(p.what);
    }
    return out;
  }

  // `verify` reports one problem, which says `what`.
  void expect_one_problem(std::string_view what) {
    const std::vector<std::string> problems = verify_problems();
    ASSERT_EQ(problems.size(), 1u) << ::testing::PrintToString(problems);
    EXPECT_NE(problems[0].find(what), std::string::npos) << problems[0];
  }

  // Closes the archive, takes it back to schema `version` with `undo` (undo_migration_23, _22,
  // _21, _20, _19, _18, _17, _16, _15, _14, undo_migrations_to_version_12, _11 or _8, below) and
  // opens it again, which migrates it.
  void reopen_from_version(int version, void (*undo)(SQLite::Database&)) {
    archive_.reset();
    {
      SQLite::Database db = sql();
      undo(db);
      db.exec("PRAGMA user_version = " + std::to_string(version));
    }
    archive_ = open();
    ASSERT_TRUE(archive_);
  }

  // Migrates the archive from schema `version` twice, each time after `fill` stored what the test
  // needs: once taken back with `Undo` alone, and once as a bulk load that stopped early would
  // also have left it. Either way the migrated archive has nothing left deferred, and `expect`
  // checks the rest.
  template <void (*Undo)(SQLite::Database&)>
  void expect_migrated_from(int version, const std::function<void()>& fill,
                            const std::function<void()>& expect) {
    for (void (*undo)(SQLite::Database&) : {Undo, undo_with_load_stopped<Undo>}) {
      SCOPED_TRACE(undo == Undo ? "from the version alone" : "from a bulk load stopped early");
      fill();
      reopen_from_version(version, undo);
      if (!archive_) return;
      EXPECT_EQ(sql().execAndGet("SELECT count(*) FROM deferred_indexes").getInt(), 0);
      expect();
    }
  }

  emarchive::testing::TempDir dir_;
  std::string path_;
  std::unique_ptr<Archive> archive_;
  std::int64_t run_ = 0;
};

// Sets the entity field with this element name; nullopt leaves it out of the entity.
inline void set_field(Record& record, std::string_view element, std::optional<std::string> value) {
  const std::span<const FieldSpec> fields = info(record.kind).fields;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].element == element) {
      record.entity->fields[i] = std::move(value);
      return;
    }
  }
  ADD_FAILURE() << "no field " << element;
}

// What the query `sql`, a count, answers.
inline std::int64_t count(SQLite::Database& db, const std::string& sql) {
  return db.execAndGet(sql).getInt64();
}

inline EmTime at(std::string_view text) {
  return *parse_em_time(text);
}

// `text` compiled against the query type of `kind`, relative times counting from `now`, as the
// query service compiles a filter; nullopt for an empty one.
inline std::optional<CompiledFilter> compiled_filter(Kind kind, std::string_view text,
                                                     EmTime now = at(kNow)) {
  if (text.empty()) return std::nullopt;
  auto parsed = parse_filter(text);
  EXPECT_TRUE(parsed) << parsed.error().message;
  if (!parsed) return std::nullopt;
  auto compiled = compile_filter(*find_query_type(info(kind).name), *parsed, now);
  EXPECT_TRUE(compiled) << text << ": " << compiled.error().message;
  if (!compiled) return std::nullopt;
  return std::move(*compiled);
}

// The statements of migration `version` that begin with `head`, each through its `end`.
inline std::vector<std::string> migration_statements(int version, std::string_view head,
                                                     std::string_view end) {
  std::vector<std::string> found;
  for (const migrations::Migration& m : migrations::all()) {
    if (m.version != version) continue;
    const std::string sql(m.sql);
    for (auto at = sql.find(head); at != std::string::npos; at = sql.find(head, at + 1)) {
      found.push_back(sql.substr(at, sql.find(end, at) + end.size() - at));
    }
  }
  return found;
}

// Migration 23 undone: the creation index without the size, as migration 1 made it.
inline void undo_migration_23(SQLite::Database& db) {
  db.exec(
      "DROP INDEX IF EXISTS sessions_kind_creation; "
      "DELETE FROM deferred_indexes WHERE name = 'sessions_kind_creation'; "
      "CREATE INDEX sessions_kind_creation ON sessions (kind_id, creation_time_ns)");
}

// Migration 22's tallies of blank values gone: the table, the view its changes go through (with
// its trigger) and the sessions' triggers, in place or set aside by a bulk load.
inline void undo_migration_22(SQLite::Database& db) {
  undo_migration_23(db);
  db.exec(
      "DROP TRIGGER IF EXISTS sessions_blank_tally_insert; "
      "DROP TRIGGER IF EXISTS sessions_blank_tally_delete; "
      "DROP TRIGGER IF EXISTS sessions_blank_tally_update; "
      "DELETE FROM deferred_indexes WHERE name LIKE 'sessions_blank_tally_%'; "
      "DROP VIEW session_blank_changes; DROP TABLE session_blank_tallies");
}

// Migrations 21 and 22 undone, newest first: the tallies by size gone too.
inline void undo_migration_21(SQLite::Database& db) {
  undo_migration_22(db);
  db.exec(
      "DROP TRIGGER IF EXISTS sessions_size_tally_insert; "
      "DROP TRIGGER IF EXISTS sessions_size_tally_delete; "
      "DROP TRIGGER IF EXISTS sessions_size_tally_update; "
      "DELETE FROM deferred_indexes WHERE name LIKE 'sessions_size_tally_%'; "
      "DROP TABLE session_size_tallies");
}

// Migrations 20 to 22 undone, newest first: the tallies per job gone too, the table, and
// migration 13's forms of the three tally triggers migration 20 changed, which know nothing of it.
inline void undo_migration_20(SQLite::Database& db) {
  undo_migration_21(db);
  db.exec(
      "DROP TRIGGER sessions_tally_insert; DROP TRIGGER sessions_tally_delete; "
      "DROP TRIGGER sessions_job_tally_update; DROP TABLE session_job_id_tallies");
  for (const char* name :
       {"sessions_tally_insert", "sessions_tally_delete", "sessions_job_tally_update"}) {
    db.exec(migration_statements(13, "CREATE TRIGGER " + std::string(name), "END;").at(0));
  }
}

// Migrations 19 to 22 undone, newest first: the job on task sessions gone too, with version
// 18's index of a job's sessions, migration 9's triggers, which copied the job name alone, and
// migration 1's view of task sessions.
inline void undo_migration_19(SQLite::Database& db) {
  undo_migration_20(db);
  db.exec(
      "DROP TRIGGER sessions_task_job_insert; DROP TRIGGER sessions_task_job_update; "
      "DROP TRIGGER sessions_job_to_tasks; DROP INDEX sessions_job_kind_creation; "
      "UPDATE sessions SET job_id = NULL WHERE kind_id IN (2, 5); "
      "CREATE INDEX sessions_job_creation "
      "ON sessions (job_id, creation_time_ns, kind_id) WHERE job_id IS NOT NULL; "
      "DROP VIEW task_sessions_v");
  for (const std::string& trigger : migration_statements(9, "CREATE TRIGGER", "END;")) {
    db.exec(trigger);
  }
  db.exec(migration_statements(1, "CREATE VIEW task_sessions_v", ";").at(0));
}

// Migrations 18 to 22 undone, newest first: the tallies by end time gone too, with their
// triggers (in place, or set aside by a bulk load), as in version 17.
inline void undo_migration_18(SQLite::Database& db) {
  undo_migration_19(db);
  db.exec(
      "DROP TRIGGER IF EXISTS sessions_end_tally_insert; "
      "DROP TRIGGER IF EXISTS sessions_end_tally_delete; "
      "DROP TRIGGER IF EXISTS sessions_end_tally_update; "
      "DELETE FROM deferred_indexes WHERE name LIKE 'sessions_end_tally_%'; "
      "DROP TABLE session_end_tallies");
}

// What migrations 17 to 22 changed, newest first: the indexes of Reason and TotalSize gone too,
// as in version 16.
inline void undo_migration_17(SQLite::Database& db) {
  undo_migration_18(db);
  db.exec("DROP INDEX sessions_kind_reason_creation; DROP INDEX sessions_kind_size_creation");
}

// What migrations 16 to 22 changed, newest first: the count of the records each chain entry
// archived first gone too, as in version 15.
inline void undo_migration_16(SQLite::Database& db) {
  undo_migration_17(db);
  db.exec("ALTER TABLE chain DROP COLUMN records");
}

// What migrations 15 to 22 changed, newest first: back to version 14's index of every Link's
// hash.
inline void undo_migration_15(SQLite::Database& db) {
  undo_migration_16(db);
  db.exec(
      "DROP INDEX link_values_hash; "
      "CREATE INDEX link_values_hash ON link_values (hash)");
}

// What migrations 14 to 22 changed, newest first: back to version 13's index of a job's
// sessions.
inline void undo_migration_14(SQLite::Database& db) {
  undo_migration_15(db);
  db.exec(
      "DROP INDEX sessions_job_creation; "
      "CREATE INDEX sessions_job ON sessions (job_id) WHERE job_id IS NOT NULL");
}

// What migrations 12 to 22 added, newest first: those, and the session tallies and their
// triggers, which are in place in an archive opened for writing since it was made.
inline void undo_migrations_to_version_11(SQLite::Database& db) {
  undo_migration_14(db);
  db.exec(
      "DROP TRIGGER sessions_tally_insert; DROP TRIGGER sessions_tally_delete; "
      "DROP TRIGGER sessions_tally_update; DROP TRIGGER sessions_job_tally_update; "
      "DROP TABLE session_tallies; DROP TABLE session_server_tallies; "
      "DROP TABLE session_job_tallies");
}

// Takes an archive of the current schema back to version 12's: migration 12's tallies, with no
// State per server and per job, never counted, their triggers in deferred_indexes as a bulk load
// that stopped early leaves them.
inline void undo_migrations_to_version_12_load_stopped(SQLite::Database& db) {
  undo_migrations_to_version_11(db);
  for (const migrations::Migration& m : migrations::all()) {
    if (m.version == 12) db.exec(std::string(m.sql));
  }
}

// The same with the triggers in place, as an archive at version 12 is after it was opened.
inline void undo_migrations_to_version_12(SQLite::Database& db) {
  undo_migrations_to_version_12_load_stopped(db);
  std::vector<std::string> triggers;
  SQLite::Statement deferred(db, "SELECT sql FROM deferred_indexes");
  while (deferred.executeStep()) triggers.push_back(deferred.getColumn(0).getString());
  for (const std::string& trigger : triggers) db.exec(trigger);
  db.exec("DELETE FROM deferred_indexes");
}

// Takes an archive of the current schema back to version 8's (migrations 019 to 009 undone,
// newest first), as an older emarchive left it; the caller sets user_version.
inline void undo_migrations_to_version_8(SQLite::Database& db) {
  undo_migrations_to_version_11(db);
  db.exec(
      "DROP INDEX sessions_kind_vm_creation_result; DROP INDEX "
      "sessions_kind_vm_uid_creation_result; "
      "CREATE INDEX sessions_kind_vm_creation "
      "ON sessions (kind_id, vm_display_name COLLATE NOCASE, creation_time_ns); "
      "CREATE INDEX sessions_kind_vm_uid_creation "
      "ON sessions (kind_id, vm_uid COLLATE NOCASE, creation_time_ns)");
  db.exec("DROP TABLE deferred_indexes");
  db.exec(
      "DROP TRIGGER sessions_task_job_name_insert; DROP TRIGGER sessions_task_job_name_update; "
      "DROP TRIGGER sessions_job_name_to_tasks; DROP INDEX sessions_kind_job_name_creation_result; "
      "UPDATE sessions SET job_name = NULL WHERE kind_id IN (2, 5); "
      "CREATE INDEX sessions_kind_job_name_creation "
      "ON sessions (kind_id, job_name COLLATE NOCASE, creation_time_ns)");
}

}  // namespace emarchive::storage::fixture
