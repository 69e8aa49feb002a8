#include "api/server.h"

#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

#include "tests/support/http_client.h"
#include "tests/support/test_data.h"
#include "tests/support/test_server.h"
#include "tests/support/tls_certificate.h"

namespace emarchive::api {
namespace {

using namespace std::chrono_literals;
using testing::HttpClient;
using testing::HttpReply;
using testing::TestServer;

bool is_error_document(const HttpReply& reply) {
  return reply.body.find(R"(<Error xmlns="http://www.veeam.com/ent/v1.0" Message=")") !=
             std::string::npos &&
         reply.body.find("StatusCode=\"" + std::to_string(reply.status) + "\"") !=
             std::string::npos;
}

// Holds the requests of a handler that calls pass() until the test opens it. Declare it before
// the server and the futures of the requests, and its opened_at_end() after them: whatever way
// the test ends, the gate opens before they wait for the held requests.
class Gate {
 public:
  // In the handler: counts the request in, then waits until the gate is open.
  void pass() {
    std::unique_lock lock(mutex_);
    ++arrived_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return open_; });
  }
  // Whether `count` requests have arrived within `limit`.
  bool arrived(int count, std::chrono::seconds limit = 10s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return arrived_ >= count; });
  }
  void open() {
    {
      std::lock_guard lock(mutex_);
      open_ = true;
    }
    changed_.notify_all();
  }
  std::shared_ptr<void> opened_at_end() {
    return std::shared_ptr<void>(nullptr, [this](void*) { open(); });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int arrived_ = 0;
  bool open_ = false;
};

