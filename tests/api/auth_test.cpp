#include "api/auth.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <regex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <pugixml.hpp>

#include "api/base64.h"
#include "tests/support/http_client.h"
#include "tests/support/test_server.h"

namespace emarchive::api {
namespace {

using testing::basic_authorization;
using testing::HttpClient;
using testing::HttpReply;
using testing::ManualClock;
using testing::TestServer;
using namespace std::chrono_literals;

const std::regex kGuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");

UsersFile alice_and_bob() {
  auto alice = make_users_line("alice", "wonderland", kMinPbkdf2Iterations);
  auto bob = make_users_line("bob", "builder", kMinPbkdf2Iterations);
  auto file = UsersFile::parse(*alice + "\n" + *bob + "\n", "users");
  if (!file) throw std::runtime_error(file.error().message);
  return std::move(*file);
}

// --- Authenticator on its own -------------------------------------------------------------

TEST(AuthTest, OpenModeAcceptsAnyCredentialsButNeedsBasic) {
  ManualClock clock;
  Authenticator auth(std::nullopt, clock.function());
  EXPECT_FALSE(auth.enforcing());
  auto logon = auth.logon(basic_authorization("anyone", "anything"));
  ASSERT_TRUE(std::holds_alternative<Logon>(logon));
  const Logon& session = std::get<Logon>(logon);
  // EM's token shape: base64 of the SessionId's text.
  EXPECT_EQ(session.token, base64_encode(session.session.session_id));
  EXPECT_TRUE(std::regex_match(session.session.session_id, kGuid)) << session.session.session_id;
  EXPECT_EQ(session.session.user_name, "anyone");

  // The last: a user name with control characters (found by fuzzing), which the LogonSession
  // document could not carry.
  for (std::string_view bad :
       {"", "Bearer abc", "Basic !!!", "Basic bm9jb2xvbg==", "Basic dAAAAAAAAAAAAXNlcjpwYXNz"}) {
    auto refused = auth.logon(bad);
    ASSERT_TRUE(std::holds_alternative<Denial>(refused)) << bad;
    EXPECT_EQ(std::get<Denial>(refused).status, boost::beast::http::status::unauthorized);
  }
  // No token, or an unknown one: served anonymously.
  auto anonymous = auth.authenticate(std::nullopt);
  ASSERT_TRUE(std::holds_alternative<std::optional<LogonSession>>(anonymous));
  EXPECT_FALSE(std::get<std::optional<LogonSession>>(anonymous));
  auto unknown = auth.authenticate("bogus");
  ASSERT_TRUE(std::holds_alternative<std::optional<LogonSession>>(unknown));
}

TEST(AuthTest, TokensExpireAfterFifteenIdleMinutesAndActivityExtends) {
  ManualClock clock;
  Authenticator auth(alice_and_bob(), clock.function());
  auto logon = auth.logon(basic_authorization("alice", "wonderland"));
  ASSERT_TRUE(std::holds_alternative<Logon>(logon));
  const std::string token = std::get<Logon>(logon).token;

  clock.advance(14min);
  EXPECT_TRUE(std::holds_alternative<std::optional<LogonSession>>(auth.authenticate(token)));
  clock.advance(14min);  // 28 minutes after logon, 14 after the last use
  EXPECT_TRUE(std::holds_alternative<std::optional<LogonSession>>(auth.authenticate(token)));
  clock.advance(15min);
  auto expired = auth.authenticate(token);
  ASSERT_TRUE(std::holds_alternative<Denial>(expired));
  EXPECT_NE(std::get<Denial>(expired).message.find("expired"), std::string::npos);
  EXPECT_FALSE(auth.find(std::get<Logon>(logon).session.session_id));
}

TEST(AuthTest, EnforcingModeChecksPasswords) {
  ManualClock clock;
  Authenticator auth(alice_and_bob(), clock.function());
  EXPECT_TRUE(std::holds_alternative<Denial>(auth.logon(basic_authorization("alice", "builder"))));
  EXPECT_TRUE(std::holds_alternative<Denial>(auth.logon(basic_authorization("carol", "x"))));
  EXPECT_TRUE(std::holds_alternative<Denial>(auth.authenticate(std::nullopt)));
  EXPECT_TRUE(std::holds_alternative<Denial>(auth.authenticate("bogus")));
  auto bob = auth.logon(basic_authorization("bob", "builder"));
  ASSERT_TRUE(std::holds_alternative<Logon>(bob));
  auto sessions = auth.sessions_of("bob");
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_TRUE(auth.logoff(sessions[0].session_id));
  EXPECT_FALSE(auth.logoff(sessions[0].session_id));
  EXPECT_TRUE(std::holds_alternative<Denial>(auth.authenticate(std::get<Logon>(bob).token)));
}

TEST(AuthTest, TokenRequiredModeAcceptsAnyCredentialsButNeedsALiveToken) {
  ManualClock clock;
  Authenticator auth(std::nullopt, clock.function(), /*require_token=*/true);
  EXPECT_TRUE(auth.enforcing());
  EXPECT_TRUE(std::holds_alternative<Denial>(auth.logon("")));
  auto logon = auth.logon(basic_authorization("LAB\\anyone", "anything"));
  ASSERT_TRUE(std::holds_alternative<Logon>(logon));
  const Logon& session = std::get<Logon>(logon);
  EXPECT_EQ(session.session.user_name, "LAB\\anyone");

  EXPECT_TRUE(std::holds_alternative<Denial>(auth.authenticate(std::nullopt)));
  EXPECT_TRUE(std::holds_alternative<Denial>(auth.authenticate("bogus")));
  auto served = auth.authenticate(session.token);
  ASSERT_TRUE(std::holds_alternative<std::optional<LogonSession>>(served));
  EXPECT_EQ(std::get<std::optional<LogonSession>>(served)->session_id, session.session.session_id);

  clock.advance(15min);
  auto expired = auth.authenticate(session.token);
  ASSERT_TRUE(std::holds_alternative<Denial>(expired));
  EXPECT_EQ(std::get<Denial>(expired).status, boost::beast::http::status::unauthorized);
}

TEST(AuthTest, UsersFileWinsOverTokenRequired) {
  ManualClock clock;
  Authenticator auth(alice_and_bob(), clock.function(), /*require_token=*/true);
  EXPECT_TRUE(std::holds_alternative<Denial>(auth.logon(basic_authorization("carol", "x"))));
  EXPECT_TRUE(std::holds_alternative<Logon>(auth.logon(basic_authorization("bob", "builder"))));
}

std::string token_of(const std::variant<Logon, Denial>& outcome) {
  const auto* logon = std::get_if<Logon>(&outcome);
  return logon ? logon->token : "";
}

bool is_live(Authenticator& auth, const std::string& token) {
  return std::holds_alternative<std::optional<LogonSession>>(auth.authenticate(token));
}

TEST(AuthTest, SessionsPerUserAreBoundedEvictingTheLeastRecentlyUsed) {
  ManualClock clock;
  LogonLimits limits;
  limits.sessions_per_user = 3;
  Authenticator auth(std::nullopt, clock.function(), /*require_token=*/true, limits);
  std::vector<std::string> tokens;
  for (int i = 0; i < 3; ++i) {
    tokens.push_back(token_of(auth.logon(basic_authorization("collector", "x"), "10.0.0.1")));
    clock.advance(1s);
  }
  ASSERT_TRUE(is_live(auth, tokens[0]));  // now the first is the most recently used
  clock.advance(1s);
  const std::string fourth =
      token_of(auth.logon(basic_authorization("collector", "x"), "10.0.0.2"));
  ASSERT_FALSE(fourth.empty());
  EXPECT_EQ(auth.sessions_of("collector").size(), 3u);
  EXPECT_TRUE(is_live(auth, tokens[0]));
  EXPECT_FALSE(is_live(auth, tokens[1]));
  EXPECT_TRUE(is_live(auth, tokens[2]));
  EXPECT_TRUE(is_live(auth, fourth));

  // Far more logons than the table holds: every one succeeds, and other users keep theirs.
  const std::string other = token_of(auth.logon(basic_authorization("other", "x"), "10.0.0.3"));
  for (std::size_t i = 0; i <= kMaxLogonSessions; ++i) {
    ASSERT_FALSE(token_of(auth.logon(basic_authorization("collector", "x"), "10.0.0.1")).empty())
        << "logon " << i;
  }
  EXPECT_TRUE(is_live(auth, other));
}

TEST(AuthTest, SessionsPerAddressAreBoundedEvictingThatAddresssLeastRecentlyUsed) {
  ManualClock clock;
  LogonLimits limits;
  limits.sessions_per_address = 2;
  Authenticator auth(std::nullopt, clock.function(), /*require_token=*/true, limits);
  const std::string elsewhere = token_of(auth.logon(basic_authorization("a", "x"), "10.0.0.9"));
  std::vector<std::string> tokens;
  for (std::string_view user : {"a", "b", "c"}) {
    tokens.push_back(token_of(auth.logon(basic_authorization(user, "x"), "10.0.0.1")));
    clock.advance(1s);
  }
  EXPECT_FALSE(is_live(auth, tokens[0]));
  EXPECT_TRUE(is_live(auth, tokens[1]));
  EXPECT_TRUE(is_live(auth, tokens[2]));
  EXPECT_TRUE(is_live(auth, elsewhere));
}

std::optional<std::chrono::seconds> throttled(const std::variant<Logon, Denial>& outcome) {
  const auto* denial = std::get_if<Denial>(&outcome);
  if (!denial || denial->status != boost::beast::http::status::too_many_requests) {
    return std::nullopt;
  }
  EXPECT_TRUE(denial->retry_after);
  return denial->retry_after.value_or(0s);
}

// alice and bob, and 3 failed logons a minute.
std::unique_ptr<Authenticator> strict_authenticator(ManualClock& clock) {
  LogonLimits limits;
  limits.failures_allowed = 3;
  limits.failure_window = 60s;
  return std::make_unique<Authenticator>(alice_and_bob(), clock.function(), false, limits);
}

TEST(AuthTest, FailedLogonsAreLimitedPerAddressUntilTheWindowHasPassed) {
  ManualClock clock;
  const auto strict = strict_authenticator(clock);
  Authenticator& auth = *strict;
  for (int i = 0; i < 3; ++i) {
    auto wrong = auth.logon(basic_authorization("mallory", "guess"), "10.0.0.66");
    ASSERT_EQ(std::get<Denial>(wrong).status, boost::beast::http::status::unauthorized);
    clock.advance(10s);
  }
  // Even the right password is refused from there now, without being checked.
  auto blocked = auth.logon(basic_authorization("alice", "wonderland"), "10.0.0.66");
  ASSERT_TRUE(throttled(blocked));
  EXPECT_EQ(*throttled(blocked), 30s);
  EXPECT_NE(std::get<Denial>(blocked).message.find("too many failed logons"), std::string::npos);
  // Another address is not held back by it.
  EXPECT_TRUE(std::holds_alternative<Logon>(
      auth.logon(basic_authorization("alice", "wonderland"), "10.0.0.1")));

  clock.advance(30s);
  EXPECT_TRUE(std::holds_alternative<Logon>(
      auth.logon(basic_authorization("alice", "wonderland"), "10.0.0.66")));
}

TEST(AuthTest, FailedLogonsAreLimitedPerUserFromAnyAddress) {
  ManualClock clock;
  const auto strict = strict_authenticator(clock);
  Authenticator& auth = *strict;
  for (std::string_view address : {"10.0.0.1", "10.0.0.2", "10.0.0.3"}) {
    EXPECT_FALSE(throttled(auth.logon(basic_authorization("alice", "guess"), address)));
  }
  EXPECT_TRUE(throttled(auth.logon(basic_authorization("alice", "wonderland"), "10.0.0.4")));
  EXPECT_TRUE(
      std::holds_alternative<Logon>(auth.logon(basic_authorization("bob", "builder"), "10.0.0.1")));
  clock.advance(60s);
  EXPECT_TRUE(std::holds_alternative<Logon>(
      auth.logon(basic_authorization("alice", "wonderland"), "10.0.0.4")));
}

// --- Logon over HTTP ------------------------------------------------------------------------

struct LoggedOn {
  std::string token;
  std::string session_id;
};

LoggedOn log_on(HttpClient& client, std::string_view user, std::string_view password) {
  HttpReply reply = client.post("/api/sessionMngr/?v=latest",
                                {{"Authorization", basic_authorization(user, password)}});
  EXPECT_EQ(reply.status, 201u) << reply.error << reply.body;
  pugi::xml_document doc;
  doc.load_string(reply.body.c_str());
  return {reply.header("X-RestSvcSessionId"),
          doc.child("LogonSession").child("SessionId").text().as_string()};
}

TEST(AuthServerTest, LogonAnswersLikeEm) {
  TestServer server;
  HttpClient client(server.port());
  HttpReply reply = client.post("/api/sessionMngr/?v=v1_6",
                                {{"Authorization", basic_authorization("TECH\\sheila", "pw")}});
  ASSERT_EQ(reply.status, 201u) << reply.error << reply.body;
  const std::string token = reply.header("X-RestSvcSessionId");
  EXPECT_EQ(reply.header("Set-Cookie"), "X-RestSvcSessionId=" + token + "; Path=/api;");
  EXPECT_EQ(reply.header("Content-Type"), "application/xml; charset=utf-8");

  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(reply.body.c_str())) << reply.body;
  const pugi::xml_node session = doc.child("LogonSession");
  ASSERT_TRUE(session) << reply.body;
  EXPECT_STREQ(session.attribute("xmlns").value(), "http://www.veeam.com/ent/v1.0");
  EXPECT_STREQ(session.attribute("Type").value(), "LogonSession");
  const std::string id = session.child("SessionId").text().as_string();
  EXPECT_TRUE(std::regex_match(id, kGuid)) << id;
  EXPECT_EQ(token, base64_encode(id));
  const std::string origin = "http://127.0.0.1:" + std::to_string(server.port());
  EXPECT_EQ(session.attribute("Href").value(), origin + "/api/logonSessions/" + id);
  EXPECT_EQ(reply.header("Location"), origin + "/api/logonSessions/" + id);
  EXPECT_STREQ(session.child("UserName").text().as_string(), "TECH\\sheila");

