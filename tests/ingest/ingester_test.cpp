// The ingester against a hand-written EM: tests/support/fake_em.h serving the documents of
// tests/data/fake_em, written by hand from docs/EM-API.md. Neither shares code with
// emarchive's own server, so that a mistake made the same way on both sides cannot cancel out.
// tests/support/fake_em_history.h describes the fake EM's history.

#include "ingest/ingester.h"

#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <string>
#include <vector>

#include "ingest/em_client.h"
#include "ingest/http_client.h"
#include "model/codec.h"
#include "tests/support/failing_archive.h"
#include "tests/support/fake_em.h"
#include "tests/support/fake_em_history.h"
#include "tests/support/test_data.h"

namespace emarchive::ingest {
namespace {

using testing::FakeEm;
using testing::FakeHistory;
using testing::FakeLogon;
using testing::FakeRequest;
using testing::FakeResponse;
using testing::kFakeEmPassword;
using testing::kFakeEmUser;

// Counts the requests whose target contains `needle`, in order (thread-safe).
class RequestCounter {
 public:
  explicit RequestCounter(std::string needle) : needle_(std::move(needle)) {}
  // The request's number among those counted (1 for the first), or 0 if it does not count.
  int count(const FakeRequest& request) {
    if (request.target.find(needle_) == std::string::npos) return 0;
    return ++total_;
  }
  int total() const { return total_; }

 private:
  const std::string needle_;
  std::atomic<int> total_{0};
};

const std::string kSession2 = "urn:veeam:BackupJobSession:2b1c3d4e-5f60-4172-8384-a5b6c7d8e902";
const std::string kSession3 = "urn:veeam:BackupJobSession:3c2d4e5f-6071-4283-9495-b6c7d8e9fa03";
const std::string kSession5 = "urn:veeam:BackupJobSession:5e4f6071-8293-44a5-b6b7-d8e9fa0b1c05";
const std::string kSession6 = "urn:veeam:BackupJobSession:6f507182-93a4-45b6-87c8-e9fa0b1c2d06";

// A fake EM and an archive to ingest it into.
class Ingestion {
 public:
  Ingestion()
      : path_((dir_ / "archive.db").string()),
        logon_(std::string(kFakeEmUser), std::string(kFakeEmPassword)),
        em_(logon_.wrap([this](const FakeRequest& r) { return history_.answer(r); })) {
    auto archive = storage::Archive::open(path_);
    EXPECT_TRUE(archive) << archive.error().message;
    if (archive) archive_ = std::move(*archive);
  }

  // One ingest run with pages of 2, as `emarchive ingest --page-size 2` would do it; `adjust` may
  // change the options first.
  IngestResult ingest(int max_attempts = 3,
                      const std::function<void(IngestOptions&)>& adjust = {}) {
    HttpClientOptions http;
    http.base_url = em_.base_url();
    http.max_attempts = max_attempts;
    http.backoff_initial = std::chrono::milliseconds(1);
    http.backoff_max = std::chrono::milliseconds(4);
    http.request_timeout = std::chrono::seconds(5);
    http.sleep = [this](std::chrono::milliseconds delay) { delays_.push_back(delay); };
    auto client = HttpClient::create(http);
    EXPECT_TRUE(client) << client.error().message;
    EmClient em(**client, Credentials{std::string(kFakeEmUser), std::string(kFakeEmPassword)});
    IngestOptions options;
    options.page_size = 2;
    options.now = [] { return std::string("2026-11-27T12:00:00Z"); };
    options.log = [this](std::string_view line) { log_.emplace_back(line); };
    if (adjust) adjust(options);
    return ingest_once(*archive_, em, "fake EM", options);
  }

  std::optional<Record> load(const std::string& uid) {
    auto record = archive_->load(uid);
    EXPECT_TRUE(record) << record.error().message;
    return record ? *record : std::nullopt;
  }

  std::int64_t revisions(const std::string& uid) {
    return *archive_->revision_count(uid, Form::Entity);
  }

