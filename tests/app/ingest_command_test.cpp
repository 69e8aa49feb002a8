// `emarchive ingest` as a user runs it: a real process against the hand-written EM of
// tests/support/fake_em_history.h, killed, over TLS, and with documents that do not parse.

#include <gtest/gtest.h>
#include <signal.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "app/duration.h"
#include "tests/support/cli.h"
#include "tests/support/fake_em.h"
#include "tests/support/fake_em_history.h"
#include "tests/support/test_data.h"
#include "tests/support/tls_certificate.h"

namespace emarchive {
namespace {

using testing::CliProcess;
using testing::FakeEm;
using testing::FakeHistory;
using testing::FakeLogon;
using testing::FakeRequest;
using testing::FakeResponse;
using testing::run_cli;
using testing::shell_quote;
using testing::TempDir;

class IngestCommandTest : public ::testing::Test {
 protected:
  IngestCommandTest() : logon_(std::string(testing::kFakeEmUser), password()) {
    std::ofstream(password_file_) << password() << "\n";
  }

  static std::string password() { return std::string(testing::kFakeEmPassword); }

  // The options every run here shares, for `url` into `db`.
  std::vector<std::string> args(const std::string& url, const std::string& db) const {
    return {"ingest",
            "--db",
            db,
            "--url",
            url,
            "--user",
            std::string(testing::kFakeEmUser),
            "--password-file",
            password_file_.string(),
            "--page-size",
            "2"};
  }
  static std::string shell_text(const std::vector<std::string>& args) {
    std::string text;
    for (const std::string& arg : args) text += " " + shell_quote(arg);
    return text;
  }

  std::string db(const std::string& name) const { return (dir_ / name).string(); }

