// `emarchive simulate` as a user runs it: a real process serving a fake EM on a real port.

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <filesystem>
#include <regex>
#include <set>
#include <string>
#include <thread>

#include <pugixml.hpp>

#include "app/duration.h"
#include "tests/support/cli.h"
#include "tests/support/http_client.h"
#include "tests/support/test_data.h"

namespace emarchive {
namespace {

using emarchive::testing::basic_authorization;
using emarchive::testing::CliProcess;
using emarchive::testing::HalfSentRequest;
using emarchive::testing::HttpClient;
using emarchive::testing::HttpReply;
using emarchive::testing::run_cli;
using emarchive::testing::shell_quote;
using emarchive::testing::TempDir;

std::string first_match(const std::string& text, const std::string& pattern) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex(pattern))) return "";
  return m[1];
}

std::uint16_t port_of(const std::string& line) {
  const std::string port = first_match(line, R"(serving http://127\.0\.0\.1:(\d+)/api/ )");
  return port.empty() ? 0 : static_cast<std::uint16_t>(std::stoi(port));
}

// UID -> EndTimeUTC ("" while running) of the query service's BackupJobSession entities.
std::map<std::string, std::string> job_sessions(HttpClient& client,
                                                const HttpClient::Headers& token) {
  HttpReply reply =
      client.get("/api/query?type=BackupJobSession&format=Entities&pageSize=10000", token);
  EXPECT_EQ(reply.status, 200u) << reply.body;
  pugi::xml_document doc;
  EXPECT_TRUE(doc.load_string(reply.body.c_str())) << reply.body;
  std::map<std::string, std::string> sessions;
  for (pugi::xpath_node node : doc.select_nodes("//*[local-name()='BackupJobSession']")) {
    sessions[node.node().attribute("UID").value()] =
        node.node().child("EndTimeUTC").text().as_string();
  }
  return sessions;
}

// The temporary archive's file, from "generating ... into FILE (deleted on exit)".
std::filesystem::path temporary_db(const std::string& output) {
  return first_match(output, R"(into (\S+simulated\.db) \(deleted on exit\))");
}

const std::vector<std::string> kSmallHistory = {
    "--start", "2026-06-15T22:30:00Z", "--days", "2", "--jobs", "3", "--vms", "6"};

std::vector<std::string> simulate(std::vector<std::string> args) {
  args.insert(args.begin(), "simulate");
  args.insert(args.end(), kSmallHistory.begin(), kSmallHistory.end());
  return args;
}