  // One run with the archive failing busy (locked by another writer past the busy timeout) at
  // the nth call of `call`: the run ends with that failure as its fatal error.
  IngestResult ingest_failing_busy(testing::ArchiveCall call, int nth, std::string message) {
    const testing::ArchiveFailurePlan plan{call, nth, ErrorCode::busy, std::move(message)};
    archive_ = std::make_unique<testing::FailingArchive>(std::move(archive_), plan);
    IngestResult failed = ingest();
    EXPECT_TRUE(failed.fatal_error);
    if (failed.fatal_error) {
      EXPECT_EQ(failed.fatal_error->code, ErrorCode::busy);
      EXPECT_EQ(failed.fatal_error->message, plan.message);
    }
    return failed;
  }

  // Targets of the GET requests that passed logon, in order.
  std::vector<std::string> gets() {
    std::vector<std::string> targets;
    for (const FakeRequest& request : em_.requests()) {
      if (request.method == "GET") targets.push_back(request.target);
    }
    return targets;
  }

  // Every record the documents of `folder` hold, as the archive must hold them.
  static std::vector<Record> records_of(std::string_view folder) {
    std::vector<Record> records;
    for (const auto& file : testing::files_under("fake_em/" + std::string(folder))) {
      auto document = parse_document(testing::read_file(file), file.string());
      EXPECT_TRUE(document) << document.error().message;
      for (Record& record : document->records) records.push_back(std::move(record));
    }
    return records;
  }

