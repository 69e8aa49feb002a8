#include "ingest/em_client.h"

#include <gtest/gtest.h>

#include "tests/support/fake_em.h"

namespace emarchive::ingest {
namespace {

using namespace std::chrono_literals;
using testing::FakeEm;
using testing::FakeLogon;
using testing::FakeRequest;
using testing::FakeResponse;

FakeResponse ok(const FakeRequest& request) {
  return FakeResponse::xml(200, "<Ok Target=\"" + request.target + "\" />");
}

std::unique_ptr<HttpClient> client_for(const FakeEm& em) {
  HttpClientOptions options;
  options.base_url = em.base_url();
  options.connect_timeout = 2s;
  options.request_timeout = 2s;
  options.max_attempts = 2;
  options.sleep = [](std::chrono::milliseconds) {};
  auto created = HttpClient::create(options);
  if (!created) throw std::runtime_error(created.error().message);
  return std::move(*created);
}

// A FakeEm behind FakeLogon for user alice, and a client for it.
struct LoggedEm {
  explicit LoggedEm(FakeEm::Handler next = ok) : em(logon.wrap(std::move(next))) {}
  FakeLogon logon{"alice", "s3cret"};
  FakeEm em;
  std::unique_ptr<HttpClient> http = client_for(em);
};

TEST(EmClientTest, LogsOnAndSendsTheTokenWithEveryRequest) {
  LoggedEm fake;
  EmClient client(*fake.http, {"alice", "s3cret"});
  EXPECT_FALSE(client.logged_on());
  ASSERT_TRUE(client.logon());
  EXPECT_TRUE(client.logged_on());
  EXPECT_EQ(client.logons(), 1);
  auto response = client.get("/api/backupSessions");
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 200u);

  const auto requests = fake.em.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].target, "/api/sessionMngr/?v=latest");
  EXPECT_EQ(requests[0].header("Authorization"), "Basic YWxpY2U6czNjcmV0");  // alice:s3cret
  EXPECT_EQ(requests[1].header("X-RestSvcSessionId"), fake.logon.token());
  EXPECT_EQ(requests[1].header("Authorization"), "");
}

TEST(EmClientTest, GetLogsOnFirstWhenNotLoggedOn) {
  LoggedEm fake;
  EmClient client(*fake.http, {"alice", "s3cret"});
  auto response = client.get("/api/jobs");
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 200u);
  EXPECT_EQ(client.logons(), 1);
}

TEST(EmClientTest, LogsOnAgainOnceWhenTheTokenExpires) {
  LoggedEm fake;
  EmClient client(*fake.http, {"alice", "s3cret"});
  ASSERT_TRUE(client.get("/api/jobs"));
  const std::string first_token = fake.logon.token();
  fake.logon.expire();
  auto response = client.get("/api/backupSessions");
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 200u);
  EXPECT_EQ(response->body, "<Ok Target=\"/api/backupSessions\" />");
  EXPECT_EQ(client.logons(), 2);
  EXPECT_EQ(fake.logon.logons(), 2);

  const auto requests = fake.em.requests();
  ASSERT_EQ(requests.size(), 5u);  // logon, GET, GET (401), logon, GET again
  EXPECT_EQ(requests[2].header("X-RestSvcSessionId"), first_token);
  EXPECT_EQ(requests[3].method, "POST");
  EXPECT_EQ(requests[4].target, "/api/backupSessions");
  EXPECT_EQ(requests[4].header("X-RestSvcSessionId"), fake.logon.token());
  EXPECT_NE(fake.logon.token(), first_token);
}

TEST(EmClientTest, ASecond401IsAnError) {
  LoggedEm fake([](const FakeRequest&) { return FakeResponse::xml(401, "<Error />"); });
  EmClient client(*fake.http, {"alice", "s3cret"});
  auto response = client.get("/api/jobs");
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().message, "GET " + fake.em.base_url() +
                                          "/api/jobs: 401 Unauthorized even after logging on "
                                          "again as user alice");
  EXPECT_EQ(client.logons(), 2);
}

TEST(EmClientTest, WrongCredentialsAreAClearErrorWithoutThePassword) {
  LoggedEm fake;
  EmClient client(*fake.http, {"alice", "hunter2-wrong"});
  auto status = client.logon();
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message,
            "EM at " + fake.em.base_url() + " refused the credentials of user alice (401)");
  EXPECT_FALSE(client.logged_on());
  EXPECT_EQ(client.logons(), 0);
  // get() tries to log on, and fails the same way.
  auto response = client.get("/api/jobs");
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().message.find("hunter2"), std::string::npos);
}

