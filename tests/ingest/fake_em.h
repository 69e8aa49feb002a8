#pragma once
// A hand-written, scriptable stand-in for Enterprise Manager, for tests of ingest/.
//
// It deliberately shares no code with emarchive's own server (api/): the ingester is tested
// against something independent of what it is meant to interoperate with. An HTTP/1.1 server on
// 127.0.0.1 at an ephemeral port, plain or TLS, keeping connections alive; every request is
// recorded and answered by a handler the test writes, which can also make the server misbehave
// (drop the connection, never answer).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/tls_certificate.h"

namespace emarchive::testing {

struct FakeRequest {
  std::string method;  // "GET"
  std::string target;  // as received: path and query
  std::vector<std::pair<std::string, std::string>> headers;
  // The first header with this name (case-insensitive); "" if absent.
  std::string header(std::string_view name) const;
};

struct FakeResponse {
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  enum class Fault {
    None,
    Reset,  // close the connection (with a TCP reset) without answering
    Stall,  // never answer, until the server stops
  };
  Fault fault = Fault::None;

  // `status` with `body` as Content-Type application/xml.
  static FakeResponse xml(unsigned status, std::string body);
  static FakeResponse with_fault(Fault fault);
};

class FakeEm {
 public:
  // Called on the server's thread, one request at a time. Must not throw.
  using Handler = std::function<FakeResponse(const FakeRequest&)>;

  // Starts at once (throwing std::runtime_error if it cannot listen, which fails the test); TLS
  // with these files when given.
  explicit FakeEm(Handler handler, std::optional<TlsFiles> tls = {});
  // Stops, closing every connection, stalled ones included.
  ~FakeEm();
  FakeEm(const FakeEm&) = delete;
  FakeEm& operator=(const FakeEm&) = delete;

  std::uint16_t port() const;
  // "http://127.0.0.1:PORT", or https with TLS.
  std::string base_url() const;
  // Every request received, in order.
  std::vector<FakeRequest> requests() const;
  // How many TCP connections have been accepted so far.
  int connections() const;
  // Blocks until `n` requests have been received or `timeout` passed; false on timeout.
  bool wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace emarchive::testing
