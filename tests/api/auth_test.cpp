#include "api/auth.h"

#include <regex>

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

  for (std::string_view bad : {"", "Bearer abc", "Basic !!!", "Basic bm9jb2xvbg=="}) {
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
