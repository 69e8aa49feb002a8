#include "ingest/importer.h"

#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "model/codec.h"
#include "model/em_time.h"
#include "model/xml_compare.h"
#include "sim/history.h"
#include "storage/verifier.h"
#include "tests/support/failing_archive.h"
#include "tests/support/test_data.h"

namespace emarchive::ingest {
namespace {

namespace fs = std::filesystem;
using emarchive::testing::TempDir;

// A BackupTaskSession entity as EM serves it; `guid` names the task, `end` and `state` vary.
std::string task_entity(const std::string& guid, const std::string& creation,
                        const std::string& state = "Completed",
                        const std::string& end = "2024-03-02T04:17:55.183Z") {
  const std::string href = "http://em7.lab.example:9399/api/backupTaskSessions/" + guid;
  std::string end_element = end.empty() ? "" : "<EndTimeUTC>" + end + "</EndTimeUTC>";
  return R"(<?xml version="1.0" encoding="utf-8"?>
<BackupTaskSession xmlns="http://www.veeam.com/ent/v1.0" Type="BackupTaskSession" Href=")" +
         href +
         R"(?format=Entity" Name="web-17@2024-03-02 04:05:11" UID="urn:veeam:BackupTaskSession:)" +
         guid + R"(" VmDisplayName="web-17">
  <Links>
    <Link Rel="Up" Type="BackupServerReference" Href="http://em7.lab.example:9399/api/backupServers/5b0f2d7e-91c3-4a8e-b2d4-7c1e9a3f6b10" Name="vbr-east.lab.example" />
    <Link Rel="Up" Type="BackupJobSessionReference" Href="http://em7.lab.example:9399/api/backupSessions/a3c94e12-6f0b-4d27-8e55-19b7c2d4f803" Name="Web Farm@2024-03-02 04:05:00" />
    <Link Rel="Alternate" Type="BackupTaskSessionReference" Href=")" +
         href + R"(" Name="web-17@2024-03-02 04:05:11" />
  </Links>
  <JobSessionUid>urn:veeam:BackupJobSession:a3c94e12-6f0b-4d27-8e55-19b7c2d4f803</JobSessionUid>
  <CreationTimeUTC>)" +
         creation + R"(</CreationTimeUTC>
  )" + end_element +
         R"(
  <State>)" +
         state + R"(</State>
  <Result>Success</Result>
  <Reason />
  <TotalSize>53687091200</TotalSize>
</BackupTaskSession>
)";
}

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

class ImporterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = storage::Archive::open((dir_ / "archive.db").string());
    ASSERT_TRUE(opened) << opened.error().message;
    archive_ = std::move(*opened);
    options_.now = [this] { return "2024-03-10T12:00:0" + std::to_string(tick_++ % 10) + "Z"; };
    options_.log = [this](std::string_view line) { log_.emplace_back(line); };
  }

  ImportResult import(std::vector<std::string> paths) {
    return import_paths(*archive_, paths, options_);
  }

  TempDir dir_;
  std::unique_ptr<storage::Archive> archive_;
  ImportOptions options_;
  std::vector<std::string> log_;
  int tick_ = 0;
};

TEST_F(ImporterTest, ImportsFilesAndDirectoriesRecursivelyTakingOnlyXml) {
  write(dir_ / "in/a.xml",
        task_entity("0f6e2b44-1a0d-4c55-9d3e-6b8a71c2e901", "2024-03-02T04:05:11Z"));
  write(dir_ / "in/deeper/b.xml",
        task_entity("1c7d3a55-2b1e-4d66-8e4f-7c9b82d3fa12", "2024-03-02T04:06:12.5Z"));
  write(dir_ / "in/notes.txt", "not a document");
  const auto result = import({(dir_ / "in").string()});
  EXPECT_EQ(result.fatal_error, "");
  EXPECT_EQ(result.counts.documents, 2);
  EXPECT_EQ(result.counts.records_new, 2);
  EXPECT_EQ(result.counts.rejected, 0);
  auto loaded = archive_->load("urn:veeam:BackupTaskSession:1c7d3a55-2b1e-4d66-8e4f-7c9b82d3fa12");
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_TRUE(loaded->has_value());
  EXPECT_EQ((*loaded)->field("CreationTimeUTC"), "2024-03-02T04:06:12.5Z");
}