  std::vector<std::string> links;
  for (pugi::xml_node link : session.child("Links").children("Link")) {
    links.push_back(std::string(link.attribute("Rel").value()) + " " +
                    link.attribute("Type").value() + " " + link.attribute("Href").value());
  }
  const std::vector<std::string> expected = {
      "Up EnterpriseManager " + origin + "/api/",
      "Down BackupServerReferenceList " + origin + "/api/backupServers",
      "Down JobReferenceList " + origin + "/api/jobs",
      "Down BackupJobSessionReferenceList " + origin + "/api/backupSessions",
      "Down RestoreSessionReferenceList " + origin + "/api/restoreSessions",
      "Down ReplicaJobSessionReferenceList " + origin + "/api/replicaSessions",
      "Down BackupTaskSessionReferenceList " + origin + "/api/backupTaskSessions",
      "Down ReplicaTaskSessionReferenceList " + origin + "/api/replicaTaskSessions",
      "Down QueryService " + origin + "/api/querySvc",
      "Down BackupServerList " + origin + "/api/backupServers?format=Entity",
      "Down JobList " + origin + "/api/jobs?format=Entity",
      "Down BackupJobSessionList " + origin + "/api/backupSessions?format=Entity",
      "Down RestoreSessionList " + origin + "/api/restoreSessions?format=Entity",
      "Down ReplicaJobSessionList " + origin + "/api/replicaSessions?format=Entity",
      "Down BackupTaskSessionList " + origin + "/api/backupTaskSessions?format=Entity",
      "Down ReplicaTaskSessionList " + origin + "/api/replicaTaskSessions?format=Entity",
      "Delete  " + origin + "/api/logonSessions/" + id,
  };
  EXPECT_EQ(links, expected);

