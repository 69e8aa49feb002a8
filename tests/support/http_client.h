#pragma once
// A small blocking HTTP/1.1 client for tests of the server: one connection, kept alive between
// requests and reopened when the server closed it; plain or TLS (verifying the server against a
// given CA certificate); every operation bounded by a timeout so that a broken server fails a
// test instead of hanging it. Not thread-safe: one client per thread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace emarchive::testing {

struct HttpReply {
  unsigned status = 0;  // 0: no response; `error` says why
  std::string error;
  std::vector<std::pair<std::string, std::string>> headers;  // in the order received
  std::string body;

  // The first header with this name (case-insensitive), or "" when there is none.
  std::string header(std::string_view name) const;
  bool has_header(std::string_view name) const;
};

struct TlsClientOptions {
  std::string ca_certificate_pem;         // the only CA trusted
  std::string server_name = "localhost";  // SNI and the name the certificate must carry
};

class HttpClient {
 public:
  using Headers = std::vector<std::pair<std::string, std::string>>;

  explicit HttpClient(std::uint16_t port, std::optional<TlsClientOptions> tls = std::nullopt,
                      std::chrono::milliseconds timeout = std::chrono::seconds(5));
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Writes `raw` verbatim (connecting first if needed) and reads one response.
  HttpReply send_raw(std::string_view raw);

  // A well-formed request with Host: 127.0.0.1:<port> plus `headers`.
  HttpReply request(std::string_view method, std::string_view target, const Headers& headers = {},
                    std::string_view body = {});
  HttpReply get(std::string_view target, const Headers& headers = {}) {
    return request("GET", target, headers);
  }
  HttpReply post(std::string_view target, const Headers& headers = {}, std::string_view body = {}) {
    return request("POST", target, headers, body);
  }
  HttpReply del(std::string_view target, const Headers& headers = {}) {
    return request("DELETE", target, headers);
  }

  // Opens the connection now (without sending anything); "" on success, else the error.
  std::string connect();
  // Whether the server has closed the connection: waits up to the timeout for end of stream.
  // Consumes any bytes that arrive meanwhile.
  bool wait_closed_by_server();
  void close();
  // How many connections this client has opened so far (keep-alive tests).
  int connections_opened() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "Basic " + base64(user:password), for the Authorization header.
std::string basic_authorization(std::string_view user, std::string_view password);

}  // namespace emarchive::testing