TEST_F(ImporterTest, ANamedFileIsImportedWhateverItsExtension) {
  write(dir_ / "capture.txt",
        task_entity("2d8e4b66-3c2f-4e77-9f50-8dac93e4fb23", "2024-03-02T04:05:11Z"));
  const auto result = import({(dir_ / "capture.txt").string()});
  EXPECT_EQ(result.counts.records_new, 1);
}

// A FIFO would block the import forever, a device could feed it endlessly: neither is read, and
// the user is told what was skipped and why.
TEST_F(ImporterTest, SomethingThatIsNotARegularFileIsSkippedAndSaidSo) {
  write(dir_ / "in/a.xml",
        task_entity("4f0a6d88-5e41-4a99-b172-afcec5a6fd45", "2024-03-02T04:05:11Z"));
  const fs::path fifo = dir_ / "in/pipe.xml";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  const auto walked = import({(dir_ / "in").string()});
  EXPECT_EQ(walked.counts.records_new, 1);
  EXPECT_EQ(walked.counts.rejected, 0);
  ASSERT_EQ(log_.size(), 1u);
  EXPECT_EQ(log_[0], "skipped: " + fifo.string() + ": not a regular file (a FIFO)");

  log_.clear();
  const auto named = import({"/dev/null"});
  EXPECT_EQ(named.counts.rejected, 1);
  ASSERT_EQ(log_.size(), 1u);
  EXPECT_EQ(log_[0], "rejected: /dev/null: not a regular file (a character device)");
}

TEST_F(ImporterTest, ReimportChangesNothingAndAChangedDocumentBecomesARevision) {
  const std::string guid = "3e9f5c77-4d30-4f88-a061-9ebda4f5fc34";
  const std::string uid = "urn:veeam:BackupTaskSession:" + guid;
  write(dir_ / "running.xml", task_entity(guid, "2024-03-02T04:05:11Z", "InProgress", ""));
  EXPECT_EQ(import({(dir_ / "running.xml").string()}).counts.records_new, 1);
  EXPECT_EQ(import({(dir_ / "running.xml").string()}).counts.records_unchanged, 1);
  EXPECT_EQ(*archive_->revision_count(uid, Form::Entity), 1);

  write(dir_ / "finished.xml", task_entity(guid, "2024-03-02T04:05:11Z"));
  EXPECT_EQ(import({(dir_ / "finished.xml").string()}).counts.records_updated, 1);
  EXPECT_EQ(*archive_->revision_count(uid, Form::Entity), 2);
  auto loaded = archive_->load(uid);
  ASSERT_TRUE(loaded && loaded->has_value());
  EXPECT_EQ((*loaded)->field("State"), "Completed");
  EXPECT_EQ((*loaded)->field("EndTimeUTC"), "2024-03-02T04:17:55.183Z");
}

// The reading thread hashes a document's records only while the documents before it stored
// something (ingest/importer.cpp, HashingSide); either way each revision keeps its form's digest.
TEST_F(ImporterTest, DocumentsStoredUnchangedChangedAndNewAreEachStoredWithTheirDigests) {
  const std::string kept = "5a1b6e99-6f52-4baa-8283-b0dfb7b6fe56";
  const std::string changed = "6b2c7faa-7063-4cbb-9394-c1e0c8c70f67";
  const std::string added = "7c3d80bb-8174-4dcc-a4a5-d2f1d9d81078";
  write(dir_ / "first/a.xml", task_entity(kept, "2024-03-02T04:05:11Z"));
  write(dir_ / "first/b.xml", task_entity(changed, "2024-03-02T04:06:11Z", "InProgress", ""));
  EXPECT_EQ(import({(dir_ / "first").string()}).counts.records_new, 2);

  write(dir_ / "second/a.xml", task_entity(kept, "2024-03-02T04:05:11Z"));
  write(dir_ / "second/b.xml", task_entity(changed, "2024-03-02T04:06:11Z"));
  write(dir_ / "second/c.xml", task_entity(added, "2024-03-02T04:07:11Z"));
  const auto result = import({(dir_ / "second").string()});
  EXPECT_EQ(result.fatal_error, "");
  EXPECT_EQ(result.counts.records_unchanged, 1);
  EXPECT_EQ(result.counts.records_updated, 1);
  EXPECT_EQ(result.counts.records_new, 1);
  EXPECT_EQ(*archive_->revision_count("urn:veeam:BackupTaskSession:" + changed, Form::Entity), 2);

  archive_.reset();
  auto report = storage::verify_archive((dir_ / "archive.db").string(), storage::VerifyOptions{});
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_TRUE(report->ok());
}