  // Logon without a version, as some clients do.
  EXPECT_EQ(
      client.post("/api/sessionMngr/", {{"Authorization", basic_authorization("x", "y")}}).status,
      201u);
}

TEST(AuthServerTest, OpenModeServesWithoutToken) {
  TestServer server;
  HttpClient client(server.port());
  EXPECT_EQ(client.get("/api/backupSessions").status, 200u);
  EXPECT_EQ(client.get("/api/backupSessions", {{"X-RestSvcSessionId", "bogus"}}).status, 200u);
  // Logon still needs Basic credentials, as on EM.
  HttpReply refused = client.post("/api/sessionMngr/?v=latest");
  EXPECT_EQ(refused.status, 401u);
  EXPECT_EQ(refused.header("WWW-Authenticate"), "Basic Realm=RestSvc");
}

TEST(AuthServerTest, EnforcingModeNeedsLiveToken) {
  api::ServerOptions options;
  options.users = alice_and_bob();
  TestServer server(options);
  HttpClient client(server.port());

  HttpReply bad = client.post("/api/sessionMngr/?v=latest",
                              {{"Authorization", basic_authorization("alice", "wrong")}});
  EXPECT_EQ(bad.status, 401u);
  EXPECT_EQ(bad.header("WWW-Authenticate"), "Basic Realm=RestSvc");
  EXPECT_NE(bad.body.find("<Error "), std::string::npos);
  EXPECT_FALSE(bad.has_header("X-RestSvcSessionId"));

  EXPECT_EQ(client.get("/api/").status, 200u);  // the entry point is public
  HttpReply no_token = client.get("/api/backupSessions");
  EXPECT_EQ(no_token.status, 401u);
  EXPECT_NE(no_token.body.find(R"(StatusCode="401")"), std::string::npos);
  EXPECT_EQ(client.get("/api/backupSessions", {{"X-RestSvcSessionId", "bogus"}}).status, 401u);

  const LoggedOn alice = log_on(client, "alice", "wonderland");
  EXPECT_EQ(client.get("/api/backupSessions", {{"X-RestSvcSessionId", alice.token}}).status, 200u);
  EXPECT_EQ(
      client.get("/api/backupSessions", {{"Cookie", "a=b; X-RestSvcSessionId=" + alice.token}})
          .status,
      200u);
  // The cookie wins over the header, as on EM.
  EXPECT_EQ(client
                .get("/api/backupSessions",
                     {{"Cookie", "X-RestSvcSessionId=bogus"}, {"X-RestSvcSessionId", alice.token}})
                .status,
            401u);
  EXPECT_EQ(client
                .get("/api/backupSessions", {{"Cookie", "X-RestSvcSessionId=" + alice.token},
                                             {"X-RestSvcSessionId", "bogus"}})
                .status,
            200u);

  // Logon sessions: alice sees hers, not bob's.
  const LoggedOn bob = log_on(client, "bob", "builder");
  HttpReply list = client.get("/api/logonSessions", {{"X-RestSvcSessionId", alice.token}});
  ASSERT_EQ(list.status, 200u);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(list.body.c_str()));
  const auto sessions = doc.child("LogonSessions").children("LogonSession");
  ASSERT_EQ(std::distance(sessions.begin(), sessions.end()), 1);
  EXPECT_EQ(sessions.begin()->child("SessionId").text().as_string(), alice.session_id);
  EXPECT_EQ(
      client.get("/api/logonSessions/" + alice.session_id, {{"X-RestSvcSessionId", alice.token}})
          .status,
      200u);
  EXPECT_EQ(
      client.get("/api/logonSessions/" + bob.session_id, {{"X-RestSvcSessionId", alice.token}})
          .status,
      404u);
  EXPECT_EQ(
      client.del("/api/logonSessions/" + bob.session_id, {{"X-RestSvcSessionId", alice.token}})
          .status,
      404u);

