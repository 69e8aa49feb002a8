#include "ingest/http_client.h"

#include <atomic>
#include <fstream>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "tests/support/fake_em.h"
#include "tests/support/test_data.h"
#include "tests/support/tls_certificate.h"

namespace emarchive::ingest {
namespace {

using namespace std::chrono_literals;
using boost::beast::http::verb;
using std::chrono::milliseconds;
using testing::FakeEm;
using testing::FakeRequest;
using testing::FakeResponse;

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

FakeResponse ok_with_target(const FakeRequest& request) {
  return FakeResponse::xml(200, "<Ok Target=\"" + request.target + "\" />");
}

// A client with tiny timeouts and backoff whose sleeps and log lines are recorded, not slept.
struct TestClient {
  std::vector<milliseconds> sleeps;
  std::vector<std::string> log;
  std::unique_ptr<HttpClient> client;

  explicit TestClient(const std::string& base_url,
                      std::function<void(HttpClientOptions&)> adjust = {}) {
    HttpClientOptions options;
    options.base_url = base_url;
    options.connect_timeout = 2s;
    options.request_timeout = 2s;
    options.max_attempts = 4;
    options.backoff_initial = 100ms;
    options.backoff_max = 10s;
    options.jitter_seed = 7;
    options.sleep = [this](milliseconds delay) { sleeps.push_back(delay); };
    options.log = [this](std::string_view line) { log.emplace_back(line); };
    if (adjust) adjust(options);
    auto created = HttpClient::create(std::move(options));
    if (!created) throw std::runtime_error(created.error().message);
    client = std::move(*created);
  }

  Expected<HttpResponse> get(std::string_view target) { return client->request(verb::get, target); }
};

TEST(HttpClientTest, NormalisesTheBaseUrl) {
  const std::pair<std::string, std::string> cases[] = {
      {"https://em.example:9398", "https://em.example:9398"},
      {"https://EM.Example:9398/api/", "https://em.example:9398"},
      {"http://10.0.0.5:9399/api", "http://10.0.0.5:9399"},
      {"HTTP://10.0.0.5:9399/", "http://10.0.0.5:9399"},
      {"https://em.example", "https://em.example:443"},
      {"http://em.example", "http://em.example:80"},
      {"http://[::1]:9399", "http://[::1]:9399"},
  };
  for (const auto& [url, origin] : cases) {
    HttpClientOptions options;
    options.base_url = url;
    options.insecure = true;  // no dependency on the system's CA store
    auto client = HttpClient::create(options);
    ASSERT_TRUE(client) << url << ": " << client.error().message;
    EXPECT_EQ((*client)->origin(), origin) << url;
  }
}

TEST(HttpClientTest, RejectsBaseUrlsThatAreNotAnEmAddress) {
  const std::pair<std::string, std::string> cases[] = {
      {"em.example:9398", "the scheme must be http or https"},
      {"ftp://em.example:9398", "the scheme must be http or https, not 'ftp'"},
      {"https://em.example:9398/other/", "the path must be empty or /api, not '/other/'"},
      {"https://admin:pw@em.example:9398", "credentials do not belong in the URL"},
      {"https://em.example:9398/api/?x=1", "a query or fragment is not allowed"},
      {"https://:9398", "no host"},
      {"not a url", "not an absolute URL"},
  };
  for (const auto& [url, why] : cases) {
    HttpClientOptions options;
    options.base_url = url;
    auto client = HttpClient::create(options);
    ASSERT_FALSE(client) << url;
    EXPECT_TRUE(contains(client.error().message, "invalid EM URL '" + url + "': " + why))
        << client.error().message;
  }
}

TEST(HttpClientTest, KeepsOneConnectionAliveAndSendsItsHeaders) {
  FakeEm em(ok_with_target);
  TestClient test(em.base_url() + "/api/");
  for (std::string target : {"/api/", "/api/backupSessions", "/api/jobs"}) {
    auto response = test.client->request(verb::get, target, {{"X-Test", "yes"}});
    ASSERT_TRUE(response) << response.error().message;
    EXPECT_EQ(response->status, 200u);
    EXPECT_EQ(response->reason, "OK");
    EXPECT_EQ(response->body, "<Ok Target=\"" + target + "\" />");
    EXPECT_EQ(response->header("content-type"), "application/xml; charset=utf-8");
  }
  EXPECT_EQ(em.connections(), 1);
  const auto requests = em.requests();
  ASSERT_EQ(requests.size(), 3u);
  const FakeRequest& request = requests[1];
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.target, "/api/backupSessions");
  EXPECT_EQ(request.header("Host"), "127.0.0.1:" + std::to_string(em.port()));
  EXPECT_EQ(request.header("Accept"), "application/xml");
  EXPECT_TRUE(request.header("User-Agent").starts_with("emarchive/"))
      << request.header("User-Agent");
  EXPECT_EQ(request.header("X-Test"), "yes");
  EXPECT_TRUE(test.sleeps.empty());
}

TEST(HttpClientTest, SendsAbsoluteUrlsToTheBaseUrlsServer) {
  FakeEm em(ok_with_target);
  TestClient test(em.base_url());
  auto response =
      test.get("https://em.example:9398/api/query?type=BackupJobSession&pageSize=100&page=2");
  ASSERT_TRUE(response) << response.error().message;
  ASSERT_EQ(em.requests().size(), 1u);
  EXPECT_EQ(em.requests()[0].target, "/api/query?type=BackupJobSession&pageSize=100&page=2");
  EXPECT_EQ(test.client->url("https://em.example:9398/api/jobs"), em.base_url() + "/api/jobs");

  auto bad = test.get("backupSessions");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message,
            "GET cannot request 'backupSessions': not a path or an http(s) URL");
}

