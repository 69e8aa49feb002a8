#pragma once
// emarchive's HTTP server: listens, runs an io_context per I/O thread and pools for slow work,
// serves the EM API through a Router, and drains gracefully on stop. Plain HTTP, or HTTPS on
// every connection when given a certificate (as EM's port 9398).
//
//   emarchive::api::ServerOptions options;            // defaults below
//   options.port = 0;                                 // ephemeral
//   emarchive::api::Server server(options, handler);  // handler: the archive's resources
//   auto bound = server.start();                      // error: "cannot listen on HOST:PORT: ..."
//   if (!bound) ...;
//   ...                                               // wait for whatever ends serving
//   server.stop();                                    // (or let the destructor stop it)
//
// Robustness (docs/API.md, "Errors"): a header limit, a body limit and a read
// timeout per request, a cap on connections, one request at a time per connection (pipelined
// requests wait in the buffer), and a 4xx Error document for a malformed request where a
// response can still be written, after which that connection closes.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/auth.h"
#include "api/http_metrics.h"
#include "api/resource_handler.h"
#include "api/router.h"
#include "api/users_file.h"
#include "model/expected.h"

namespace emarchive::api {

struct ServerOptions {
  // Host name or IP address to listen on; a name is resolved and the first address used.
  std::string host = "127.0.0.1";
  // 0 = an ephemeral port; start() reports the one bound.
  std::uint16_t port = 9399;
  // Threads serving connections, each with an io_context of its own (one more thread accepts
  // them); 0 = std::thread::hardware_concurrency().
  unsigned threads = 0;
  // "" = Hrefs carry the scheme the server speaks and the request's Host header; otherwise
  // this URL's scheme://host[:port] (for a server behind a proxy). Checked by start().
  std::string public_url;
  // Host header values a request may carry: "name" (any port) or "name:port", matched without
  // regard to letter case; a request with another Host gets 400. Empty: any well-formed Host.
  // Outside loopback, either this or public_url is required (start() refuses otherwise): Hrefs
  // are built from the Host header, and one request with a forged Host could poison a shared
  // cache's copy of a page for everyone.
  std::vector<std::string> allowed_hosts;
  // Users allowed to log on. Without it any credentials log on and tokens are optional (see
  // require_token), which start() allows only on a loopback address.
  std::optional<UsersFile> users;
  // Without users: any credentials still log on, but every request but the entry point and logon
  // needs a live token, as with users (`emarchive simulate`: a fake EM that holds its clients to
  // EM's rules). Loopback only, as open mode. Ignored when users are given.
  bool require_token = false;
  // Added before each answer a connection writes once it has routed a request (`emarchive
  // simulate --latency`, to test clients against a slow EM). Waited on a timer of the connection,
  // so that other requests are served meanwhile; 0 = none.
  std::chrono::milliseconds response_delay{0};
  // PEM certificate chain and private key; both or neither. With them every connection is
  // HTTPS (TLS 1.2 or newer).
  std::filesystem::path tls_certificate_file;
  std::filesystem::path tls_private_key_file;
  // Request line plus header fields; beyond it: 431 and close.
  std::uint32_t header_limit = 8 * 1024;
  // Request body; beyond it: 413 and close. EM clients only POST empty logon bodies.
  std::uint64_t body_limit = 64 * 1024;
  // For each whole request to arrive once a read starts (also the keep-alive idle limit), and for
  // each response or TLS handshake to be written. On expiry the connection is closed.
  std::chrono::milliseconds read_timeout{std::chrono::seconds(30)};
  // Connections being served at once. Beyond it a connection gets its request answered with
  // 503 Error and is closed; beyond twice it, it is closed unanswered.
  std::size_t max_connections = 1024;
  // Connections served at once for one client address; beyond it, 503 as above. When all
  // max_connections are taken, the connection idle the longest is closed for a new one.
  std::size_t max_connections_per_address = 64;
  // The keep-alive idle limit (instead of read_timeout) once 3/4 of max_connections are taken.
  std::chrono::milliseconds busy_idle_timeout{std::chrono::seconds(5)};
  // How long stop() waits for in-flight requests before dropping what is left.
  std::chrono::milliseconds drain_timeout{std::chrono::seconds(10)};
  // One line per request, "TIME REMOTE METHOD TARGET STATUS BYTES DURATIONms" (TIME in UTC,
  // RFC 3339 with milliseconds: 2026-12-02T14:20:53.123Z), with "-" for the
  // method and target of a request too malformed to have them. Empty = no log. Lines are
  // buffered and handed over in blocks of one or more, in request order, each line ending in
  // '\n': a block whenever 32 KB have gathered, else at most 200 ms after its first line, and
  // the rest at stop(). Calls are serialised by the server, so the sink need not be
  // thread-safe; it runs on a server thread and should be quick. Exceptions it throws are
  // swallowed (and the block lost). An exception escaping to the thread pool (a bug, or
  // std::bad_alloc) is logged here too, as "TIME - - - 500 0 0.0ms internal error: ...", and costs
  // only its connection.
  std::function<void(std::string_view)> access_log;
  // Sessions per user and address, failed logons per address and user (429 beyond them).
  LogonLimits logon_limits;
  // Threads that check passwords (PBKDF2, slow by design), apart from the threads above so that
  // logons never hold up other requests; and how many logons may wait for them. A logon beyond
  // that gets 503 with Retry-After.
  unsigned hash_threads = 2;
  std::size_t hash_queue = 32;
  // Threads that build dashboard pages and /metrics, which read across the archive (the first
  // page over a million sessions took 4 s), apart from the threads above so that they never
  // hold up the API; and how many such requests may wait for them. One beyond that gets 503
  // with Retry-After. One thread: the dashboard serialises its pages anyway.
  unsigned page_threads = 1;
  std::size_t page_queue = 16;
  // Threads that answer the query service (/api/query), whose pages read as much of the archive
  // as their filter matches (tens of milliseconds at a million sessions for a filter no index
  // serves), apart from the threads above: a connection stays on one of those, and a slow page
  // there held up every other connection of its thread. 0 = as many as `threads`. A query
  // beyond query_queue waiting gets 503 with Retry-After.
  unsigned query_threads = 0;
  std::size_t query_queue = 256;
  // Build the dashboard's overview and /metrics once as the server starts, on the page thread:
  // the first of each reads every task session of the archive (about a second per million),
  // which the first visitor would otherwise wait for.
  bool warm_pages = false;
  // GET /metrics (api/router.h, MetricsRoute): the text to serve, and whether to serve it alone
  // (a separate metrics address); empty render = no /metrics.
  MetricsRoute metrics;
  // Counts every request answered (api/http_metrics.h); nullptr = not counted. Must outlive the
  // server.
  HttpMetrics* http_metrics = nullptr;
  // The clock logon sessions expire by; tests substitute one they move forward.
  SteadyClock clock = [] { return std::chrono::steady_clock::now(); };
};

struct Endpoint {
  std::string address;  // "127.0.0.1", "::1"
  std::uint16_t port = 0;
};

// The threads serving connections that `options` asks for: ServerOptions::threads, or one per
// core.
unsigned io_thread_count(const ServerOptions& options);

// start() and stop() may be called from any thread but a server thread (stop() from a handler
// would wait for itself), concurrently too. A Server is started at most once. It handles no
// signals: the program decides what stops it (app/ stops it on SIGINT or SIGTERM).
class Server {
 public:
  // `resources` answers every authenticated GET under /api/ that is not logon or the entry
  // point; `pages`, when given, every GET outside /api/ (the dashboard; api/router.h says how
  // browsers log on). Both are called on server threads, concurrently (see resource_handler.h).
  Server(ServerOptions options, ResourceHandler resources, ResourceHandler pages = {});
  ~Server();  // stop()s
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Checks the options, binds, listens and starts the threads. Errors, all complete messages:
  // "cannot listen on HOST:PORT: <reason>" (resolve or bind failure, or a non-loopback address
  // without users), "cannot load TLS ...", "invalid public URL ...", "already started".
  Expected<Endpoint> start();

  // Graceful drain: stop accepting, close idle keep-alive connections, let requests already
  // received be answered (with Connection: close), then stop the threads. Waits at most
  // options.drain_timeout for connections to finish, then drops the rest. Idempotent: a call
  // while another drains returns when that one is done. Returns at once if never started.
  void stop();

  // Connections currently open (served or being refused); for tests and diagnostics.
  std::size_t open_connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace emarchive::api