  // Logoff, then the token is dead.
  HttpReply logoff =
      client.del("/api/logonSessions/" + alice.session_id, {{"X-RestSvcSessionId", alice.token}});
  EXPECT_EQ(logoff.status, 204u) << logoff.body;
  EXPECT_TRUE(logoff.body.empty());
  EXPECT_FALSE(logoff.has_header("Content-Length"));
  EXPECT_EQ(client.get("/api/backupSessions", {{"X-RestSvcSessionId", alice.token}}).status, 401u);
  EXPECT_EQ(client.get("/api/backupSessions", {{"X-RestSvcSessionId", bob.token}}).status, 200u);
}

TEST(AuthServerTest, TooManyFailedLogonsGet429WithRetryAfterAndAreLogged) {
  api::ServerOptions options;
  options.users = alice_and_bob();
  options.logon_limits.failures_allowed = 2;
  std::mutex log_mutex;
  std::string log;
  options.access_log = [&](std::string_view lines) {
    std::lock_guard lock(log_mutex);
    log += lines;
  };
  {
    TestServer server(options);
    HttpClient client(server.port());
    const HttpClient::Headers wrong = {{"Authorization", basic_authorization("alice", "guess")}};
    EXPECT_EQ(client.post("/api/sessionMngr/?v=latest", wrong).status, 401u);
    EXPECT_EQ(client.post("/api/sessionMngr/?v=latest", wrong).status, 401u);
    HttpReply refused = client.post("/api/sessionMngr/?v=latest", wrong);
    EXPECT_EQ(refused.status, 429u) << refused.body;
    EXPECT_EQ(refused.header("Retry-After"), "300");
    EXPECT_NE(refused.body.find(R"(StatusCode="429")"), std::string::npos) << refused.body;
  }
  std::lock_guard lock(log_mutex);
  EXPECT_NE(log.find(" POST /api/sessionMngr/?v=latest 429 "), std::string::npos) << log;
}