TEST(HttpClientTest, Retries5xxWithGrowingJitteredBackoff) {
  std::atomic<int> calls{0};
  FakeEm em([&](const FakeRequest& request) {
    if (++calls <= 3) return FakeResponse::xml(503, "<Error />");
    return ok_with_target(request);
  });
  TestClient test(em.base_url(), [](HttpClientOptions& options) { options.max_attempts = 6; });
  auto response = test.get("/api/jobs");
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 200u);
  EXPECT_EQ(em.requests().size(), 4u);
  ASSERT_EQ(test.sleeps.size(), 3u);
  for (std::size_t k = 0; k < test.sleeps.size(); ++k) {
    EXPECT_GE(test.sleeps[k], 5ms) << k;
    EXPECT_LE(test.sleeps[k], 100ms * (1 << k)) << k;
  }
  ASSERT_EQ(test.log.size(), 3u);
  const std::string url = em.base_url() + "/api/jobs";
  EXPECT_TRUE(
      test.log[0].starts_with("GET " + url + ": 503 Service Unavailable; attempt 2 of 6 in "))
      << test.log[0];
  EXPECT_TRUE(
      test.log[2].starts_with("GET " + url + ": 503 Service Unavailable; attempt 4 of 6 in "))
      << test.log[2];
}

TEST(HttpClientTest, BackoffIsFullJitterUnderADoublingCap) {
  std::mt19937_64 random(1);
  for (int retry = 0; retry < 8; ++retry) {
    const milliseconds cap = std::min(milliseconds(100 << retry), milliseconds(3000));
    milliseconds low = cap, high{0};
    for (int i = 0; i < 1000; ++i) {
      const milliseconds delay = backoff_delay(retry, 100ms, 3000ms, random);
      ASSERT_GE(delay, 5ms);
      ASSERT_LE(delay, cap);
      low = std::min(low, delay);
      high = std::max(high, delay);
    }
    // Spread over the whole range, not clustered at the cap.
    EXPECT_LT(low, cap / 4) << retry;
    EXPECT_GT(high, cap * 3 / 4) << retry;
  }
  // A huge retry count neither overflows nor exceeds the maximum.
  EXPECT_LE(backoff_delay(200, 500ms, 30s, random), 30s);
  EXPECT_EQ(backoff_delay(3, 0ms, 30s, random), 0ms);
}