TEST_F(ImporterTest, ABadDocumentIsRejectedWithItsPathAndTheRestGoesIn) {
  write(dir_ / "in/1-good.xml",
        task_entity("4fa06d88-5e41-4099-b172-afcef5a6fd45", "2024-03-02T04:05:11Z"));
  write(dir_ / "in/2-bad-time.xml",
        task_entity("5ab17e99-6f52-41aa-8283-b0d0a6b7fe56", "2024-02-30T04:05:11Z"));
  write(dir_ / "in/3-truncated.xml",
        task_entity("6bc28faa-7063-42bb-9394-c1e1b7c80f67", "2024-03-02T04:05:11Z").substr(0, 400));
  write(dir_ / "in/4-empty.xml", "");
  write(dir_ / "in/5-good.xml",
        task_entity("7cd390bb-8174-43cc-a4a5-d2f2c8d91078", "2024-03-02T04:05:11Z"));
  const auto result = import({(dir_ / "in").string(), (dir_ / "missing.xml").string()});
  EXPECT_EQ(result.fatal_error, "");
  EXPECT_EQ(result.counts.documents, 6);
  EXPECT_EQ(result.counts.records_new, 2);
  EXPECT_EQ(result.counts.rejected, 4);
  ASSERT_EQ(log_.size(), 4u);
  EXPECT_NE(log_[0].find("2-bad-time.xml"), std::string::npos) << log_[0];
  EXPECT_NE(log_[0].find("CreationTimeUTC"), std::string::npos) << log_[0];
  EXPECT_NE(log_[1].find("3-truncated.xml"), std::string::npos) << log_[1];
  EXPECT_NE(log_[2].find("4-empty.xml"), std::string::npos) << log_[2];
  EXPECT_NE(log_[3].find("missing.xml"), std::string::npos) << log_[3];
  for (const char* guid :
       {"5ab17e99-6f52-41aa-8283-b0d0a6b7fe56", "6bc28faa-7063-42bb-9394-c1e1b7c80f67"}) {
    auto loaded = archive_->load(std::string("urn:veeam:BackupTaskSession:") + guid);
    ASSERT_TRUE(loaded);
    EXPECT_FALSE(loaded->has_value()) << guid << " was rejected but stored";
  }
}

TEST_F(ImporterTest, ADocumentXmlCannotCarryIsRejectedAndTheRestGoesIn) {
  // EM never sends these; a damaged capture could. Stored, the record would make every list that
  // holds it ill-formed XML for every client.
  std::string control = task_entity("8de4a1cc-9285-44dd-b5b6-e3a3d9ea2100", "2024-03-02T04:05:11Z");
  control.replace(control.find("<Reason />"), 10, "<Reason>tape &#1; error</Reason>");
  std::string latin1 = task_entity("9ef5b2dd-a396-45ee-86c7-f4b4eafb3201", "2024-03-02T04:05:11Z");
  latin1.replace(latin1.find("VmDisplayName=\"web-17\""), 22, "VmDisplayName=\"caf\xE9\"");
  write(dir_ / "in/1-control.xml", control);
  write(dir_ / "in/2-latin1.xml", latin1);
  write(dir_ / "in/3-good.xml",
        task_entity("7cd390bb-8174-43cc-a4a5-d2f2c8d91078", "2024-03-02T04:05:11Z"));
  const auto result = import({(dir_ / "in").string()});
  EXPECT_EQ(result.counts.rejected, 2);
  EXPECT_EQ(result.counts.records_new, 1);
  ASSERT_EQ(log_.size(), 2u);
  EXPECT_NE(log_[0].find("1-control.xml: line 13 "), std::string::npos) << log_[0];
  EXPECT_NE(log_[0].find("character U+0001"), std::string::npos) << log_[0];
  EXPECT_NE(log_[1].find("2-latin1.xml: line 2 "), std::string::npos) << log_[1];
  EXPECT_NE(log_[1].find("attribute VmDisplayName of <BackupTaskSession>: invalid UTF-8"),
            std::string::npos)
      << log_[1];
}

