#pragma once
// A hand-written, scriptable stand-in for Enterprise Manager, for tests of ingest/.
//
// It deliberately shares no code with emarchive's own server (api/): the ingester is tested
// against something independent of what it is meant to interoperate with. An HTTP/1.1 server on
// 127.0.0.1 at an ephemeral port, plain or TLS, keeping connections alive; every request is
// recorded and answered by a handler the test writes, which can also make the server misbehave
// (drop the connection, never answer).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/support/tls_certificate.h"

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

// EM's logon emulation (docs/EM-API.md, section 3) in front of a test's own handler:
//   POST /api/sessionMngr/... with the expected Basic credentials -> 201, a fresh
//     X-RestSvcSessionId token and a LogonSession document; other credentials -> 401;
//   DELETE /api/logonSessions/<id> with the current token -> 204 (logoff);
//   GET /api/ -> passed on without a token, as EM answers it unauthenticated;
//   anything else without the current token -> 401 with an Error document, else passed on.
// Thread-safe: the server's thread answers while the test reads the counts.
class FakeLogon {
 public:
  // `origin` is the scheme://host:port EM writes in its Hrefs: by default not the fake's own
  // address, since a real EM often names itself by a host the client cannot use.
  FakeLogon(std::string user, std::string password, std::string origin = "https://em.example:9398");

  // A handler answering logon, logoff and unauthorized requests itself and passing every other
  // request to `next`. The returned handler refers to this object, which must outlive it.
  FakeEm::Handler wrap(FakeEm::Handler next);

  // The current token stops being accepted (as when EM's 15 idle minutes pass).
  void expire();
  int logons() const { return logons_; }
  int logoffs() const { return logoffs_; }
  // The token of the latest logon; "" before the first.
  std::string token() const;
  // "/api/logonSessions/<id>" of the latest logon.
  std::string session_path() const;

 private:
  std::optional<FakeResponse> answer(const FakeRequest& request);

  const std::string user_, password_, origin_;
  mutable std::mutex mutex_;
  std::string token_;         // the token accepted now; "" when none
  std::string latest_token_;  // of the latest logon, accepted or not
  std::string session_id_;    // of the latest logon
  std::atomic<int> logons_{0}, logoffs_{0};
};

}  // namespace emarchive::testing