TEST(HttpClientTest, GivesUpAfterMaxAttemptsOf5xx) {
  FakeEm em([](const FakeRequest&) { return FakeResponse::xml(503, "<Error />"); });
  TestClient test(em.base_url());
  auto response = test.get("/api/jobs");
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().message,
            "GET " + em.base_url() + "/api/jobs: 503 Service Unavailable (4 attempts)");
  EXPECT_EQ(em.requests().size(), 4u);
  EXPECT_EQ(test.sleeps.size(), 3u);
}

TEST(HttpClientTest, Returns4xxWithoutRetrying) {
  FakeEm em([](const FakeRequest&) { return FakeResponse::xml(404, "<Error />"); });
  TestClient test(em.base_url());
  auto response = test.get("/api/jobs/x");
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 404u);
  EXPECT_EQ(response->reason, "Not Found");
  EXPECT_EQ(em.requests().size(), 1u);
}

TEST(HttpClientTest, RetriesAConnectionResetOnANewConnection) {
  std::atomic<int> calls{0};
  FakeEm em([&](const FakeRequest& request) {
    if (++calls == 1) return FakeResponse::with_fault(FakeResponse::Fault::Reset);
    return ok_with_target(request);
  });
  TestClient test(em.base_url());
  auto response = test.get("/api/jobs");
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 200u);
  EXPECT_EQ(em.connections(), 2);
  // The first connection had served nothing yet: a real attempt, so a backoff.
  ASSERT_EQ(test.sleeps.size(), 1u);
  ASSERT_EQ(test.log.size(), 1u);
  EXPECT_TRUE(contains(test.log[0], "connection closed without a response; attempt 2 of 4"))
      << test.log[0];
}

TEST(HttpClientTest, ResendsAtOnceWhenAKeptAliveConnectionWasClosed) {
  std::atomic<int> calls{0};
  FakeEm em([&](const FakeRequest& request) {
    if (++calls == 2) return FakeResponse::with_fault(FakeResponse::Fault::Reset);
    return ok_with_target(request);
  });
  TestClient test(em.base_url());
  ASSERT_TRUE(test.get("/api/"));
  auto response = test.get("/api/jobs");
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->body, "<Ok Target=\"/api/jobs\" />");
  EXPECT_EQ(em.requests().size(), 3u);
  EXPECT_EQ(em.connections(), 2);
  EXPECT_TRUE(test.sleeps.empty());
  EXPECT_TRUE(test.log.empty());
}

TEST(HttpClientTest, AStalledServerTimesOutOnEveryAttempt) {
  FakeEm em(
      [](const FakeRequest&) { return FakeResponse::with_fault(FakeResponse::Fault::Stall); });
  TestClient test(em.base_url(), [](HttpClientOptions& options) {
    options.request_timeout = 50ms;
    options.max_attempts = 2;
  });
  auto response = test.get("/api/jobs");
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().message,
            "GET " + em.base_url() + "/api/jobs: timed out after 50 ms (2 attempts)");
  EXPECT_EQ(em.requests().size(), 2u);
}

TEST(HttpClientTest, ReportsARefusedConnection) {
  std::uint16_t port = 0;
  {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor closed(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    port = closed.local_endpoint().port();
  }
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  TestClient test(base, [](HttpClientOptions& options) { options.max_attempts = 2; });
  auto response = test.get("/api/");
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().message, "GET " + base + "/api/: connection refused (2 attempts)");
  EXPECT_EQ(test.sleeps.size(), 1u);
}

// --- TLS -----------------------------------------------------------------------------------

class HttpClientTlsTest : public ::testing::Test {
 protected:
  testing::TempDir dir;
  const testing::CertificatePem pem =
      testing::make_self_signed("localhost", {"DNS:localhost", "IP:127.0.0.1"});
  const testing::TlsFiles files = testing::write_tls_files(pem, dir);
  FakeEm em{ok_with_target, files};
};