TEST_F(ImporterTest, NothingOfARejectedCollectionIsStored) {
  // A QueryResult whose last entity has a bad timestamp: its first two must not go in either.
  std::string entities;
  const char* guids[] = {"80e4a1cc-9285-44dd-b5b6-e3a3d9ea2189",
                         "91f5b2dd-a396-45ee-86c7-f4b4eafb329a",
                         "a206c3ee-b4a7-46ff-97d8-05c5fb0c43ab"};
  for (int i = 0; i < 3; ++i) {
    std::string doc =
        task_entity(guids[i], i == 2 ? "2024-03-02T25:05:11Z" : "2024-03-02T04:05:11Z");
    doc = doc.substr(doc.find("<BackupTaskSession "));
    entities += doc;
  }
  write(dir_ / "page.xml",
        "<QueryResult xmlns=\"http://www.veeam.com/ent/v1.0\"><Entities><BackupTaskSessions>" +
            entities + "</BackupTaskSessions></Entities></QueryResult>");
  const auto result = import({(dir_ / "page.xml").string()});
  EXPECT_EQ(result.counts.rejected, 1);
  EXPECT_EQ(result.counts.records_new, 0);
  for (const char* guid : guids) {
    auto loaded = archive_->load(std::string("urn:veeam:BackupTaskSession:") + guid);
    ASSERT_TRUE(loaded);
    EXPECT_FALSE(loaded->has_value());
  }
}

TEST_F(ImporterTest, EachRunIsRecordedWithItsCountsAndErrors) {
  write(dir_ / "good.xml",
        task_entity("b317d4ff-c5b8-4700-a8e9-16d60c1d54bc", "2024-03-02T04:05:11Z"));
  write(dir_ / "bad.xml", "<nope/>");
  import({(dir_ / "good.xml").string(), (dir_ / "bad.xml").string()});
  archive_.reset();
  SQLite::Database db((dir_ / "archive.db").string());
  SQLite::Statement q(db,
                      "SELECT command, documents, rejected, records_new, errors, finished_at "
                      "FROM runs");
  ASSERT_TRUE(q.executeStep());
  EXPECT_EQ(q.getColumn(0).getString(), "import");
  EXPECT_EQ(q.getColumn(1).getInt64(), 2);
  EXPECT_EQ(q.getColumn(2).getInt64(), 1);
  EXPECT_EQ(q.getColumn(3).getInt64(), 1);
  EXPECT_NE(q.getColumn(4).getString().find("bad.xml"), std::string::npos);
  EXPECT_FALSE(q.getColumn(5).isNull());
  EXPECT_FALSE(q.executeStep());
}

// The issue's acceptance test: every document shaped as on EM's reference pages imports without
// a rejection, re-imports as unchanged, and every single-record document renders back from the
// archive equal to the file it came from.
TEST_F(ImporterTest, EveryReferenceDocumentImportsReimportsUnchangedAndRendersBack) {
  const std::string em_dir = (emarchive::testing::data_dir() / "em").string();
  const auto first = import({em_dir});
  EXPECT_EQ(first.fatal_error, "");
  EXPECT_EQ(first.counts.rejected, 0) << ::testing::PrintToString(log_);
  EXPECT_GT(first.counts.documents, 20);

  const auto again = import({em_dir});
  EXPECT_EQ(again.counts.rejected, 0);
  EXPECT_EQ(again.counts.records_new, 0);
  EXPECT_EQ(again.counts.records_updated, 0);
  EXPECT_EQ(
      again.counts.records_unchanged,
      first.counts.records_new + first.counts.records_updated + first.counts.records_unchanged);

  // Each single-record file must render back from the archive. A record whose form appears in
  // several files (a running session, then finished) is served in its latest state, so only
  // forms carried by exactly one file are compared.
  std::map<std::pair<std::string, Form>, std::vector<fs::path>> carriers;
  std::map<fs::path, DocumentType> types;
  for (const fs::path& file : emarchive::testing::files_under("em")) {
    auto doc = parse_document(emarchive::testing::read_file(file), file.string());
    ASSERT_TRUE(doc) << doc.error().message;
    types[file] = doc->type;
    for (const Record& r : doc->records) {
      if (r.reference) carriers[{r.uid, Form::Reference}].push_back(file);
      if (r.entity) carriers[{r.uid, Form::Entity}].push_back(file);
    }
  }
  int compared = 0;
  for (const auto& [key, files] : carriers) {
    const DocumentType type = types[files.front()];
    if (files.size() != 1 || (type != DocumentType::Entity && type != DocumentType::EntityRef)) {
      continue;
    }
    auto loaded = archive_->load(key.first);
    ASSERT_TRUE(loaded) << loaded.error().message;
    ASSERT_TRUE(loaded->has_value()) << key.first;
    const Record& record = **loaded;
    const std::string rendered = type == DocumentType::Entity
                                     ? render_entity(record, record.origin)
                                     : render_entity_ref(record, record.origin);
    EXPECT_EQ(xml_difference(emarchive::testing::read_file(files.front()), rendered), "")
        << files.front();
    ++compared;
  }
  EXPECT_GT(compared, 10);
}

