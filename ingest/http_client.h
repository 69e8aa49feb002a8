#pragma once
// The HTTP transport of `emarchive ingest`: a blocking HTTP/1.1 client for one EM server, over
// plain TCP or TLS, with one keep-alive connection that is reopened when needed.
//
// Every network step (resolve, connect, TLS handshake, write, read) is bounded by a timeout, and
// failures a server recovers from (5xx, timeouts, resets) are retried with exponential backoff
// and full jitter, so that a flaky EM slows a run down instead of failing it. Certificates are
// verified by default (against the system store or a given CA file), host name included.
//
// Not thread-safe: one thread at a time (ingest hands it to the thread that fetches a walk's
// pages and takes it back after). The options' sleep, log and observe are called on that thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>  // before Boost: see api/resource_handler.h
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/beast/http/verb.hpp>

#include "model/expected.h"

namespace emarchive::ingest {

struct HttpClientOptions {
  // "https://em.example:9398", "http://10.0.0.5:9399"; may end in "/", "/api" or "/api/".
  // Normalised to scheme://host:port; a missing port is the scheme's (443, 80).
  std::string base_url;
  std::string ca_file;    // PEM file of trusted CAs; "" = the system store
  bool insecure = false;  // no certificate verification (the caller warns)
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};   // resolve, connect, TLS
  std::chrono::milliseconds request_timeout{std::chrono::seconds(120)};  // write + whole response
  int max_attempts = 6;  // per request, for retryable failures
  // The delay before retry k (k = 0 for the first) is random in [0, min(max, initial * 2^k)],
  // but at least a few milliseconds.
  std::chrono::milliseconds backoff_initial{500}, backoff_max{std::chrono::seconds(30)};
  std::uint64_t jitter_seed = 0;                         // 0 = std::random_device; tests fix it
  std::function<void(std::chrono::milliseconds)> sleep;  // empty = std::this_thread::sleep_for
  // One line per retry ("GET URL: 503 Service Unavailable; attempt 2 of 6 in 1.3 s"); empty =
  // silent.
  std::function<void(std::string_view)> log;
  // Called after each attempt with the method, the status EM answered (0 when no answer came:
  // timeout, reset, refused) and how long the attempt took (ingest/ingest_metrics.h); empty =
  // not observed.
  std::function<void(boost::beast::http::verb, unsigned, std::chrono::duration<double>)> observe;
};

struct HttpResponse {
  unsigned status = 0;
  std::string reason;                                        // "Service Unavailable", as sent
  std::vector<std::pair<std::string, std::string>> headers;  // as received
  std::string body;
  // The first header with this name (case-insensitive); "" if absent.
  std::string header(std::string_view name) const;
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// The response bodies HttpClient accepts; a larger one is an error, not a crash.
inline constexpr std::size_t kMaxResponseBody = 256u * 1024 * 1024;

class HttpClient {
 public:
  // Parses base_url (error: "invalid EM URL 'X': <why>"; only http and https), prepares TLS
  // (error when ca_file cannot be read or holds no PEM certificate: "cannot load CA file F:
  // <reason>"). No network I/O.
  static Expected<std::unique_ptr<HttpClient>> create(HttpClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // `target` is a path and query ("/api/query?type=..."), or an absolute URL whose
  // scheme://host:port is replaced by base_url's (EM writes its own host name in Hrefs, which
  // may not be reachable from here). Sends Host, User-Agent "emarchive/<version>",
  // Accept: application/xml, and `headers`; no body.
  //
  // Retries 5xx responses, timeouts, refused connections and connections closed or reset before
  // a complete response, up to max_attempts in all. A reused keep-alive connection that fails
  // before any response byte is re-sent at once on a new connection without counting as an
  // attempt (the server closed an idle connection). Returns any other response, 4xx included.
  //
  // Errors are one line naming the method and the full URL:
  //   "GET https://h:9398/api/x: 503 Service Unavailable (6 attempts)",
  //   "...: connection refused (6 attempts)", "...: timed out after 120 s (6 attempts)";
  // a certificate that fails verification is not retried: "https://h:9398: TLS certificate
  // verification failed: <reason> (certificate subject '...', issuer '...'); pass the CA
  // certificate that signed it with --ca-file FILE, or --insecure to skip verification";
  // a host name that does not resolve is retried at most twice, and the error names it.
  Expected<HttpResponse> request(boost::beast::http::verb method, std::string_view target,
                                 const HttpHeaders& headers = {});

  // The normalised "scheme://host:port" (default ports written out).
  const std::string& origin() const;
  // The URL request(method, target) would fetch (origin + path), for messages; `target` itself
  // when it is neither a path nor an http(s) URL.
  std::string url(std::string_view target) const;

 private:
  struct Impl;
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The delay before retry `retry` (0 for the first): uniform in [floor, cap] with
// cap = min(max, initial * 2^retry) and floor = min(5 ms, cap). Exposed for its tests.
std::chrono::milliseconds backoff_delay(int retry, std::chrono::milliseconds initial,
                                        std::chrono::milliseconds max, std::mt19937_64& random);

}  // namespace emarchive::ingest