TEST_F(HttpClientTlsTest, AcceptsTheServerSignedByTheCaFile) {
  TestClient test(em.base_url(), [&](HttpClientOptions& options) {
    options.ca_file = files.certificate.string();
  });
  ASSERT_TRUE(em.base_url().starts_with("https://"));
  auto response = test.get("/api/");
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 200u);
  ASSERT_TRUE(test.get("/api/jobs"));
  EXPECT_EQ(em.connections(), 1);
}

TEST_F(HttpClientTlsTest, RefusesAnUnknownCertificateWithoutRetrying) {
  // Trusts the system store only, which does not hold the test's self-signed certificate.
  TestClient test(em.base_url());
  auto response = test.get("/api/");
  ASSERT_FALSE(response);
  const std::string& message = response.error().message;
  EXPECT_TRUE(message.starts_with(em.base_url() + ": TLS certificate verification failed: "))
      << message;
  EXPECT_TRUE(contains(message, "(certificate subject 'CN=localhost', issuer 'CN=localhost')"))
      << message;
  EXPECT_TRUE(contains(message, "--ca-file FILE")) << message;
  EXPECT_TRUE(contains(message, "--insecure")) << message;
  EXPECT_TRUE(test.sleeps.empty());
  EXPECT_TRUE(em.requests().empty());
}

TEST_F(HttpClientTlsTest, InsecureSkipsVerification) {
  TestClient test(em.base_url(), [](HttpClientOptions& options) { options.insecure = true; });
  auto response = test.get("/api/");
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 200u);
}

TEST_F(HttpClientTlsTest, RefusesAnotherCaFilesSigner) {
  const testing::TlsFiles other =
      testing::write_tls_files(testing::make_self_signed("other", {"DNS:localhost"}), dir, "other");
  TestClient test(em.base_url(), [&](HttpClientOptions& options) {
    options.ca_file = other.certificate.string();
  });
  auto response = test.get("/api/");
  ASSERT_FALSE(response);
  EXPECT_TRUE(contains(response.error().message, "TLS certificate verification failed"))
      << response.error().message;
}

TEST(HttpClientTlsHostTest, RefusesACertificateForAnotherHost) {
  testing::TempDir dir;
  const testing::TlsFiles files =
      testing::write_tls_files(testing::make_self_signed("localhost", {"DNS:localhost"}), dir);
  FakeEm em(ok_with_target, files);
  // The certificate names localhost but no IP address: an IP literal must match an IP SAN.
  TestClient by_ip(em.base_url(), [&](HttpClientOptions& options) {
    options.ca_file = files.certificate.string();
  });
  auto refused = by_ip.get("/api/");
  ASSERT_FALSE(refused);
  EXPECT_TRUE(contains(refused.error().message,
                       "TLS certificate verification failed: it is not "
                       "valid for host '127.0.0.1' (certificate subject "
                       "'CN=localhost'"))
      << refused.error().message;

  TestClient by_name(
      "https://localhost:" + std::to_string(em.port()),
      [&](HttpClientOptions& options) { options.ca_file = files.certificate.string(); });
  auto accepted = by_name.get("/api/");
  ASSERT_TRUE(accepted) << accepted.error().message;
  EXPECT_EQ(accepted->status, 200u);
}

TEST(HttpClientTlsHostTest, ReportsAnUnusableCaFile) {
  testing::TempDir dir;
  const std::string missing = (dir / "missing.pem").string();
  const std::string garbage = (dir / "garbage.pem").string();
  std::ofstream(garbage) << "not a certificate\n";
  for (const auto& [file, why] :
       {std::pair{missing, std::string("No such file or directory")},
        std::pair{garbage, std::string("not a file of PEM certificates")}}) {
    HttpClientOptions options;
    options.base_url = "https://em.example:9398";
    options.ca_file = file;
    auto client = HttpClient::create(options);
    ASSERT_FALSE(client) << file;
    EXPECT_TRUE(client.error().message.starts_with("cannot load CA file " + file + ": " + why))
        << client.error().message;
  }
}

}  // namespace
}  // namespace emarchive::ingest