// What sim/ makes of `vms` VMs over `days` days, as QueryResult files of entities of one kind
// each (at most 1,000 records a file) in `dir`; returns the bytes written.
std::uintmax_t write_history(const fs::path& dir, int vms, int days) {
  sim::HistoryOptions history;
  history.vms = vms;
  history.jobs = vms / 10;
  history.days = days;
  std::uintmax_t bytes = 0;
  int files = 0;
  const auto write_page = [&](Kind kind, std::span<const Record> records) {
    const std::string xml = render_query_result({kind, Form::Entity, records, std::nullopt, false},
                                                "https://em.bulk.test:9398");
    char name[32];
    std::snprintf(name, sizeof name, "page-%05d.xml", ++files);
    write(dir / name, xml);
    bytes += xml.size();
  };
  sim::generate(history, *parse_em_time("2025-06-01T00:00:00Z"), [&](std::vector<Record>&& batch) {
    std::map<Kind, std::vector<Record>> by_kind;
    for (Record& record : batch) by_kind[record.kind].push_back(std::move(record));
    for (const auto& [kind, records] : by_kind) {
      for (std::size_t first = 0; first < records.size(); first += 1000) {
        write_page(kind, std::span(records).subspan(
                             first, std::min<std::size_t>(1000, records.size() - first)));
      }
    }
  });
  return bytes;
}

// Every table that holds what documents say, in an order independent of record ids, with
// record ids and link value ids replaced by UIDs and values: two archives that hold the same
// documents dump the same, whatever order or batches they were stored in.
std::string dump(const fs::path& db_path) {
  SQLite::Database db(db_path.string());
  std::string out;
  for (const char* sql : {
           "SELECT r.uid, k.name, s.name, s.vm_display_name, s.job_name, s.creation_time_ns, "
           "s.end_time_ns, s.state, s.result, s.reason, s.total_size, "
           "(SELECT uid FROM records WHERE id = s.parent_id), "
           "(SELECT uid FROM records WHERE id = s.job_id), "
           "(SELECT uid FROM records WHERE id = s.backup_server_id) "
           "FROM sessions s JOIN records r ON r.id = s.record_id JOIN kinds k ON k.id = s.kind_id "
           "ORDER BY r.uid",
           "SELECT * FROM representations_v ORDER BY uid, form",
           "SELECT * FROM links_v ORDER BY uid, form, position",
           "SELECT r.uid, j.name, j.job_type FROM jobs j JOIN records r ON r.id = j.record_id "
           "ORDER BY r.uid",
           "SELECT uid, form, revision, sha256 FROM revisions_v ORDER BY uid, form, revision",
       }) {
    SQLite::Statement s(db, sql);
    while (s.executeStep()) {
      for (int i = 0; i < s.getColumnCount(); ++i) out += s.getColumn(i).getString() + '|';
      out += '\n';
    }
  }
  return out;
}

