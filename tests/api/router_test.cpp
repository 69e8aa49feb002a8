#include "api/router.h"

#include <stdexcept>

#include <gtest/gtest.h>

#include "tests/support/http_client.h"
#include "tests/support/test_server.h"

namespace emarchive::api {
namespace {

namespace http = boost::beast::http;

http::request<http::string_body> make_request(http::verb method, std::string_view target,
                                              std::string_view host = "archive.example:9399") {
  http::request<http::string_body> request{method, target, 11};
  if (!host.empty()) request.set(http::field::host, host);
  return request;
}

class RouterTest : public ::testing::Test {
 protected:
  http::response<http::string_body> route(const http::request<http::string_body>& request,
                                          bool tls = false) {
    return router_.route(request, ConnectionInfo{tls, "127.0.0.1:9399"});
  }

  testing::ManualClock clock_;
  Authenticator auth_{std::nullopt, clock_.function()};
  std::vector<ApiRequest> seen_;
  std::string public_url_;
  Router router_{auth_,
                 [this](const ApiRequest& request) {
                   seen_.push_back(request);
                   if (request.path == "/api/throw") throw std::runtime_error("boom");
                   return testing::TestServer::stub_resources(request);
                 },
                 ""};
};

TEST_F(RouterTest, HandsDecodedRequestToResourceHandler) {
  auto response = route(
      make_request(http::verb::get,
                   "/api/query?type=BackupJobSession&filter=Name%3D%3D%22Daily+Backup%22&page"));
  EXPECT_EQ(response.result(), http::status::ok);
  ASSERT_EQ(seen_.size(), 1u);
  const ApiRequest& request = seen_[0];
  EXPECT_EQ(request.target,
            "/api/query?type=BackupJobSession&filter=Name%3D%3D%22Daily+Backup%22&page");
  EXPECT_EQ(request.path, "/api/query");
  using Query = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(
      request.query,
      (Query{{"type", "BackupJobSession"}, {"filter", "Name==\"Daily Backup\""}, {"page", ""}}));
  EXPECT_EQ(request.origin, "http://archive.example:9399");
  EXPECT_FALSE(request.wants_json);
}

// curl and shell scripts send a filter as typed, as EM's documentation writes it, and EM takes it.
TEST_F(RouterTest, TakesAFilterTypedWithoutPercentEncoding) {
  const std::string target =
      "/api/"
      "query?type=BackupJobSession&filter=CreationTime>=\"2026-01-01\";Result<Failed|x==`{a}`^\\";
  auto response = route(make_request(http::verb::get, target));
  EXPECT_EQ(response.result(), http::status::ok) << response.body();
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_EQ(seen_[0].target, target);
  using Query = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(seen_[0].query,
            (Query{{"type", "BackupJobSession"},
                   {"filter", "CreationTime>=\"2026-01-01\";Result<Failed|x==`{a}`^\\"}}));
}

TEST_F(RouterTest, OriginFollowsSchemeHostAndPublicUrl) {
  route(make_request(http::verb::get, "/api/jobs", "[::1]:8443"), /*tls=*/true);
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_EQ(seen_[0].origin, "https://[::1]:8443");

  // HTTP/1.0 may omit Host: the address the connection came in on stands in.
  auto old = make_request(http::verb::get, "/api/jobs", "");
  old.version(10);
  EXPECT_EQ(route(old).result(), http::status::ok);
  EXPECT_EQ(seen_.back().origin, "http://127.0.0.1:9399");

  std::string origin;
  Router behind_proxy(
      auth_,
      [&origin](const ApiRequest& request) {
        origin = request.origin;
        return ApiResponse{};
      },
      "https://archive.example.com");
  behind_proxy.route(make_request(http::verb::get, "/api/jobs", "10.0.0.1:9399"),
                     ConnectionInfo{false, "10.0.0.1:9399"});
  EXPECT_EQ(origin, "https://archive.example.com");
}

TEST_F(RouterTest, RejectsMalformedRequests) {
  struct Case {
    http::request<http::string_body> request;
    http::status expected;
  };
  auto no_host = make_request(http::verb::get, "/api/", "");
  auto two_hosts = make_request(http::verb::get, "/api/");
  two_hosts.insert(http::field::host, "other");
  std::vector<Case> cases;
  cases.push_back({make_request(http::verb::get, "/api/jobs%zz"), http::status::bad_request});
  cases.push_back({make_request(http::verb::get, "/api/jobs?x=%4"), http::status::bad_request});
  cases.push_back({make_request(http::verb::get, "/api/jobs%00"), http::status::bad_request});
  cases.push_back({make_request(http::verb::get, "/api/", "user@host"), http::status::bad_request});
  cases.push_back({make_request(http::verb::get, "/api/", "a b"), http::status::bad_request});
  cases.push_back({std::move(no_host), http::status::bad_request});
  cases.push_back({std::move(two_hosts), http::status::bad_request});
  cases.push_back({make_request(http::verb::get, "/index.html"), http::status::not_found});
  cases.push_back({make_request(http::verb::get, "/apix"), http::status::not_found});
  for (const Case& c : cases) {
    auto response = route(c.request);
    EXPECT_EQ(response.result(), c.expected) << c.request.target();
    EXPECT_NE(response.body().find("<Error xmlns=\"http://www.veeam.com/ent/v1.0\" Message=\""),
              std::string::npos)
        << response.body();
    EXPECT_NE(response.body().find("StatusCode=\"" + std::to_string(response.result_int()) + "\""),
              std::string::npos);
  }
  EXPECT_TRUE(seen_.empty());
}

TEST_F(RouterTest, MethodNotAllowedNamesTheAllowedOnes) {
  struct Case {
    http::verb method;
    std::string_view target;
    std::string_view allow;
  };
  const Case cases[] = {
      {http::verb::post, "/api/", "GET, HEAD"},
      {http::verb::get, "/api/sessionMngr/?v=latest", "POST"},
      {http::verb::put, "/api/logonSessions", "GET, HEAD"},
      {http::verb::post, "/api/logonSessions/0d5e8bc4-50a8-4f3c-a5b8-4c7e3b3ab8e1",
       "GET, HEAD, DELETE"},
      {http::verb::delete_, "/api/backupSessions", "GET, HEAD"},
  };
  for (const Case& c : cases) {
    auto response = route(make_request(c.method, c.target));
    EXPECT_EQ(response.result(), http::status::method_not_allowed) << c.target;
    EXPECT_EQ(response[http::field::allow], c.allow) << c.target;
  }
  // A method Beast does not know is still a request, and still not allowed.
  http::request<http::string_body> odd{http::verb::get, "/api/", 11};
  odd.method_string("BREW");
  odd.set(http::field::host, "h");
  EXPECT_EQ(route(odd).result(), http::status::method_not_allowed);
  EXPECT_TRUE(seen_.empty());
}

TEST_F(RouterTest, AnswersJsonWhenAcceptPrefersIt) {
  auto request = make_request(http::verb::get, "/api/");
  request.set(http::field::accept, "application/json");
  auto response = route(request);
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(response[http::field::content_type], "application/json; charset=utf-8");
  EXPECT_TRUE(response.body().starts_with(R"({"SupportedVersions":[{"Name":"v1_5")"))
      << response.body();
  // Errors too, in EM's Error JSON.
  auto missing = make_request(http::verb::get, "/elsewhere");
  missing.set(http::field::accept, "application/json;q=0.9, application/xml;q=0.5");
  response = route(missing);
  EXPECT_EQ(response.result(), http::status::not_found);
  EXPECT_EQ(response[http::field::content_type], "application/json; charset=utf-8");
  EXPECT_TRUE(response.body().starts_with(R"({"FirstChanceExceptionMessage":null,"Message":)"))
      << response.body();
  request.set(http::field::accept, "application/xml");
  response = route(request);
  EXPECT_EQ(response[http::field::content_type], "application/xml; charset=utf-8");
  EXPECT_TRUE(response.body().starts_with("<?xml")) << response.body();
}

// The query service goes to threads of its own (api/server.h, query_threads), whatever the
// letter case of its path, and also as of an instant; nothing else does.
TEST_F(RouterTest, TheQueryServiceIsWorkForItsOwnThreads) {
  const auto work = [this](std::string_view target) {
    return router_.work_of(make_request(http::verb::get, target));
  };
  for (std::string_view target :
       {"/api/query?type=Job", "/API/Query?type=BackupTaskSession&filter=Result==Failed",
        "/api/query", "/api/query/", "/api/query/?type=Job",
        "/asof/2024-06-01T00:00:00Z/api/query?type=BackupJobSession"}) {
    EXPECT_EQ(work(target), Router::Work::query) << target;
  }
  for (std::string_view target :
       {"/api/", "/api/jobs", "/api/queryx?type=Job", "/api/query/x", "/api/backupSessions",
        "/asof/2024-06-01T00:00:00Z/api/jobs"}) {
    EXPECT_EQ(work(target), Router::Work::quick) << target;
  }
}

TEST_F(RouterTest, HandlerExceptionBecomes500) {
  auto response = route(make_request(http::verb::get, "/api/throw"));
  EXPECT_EQ(response.result(), http::status::internal_server_error);
  EXPECT_NE(response.body().find("boom"), std::string::npos);
}

TEST(RouterPublicUrlTest, Normalizes) {
  EXPECT_EQ(*normalize_public_url("https://archive.example.com:9398/"),
            "https://archive.example.com:9398");
  EXPECT_EQ(*normalize_public_url("http://10.0.0.5"), "http://10.0.0.5");
  for (std::string_view bad : {"archive.example.com", "ftp://x", "http://", "http://u:p@x",
                               "http://x/api", "http://x/?a=b", "not a url"}) {
    auto result = normalize_public_url(bad);
    ASSERT_FALSE(result) << bad;
    EXPECT_NE(result.error().message.find(bad), std::string::npos) << result.error().message;
  }
}

TEST(RouterAcceptTest, PrefersJsonOnlyWhenAskedFirst) {
  struct Case {
    std::string_view accept;
    bool json;
  };
  const Case cases[] = {
      {"", false},
      {"*/*", false},
      {"application/xml", false},
      {"application/json", true},
      {"Application/JSON; charset=utf-8", true},
      {"application/json, */*", true},
      {"application/json, application/xml", true},
      {"application/xml, application/json", false},
      {"application/json;q=0.5, application/xml", false},
      {"application/xml;q=0.5, application/json", true},
      {"application/json;q=0.5, */*", false},
      {"application/json;q=0", false},
      {"text/html, application/json;q=0.9, */*;q=0.8", true},
  };
  for (const Case& c : cases) EXPECT_EQ(prefers_json(c.accept), c.json) << c.accept;
}

}  // namespace
}  // namespace emarchive::api