// With the only thread of a pool held at `gate` by a first request for `target` and a queue of
// one behind it, two more are sent: one waits in the queue, the other is answered at once with
// 503, Retry-After and an Error document. `while_held` runs then; the gate opens, and the two
// let in are answered 200.
void expect_one_held_one_queued_one_refused(TestServer& server, Gate& gate,
                                            const std::string& target,
                                            const std::function<void()>& while_held = {}) {
  const auto fetch = [&server, &target] {
    HttpClient client(server.port(), std::nullopt, 20s);
    return client.get(target);
  };
  std::future<HttpReply> running, second, third;
  const auto open_at_end = gate.opened_at_end();
  running = std::async(std::launch::async, fetch);
  ASSERT_TRUE(gate.arrived(1));
  second = std::async(std::launch::async, fetch);
  third = std::async(std::launch::async, fetch);
  std::future<HttpReply>* refused = nullptr;
  for (int waited = 0; !refused && waited < 1000; ++waited) {
    if (second.wait_for(0s) == std::future_status::ready) refused = &second;
    if (third.wait_for(0s) == std::future_status::ready) refused = &third;
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_NE(refused, nullptr) << "no request for " << target << " was refused";
  const HttpReply refusal = refused->get();
  EXPECT_EQ(refusal.status, 503u) << refusal.error;
  EXPECT_EQ(refusal.header("Retry-After"), "1");
  EXPECT_TRUE(is_error_document(refusal)) << refusal.body;
  if (while_held) while_held();

  gate.open();
  EXPECT_EQ(running.get().status, 200u);
  EXPECT_EQ((refused == &second ? third : second).get().status, 200u);
}

// Polls `condition` for up to `limit`: for effects the server makes after answering.
template <class F>
bool eventually(F condition, std::chrono::milliseconds limit = 1s) {
  for (auto waited = 0ms; waited < limit; waited += 10ms) {
    if (condition()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return condition();
}

TEST(ServerTest, MalformedRequestGets400AndOthersAreStillServed) {
  TestServer server;
  HttpClient bad(server.port());
  HttpReply reply = bad.send_raw("GARBAGE\r\n\r\n");
  EXPECT_EQ(reply.status, 400u) << reply.error;
  EXPECT_TRUE(is_error_document(reply)) << reply.body;
  EXPECT_EQ(reply.header("Connection"), "close");
  EXPECT_TRUE(bad.wait_closed_by_server());

  HttpClient good(server.port());
  EXPECT_EQ(good.get("/api/").status, 200u);
}

TEST(ServerTest, OversizedHeaderGets431) {
  TestServer server;
  HttpClient client(server.port());
  HttpReply reply = client.get("/api/", {{"X-Padding", std::string(10000, 'a')}});
  EXPECT_EQ(reply.status, 431u) << reply.error;
  EXPECT_TRUE(is_error_document(reply)) << reply.body;
}

TEST(ServerTest, OversizedBodyGets413) {
  TestServer server;
  HttpClient client(server.port());
  HttpReply reply = client.post("/api/sessionMngr/?v=latest",
                                {{"Authorization", testing::basic_authorization("a", "b")}},
                                std::string(100000, 'x'));
  EXPECT_EQ(reply.status, 413u) << reply.error;
  EXPECT_TRUE(is_error_document(reply)) << reply.body;
}

// RFC 9112 6.1: a request whose last transfer coding is not chunked has no knowable length (400),
// and one with a coding the server does not implement gets 501; either way the connection closes,
// so that no bytes after the header can be taken for a second request behind a proxy.
TEST(ServerTest, TransferEncodingOtherThanChunkedIsRefused) {
  TestServer server;
  const auto logon_with = [&](std::string_view coding) {
    HttpClient client(server.port());
    HttpReply reply = client.send_raw(
        "POST /api/sessionMngr/?v=latest HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Authorization: " +
        testing::basic_authorization("a", "b") + "\r\nTransfer-Encoding: " + std::string(coding) +
        "\r\n\r\n0\r\n\r\n");
    EXPECT_TRUE(is_error_document(reply)) << coding << ": " << reply.body;
    EXPECT_EQ(reply.header("Connection"), "close") << coding;
    return reply.status;
  };
  EXPECT_EQ(logon_with("gzip"), 400u);
  EXPECT_EQ(logon_with("chunked, gzip"), 400u);
  EXPECT_EQ(logon_with("gzip, chunked"), 501u);
  EXPECT_EQ(logon_with("identity"), 400u);
  // chunked alone, in any letter case, is HTTP/1.1 and still served.
  HttpClient chunked(server.port());
  EXPECT_EQ(chunked
                .send_raw("POST /api/sessionMngr/?v=latest HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "Authorization: " +
                          testing::basic_authorization("a", "b") +
                          "\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n")
                .status,
            201u);
}

TEST(ServerTest, UnknownPathGets404ErrorDocument) {
  TestServer server;
  HttpClient client(server.port());
  HttpReply reply = client.get("/favicon.ico");
  EXPECT_EQ(reply.status, 404u) << reply.error;
  EXPECT_TRUE(is_error_document(reply)) << reply.body;
  EXPECT_EQ(reply.header("Content-Type"), "application/xml; charset=utf-8");
}

TEST(ServerTest, UnsupportedMethodGets405) {
  TestServer server;
  HttpClient client(server.port());
  HttpReply reply = client.request("PUT", "/api/", {}, "x");
  EXPECT_EQ(reply.status, 405u) << reply.error;
  EXPECT_EQ(reply.header("Allow"), "GET, HEAD");
  EXPECT_TRUE(is_error_document(reply)) << reply.body;
}

TEST(ServerTest, KeepAliveAndPipelining) {
  TestServer server;
  HttpClient client(server.port());
  EXPECT_EQ(client.get("/api/").status, 200u);
  EXPECT_EQ(client.get("/api/jobs").body, R"(<Stub Path="/api/jobs" />)");
  // Two requests in one write: answered in order on the same connection.
  const std::string host = "Host: 127.0.0.1\r\n";
  HttpReply first = client.send_raw("GET /api/a HTTP/1.1\r\n" + host +
                                    "\r\nGET /api/b HTTP/1.1\r\n" + host + "\r\n");
  HttpReply second = client.send_raw("");
  EXPECT_EQ(first.body, R"(<Stub Path="/api/a" />)");
  EXPECT_EQ(second.body, R"(<Stub Path="/api/b" />)");
  EXPECT_EQ(client.connections_opened(), 1);
}

// `a` and `b` are served and keep their connections; `c` is refused with 503 and closed.
// `why`: the cap the 503's Error document names.
void expect_two_served_and_a_third_refused(HttpClient& a, HttpClient& b, HttpClient& c,
                                           const std::string& why) {
  ASSERT_EQ(a.get("/api/").status, 200u);
  ASSERT_EQ(b.get("/api/").status, 200u);
  HttpReply refused = c.get("/api/");
  EXPECT_EQ(refused.status, 503u) << refused.error;
  EXPECT_TRUE(is_error_document(refused)) << refused.body;
  EXPECT_NE(refused.body.find("Message=\"" + why + "; retry later\""), std::string::npos)
      << refused.body;
  EXPECT_TRUE(c.wait_closed_by_server());
}

TEST(ServerTest, ConnectionCapAnswers503) {
  ServerOptions options;
  options.max_connections = 2;
  TestServer server(options);
  HttpClient a(server.port()), b(server.port()), c(server.port());
  expect_two_served_and_a_third_refused(a, b, c, "too many connections (2)");

  a.close();
  ASSERT_TRUE(eventually([&] { return server.server().open_connections() <= 1; }));
  HttpClient d(server.port());
  EXPECT_EQ(d.get("/api/").status, 200u);
}

// The bytes the server sends to end of stream for `request`, sent from `source` (a loopback
// address other than 127.0.0.1 is a client at another address); "" when it could not be sent.
std::string exchange_from(const std::string& source, std::uint16_t port,
                          const std::string& request) {
  namespace net = boost::asio;
  net::io_context io;
  net::ip::tcp::socket socket(io);
  boost::system::error_code ec;
  socket.open(net::ip::tcp::v4(), ec);
  if (!ec) socket.bind({net::ip::make_address(source), 0}, ec);
  if (!ec) socket.connect({net::ip::make_address("127.0.0.1"), port}, ec);
  if (!ec) net::write(socket, net::buffer(request), ec);
  std::string reply;
  if (!ec) net::read(socket, net::dynamic_buffer(reply), ec);  // to end of stream
  return reply;
}

// The status of a GET /api/ sent from `source`; 0 when there was no answer.
unsigned get_from(const std::string& source, std::uint16_t port) {
  const std::string reply = exchange_from(
      source, port, "GET /api/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  if (reply.size() < 12) return 0;
  return static_cast<unsigned>(std::stoul(reply.substr(9, 3)));
}

TEST(ServerTest, ConnectionsPerAddressAreCappedAndOtherAddressesStillServed) {
  ServerOptions options;
  options.max_connections_per_address = 2;
  TestServer server(options);
  HttpClient a(server.port()), b(server.port()), c(server.port());
  expect_two_served_and_a_third_refused(a, b, c, "too many connections from 127.0.0.1 (2)");
  EXPECT_EQ(get_from("127.0.0.2", server.port()), 200u);
}

// All slots held by idle keep-alive connections: a new client is served at once, in place of
// the connection idle the longest, and clients that are busy are not disturbed.
TEST(ServerTest, IdleConnectionsGiveWayToNewClientsWhenAllSlotsAreTaken) {
  ServerOptions options;
  options.max_connections = 4;
  options.busy_idle_timeout = 60s;  // this test is about eviction, not the shorter idle limit
  TestServer server(options);
  std::vector<std::unique_ptr<HttpClient>> idle;
  for (int i = 0; i < 4; ++i) {
    idle.push_back(std::make_unique<HttpClient>(server.port()));
    ASSERT_EQ(idle.back()->get("/api/").status, 200u);
  }
  HttpClient newcomer(server.port());
  HttpReply reply = newcomer.get("/api/");
  EXPECT_EQ(reply.status, 200u) << reply.error << reply.body;
  // One of the idle connections was closed to make room.
  EXPECT_TRUE(eventually([&] { return server.server().open_connections() == 4; }));
}

TEST(ServerTest, IdleConnectionsAreClosedSoonerWhenTheServerIsBusy) {
  ServerOptions options;
  options.max_connections = 4;
  options.read_timeout = 60s;
  // Long enough that `c` is still open (the server busy) when `a` asks again.
  options.busy_idle_timeout = 1s;
  TestServer server(options);
  HttpClient a(server.port()), b(server.port()), c(server.port());
  ASSERT_EQ(a.get("/api/").status, 200u);
  ASSERT_EQ(b.get("/api/").status, 200u);
  ASSERT_EQ(c.get("/api/").status, 200u);  // 3 of 4: busy
  // `a` waited for its second request with 60 s to go, and waits for its third with 200 ms.
  ASSERT_EQ(a.get("/api/").status, 200u);
  EXPECT_TRUE(a.wait_closed_by_server());  // within HttpClient's 5 s, far below 60 s
  EXPECT_TRUE(c.wait_closed_by_server());
}

TEST(ServerTest, ReadTimeoutClosesSilentConnections) {
  ServerOptions options;
  options.read_timeout = 200ms;
  TestServer server(options);
  HttpClient silent(server.port());
  ASSERT_EQ(silent.connect(), "");
  EXPECT_TRUE(silent.wait_closed_by_server());
  // Half a request is no better than none.
  HttpClient slow(server.port());
  HttpReply reply = slow.send_raw("GET /api/ HTTP/1.1\r\nHost: x\r\n");
  EXPECT_EQ(reply.status, 0u);
}

// A client that stops reading a long answer is cut off once a write has waited the read timeout,
// and its connection freed; one whose answer is merely delayed longer than that is not.
TEST(ServerTest, AStalledWriteTimesOutButASlowAnswerDoesNot) {
  ServerOptions options;
  options.read_timeout = 300ms;
  options.response_delay = 900ms;  // three read timeouts: no client operation is pending then
  TestServer server(options, [](const ApiRequest& request) {
    if (request.path != "/api/endless") return TestServer::stub_resources(request);
    ApiResponse response;
    response.stream = [](std::string& out) {
      out.assign(64 << 10, 'x');
      return true;
    };
    return response;
  });
  HttpClient delayed(server.port());
  EXPECT_EQ(delayed.get("/api/jobs").body, R"(<Stub Path="/api/jobs" />)");

  namespace net = boost::asio;
  net::io_context io;
  net::ip::tcp::socket reader(io);
  reader.connect({net::ip::make_address("127.0.0.1"), server.port()});
  net::write(reader, net::buffer(std::string("GET /api/endless HTTP/1.1\r\nHost: x\r\n\r\n")));
  std::string status(15, ' ');
  net::read(reader, net::buffer(status));  // the answer has begun
  EXPECT_EQ(status, "HTTP/1.1 200 OK");
  // Then nothing more is read: the socket buffers fill, the write waits, and the deadline closes
  // it (as the read timeout closes `delayed`, idle since its answer).
  EXPECT_TRUE(eventually([&] { return server.server().open_connections() == 0; }, 20s));
}

// The header goes out as HTTP/1.x writes it, in the request's version, and the body after it is
// exactly Content-Length bytes.
TEST(ServerTest, AnswersAreWrittenInTheRequestsHttpVersion) {
  TestServer server;
  for (const std::string version : {"1.0", "1.1"}) {
    const std::string reply = exchange_from(
        "127.0.0.1", server.port(),
        "GET /api/jobs HTTP/" + version + "\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    const std::string body = R"(<Stub Path="/api/jobs" />)";
    EXPECT_TRUE(reply.starts_with("HTTP/" + version + " 200 OK\r\n")) << reply;
    EXPECT_NE(reply.find("\r\nContent-Length: " + std::to_string(body.size()) + "\r\n"),
              std::string::npos)
        << reply;
    EXPECT_TRUE(reply.ends_with("\r\n\r\n" + body)) << reply;
  }
  const std::string missing =
      exchange_from("127.0.0.1", server.port(),
                    "GET /nothing HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(missing.starts_with("HTTP/1.1 404 Not Found\r\n")) << missing;
}

// A dashboard page or /metrics can take seconds (the first over millions of sessions): it runs
// on a thread of its own, so that the API is answered meanwhile even by a server of one I/O
// thread, and pages beyond the line that may wait get 503 with Retry-After at once.
// Each thread runs an io_context of its own, and connections are handed to them in turn: three
// requests on three connections are inside the handler at once, on three threads. Neither a
// thread whose io_context has no connection yet (it once returned at once, leaving every
// connection given to it unanswered) nor one busy with a request (it must not be the one that
// accepts) stops the next connection from being served.
TEST(ServerTest, EveryThreadServesTheConnectionsItIsGiven) {
  constexpr int kThreads = 3;
  std::mutex mutex;
  std::condition_variable changed;
  int inside = 0;
  const ResourceHandler resources = [&](const ApiRequest& request) {
    std::unique_lock lock(mutex);
    ++inside;
    changed.notify_all();
    const bool together = changed.wait_for(lock, 10s, [&] { return inside >= kThreads; });
    ApiResponse response = TestServer::stub_resources(request);
    if (!together) response.status = boost::beast::http::status::internal_server_error;
    return response;
  };
  ServerOptions options;
  options.threads = kThreads;
  TestServer server(options, resources);
  // Started one after another, so that each is accepted before the next.
  std::vector<std::unique_ptr<HttpClient>> clients;
  std::vector<std::future<unsigned>> replies;
  for (int i = 0; i < kThreads; ++i) {
    clients.push_back(std::make_unique<HttpClient>(server.port(), std::nullopt, 20s));
    replies.push_back(std::async(std::launch::async, [client = clients.back().get()] {
      return client->get("/api/jobs").status;
    }));
    std::unique_lock lock(mutex);
    ASSERT_TRUE(changed.wait_for(lock, 10s, [&] { return inside == i + 1; }))
        << "request " << i + 1 << " was not served while " << i << " were in the handler";
  }
  for (auto& reply : replies) EXPECT_EQ(reply.get(), 200u);
}

TEST(ServerTest, SlowPagesNeverHoldUpTheApi) {
  Gate gate;
  const ResourceHandler pages = [&](const ApiRequest&) {
    gate.pass();
    ApiResponse page;
    page.body = "<html></html>";
    page.content_type = "text/html";
    return page;
  };
  ServerOptions options;
  options.threads = 1;
  options.page_threads = 1;
  options.page_queue = 1;
  TestServer server(options, TestServer::stub_resources, pages);
  expect_one_held_one_queued_one_refused(server, gate, "/", [&server] {
    HttpClient api(server.port(), std::nullopt, 5s);
    EXPECT_EQ(api.get("/api/backupSessions").status, 200u);
  });
}

// With warm_pages, the overview page and /metrics are built once as the server starts, on the
// page thread, so that the first visitor does not wait for what they read the first time.
// The query service runs on threads of its own: a connection stays on one I/O thread, and a page
// that reads much of the archive there held up every other connection of that thread (wrk's p99
// beside one client's slow pages went from 6 ms to 93 ms). With one I/O thread, a query that has
// not finished leaves the other connections served.
TEST(ServerTest, ASlowQueryPageNeverHoldsUpTheOtherConnectionsOfItsThread) {
  Gate gate;
  const ResourceHandler resources = [&](const ApiRequest& request) {
    if (request.path == "/api/query") gate.pass();
    return TestServer::stub_resources(request);
  };
  ServerOptions options;
  options.threads = 1;
  TestServer server(options, resources);
  std::future<HttpReply> query = std::async(std::launch::async, [&server] {
    HttpClient client(server.port(), std::nullopt, 20s);
    return client.get("/api/query?type=BackupTaskSession&filter=Result==Failed");
  });
  const auto open_at_end = gate.opened_at_end();
  ASSERT_TRUE(gate.arrived(1));
  HttpClient other(server.port(), std::nullopt, 5s);
  const HttpReply jobs = other.get("/api/jobs");
  EXPECT_EQ(jobs.status, 200u) << jobs.error;
  EXPECT_EQ(jobs.body, R"(<Stub Path="/api/jobs" />)");

  gate.open();
  const HttpReply answered = query.get();
  EXPECT_EQ(answered.status, 200u) << answered.error;
  EXPECT_EQ(answered.body, R"(<Stub Path="/api/query" />)");
}

// A query beyond those the query service's threads and queue hold is answered 503 at once.
TEST(ServerTest, QueriesBeyondTheQueueGet503WithRetryAfter) {
  Gate gate;
  const ResourceHandler resources = [&](const ApiRequest& request) {
    gate.pass();
    return TestServer::stub_resources(request);
  };
  ServerOptions options;
  options.query_threads = 1;
  options.query_queue = 1;
  TestServer server(options, resources);
  expect_one_held_one_queued_one_refused(server, gate, "/api/query?type=Job");
}

TEST(ServerTest, WarmPagesBuildsTheOverviewAndMetricsOnceAtStart) {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::string> pages_built;
  int metrics_rendered = 0;
  ServerOptions options;
  options.warm_pages = true;
  options.metrics.render = [&] {
    std::lock_guard lock(mutex);
    ++metrics_rendered;
    changed.notify_all();
    return std::string("up 1\n");
  };
  const ResourceHandler pages = [&](const ApiRequest& request) {
    std::lock_guard lock(mutex);
    pages_built.push_back(request.path);
    changed.notify_all();
    return ApiResponse{};
  };
  TestServer server(options, TestServer::stub_resources, pages);
  std::unique_lock lock(mutex);
  EXPECT_TRUE(changed.wait_for(lock, 10s, [&] { return metrics_rendered == 1; }));
  EXPECT_EQ(pages_built, std::vector<std::string>{"/"});
}

TEST(ServerTest, StopClosesIdleConnectionsAndFinishesRequestsInFlight) {
  std::promise<void> entered;
  std::promise<void> release;
  auto released = release.get_future().share();
  ServerOptions options;
  options.drain_timeout = 5s;
  TestServer server(options, [&](const ApiRequest& request) {
    if (request.path == "/api/slow") {
      entered.set_value();
      released.wait();
    }
    return TestServer::stub_resources(request);
  });

  HttpClient idle(server.port());
  ASSERT_EQ(idle.get("/api/").status, 200u);
  auto in_flight = std::async(std::launch::async, [port = server.port()] {
    HttpClient client(port);
    return client.get("/api/slow");
  });
  ASSERT_EQ(entered.get_future().wait_for(5s), std::future_status::ready);

  auto stopping = std::async(std::launch::async, [&] { server.server().stop(); });
  EXPECT_TRUE(idle.wait_closed_by_server());
  EXPECT_EQ(stopping.wait_for(50ms), std::future_status::timeout);  // still draining
  release.set_value();

  HttpReply reply = in_flight.get();
  EXPECT_EQ(reply.status, 200u) << reply.error;
  EXPECT_EQ(reply.header("Connection"), "close");
  // Done well before the 10 s drain deadline: stop waited for the request, not the deadline.
  ASSERT_EQ(stopping.wait_for(5s), std::future_status::ready);

  HttpClient late(server.port());
  EXPECT_NE(late.connect(), "");
}

TEST(ServerTest, AccessLogHasOneLinePerRequest) {
  std::mutex mutex;
  std::vector<std::string> lines;
  ServerOptions options;
  options.access_log = [&](std::string_view block) {
    std::lock_guard lock(mutex);
    while (!block.empty()) {
      const auto end = block.find('\n');
      ASSERT_NE(end, std::string_view::npos) << "a block ends with a whole line";
      lines.emplace_back(block.substr(0, end));
      block.remove_prefix(end + 1);
    }
  };
  TestServer server(options);
  {
    HttpClient client(server.port());
    client.get("/api/jobs");
    client.get("/nowhere");
    client.send_raw("NOT HTTP\r\n\r\n");
  }
  server.server().stop();
  ASSERT_EQ(lines.size(), 3u);
  // "2026-12-02T14:20:53.123Z 127.0.0.1:PORT GET ...": the time the request ended, then who.
  EXPECT_EQ(lines[0].find(' '), 24u) << lines[0];
  EXPECT_EQ(lines[0][23], 'Z') << lines[0];
  EXPECT_EQ(lines[0].find(" 127.0.0.1:"), 24u) << lines[0];
  EXPECT_NE(lines[0].find(" GET /api/jobs 200 25 "), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("ms"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find(" GET /nowhere 404 "), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find(" - - 400 "), std::string::npos) << lines[2];
}

// Why a server with `options` will not listen on 0.0.0.0 (every address); fails the test if it
// would.
std::string refusal_to_listen_on_every_address(ServerOptions options) {
  options.host = "0.0.0.0";
  options.port = 0;
  Server server(options, TestServer::stub_resources);
  auto started = server.start();
  if (started) {
    ADD_FAILURE() << "listens on 0.0.0.0";
    return "";
  }
  EXPECT_EQ(started.error().message.rfind("cannot listen on 0.0.0.0:0: not a loopback address", 0),
            0u)
      << started.error().message;
  return started.error().message;
}

TEST(ServerTest, RefusesNonLoopbackAddressWithoutUsers) {
  EXPECT_NE(refusal_to_listen_on_every_address({}).find("--users"), std::string::npos);
}

TEST(ServerTest, RefusesNonLoopbackAddressWithoutPublicUrlOrAllowedHosts) {
  ServerOptions options;
  auto line = make_users_line("alice", "wonderland", kMinPbkdf2Iterations);
  auto users = UsersFile::parse(*line + "\n", "users");
  ASSERT_TRUE(users) << users.error().message;
  options.users = std::move(*users);
  const std::string refusal = refusal_to_listen_on_every_address(options);
  EXPECT_NE(refusal.find("--public-url"), std::string::npos) << refusal;
  EXPECT_NE(refusal.find("--allowed-host"), std::string::npos) << refusal;
}

TEST(ServerTest, AllowedHostsRefuseOtherHostsWith400) {
  ServerOptions options;
  options.allowed_hosts = {"archive.example", "Backup.Example:9443"};
  TestServer server(options);
  HttpClient client(server.port());
  const auto with_host = [&](std::string_view host) {
    return client.send_raw("GET /api/ HTTP/1.1\r\nHost: " + std::string(host) + "\r\n\r\n");
  };
  HttpReply any_port = with_host("ARCHIVE.example:9399");
  EXPECT_EQ(any_port.status, 200u) << any_port.error;
  EXPECT_NE(any_port.body.find(R"(Href="http://ARCHIVE.example:9399/api/)"), std::string::npos)
      << any_port.body;
  EXPECT_EQ(with_host("backup.example:9443").status, 200u);

  for (std::string_view forged : {"evil.example", "backup.example:9399", "archive.example.evil"}) {
    HttpClient other(server.port());
    HttpReply refused =
        other.send_raw("GET /api/ HTTP/1.1\r\nHost: " + std::string(forged) + "\r\n\r\n");
    EXPECT_EQ(refused.status, 400u) << forged;
    EXPECT_TRUE(is_error_document(refused)) << refused.body;
    EXPECT_NE(refused.body.find("not an allowed host"), std::string::npos) << refused.body;
    EXPECT_EQ(refused.body.find(std::string(forged) + "/api"), std::string::npos) << refused.body;
  }
}

TEST(ServerTest, BindFailureNamesTheAddress) {
  TestServer first;
  ServerOptions options;
  options.port = first.port();
  Server second(options, TestServer::stub_resources);
  auto started = second.start();
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().message.rfind(
                "cannot listen on 127.0.0.1:" + std::to_string(first.port()) + ": ", 0),
            0u)
      << started.error().message;
}

TEST(ServerTest, RejectsBadPublicUrl) {
  ServerOptions options;
  options.port = 0;
  options.public_url = "archive.example.com";
  Server server(options, TestServer::stub_resources);
  auto started = server.start();
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().message.find("invalid public URL"), std::string::npos);
}

TEST(ServerTest, StopMayBeCalledFromSeveralThreadsAtOnce) {
  // The program's stop request (app/: a signal) and a scope guard may both stop the server.
  TestServer server;
  HttpClient idle(server.port());
  ASSERT_EQ(idle.get("/api/").status, 200u);
  auto first = std::async(std::launch::async, [&] { server.server().stop(); });
  auto second = std::async(std::launch::async, [&] { server.server().stop(); });
  ASSERT_EQ(first.wait_for(5s), std::future_status::ready);
  ASSERT_EQ(second.wait_for(5s), std::future_status::ready);
  EXPECT_TRUE(idle.wait_closed_by_server());
  HttpClient late(server.port());
  EXPECT_NE(late.connect(), "");  // stopped
}

// --- TLS -----------------------------------------------------------------------------------

// A certificate for localhost, written to files, and the options that serve HTTPS with them.
struct TlsSetup {
  testing::CertificatePem pem = testing::make_self_signed("localhost", {"DNS:localhost"});
  testing::TempDir dir;
  testing::TlsFiles files = testing::write_tls_files(pem, dir);

  ServerOptions options() const {
    ServerOptions options;
    options.tls_certificate_file = files.certificate;
    options.tls_private_key_file = files.private_key;
    return options;
  }
};

TEST(ServerTest, ServesHttpsWithItsCertificate) {
  const TlsSetup tls;
  ServerOptions options = tls.options();
  TestServer server(options);

  HttpClient trusting(server.port(), testing::TlsClientOptions{tls.pem.certificate});
  HttpReply reply = trusting.get("/api/");
  ASSERT_EQ(reply.status, 200u) << reply.error;
  EXPECT_NE(
      reply.body.find("https://127.0.0.1:" + std::to_string(server.port()) + "/api/logonSessions"),
      std::string::npos)
      << reply.body;
  EXPECT_EQ(trusting.get("/api/jobs").status, 200u);
  EXPECT_EQ(trusting.connections_opened(), 1);

  // A client that trusts another certificate refuses the server.
  HttpClient distrusting(
      server.port(), testing::TlsClientOptions{
                         testing::make_self_signed("localhost", {"DNS:localhost"}).certificate});
  EXPECT_NE(distrusting.connect(), "");
  // Plain HTTP on the TLS port gets nothing back.
  HttpClient plain(server.port(), std::nullopt, 1s);
  EXPECT_EQ(plain.get("/api/").status, 0u);
  // And the server still serves.
  HttpClient again(server.port(), testing::TlsClientOptions{tls.pem.certificate});
  EXPECT_EQ(again.get("/api/").status, 200u);
}

// The deadlines hold over TLS: a client that never starts its handshake, and one that sends no
// request after it, are closed after the read timeout; one that never answers the server's
// close_notify is closed after the shutdown's 2 s.
TEST(ServerTest, TlsConnectionsHaveDeadlinesToo) {
  const TlsSetup tls;
  ServerOptions options = tls.options();
  options.read_timeout = 300ms;
  TestServer server(options);

  HttpClient no_handshake(server.port());
  ASSERT_EQ(no_handshake.connect(), "");
  EXPECT_TRUE(no_handshake.wait_closed_by_server());
  HttpClient no_request(server.port(), testing::TlsClientOptions{tls.pem.certificate});
  ASSERT_EQ(no_request.connect(), "");
  EXPECT_TRUE(no_request.wait_closed_by_server());

  // This client asks, then neither reads the answer nor the close_notify after it.
  namespace net = boost::asio;
  net::io_context io;
  net::ssl::context context(net::ssl::context::tls_client);
  net::ssl::stream<net::ip::tcp::socket> silent(io, context);
  silent.next_layer().connect({net::ip::make_address("127.0.0.1"), server.port()});
  silent.handshake(net::ssl::stream_base::client);
  net::write(silent, net::buffer(std::string(
                         "GET /api/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")));
  EXPECT_TRUE(eventually([&] { return server.server().open_connections() == 0; }, 10s));
}

TEST(ServerTest, TlsFilesAreChecked) {
  testing::TempDir dir;
  ServerOptions options;
  options.port = 0;
  options.tls_certificate_file = dir / "missing.pem";
  options.tls_private_key_file = dir / "key.pem";
  Server server(options, TestServer::stub_resources);
  auto started = server.start();
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().message.find("cannot load TLS certificate"), std::string::npos);
  EXPECT_NE(started.error().message.find("missing.pem"), std::string::npos);
}

}  // namespace
}  // namespace emarchive::api