  testing::TempDir dir_;
  const std::string path_;
  std::unique_ptr<storage::Archive> archive_;
  FakeHistory history_;
  FakeLogon logon_;
  FakeEm em_;
  std::vector<std::chrono::milliseconds> delays_;
  std::vector<std::string> log_;
};

class IngesterTest : public ::testing::Test, protected Ingestion {};

TEST_F(IngesterTest, FollowsNextLinksAndArchivesEverythingEmHolds) {
  const IngestResult result = ingest();
  ASSERT_FALSE(result.fatal_error) << result.fatal_error->message;
  EXPECT_TRUE(result.errors.empty());

  // Every record exactly as EM served it (its Hrefs kept without EM's origin), stored from the
  // EM it was asked of.
  const std::vector<Record> expected = records_of("run1");
  ASSERT_EQ(expected.size(), 11u);
  for (Record record : expected) {
    record.origin = em_.base_url();
    EXPECT_EQ(load(record.uid), record) << record.uid;
  }
  EXPECT_EQ(result.counts.records_new, 11);
  // Pages, job b by itself, and the 8 resources kept as observations that this EM serves.
  EXPECT_EQ(result.counts.documents, 4 + 2 + 1 + 1 + 3 + 1 + 8);
  EXPECT_EQ(result.counts.rejected, 0);

  // While Next links said there was more, each page was asked for from the newest creation time
  // of the page before, in whole seconds.
  const std::vector<std::string> targets = gets();
  ASSERT_GE(targets.size(), 4u);
  const std::string job_sessions =
      "/api/query?type=BackupJobSession&format=Entities&sortAsc=CreationTime&pageSize=2&page=1";
  EXPECT_EQ(targets[0], job_sessions);
  EXPECT_EQ(targets[1], job_sessions + "&filter=CreationTime%3E%3D%222026-11-26T01%3A30%3A00Z%22");
  EXPECT_EQ(targets[2], job_sessions + "&filter=CreationTime%3E%3D%222026-11-26T03%3A00%3A07Z%22");
  EXPECT_EQ(targets[3], job_sessions + "&filter=CreationTime%3E%3D%222026-11-26T22%3A15%3A00Z%22");
  // Job b by itself after the pages, then the observed resources.
  EXPECT_EQ(targets[targets.size() - 10],
            "/api/jobs/8d3e0f52-1a4c-4b7d-8e9f-2a3b4c5d6e72?format=Entity");
  EXPECT_EQ(targets[targets.size() - 9], "/api/reports/summary/overview");

  // One logon, one logoff; the bookmarks stand at the newest creation times.
  EXPECT_EQ(logon_.logons(), 1);
  EXPECT_EQ(logon_.logoffs(), 1);
  EXPECT_EQ(*archive_->bookmark(em_.base_url(), "BackupJobSession"),
            *parse_em_time("2026-11-27T01:00:03.9Z"));
  EXPECT_EQ(*archive_->bookmark(em_.base_url(), "BackupTaskSession"),
            *parse_em_time("2026-11-26T03:00:40Z"));
  EXPECT_EQ(*archive_->bookmark(em_.base_url(), "RestoreSession"), std::nullopt);

  // The run is recorded with its counts.
  SQLite::Database db(path_, SQLite::OPEN_READONLY);
  SQLite::Statement run(db, "SELECT command, detail, documents, records_new, errors FROM runs");
  ASSERT_TRUE(run.executeStep());
  EXPECT_EQ(run.getColumn(0).getString(), "ingest");
  EXPECT_EQ(run.getColumn(1).getString(), "fake EM");
  EXPECT_EQ(run.getColumn(2).getInt(), 20);
  EXPECT_EQ(run.getColumn(3).getInt(), 11);
  EXPECT_EQ(run.getColumn(4).getString(), "");
}

TEST_F(IngesterTest, ASecondRunAsksFromTheBookmarksAndFollowsUnfinishedSessions) {
  ASSERT_FALSE(ingest().fatal_error);
  const std::size_t first_run_requests = gets().size();
  const auto before = testing::archive_digest(path_);

  history_.day = 2;
  const IngestResult result = ingest();
  ASSERT_FALSE(result.fatal_error) << result.fatal_error->message;

  const std::vector<std::string> targets = gets();
  const std::vector<std::string> second(targets.begin() + first_run_requests, targets.end());
  // From the bookmark minus one hour, in whole seconds.
  EXPECT_EQ(second[0],
            "/api/query?type=BackupJobSession&format=Entities&sortAsc=CreationTime&pageSize=2"
            "&page=1&filter=CreationTime%3E%3D%222026-11-27T00%3A00%3A03Z%22");
  // Sessions 2 and 3, Working and older than that, asked for by themselves, oldest first.
  const auto asked = [&](std::string_view target) {
    return std::find(second.begin(), second.end(), target) != second.end();
  };
  EXPECT_TRUE(asked("/api/backupSessions/2b1c3d4e-5f60-4172-8384-a5b6c7d8e902?format=Entity"));
  EXPECT_TRUE(asked("/api/backupSessions/3c2d4e5f-6071-4283-9495-b6c7d8e9fa03?format=Entity"));
  // Task 3 came with its page: it is not asked for again. Job b is archived: not asked again.
  EXPECT_FALSE(asked("/api/backupTaskSessions/a1b2c3d4-0003-4e5f-8a9b-0c1d2e3f4a03?format=Entity"));
  EXPECT_FALSE(asked("/api/jobs/8d3e0f52-1a4c-4b7d-8e9f-2a3b4c5d6e72?format=Entity"));

  // Session 6 is new; 5 and 3 finished: a second revision each; 2 is gone but kept as it was.
  EXPECT_EQ(result.counts.records_new, 1);
  EXPECT_EQ(result.counts.records_updated, 2);
  EXPECT_EQ(revisions(kSession6), 1);
  EXPECT_EQ(revisions(kSession5), 2);
  EXPECT_EQ(revisions(kSession3), 2);
  EXPECT_EQ(load(kSession3)->field("State"), "Stopped");
  EXPECT_EQ(load(kSession5)->field("Result"), "Success");
  EXPECT_EQ(load(kSession2)->field("State"), "Working");
  EXPECT_TRUE(archive_
                  ->unfinished_sessions(em_.base_url(), Kind::BackupJobSession,
                                        *parse_em_time("2030-01-01T00:00:00Z"))
                  ->empty());
  EXPECT_TRUE(std::any_of(log_.begin(), log_.end(), [](const std::string& line) {
    return line.find("2b1c3d4e-5f60-4172-8384-a5b6c7d8e902") != std::string::npos &&
           line.find("404") != std::string::npos;
  }));

  // Nothing else changed.
  const auto after = testing::archive_digest(path_);
  for (const auto& [uid, revisions] : before) {
    if (uid == kSession3 || uid == kSession5) continue;
    EXPECT_EQ(after.at(uid), revisions) << uid;
  }
  EXPECT_EQ(after.size(), before.size() + 1);

  // A third run finds nothing new and asks for no session by itself: all are final or gone.
  const std::size_t second_run_requests = gets().size();
  const IngestResult third = ingest();
  ASSERT_FALSE(third.fatal_error);
  EXPECT_EQ(third.counts.records_new + third.counts.records_updated, 0);
  for (std::size_t i = second_run_requests; i < gets().size(); ++i) {
    EXPECT_EQ(gets()[i].find("/api/backupSessions/"), std::string::npos) << gets()[i];
  }
  EXPECT_EQ(testing::archive_digest(path_), after);
}

TEST_F(IngesterTest, LogsOnAgainWhenTheTokenExpiresMidRun) {
  // EM's idle timeout passes just as the second page of job sessions is asked for.
  auto requests = std::make_shared<RequestCounter>("type=BackupJobSession");
  history_.fault = [this, requests](const FakeRequest& request) -> std::optional<FakeResponse> {
    if (requests->count(request) == 2) {
      logon_.expire();
      return FakeResponse::xml(401, "");
    }
    return std::nullopt;
  };
  const IngestResult result = ingest();
  ASSERT_FALSE(result.fatal_error) << result.fatal_error->message;
  EXPECT_EQ(logon_.logons(), 2);
  EXPECT_EQ(logon_.logoffs(), 1);
  EXPECT_EQ(result.counts.records_new, 11);
  EXPECT_EQ(load(kSession5)->field("State"), "Working");
}

TEST_F(IngesterTest, RetriesServerErrorsAndResetsToTheSameArchive) {
  Ingestion clean_run;  // the same EM without faults, into its own archive
  ASSERT_FALSE(clean_run.ingest().fatal_error);

  // The second page of job sessions fails twice with 503; the first page of task sessions comes
  // on a connection EM resets.
  RequestCounter job_sessions("type=BackupJobSession"), task_sessions("type=BackupTaskSession");
  history_.fault = [&](const FakeRequest& request) -> std::optional<FakeResponse> {
    const int job_session_request = job_sessions.count(request);
    if (job_session_request == 2 || job_session_request == 3) return FakeResponse::xml(503, "");
    if (task_sessions.count(request) == 1) {
      return FakeResponse::with_fault(FakeResponse::Fault::Reset);
    }
    return std::nullopt;
  };
  const IngestResult result = ingest();
  ASSERT_FALSE(result.fatal_error) << result.fatal_error->message;
  // Each 503 waited before the next try; the reset was tried again (at once, as it came on a
  // connection kept alive from an earlier request).
  EXPECT_EQ(delays_.size(), 2u);
  EXPECT_EQ(job_sessions.total(), 4 + 2);
  EXPECT_EQ(task_sessions.total(), 2 + 1);
  EXPECT_EQ(testing::archive_digest(path_), testing::archive_digest(clean_run.path_));
}

TEST_F(IngesterTest, ARunThatFailsKeepsItsPagesAndTheNextEndsLikeAnUninterruptedOne) {
  Ingestion clean_run;
  ASSERT_FALSE(clean_run.ingest().fatal_error);

  // The third page of job sessions fails until the retries run out.
  std::atomic<bool> broken{true};
  RequestCounter job_sessions("type=BackupJobSession");
  history_.fault = [&](const FakeRequest& request) -> std::optional<FakeResponse> {
    if (broken && job_sessions.count(request) >= 3) return FakeResponse::xml(500, "");
    return std::nullopt;
  };
  const IngestResult failed = ingest(/*max_attempts=*/2);
  ASSERT_TRUE(failed.fatal_error);
  EXPECT_NE(failed.fatal_error->message.find("type=BackupJobSession"), std::string::npos)
      << failed.fatal_error->message;
  EXPECT_NE(failed.fatal_error->message.find("500"), std::string::npos)
      << failed.fatal_error->message;
  EXPECT_EQ(logon_.logoffs(), 1);  // logged off after the failure too
  // Pages 1 and 2 stayed (sessions 1 to 3), with the bookmark at page 2's newest session.
  EXPECT_EQ(failed.counts.records_new, 3);
  EXPECT_EQ(*archive_->bookmark(em_.base_url(), "BackupJobSession"),
            *parse_em_time("2026-11-26T03:00:07.2Z"));
  SQLite::Database db(path_, SQLite::OPEN_READONLY);
  EXPECT_NE(db.execAndGet("SELECT errors FROM runs").getString().find("500 Internal Server Error"),
            std::string::npos);

  broken = false;
  const IngestResult resumed = ingest();
  ASSERT_FALSE(resumed.fatal_error) << resumed.fatal_error->message;
  EXPECT_EQ(testing::archive_digest(path_), testing::archive_digest(clean_run.path_));
}

TEST_F(IngesterTest, ASessionDeletedDuringTheWalkDoesNotHideTheOthers) {
  // EM's retention deletes session 1 just after the first page: with page numbers, session 3
  // would move onto page 1 and be skipped.
  history_.day = 1;
  RequestCounter job_sessions("type=BackupJobSession");
  std::atomic<bool> deleted{false};
  history_.fault = [&](const FakeRequest& request) -> std::optional<FakeResponse> {
    if (job_sessions.count(request) == 2) deleted = true;
    return std::nullopt;
  };
  history_.hidden = [&](std::string_view uid) {
    return deleted && uid == "urn:veeam:BackupJobSession:1a0b2c3d-4e5f-4061-8273-94a5b6c7d801";
  };
  const IngestResult result = ingest();
  ASSERT_FALSE(result.fatal_error) << result.fatal_error->message;
  EXPECT_EQ(result.counts.records_new, 11);
  EXPECT_TRUE(load(kSession3));
}

TEST_F(IngesterTest, ADocumentThatDoesNotParseIsNamedByItsUrlAndTheRestGoesOn) {
  std::atomic<bool> broken{true};
  RequestCounter job_sessions("type=BackupJobSession");
  history_.fault = [&](const FakeRequest& request) -> std::optional<FakeResponse> {
    if (broken && job_sessions.count(request) == 2) {
      return FakeResponse::xml(200, "<QueryResult xmlns=\"http://www.veeam.com/ent/v1.0\"><Ent");
    }
    return std::nullopt;
  };
  const IngestResult result = ingest();
  ASSERT_FALSE(result.fatal_error) << result.fatal_error->message;
  EXPECT_EQ(result.counts.rejected, 1);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_NE(result.errors[0].find(em_.base_url() + "/api/query?type=BackupJobSession"),
            std::string::npos)
      << result.errors[0];
  // The walk went on past the bad page (session 3 was on it, 4 and 5 after it), and every
  // other type went in; the bookmark stays before the bad page.
  EXPECT_FALSE(load(kSession3));
  EXPECT_TRUE(load(kSession5));
  EXPECT_EQ(result.counts.records_new, 4 + 3 + 2 + 1);
  EXPECT_EQ(*archive_->bookmark(em_.base_url(), "BackupJobSession"),
            *parse_em_time("2026-11-26T01:30:00.5Z"));

  // The next run asks from there again, and gets what the bad page held.
  broken = false;
  const IngestResult next = ingest();
  ASSERT_FALSE(next.fatal_error) << next.fatal_error->message;
  EXPECT_EQ(next.counts.records_new, 1);
  EXPECT_TRUE(load(kSession3));
  EXPECT_EQ(*archive_->bookmark(em_.base_url(), "BackupJobSession"),
            *parse_em_time("2026-11-27T01:00:03.9Z"));
}

TEST_F(IngesterTest, SinceLimitsTheFirstRunAndTypesTheKindsAskedFor) {
  const IngestResult result = ingest(3, [](IngestOptions& options) {
    options.types = *parse_ingest_types("BackupJobSession");
    options.since = *parse_em_time("2026-11-26T12:00:00.5Z");
  });
  ASSERT_FALSE(result.fatal_error) << result.fatal_error->message;
  const std::vector<std::string> targets = gets();
  EXPECT_EQ(targets[0],
            "/api/query?type=BackupJobSession&format=Entities&sortAsc=CreationTime&pageSize=2"
            "&page=1&filter=CreationTime%3E%3D%222026-11-26T12%3A00%3A00Z%22");
  for (const std::string& target : targets) {
    EXPECT_EQ(target.find("type=BackupTaskSession"), std::string::npos) << target;
    EXPECT_EQ(target.find("type=Job"), std::string::npos) << target;
  }
  // Sessions 4 and 5 came; the job and the backup server they link to are archived all the
  // same, each asked for by itself.
  EXPECT_EQ(result.counts.records_new, 2 + 2);
  EXPECT_NE(std::find(targets.begin(), targets.end(),
                      "/api/jobs/7c2d9e41-0f3b-4a6c-9d8e-1f2a3b4c5d61?format=Entity"),
            targets.end());
  EXPECT_NE(std::find(targets.begin(), targets.end(),
                      "/api/backupServers/4b1e7c0a-93d2-4f65-8a1b-2c3d4e5f6071?format=Entity"),
            targets.end());
  EXPECT_TRUE(load("urn:veeam:Job:7c2d9e41-0f3b-4a6c-9d8e-1f2a3b4c5d61"));
  EXPECT_TRUE(load("urn:veeam:BackupServer:4b1e7c0a-93d2-4f65-8a1b-2c3d4e5f6071"));
  EXPECT_EQ(*archive_->bookmark(em_.base_url(), "BackupTaskSession"), std::nullopt);
}

TEST_F(IngesterTest, WrongCredentialsEndTheRunWithAClearMessage) {
  FakeLogon strict(std::string(kFakeEmUser), "another password");
  FakeEm em(strict.wrap([this](const FakeRequest& r) { return history_.answer(r); }));
  HttpClientOptions http;
  http.base_url = em.base_url();
  auto client = HttpClient::create(http);
  ASSERT_TRUE(client);
  EmClient session(**client, Credentials{std::string(kFakeEmUser), std::string(kFakeEmPassword)});
  IngestOptions options;
  options.now = [] { return std::string("2026-11-27T12:00:00Z"); };
  const IngestResult result = ingest_once(*archive_, session, "fake EM", options);
  ASSERT_TRUE(result.fatal_error);
  EXPECT_NE(
      result.fatal_error->message.find("refused the credentials of user CONTOSO\\svc-archive"),
      std::string::npos)
      << result.fatal_error->message;
  EXPECT_EQ(result.fatal_error->message.find(std::string(kFakeEmPassword)), std::string::npos);
  SQLite::Database db(path_, SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM records").getInt(), 0);
  EXPECT_NE(db.execAndGet("SELECT errors FROM runs").getString().find("refused"),
            std::string::npos);
}

TEST(IngestTypes, ParsesListsAndNamesWhatIsWrong) {
  auto types = parse_ingest_types("backupTaskSession,Job");
  ASSERT_TRUE(types) << types.error().message;
  ASSERT_EQ(types->size(), 2u);
  EXPECT_EQ((*types)[0]->name, "BackupTaskSession");
  EXPECT_EQ((*types)[1]->name, "Job");
  auto unknown = parse_ingest_types("BackupJobSession,Tape");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("unknown type 'Tape'"), std::string::npos);
  EXPECT_NE(unknown.error().message.find("ReplicaTaskSession"), std::string::npos);
  EXPECT_FALSE(parse_ingest_types("Job,job"));
  EXPECT_FALSE(parse_ingest_types(""));

  const std::vector<const QueryType*> defaults = default_ingest_types();
  ASSERT_EQ(defaults.size(), 7u);
  EXPECT_EQ(defaults[5]->name, "Job");
  EXPECT_EQ(defaults[6]->name, "BackupServer");
}

// The archive failing at the second page (locked by another writer past the busy timeout): the
// run ends with that error and is recorded with it, the first page and its bookmark stay, and
// the next run completes the archive.
TEST_F(IngesterTest, AnArchiveFailureEndsTheRunKeepingThePagesStoredBeforeIt) {
  const std::string message = path_ + ": cannot store: database is locked";
  const IngestResult failed = ingest_failing_busy(testing::ArchiveCall::StorePage, 2, message);
  EXPECT_EQ(failed.counts.records_new, 2);  // the first page, of 2

  {
    SQLite::Database db(path_);
    SQLite::Statement run(db, "SELECT command, finished_at, records_new, errors FROM runs");
    ASSERT_TRUE(run.executeStep());
    EXPECT_EQ(run.getColumn(0).getString(), "ingest");
    EXPECT_FALSE(run.getColumn(1).isNull());
    EXPECT_EQ(run.getColumn(2).getInt64(), 2);
    EXPECT_NE(run.getColumn(3).getString().find(message), std::string::npos);
    EXPECT_EQ(db.execAndGet("SELECT count(DISTINCT record_id) FROM representations").getInt64(), 2);
    EXPECT_EQ(db.execAndGet("SELECT count(*) FROM ingest_bookmarks").getInt64(), 1);
  }

  // The page after the failed one may have been fetched meanwhile, but no further page, and no
  // other type.
  int job_session_pages = 0;
  for (const std::string& target : gets()) {
    EXPECT_NE(target.find("type=BackupJobSession"), std::string::npos) << target;
    job_session_pages += target.find("type=BackupJobSession") != std::string::npos;
  }
  EXPECT_LE(job_session_pages, 3);

  const IngestResult next = ingest();
  ASSERT_FALSE(next.fatal_error) << next.fatal_error->message;
  for (const Record& record : records_of("run1")) EXPECT_TRUE(load(record.uid)) << record.uid;
}

// A page is fetched while the page before it is stored. Another connection holds the archive's
// write lock from the first page's request until the second page's: stored one after the other,
// the first page would wait for the lock until the busy timeout and the run would fail.
TEST_F(IngesterTest, TheNextPageIsFetchedWhileAPageIsStored) {
  SQLite::Database other(path_, SQLite::OPEN_READWRITE);
  other.setBusyTimeout(5000);
  std::optional<SQLite::Transaction> lock;
  RequestCounter job_sessions("type=BackupJobSession");
  history_.fault = [&](const FakeRequest& request) -> std::optional<FakeResponse> {
    const int page = job_sessions.count(request);
    if (page == 1) lock.emplace(other, SQLite::TransactionBehavior::IMMEDIATE);
    if (page == 2) lock.reset();  // rolled back
    return std::nullopt;
  };
  const IngestResult result = ingest();
  ASSERT_FALSE(result.fatal_error) << result.fatal_error->message;
  EXPECT_FALSE(lock);
  EXPECT_EQ(result.counts.records_new, 11);
}

TEST_F(IngesterTest, AStoppedRunEndsWithTheStoppedCode) {
  const IngestResult result =
      ingest(3, [](IngestOptions& options) { options.stop = [] { return true; }; });
  ASSERT_TRUE(result.fatal_error);
  EXPECT_EQ(result.fatal_error->code, ErrorCode::stopped);
}

}  // namespace
}  // namespace emarchive::ingest