// PBKDF2 runs on a pool of its own: while wrong passwords keep it busy, a client that is not
// logging on is answered as quickly as ever, even by a single server thread.
TEST(AuthServerTest, PasswordGuessingDoesNotSlowOtherClients) {
  api::ServerOptions options;
  options.users = alice_and_bob();
  options.threads = 1;
  options.logon_limits.failures_allowed = 1000000;
  TestServer server(options);
  HttpClient reader(server.port());
  const LoggedOn alice = log_on(reader, "alice", "wonderland");

  std::atomic<bool> stop{false};
  std::atomic<int> logons_answered{0};
  std::atomic<int> bad_answers{0};
  std::vector<std::thread> guessers;
  for (int i = 0; i < 8; ++i) {
    guessers.emplace_back([&] {
      HttpClient guesser(server.port(), std::nullopt, 30s);
      while (!stop) {
        HttpReply reply = guesser.post("/api/sessionMngr/?v=latest",
                                       {{"Authorization", basic_authorization("bob", "guess")}});
        // 401, or 503 with Retry-After when the hashing queue is full.
        if (reply.status != 401 && !(reply.status == 503 && reply.has_header("Retry-After"))) {
          ++bad_answers;
        }
        ++logons_answered;
      }
    });
  }
  // Wait for the guessing to be under way, then count what the reader gets meanwhile.
  while (logons_answered < 8) std::this_thread::sleep_for(1ms);
  const int logons_before = logons_answered;
  int reads = 0;
  while (logons_answered < logons_before + 8) {
    HttpReply reply = reader.get("/api/jobs", {{"X-RestSvcSessionId", alice.token}});
    ASSERT_EQ(reply.status, 200u) << reply.error;
    ++reads;
  }
  stop = true;
  for (std::thread& guesser : guessers) guesser.join();
  EXPECT_EQ(bad_answers, 0);
  // Hashing on the server thread, each read waited behind the logons queued before it: about
  // one read per eight logons. Off it, reads run at their own pace, far ahead.
  EXPECT_GE(reads, 20) << "reads answered while 8 logons were";
}