// An import larger than its archive (here a new one) sets the query indexes aside and builds
// them after the load (Archive::begin_bulk_load): it says so, and stores exactly what importing
// the same files one at a time, with the indexes kept up, stores.
TEST_F(ImporterTest, ALoadLargerThanTheArchiveBuildsItsIndexesAfterAndStoresTheSame) {
  const std::uintmax_t bytes = write_history(dir_ / "history", 120, 150);
  ASSERT_GT(bytes, std::uintmax_t{16} << 20) << "the history is below the bulk-load threshold";
  const auto bulk = import({(dir_ / "history").string()});
  EXPECT_EQ(bulk.fatal_error, "");
  EXPECT_EQ(bulk.counts.rejected, 0);
  ASSERT_GE(log_.size(), 2u);
  EXPECT_NE(log_[0].find("indexes and triggers) are built after the load"), std::string::npos)
      << log_[0];
  EXPECT_EQ(log_.back(), "building the query indexes and counting the sessions");
  archive_.reset();

  auto opened = storage::Archive::open((dir_ / "one-by-one.db").string());
  ASSERT_TRUE(opened) << opened.error().message;
  archive_ = std::move(*opened);
  log_.clear();
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir_ / "history")) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    const auto result = import({file.string()});
    ASSERT_EQ(result.fatal_error, "");
  }
  EXPECT_TRUE(log_.empty()) << log_.front();
  archive_.reset();

  const std::string bulk_dump = dump(dir_ / "archive.db");
  EXPECT_GT(bulk_dump.size(), bytes / 4);
  EXPECT_EQ(bulk_dump, dump(dir_ / "one-by-one.db"));
  SQLite::Database db((dir_ / "archive.db").string());
  EXPECT_EQ(db.execAndGet("PRAGMA integrity_check").getString(), "ok");
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM deferred_indexes").getInt(), 0);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM sqlite_master WHERE type = 'index' "
                          "AND tbl_name = 'sessions' AND sql IS NOT NULL")
                .getInt(),
            SQLite::Database((dir_ / "one-by-one.db").string())
                .execAndGet("SELECT count(*) FROM sqlite_master WHERE type = 'index' "
                            "AND tbl_name = 'sessions' AND sql IS NOT NULL")
                .getInt());
}

// The archive failing at the second document: the import stops there, keeps the first document,
// and its run is recorded with the error.
TEST_F(ImporterTest, AnArchiveFailureStopsTheImportAndKeepsTheDocumentsBeforeIt) {
  const std::string first = "0f6e2b44-1a0d-4c55-9d3e-6b8a71c2e901";
  const std::string second = "1c7d3a55-2b1e-4d66-8e4f-7c9b82d3fa12";
  const std::string third = "2d8e4b66-3c2f-4e77-9f50-8dac93e40b23";
  write(dir_ / "in/a.xml", task_entity(first, "2024-03-02T04:05:11Z"));
  write(dir_ / "in/b.xml", task_entity(second, "2024-03-02T04:06:12Z"));
  write(dir_ / "in/c.xml", task_entity(third, "2024-03-02T04:07:13Z"));
  emarchive::testing::ArchiveFailurePlan plan;
  plan.call = emarchive::testing::ArchiveCall::Store;
  plan.nth = 2;
  plan.code = ErrorCode::io;
  plan.message = "archive.db: cannot store: disk I/O error";
  archive_ = std::make_unique<emarchive::testing::FailingArchive>(std::move(archive_), plan);

  const auto result = import({(dir_ / "in").string()});
  EXPECT_NE(result.fatal_error.find("b.xml"), std::string::npos) << result.fatal_error;
  EXPECT_NE(result.fatal_error.find(plan.message), std::string::npos) << result.fatal_error;
  EXPECT_EQ(result.counts.records_new, 1);

  const std::string prefix = "urn:veeam:BackupTaskSession:";
  for (const auto& [guid, kept] : {std::pair{first, true}, {second, false}, {third, false}}) {
    auto loaded = archive_->load(prefix + guid);
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(loaded->has_value(), kept) << guid;
  }
  SQLite::Database db((dir_ / "archive.db").string());
  SQLite::Statement run(db, "SELECT finished_at, records_new, errors FROM runs");
  ASSERT_TRUE(run.executeStep());
  EXPECT_FALSE(run.getColumn(0).isNull());
  EXPECT_EQ(run.getColumn(1).getInt64(), 1);
  EXPECT_NE(run.getColumn(2).getString().find(plan.message), std::string::npos);
}

}  // namespace
}  // namespace emarchive::ingest