  // The sessions (not stubs) `archive` holds.
  static int sessions(SQLite::Database& archive) {
    return archive.execAndGet("SELECT count(*) FROM sessions WHERE creation_time IS NOT NULL")
        .getInt();
  }
  // Waits up to 20 s for the archive at `path` to hold `n` sessions; false if it never did.
  static bool sessions_become(const std::string& path, int n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      SQLite::Database archive(path, SQLite::OPEN_READONLY);
      if (sessions(archive) == n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  TempDir dir_;
  const std::filesystem::path password_file_ = dir_ / "password";
  FakeHistory history_;
  FakeLogon logon_;
};

TEST_F(IngestCommandTest, IngestsPrintsWhatItDidAndExitsZero) {
  FakeEm em(logon_.wrap([this](const FakeRequest& r) { return history_.answer(r); }));
  const auto run = run_cli(shell_text(args(em.base_url(), db("a.db"))));
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find(
                "ingest BackupJobSession: 4 pages, 8 records (5 new, 0 updated, 3 unchanged)"),
            std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("ingest: 20 documents read, 11 records new"), std::string::npos)
      << run.output;
  EXPECT_EQ(run.output.find(password()), std::string::npos);
  EXPECT_EQ(logon_.logoffs(), 1);
}

TEST_F(IngestCommandTest, AKilledRunResumesToTheArchiveOfAnUninterruptedOne) {
  FakeEm em(logon_.wrap([this](const FakeRequest& r) { return history_.answer(r); }));
  ASSERT_EQ(run_cli(shell_text(args(em.base_url(), db("clean.db")))).exit_code, 0);

  // Page 3 of the job sessions never comes; the process is killed while it waits for it, once
  // pages 1 and 2 are stored (page 3 is asked for while page 2 is being stored).
  std::atomic<bool> stall{true};
  std::atomic<int> job_session_requests{0};
  history_.fault = [&](const FakeRequest& request) -> std::optional<FakeResponse> {
    if (stall && request.target.find("type=BackupJobSession") != std::string::npos &&
        ++job_session_requests == 3) {
      return FakeResponse::with_fault(FakeResponse::Fault::Stall);
    }
    return std::nullopt;
  };
  const std::size_t before = em.requests().size();
  {
    CliProcess killed(args(em.base_url(), db("resumed.db")));
    // Logon, pages 1, 2 and 3.
    ASSERT_TRUE(em.wait_for_requests(before + 4, std::chrono::seconds(20))) << killed.output();
    EXPECT_TRUE(sessions_become(db("resumed.db"), 3)) << killed.output();
    killed.stop(SIGKILL);
  }
  {
    SQLite::Database archive(db("resumed.db"), SQLite::OPEN_READONLY);
    EXPECT_EQ(sessions(archive), 3);
    EXPECT_TRUE(archive.execAndGet("SELECT finished_at FROM runs").isNull());
  }
  stall = false;
  const auto resumed = run_cli(shell_text(args(em.base_url(), db("resumed.db"))));
  EXPECT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_EQ(testing::archive_digest(db("resumed.db")), testing::archive_digest(db("clean.db")));
}

TEST_F(IngestCommandTest, ASignalStopsTheRunAtItsNextRequestAndLogsOff) {
  // EM is slow to answer the second page of job sessions; Ctrl-C comes meanwhile.
  std::atomic<int> job_session_requests{0};
  history_.fault = [&](const FakeRequest& request) -> std::optional<FakeResponse> {
    if (request.target.find("type=BackupJobSession") != std::string::npos &&
        ++job_session_requests == 2) {
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    return std::nullopt;
  };
  FakeEm em(logon_.wrap([this](const FakeRequest& r) { return history_.answer(r); }));
  CliProcess process(args(em.base_url(), db("a.db")));
  ASSERT_TRUE(em.wait_for_requests(3, std::chrono::seconds(20))) << process.output();
  EXPECT_EQ(process.stop(SIGINT), 128 + SIGINT) << process.output();
  EXPECT_NE(process.output().find("stopped during a run"), std::string::npos) << process.output();
  EXPECT_EQ(logon_.logoffs(), 1);
  SQLite::Database archive(db("a.db"), SQLite::OPEN_READONLY);
  EXPECT_FALSE(archive.execAndGet("SELECT finished_at FROM runs").isNull());
  EXPECT_NE(archive.execAndGet("SELECT errors FROM runs").getString().find("stopped"),
            std::string::npos);
  // Both pages it had asked for were stored.
  EXPECT_EQ(
      archive.execAndGet("SELECT count(*) FROM sessions WHERE creation_time IS NOT NULL").getInt(),
      3);
}

// With --follow or without: a second signal while a run waits for EM ends the process at once.
class IngestSecondSignalTest : public IngestCommandTest,
                               public ::testing::WithParamInterface<bool> {};

TEST_P(IngestSecondSignalTest, EndsTheProcessAtOnceWhileEmDoesNotAnswer) {
  // The second page of job sessions never comes.
  std::atomic<int> job_session_requests{0};
  history_.fault = [&](const FakeRequest& request) -> std::optional<FakeResponse> {
    if (request.target.find("type=BackupJobSession") != std::string::npos &&
        ++job_session_requests == 2) {
      return FakeResponse::with_fault(FakeResponse::Fault::Stall);
    }
    return std::nullopt;
  };
  FakeEm em(logon_.wrap([this](const FakeRequest& r) { return history_.answer(r); }));
  auto arguments = args(em.base_url(), db("a.db"));
  if (GetParam()) arguments.insert(arguments.end(), {"--follow", "--interval", "30s"});
  CliProcess process(arguments);
  // Logon, pages 1 and 2.
  ASSERT_TRUE(em.wait_for_requests(3, std::chrono::seconds(20))) << process.output();
  EXPECT_EQ(process.stop_twice(SIGINT), 128 + SIGINT) << process.output();
  EXPECT_EQ(process.output().find("stopped during a run"), std::string::npos) << process.output();
  EXPECT_EQ(logon_.logoffs(), 0);
}

INSTANTIATE_TEST_SUITE_P(OnceAndFollowing, IngestSecondSignalTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Follow" : "Once";
                         });

TEST_F(IngestCommandTest, VerifiesTheCertificateOfAnHttpsEm) {
  const auto pem = testing::make_self_signed("vbem-test-ca", {"IP:127.0.0.1"});
  const testing::TlsFiles files = testing::write_tls_files(pem, dir_);
  FakeEm em(logon_.wrap([this](const FakeRequest& r) { return history_.answer(r); }), files);
  ASSERT_EQ(em.base_url().rfind("https://", 0), 0u);

  const auto refused = run_cli(shell_text(args(em.base_url(), db("refused.db"))));
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("certificate verification failed"), std::string::npos)
      << refused.output;
  EXPECT_NE(refused.output.find("vbem-test-ca"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("--ca-file"), std::string::npos) << refused.output;
  EXPECT_EQ(logon_.logons(), 0);

  auto trusted = args(em.base_url(), db("trusted.db"));
  trusted.insert(trusted.end(), {"--ca-file", files.certificate.string()});
  const auto accepted = run_cli(shell_text(trusted));
  EXPECT_EQ(accepted.exit_code, 0) << accepted.output;

  auto insecure = args(em.base_url(), db("insecure.db"));
  insecure.push_back("--insecure");
  const auto unverified = run_cli(shell_text(insecure));
  EXPECT_EQ(unverified.exit_code, 0) << unverified.output;
  EXPECT_NE(unverified.output.find("warning: --insecure"), std::string::npos) << unverified.output;
  EXPECT_EQ(testing::archive_digest(db("trusted.db")), testing::archive_digest(db("insecure.db")));
}

TEST_F(IngestCommandTest, ExitsWith3AndNamesTheUrlOfADocumentThatDoesNotParse) {
  history_.fault = [](const FakeRequest& request) -> std::optional<FakeResponse> {
    if (request.target.find("type=BackupTaskSession") != std::string::npos) {
      return FakeResponse::xml(200, "<QueryResult xmlns=\"http://www.veeam.com/ent/v1.0\"><");
    }
    return std::nullopt;
  };
  FakeEm em(logon_.wrap([this](const FakeRequest& r) { return history_.answer(r); }));
  const auto run = run_cli(shell_text(args(em.base_url(), db("a.db"))));
  EXPECT_EQ(run.exit_code, 3) << run.output;
  EXPECT_NE(run.output.find(em.base_url() + "/api/query?type=BackupTaskSession"), std::string::npos)
      << run.output;
  // Two pages in a row that do not parse end the walk of their type.
  EXPECT_NE(run.output.find("2 documents rejected"), std::string::npos) << run.output;
}

TEST_F(IngestCommandTest, FailsClearlyWhenEmIsUnreachableOrRefusesTheCredentials) {
  const auto unreachable =
      run_cli(shell_text(args("http://127.0.0.1:1", db("a.db"))) + " --retries 0");
  EXPECT_EQ(unreachable.exit_code, 1) << unreachable.output;
  EXPECT_NE(unreachable.output.find("http://127.0.0.1:1"), std::string::npos) << unreachable.output;
  EXPECT_NE(unreachable.output.find("refused"), std::string::npos) << unreachable.output;

  std::ofstream(password_file_) << "not the password\n";
  FakeEm em(logon_.wrap([this](const FakeRequest& r) { return history_.answer(r); }));
  const auto refused = run_cli(shell_text(args(em.base_url(), db("a.db"))));
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("refused the credentials of user CONTOSO\\svc-archive"),
            std::string::npos)
      << refused.output;
  EXPECT_EQ(refused.output.find("not the password"), std::string::npos);
}

// The next run is 30 s away (the shortest interval); a stop between runs ends the command at
// once with the last run's exit code. ingest/follower's tests run the schedule itself with short
// intervals.
TEST_F(IngestCommandTest, FollowsUntilStoppedBetweenRuns) {
  FakeEm em(logon_.wrap([this](const FakeRequest& r) { return history_.answer(r); }));
  auto follow = args(em.base_url(), db("a.db"));
  follow.insert(follow.end(), {"--follow", "--interval", "30s"});
  CliProcess process(follow);
  ASSERT_NE(process.wait_for_line("records new", std::chrono::seconds(20)), "") << process.output();
  const auto stopping = std::chrono::steady_clock::now();
  EXPECT_EQ(process.stop(SIGTERM), 0) << process.output();
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, std::chrono::seconds(10));
  // Log lines name the EM: its host, when --name does not.
  EXPECT_NE(process.output().find("emarchive ingest [127.0.0.1]: stopped"), std::string::npos)
      << process.output();
  SQLite::Database archive(db("a.db"), SQLite::OPEN_READONLY);
  EXPECT_EQ(archive.execAndGet("SELECT count(*) FROM runs WHERE finished_at IS NOT NULL").getInt(),
            1);
  EXPECT_EQ(archive.execAndGet("SELECT name FROM sources").getString(), "127.0.0.1");
  EXPECT_EQ(logon_.logons(), logon_.logoffs());
}

TEST_F(IngestCommandTest, RefusesBadOptionsAsUsageErrors) {
  const std::string base = shell_text(args("http://127.0.0.1:1", db("a.db")));
  EXPECT_EQ(run_cli(base + " --types BackupJobSession,Tape").exit_code, 2);
  EXPECT_EQ(run_cli(base + " --since yesterday").exit_code, 2);
  EXPECT_EQ(run_cli(base + " --overlap 5x").exit_code, 2);
  EXPECT_EQ(run_cli(base + " --interval 5m").exit_code, 2);  // needs --follow
  // Each run logs on and asks for every type: under 30 s between runs only loads EM.
  const auto tight = run_cli(base + " --follow --interval 10s");
  EXPECT_EQ(tight.exit_code, 2) << tight.output;
  EXPECT_NE(tight.output.find("--interval 10s is under 30s"), std::string::npos) << tight.output;
  EXPECT_EQ(
      run_cli(base + " --insecure --ca-file " + shell_quote(password_file_.string())).exit_code, 2);
  EXPECT_EQ(run_cli(shell_text(args("ftp://em:21", db("a.db")))).exit_code, 2);
  // ingest has no users to check a scrape against: its /metrics stays on loopback.
  const auto exposed = run_cli(shell_text(args("http://127.0.0.1:1", db("metrics.db"))) +
                               " --metrics-listen 0.0.0.0:0");
  EXPECT_EQ(exposed.exit_code, 2) << exposed.output;
  EXPECT_NE(exposed.output.find("loopback address only"), std::string::npos) << exposed.output;
  EXPECT_FALSE(std::filesystem::exists(db("metrics.db"))) << "refused before the archive is made";
}

TEST(Duration, ParsesWholeUnitsAndNamesWhatIsWrong) {
  EXPECT_EQ(*app::parse_duration("45"), std::chrono::seconds(45));
  EXPECT_EQ(*app::parse_duration("45s"), std::chrono::seconds(45));
  EXPECT_EQ(*app::parse_duration("15m"), std::chrono::minutes(15));
  EXPECT_EQ(*app::parse_duration("1h"), std::chrono::hours(1));
  EXPECT_EQ(*app::parse_duration("2d"), std::chrono::hours(48));
  for (const char* bad : {"", "m", "5 m", "5mm", "-5m", "1.5h", "5w", "99999999999d"}) {
    auto parsed = app::parse_duration(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_NE(parsed.error().message.find("'" + std::string(bad) + "'"), std::string::npos);
  }
}

}  // namespace
}  // namespace emarchive