namespace emarchive::ingest {
namespace {

class IngesterObservationTest : public ::testing::Test, protected Ingestion {
 protected:
  std::int64_t scalar(const std::string& sql) {
    SQLite::Database db(path_, SQLite::OPEN_READONLY);
    return db.execAndGet(sql).getInt64();
  }
};

TEST_F(IngesterObservationTest, ArchivesWhatMonitoringToolsReadAndSkipsWhatEmDoesNotServe) {
  const IngestResult result = ingest();
  ASSERT_FALSE(result.fatal_error) << result.fatal_error->message;
  EXPECT_TRUE(result.errors.empty());

  for (std::string_view resource :
       {"/api/reports/summary/overview", "/api/reports/summary/vms_overview",
        "/api/reports/summary/job_statistics", "/api/reports/summary/repository",
        "/api/repositories", "/api/repositories?format=Entity", "/api/agents/discoveredComputers",
        "/api/agents/jobs"}) {
    auto latest = archive_->latest_observation(resource);
    ASSERT_TRUE(latest) << latest.error().message;
    ASSERT_TRUE(*latest) << resource;
    EXPECT_EQ((*latest)->source, em_.base_url()) << resource;
    EXPECT_EQ((*latest)->observed_at, "2026-11-27T12:00:00Z") << resource;
  }
  auto overview = archive_->latest_observation("/api/reports/summary/overview");
  EXPECT_NE((*overview)->document.find("<FailedVmLastestStates>1</FailedVmLastestStates>"),
            std::string::npos);
  // Hrefs are kept without EM's origin, as for every record.
  auto repositories = archive_->latest_observation("/api/repositories");
  EXPECT_NE((*repositories)
                ->document.find("Href=\"/api/repositories/7c2d9e41-5a3b-4c8d-9e0f-1a2b3c4d5e61\""),
            std::string::npos);
  EXPECT_EQ((*repositories)->document.find("vbem-fake01"), std::string::npos);

  // This EM has no file-share jobs: noted in the log, not a failure, nothing made up.
  auto nas = archive_->latest_observation("/api/nas/jobs");
  ASSERT_TRUE(nas);
  EXPECT_FALSE(*nas);
  EXPECT_TRUE(std::any_of(log_.begin(), log_.end(), [](const std::string& line) {
    return line.find("/api/nas/jobs: 404") != std::string::npos &&
           line.find("not observed") != std::string::npos;
  })) << ::testing::PrintToString(log_);
}

TEST_F(IngesterObservationTest, AnUnchangedAnswerIsNoNewRevision) {
  ASSERT_FALSE(ingest().fatal_error);
  ASSERT_FALSE(ingest().fatal_error);
  EXPECT_EQ(scalar("SELECT count(*) FROM observations"), 8);

  // On day 2 the overview, the repository report and the repository entities changed.
  history_.day = 2;
  ASSERT_FALSE(ingest().fatal_error);
  EXPECT_EQ(scalar("SELECT count(*) FROM observations"), 11);
  EXPECT_EQ(scalar("SELECT count(*) FROM observations WHERE revision = 2 AND resource IN "
                   "('/api/reports/summary/overview', '/api/reports/summary/repository', "
                   "'/api/repositories?format=Entity')"),
            3);
  // Charted over time: failed VMs went from 1 to 0; the primary repository's free space fell.
  {
    SQLite::Database db(path_, SQLite::OPEN_READONLY);
    EXPECT_EQ(db.execAndGet("SELECT group_concat(value, ',') FROM (SELECT c.value "
                            "FROM observed_counters c JOIN observations o "
                            "ON o.id = c.observation_id WHERE c.name = 'FailedVmLastestStates' "
                            "ORDER BY o.revision)")
                  .getString(),
              "1,0");
  }
  EXPECT_EQ(scalar("SELECT count(*) FROM observed_repositories r "
                   "JOIN observations o ON o.id = r.observation_id "
                   "WHERE o.resource = '/api/reports/summary/repository' "
                   "AND r.name = 'Contoso Primary (ReFS)'"),
            2);
  EXPECT_EQ(scalar("SELECT r.free_space FROM observed_repositories r "
                   "JOIN observations o ON o.id = r.observation_id "
                   "WHERE o.resource = '/api/reports/summary/repository' AND o.revision = 2 "
                   "AND r.name = 'Contoso Primary (ReFS)'"),
            1374389534720);
}

TEST_F(IngesterObservationTest, ADocumentThatDoesNotParseIsRejectedAndTheRestObserved) {
  history_.fault = [](const FakeRequest& request) -> std::optional<FakeResponse> {
    if (request.target != "/api/reports/summary/overview") return std::nullopt;
    return FakeResponse::xml(200, "<OverviewReportFrame xmlns=\"http://www.veeam.com/ent/v1.0\">");
  };
  const IngestResult result = ingest();
  ASSERT_FALSE(result.fatal_error) << result.fatal_error->message;
  EXPECT_EQ(result.counts.rejected, 1);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].rfind(em_.base_url() + "/api/reports/summary/overview: malformed", 0),
            0u)
      << result.errors[0];
  EXPECT_EQ(scalar("SELECT count(*) FROM observations"), 7);
}

TEST_F(IngesterObservationTest, AnArchiveFailingToStoreOneEndsTheRunLikeAPage) {
  const IngestResult failed = ingest_failing_busy(testing::ArchiveCall::Observe, 3,
                                                  path_ + ": cannot store the observation: locked");
  // The sessions and the observations before it stay; the run still logged off.
  EXPECT_EQ(failed.counts.records_new, 11);
  EXPECT_EQ(scalar("SELECT count(*) FROM observations"), 2);
  EXPECT_EQ(logon_.logoffs(), 1);
}

}  // namespace
}  // namespace emarchive::ingest