TEST(SimulateCommandTest, ServesAFakeEmWhoseSessionsMoveAndRemovesItsArchiveOnSigterm) {
  // 10 simulated hours per real second: the start's runs finish and the next night's start
  // within seconds.
  CliProcess sim(simulate({"--listen", "127.0.0.1:0", "--speed", "36000"}));
  const std::string ready = sim.wait_for_line("emarchive simulate: serving");
  const std::uint16_t port = port_of(ready);
  ASSERT_NE(port, 0) << sim.output();
  EXPECT_NE(ready.find("(simulated now 2026-06-15T22:30:00Z, speed 36000x; any credentials, "
                       "token required)"),
            std::string::npos)
      << ready;
  const std::filesystem::path db = temporary_db(sim.output());
  ASSERT_FALSE(db.empty()) << sim.output();
  EXPECT_TRUE(std::filesystem::exists(db));
  EXPECT_NE(sim.output().find("3/3 days"), std::string::npos) << sim.output();

  HttpClient client(port);
  EXPECT_EQ(client.get("/api/backupSessions").status, 401u);
  HttpReply logon = client.post("/api/sessionMngr/?v=latest",
                                {{"Authorization", basic_authorization("LAB\\demo", "whatever")}});
  ASSERT_EQ(logon.status, 201u) << logon.body;
  const HttpClient::Headers token = {{"X-RestSvcSessionId", logon.header("X-RestSvcSessionId")}};
  const auto before = job_sessions(client, token);
  ASSERT_FALSE(before.empty());

  // Time moves: wait (bounded) until a session appears that did not exist.
  std::map<std::string, std::string> after = before;
  for (int i = 0; i < 300 && after.size() == before.size(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    after = job_sessions(client, token);
  }
  EXPECT_GT(after.size(), before.size()) << "no new session appeared";
  for (const auto& [uid, end] : before) {
    ASSERT_TRUE(after.count(uid)) << uid << " disappeared";
    if (!end.empty()) {
      EXPECT_EQ(after[uid], end) << uid << " changed after it finished";
    }
  }
  client.close();

  EXPECT_EQ(sim.stop(SIGTERM), 0) << sim.output();
  EXPECT_NE(sim.output().find("stopped on signal 15"), std::string::npos) << sim.output();
  EXPECT_FALSE(std::filesystem::exists(db.parent_path())) << "the temporary archive is removed";
}

TEST(SimulateCommandTest, ASignalWhileGeneratingStopsAfterTheDayInHandAndRemovesTheArchive) {
  // A year of 500 VMs takes minutes to store.
  CliProcess sim(
      {"simulate", "--listen", "127.0.0.1:0", "--days", "365", "--jobs", "40", "--vms", "500"});
  ASSERT_NE(sim.wait_for_line("emarchive simulate: generating"), "") << sim.output();
  const std::filesystem::path db = temporary_db(sim.output());
  ASSERT_FALSE(db.empty()) << sim.output();
  sim.signal(SIGINT);
  EXPECT_EQ(sim.wait(std::chrono::seconds(60)), 1) << sim.output();
  EXPECT_NE(sim.output().find("emarchive simulate: interrupted while storing the history"),
            std::string::npos)
      << sim.output();
  EXPECT_EQ(sim.output().find("serving"), std::string::npos) << sim.output();
  EXPECT_FALSE(std::filesystem::exists(db.parent_path())) << "the temporary archive is removed";
}

TEST(SimulateCommandTest, ASecondSignalWhileGeneratingEndsTheProcessAtOnce) {
  // A stop while generating only waits for the batch in hand, which can take well under the
  // half second stop_twice leaves: the second signal follows the first at once. It is another
  // signal because a second SIGTERM still pending would merge with the first.
  CliProcess sim(
      {"simulate", "--listen", "127.0.0.1:0", "--days", "0", "--jobs", "100", "--vms", "100000"});
  ASSERT_NE(sim.wait_for_line("emarchive simulate: generating"), "") << sim.output();
  const std::filesystem::path db = temporary_db(sim.output());
  ASSERT_FALSE(db.empty()) << sim.output();
  sim.signal(SIGINT);
  EXPECT_EQ(sim.stop(SIGTERM), 128 + SIGTERM) << sim.output();
  EXPECT_EQ(sim.output().find("interrupted while storing"), std::string::npos) << sim.output();
  // Ending at once leaves the temporary archive behind.
  std::filesystem::remove_all(db.parent_path());
}

TEST(SimulateCommandTest, ASecondSignalWhileServingEndsTheDrainAtOnce) {
  CliProcess sim(simulate({"--listen", "127.0.0.1:0", "--speed", "0"}));
  const std::uint16_t port = port_of(sim.wait_for_line("emarchive simulate: serving"));
  ASSERT_NE(port, 0) << sim.output();
  const std::filesystem::path db = temporary_db(sim.output());
  HalfSentRequest half(port);
  ASSERT_TRUE(half.sent());
  // Answered after the half request's bytes arrived: the server holds that request by now.
  HttpClient client(port);
  EXPECT_EQ(client.get("/api/").status, 200u);

  const auto first = std::chrono::steady_clock::now();
  EXPECT_EQ(sim.stop_twice(SIGINT), 128 + SIGINT) << sim.output();
  // Before the drain deadline (10 s).
  EXPECT_LT(std::chrono::steady_clock::now() - first, std::chrono::seconds(10)) << sim.output();
  EXPECT_EQ(sim.output().find("stopped on signal"), std::string::npos) << sim.output();
  if (!db.empty()) std::filesystem::remove_all(db.parent_path());
}

TEST(SimulateCommandTest, KeepsTheArchiveInDbAndServesTheSameHistoryForTheSameSeed) {
  TempDir dir;
  const std::string db = (dir / "kept.db").string();
  std::string first_listing;
  for (int run = 0; run < 2; ++run) {
    CliProcess sim(simulate({"--listen", "127.0.0.1:0", "--speed", "0", "--db", db}));
    const std::uint16_t port = port_of(sim.wait_for_line("emarchive simulate: serving"));
    ASSERT_NE(port, 0) << sim.output();
    HttpClient client(port);
    HttpReply logon =
        client.post("/api/sessionMngr/", {{"Authorization", basic_authorization("a", "b")}});
    ASSERT_EQ(logon.status, 201u);
    HttpReply listing = client.get("/api/query?type=BackupTaskSession&format=Entities",
                                   {{"X-RestSvcSessionId", logon.header("X-RestSvcSessionId")}});
    ASSERT_EQ(listing.status, 200u);
    // Hrefs carry this run's port.
    const std::string listed = std::regex_replace(
        listing.body, std::regex("http://127\\.0\\.0\\.1:" + std::to_string(port)), "ORIGIN");
    EXPECT_NE(listed.find("<BackupTaskSession "), std::string::npos);
    if (run == 0) first_listing = listed;
    EXPECT_EQ(listed, first_listing);
    client.close();
    EXPECT_EQ(sim.stop(SIGINT), 0) << sim.output();
    EXPECT_TRUE(std::filesystem::exists(db));
  }
  // The archive is an ordinary one: emarchive query reads it.
  const auto queried = run_cli("query --db " + shell_quote(db) + " --type BackupServer");
  EXPECT_EQ(queried.exit_code, 0) << queried.output;
  EXPECT_NE(queried.output.find("vbr01.lab.example"), std::string::npos) << queried.output;
}

// A running `emarchive simulate ARGS` (with the small history, its clock stopped) and a client
// logged on to it.
class SimulatedEmProcess {
 public:
  explicit SimulatedEmProcess(std::vector<std::string> args)
      : process_(simulate([&] {
          args.insert(args.end(), {"--listen", "127.0.0.1:0", "--speed", "0"});
          return args;
        }())) {
    ready_ = process_.wait_for_line("emarchive simulate: serving");
    port_ = port_of(ready_);
  }
  ~SimulatedEmProcess() { process_.stop(SIGTERM); }
  // The serving line; "" when it did not come.
  const std::string& ready() const { return ready_; }
  std::uint16_t port() const { return port_; }
  const std::string& output() const { return process_.output(); }
  // Logs `client` on; the token header, empty when the logon failed.
  HttpClient::Headers log_on(HttpClient& client) {
    HttpReply logon = client.post("/api/sessionMngr/?v=latest",
                                  {{"Authorization", basic_authorization("LAB\\qa", "any")}});
    EXPECT_EQ(logon.status, 201u) << logon.body;
    if (logon.status != 201u) return {};
    return {{"X-RestSvcSessionId", logon.header("X-RestSvcSessionId")}};
  }

 private:
  CliProcess process_;
  std::string ready_;
  std::uint16_t port_ = 0;
};

TEST(SimulateCommandTest, TokensExpireAfterTokenTtlIdle) {
  SimulatedEmProcess em({"--token-ttl", "3s"});
  ASSERT_NE(em.port(), 0) << em.output();
  EXPECT_NE(em.ready().find("; tokens expire after 3s idle)"), std::string::npos) << em.ready();
  HttpClient client(em.port());
  const auto token = em.log_on(client);
  ASSERT_FALSE(token.empty());
  EXPECT_EQ(client.get("/api/jobs", token).status, 200u) << "a fresh token is accepted";
  // Each request counts as use: a second after the last one, it is still good.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_EQ(client.get("/api/jobs", token).status, 200u);
  std::this_thread::sleep_for(std::chrono::milliseconds(3500));
  HttpReply expired = client.get("/api/jobs", token);
  EXPECT_EQ(expired.status, 401u) << expired.body;
  EXPECT_NE(expired.body.find("expired"), std::string::npos) << expired.body;
  // A new logon is good again.
  EXPECT_EQ(client.get("/api/jobs", em.log_on(client)).status, 200u);
}

TEST(SimulateCommandTest, FailRateOneFailsEveryDataRequestButTheLogonStillWorks) {
  SimulatedEmProcess em({"--fail-rate", "1"});
  ASSERT_NE(em.port(), 0) << em.output();
  EXPECT_NE(em.ready().find("; 100% of requests fail)"), std::string::npos) << em.ready();
  HttpClient client(em.port());
  EXPECT_EQ(client.get("/api/").status, 200u) << "the entry point never fails";
  const auto token = em.log_on(client);
  ASSERT_FALSE(token.empty());
  std::set<unsigned> statuses;
  for (const char* target : {"/api/jobs", "/api/backupSessions?format=Entity", "/api/querySvc",
                             "/api/query?type=BackupTaskSession", "/api/backupServers"}) {
    for (int i = 0; i < 4; ++i) {
      HttpReply reply = client.get(target, token);
      statuses.insert(reply.status);
      EXPECT_TRUE(reply.status == 500u || reply.status == 503u) << target << " " << reply.status;
      EXPECT_NE(reply.body.find("<Error "), std::string::npos) << reply.body;
    }
  }
  EXPECT_EQ(statuses, (std::set<unsigned>{500u, 503u})) << "both kinds of server error";
  EXPECT_EQ(client.get("/api/jobs").status, 401u) << "a request without a token is refused first";
}

// The statuses of `n` GET /api/jobs, one at a time, against `emarchive simulate ARGS`.
std::vector<unsigned> statuses_of_requests(const std::vector<std::string>& args, int n) {
  SimulatedEmProcess em(args);
  EXPECT_NE(em.port(), 0) << em.output();
  HttpClient client(em.port());
  const auto token = em.log_on(client);
  std::vector<unsigned> statuses;
  for (int i = 0; i < n; ++i) statuses.push_back(client.get("/api/jobs", token).status);
  return statuses;
}

TEST(SimulateCommandTest, FailRateFailsThatShareTheSameWayForTheSameSeed) {
  const std::vector<std::string> args = {"--fail-rate", "0.3", "--seed", "9"};
  const auto first = statuses_of_requests(args, 200);
  const auto failed = std::count_if(first.begin(), first.end(), [](unsigned s) { return s != 200; });
  EXPECT_GE(failed, 40);
  EXPECT_LE(failed, 80);
  for (unsigned status : first) EXPECT_TRUE(status == 200 || status == 500 || status == 503);
  EXPECT_EQ(statuses_of_requests(args, 200), first) << "same seed, same failures";
}

TEST(SimulateCommandTest, LatencyDelaysEachAnswerWithoutStallingOthers) {
  using Clock = std::chrono::steady_clock;
  constexpr auto kLatency = std::chrono::seconds(2);
  constexpr int kClients = 5;
  // One server thread: were the delay slept on it, the five answers would take ten seconds.
  SimulatedEmProcess em({"--latency", "2s", "--threads", "1"});
  ASSERT_NE(em.port(), 0) << em.output();
  EXPECT_NE(em.ready().find("; 2s added to each answer)"), std::string::npos) << em.ready();
  HttpClient logon_client(em.port());
  const auto logon_start = Clock::now();
  const auto token = em.log_on(logon_client);
  ASSERT_FALSE(token.empty());
  EXPECT_GE(Clock::now() - logon_start, kLatency) << "the logon is delayed too";

  std::vector<std::unique_ptr<HttpClient>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<HttpClient>(em.port(), std::nullopt, std::chrono::seconds(30)));
    ASSERT_EQ(clients.back()->connect(), "");
  }
  std::vector<unsigned> statuses(kClients);
  std::vector<Clock::duration> took(kClients);
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      const auto sent = Clock::now();
      statuses[static_cast<std::size_t>(i)] = clients[static_cast<std::size_t>(i)]->get("/api/jobs", token).status;
      took[static_cast<std::size_t>(i)] = Clock::now() - sent;
    });
  }
  for (std::thread& thread : threads) thread.join();
  const auto all = Clock::now() - start;
  for (int i = 0; i < kClients; ++i) {
    EXPECT_EQ(statuses[static_cast<std::size_t>(i)], 200u);
    EXPECT_GE(took[static_cast<std::size_t>(i)], kLatency) << "answer " << i << " came early";
  }
  // Concurrent, not one after the other (which would take kClients x kLatency): a generous bound
  // that a busy machine still meets.
  EXPECT_LT(all, (kClients - 1) * kLatency)
      << std::chrono::duration_cast<std::chrono::milliseconds>(all).count() << " ms";
}

