#pragma once
// Test fixtures for api/: a server running on 127.0.0.1 at an ephemeral port for the length of a
// scope, and a clock the test moves by hand.

#include <atomic>
#include <chrono>
#include <cstdint>

#include "api/resource_handler.h"
#include "api/server.h"

namespace emarchive::testing {

// Starts on construction (throwing std::runtime_error with the server's message if it cannot,
// which fails the calling test), stops on destruction. Forces host 127.0.0.1 and port 0, and
// defaults to two threads.
class TestServer {
 public:
  // `pages`, when given, answers every path outside /api/ (api::Server).
  explicit TestServer(api::ServerOptions options = {},
                      api::ResourceHandler resources = stub_resources,
                      api::ResourceHandler pages = {});
  ~TestServer() { server_.stop(); }
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  std::uint16_t port() const { return port_; }
  api::Server& server() { return server_; }

  // Answers every request with 200 and <Stub Path="..." />.
  static api::ApiResponse stub_resources(const api::ApiRequest& request);

 private:
  api::Server server_;
  std::uint16_t port_ = 0;
};

// A steady clock that only moves when told; copies of function() all read the same time.
class ManualClock {
 public:
  api::SteadyClock function() {
    return [this] {
      return std::chrono::steady_clock::time_point(
          std::chrono::steady_clock::duration(ticks_.load()));
    };
  }
  void advance(std::chrono::steady_clock::duration by) { ticks_ += by.count(); }

 private:
  // Starts far from zero so that "now - last use" never underflows in the code under test.
  std::atomic<std::chrono::steady_clock::rep> ticks_{
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::hours(24 * 365))
          .count()};
};

}  // namespace emarchive::testing