TEST(AuthServerTest, TokenExpiresAfterFifteenIdleMinutes) {
  ManualClock clock;
  api::ServerOptions options;
  options.users = alice_and_bob();
  options.clock = clock.function();
  TestServer server(options);
  HttpClient client(server.port());
  const LoggedOn alice = log_on(client, "alice", "wonderland");
  const HttpClient::Headers with_token = {{"X-RestSvcSessionId", alice.token}};

  clock.advance(10min);
  EXPECT_EQ(client.get("/api/jobs", with_token).status, 200u);
  clock.advance(10min);  // 20 minutes since logon, 10 since the last request
  EXPECT_EQ(client.get("/api/jobs", with_token).status, 200u);
  clock.advance(15min);
  HttpReply expired = client.get("/api/jobs", with_token);
  EXPECT_EQ(expired.status, 401u);
  EXPECT_NE(expired.body.find("expired"), std::string::npos) << expired.body;
}

TEST(AuthServerTest, TokenRequiredModeLogsOnAnyoneAndThenHoldsThemToEmsRules) {
  ManualClock clock;
  api::ServerOptions options;
  options.require_token = true;
  options.clock = clock.function();
  TestServer server(options);
  HttpClient client(server.port());

  EXPECT_EQ(client.get("/api/").status, 200u);  // the entry point is public
  HttpReply no_token = client.get("/api/jobs");
  EXPECT_EQ(no_token.status, 401u);
  EXPECT_NE(no_token.body.find("log on"), std::string::npos) << no_token.body;
  EXPECT_EQ(client.get("/api/jobs", {{"X-RestSvcSessionId", "bogus"}}).status, 401u);

  const LoggedOn carol = log_on(client, "carol", "any password at all");
  const HttpClient::Headers with_token = {{"X-RestSvcSessionId", carol.token}};
  EXPECT_EQ(client.get("/api/jobs", with_token).status, 200u);
  // Callers see only their own logon sessions, as with a users file.
  const LoggedOn dave = log_on(client, "dave", "x");
  EXPECT_EQ(client.get("/api/logonSessions/" + dave.session_id, with_token).status, 404u);

  clock.advance(14min);
  EXPECT_EQ(client.get("/api/jobs", with_token).status, 200u);
  clock.advance(15min);
  HttpReply expired = client.get("/api/jobs", with_token);
  EXPECT_EQ(expired.status, 401u);
  EXPECT_NE(expired.body.find("expired"), std::string::npos) << expired.body;
}

TEST(AuthServerTest, TokenRequiredModeListensOnLoopbackOnly) {
  api::ServerOptions options;
  options.require_token = true;
  options.host = "0.0.0.0";
  options.port = 0;
  api::Server server(options, TestServer::stub_resources);
  auto bound = server.start();
  ASSERT_FALSE(bound);
  EXPECT_NE(bound.error().message.find("not a loopback address"), std::string::npos)
      << bound.error().message;
}

}  // namespace
}  // namespace emarchive::api