TEST(EmClientTest, OtherLogonFailuresCarryEmsMessage) {
  FakeEm em([](const FakeRequest&) {
    return FakeResponse::xml(403, R"(<Error xmlns="http://www.veeam.com/ent/v1.0" )"
                                  R"(Message="Access denied" StatusCode="403" />)");
  });
  auto http = client_for(em);
  EmClient client(*http, {"alice", "s3cret"});
  auto status = client.logon();
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message,
            "POST " + em.base_url() + "/api/sessionMngr/?v=latest: 403 Forbidden: Access denied");
}

TEST(EmClientTest, ALogonWithoutATokenIsAnError) {
  FakeEm em([](const FakeRequest&) { return FakeResponse::xml(201, "<LogonSession />"); });
  auto http = client_for(em);
  EmClient client(*http, {"alice", "s3cret"});
  auto status = client.logon();
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message, "POST " + em.base_url() +
                                        "/api/sessionMngr/?v=latest: 201 Created without an "
                                        "X-RestSvcSessionId header");
  EXPECT_FALSE(client.logged_on());
}

TEST(EmClientTest, LogoffDeletesTheLogonSession) {
  LoggedEm fake;
  EmClient client(*fake.http, {"alice", "s3cret"});
  ASSERT_TRUE(client.logon());
  const std::string token = fake.logon.token();
  ASSERT_TRUE(client.logoff());
  EXPECT_FALSE(client.logged_on());
  EXPECT_EQ(fake.logon.logoffs(), 1);
  auto requests = fake.em.requests();
  ASSERT_EQ(requests.size(), 2u);
  // The session's Href names em.example:9398; the request went to the fake all the same.
  EXPECT_EQ(requests[1].method, "DELETE");
  EXPECT_EQ(requests[1].target, fake.logon.session_path());
  EXPECT_EQ(requests[1].header("X-RestSvcSessionId"), token);

  ASSERT_TRUE(client.logoff());  // nothing to do
  EXPECT_EQ(fake.em.requests().size(), 2u);
}

TEST(EmClientTest, LogoffAcceptsAnExpiredSession) {
  LoggedEm fake;
  EmClient client(*fake.http, {"alice", "s3cret"});
  ASSERT_TRUE(client.logon());
  fake.logon.expire();
  auto status = client.logoff();
  EXPECT_TRUE(status) << status.error().message;
  EXPECT_FALSE(client.logged_on());
  EXPECT_EQ(fake.logon.logoffs(), 0);
}

TEST(EmClientTest, LogoffFindsTheDeleteLinkWhenTheSessionHasNoHref) {
  FakeEm em([](const FakeRequest& request) {
    if (request.method == "POST") {
      FakeResponse created = FakeResponse::xml(
          201, R"(<v:LogonSession xmlns:v="http://www.veeam.com/ent/v1.0"><v:Links>)"
               R"(<v:Link Href="https://em.example:9398/api/" Rel="Up" />)"
               R"(<v:Link Href="https://em.example:9398/api/logonSessions/abc" Rel="Delete" />)"
               R"(</v:Links><v:SessionId>abc</v:SessionId></v:LogonSession>)");
      created.headers.emplace_back("X-RestSvcSessionId", "dG9rZW4=");
      return created;
    }
    FakeResponse done;
    done.status = 204;
    return done;
  });
  auto http = client_for(em);
  {
    EmClient client(*http, {"alice", "s3cret"});
    ASSERT_TRUE(client.logon());
    ASSERT_TRUE(client.logoff());
  }
  const auto requests = em.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].method, "DELETE");
  EXPECT_EQ(requests[1].target, "/api/logonSessions/abc");
}

TEST(EmClientTest, TheDestructorLogsOff) {
  LoggedEm fake;
  {
    EmClient client(*fake.http, {"alice", "s3cret"});
    ASSERT_TRUE(client.get("/api/jobs"));
  }
  EXPECT_EQ(fake.logon.logoffs(), 1);
  const auto requests = fake.em.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[2].method, "DELETE");
  EXPECT_EQ(requests[2].target, fake.logon.session_path());
}

}  // namespace
}  // namespace emarchive::ingest