TEST(SimulateCommandTest, RefusesWhatItCannotDoWithAClearMessage) {
  const auto bad_start = run_cli("simulate --listen 127.0.0.1:0 --start 2026-13-01T00:00:00Z");
  EXPECT_EQ(bad_start.exit_code, 2);
  EXPECT_NE(bad_start.output.find("--start"), std::string::npos) << bad_start.output;
  EXPECT_NE(bad_start.output.find("2026-13-01"), std::string::npos) << bad_start.output;

  const auto open = run_cli("simulate --days 0 --jobs 1 --vms 1 --listen 0.0.0.0:0");
  EXPECT_EQ(open.exit_code, 1);
  EXPECT_NE(open.output.find("cannot listen on 0.0.0.0:0: not a loopback address"),
            std::string::npos)
      << open.output;

  const auto no_jobs = run_cli("simulate --jobs 0");
  EXPECT_EQ(no_jobs.exit_code, 2) << no_jobs.output;

  for (const auto& [flag, value] : std::vector<std::pair<std::string, std::string>>{
           {"--token-ttl", "0"},
           {"--token-ttl", "5x"},
           {"--latency", "-1s"},
           {"--fail-rate", "1.5"},
           {"--fail-rate", "-0.1"}}) {
    const auto refused = run_cli("simulate --listen 127.0.0.1:0 " + flag + "=" + value);
    EXPECT_EQ(refused.exit_code, 2) << flag << " " << value << ": " << refused.output;
    EXPECT_NE(refused.output.find(flag), std::string::npos) << refused.output;
  }
}

TEST(SimulateCommandTest, DurationsTakeMillisecondsWhereAsked) {
  EXPECT_EQ(*app::parse_duration_ms("250ms"), std::chrono::milliseconds(250));
  EXPECT_EQ(*app::parse_duration_ms("2"), std::chrono::seconds(2));
  EXPECT_EQ(*app::parse_duration_ms("2s"), std::chrono::seconds(2));
  EXPECT_EQ(*app::parse_duration_ms("15m"), std::chrono::minutes(15));
  for (const char* bad : {"", "ms", "2.5s", "-1ms", "5msec", "5 ms"}) {
    auto parsed = app::parse_duration_ms(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_NE(parsed.error().message.find("'" + std::string(bad) + "'"), std::string::npos);
  }
  EXPECT_FALSE(app::parse_duration("250ms")) << "where seconds are meant, ms is not taken";
}

}  // namespace
}  // namespace emarchive
