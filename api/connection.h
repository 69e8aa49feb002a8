#pragma once
// Internal to api/: one HTTP connection's life (TLS handshake, read a request, route it, write
// the response, repeat or close). The listener starts them; the registry drains them.

#include <chrono>
#include <cstddef>
#include <cstdint>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "api/access_log.h"
#include "api/bounded_pool.h"
#include "api/connection_registry.h"
#include "api/http_metrics.h"
#include "api/router.h"

namespace emarchive::api {

// What a connection holds its peer to; the server copies them from its ServerOptions (which
// documents each).
struct ConnectionLimits {
  std::uint32_t header_limit = 0;
  std::uint64_t body_limit = 0;
  std::chrono::milliseconds read_timeout{0};
  // Named in the 503 a refused connection gets.
  std::size_t max_connections = 0;
  std::size_t max_connections_per_address = 0;
  // The idle limit between requests once 3/4 of max_connections are taken.
  std::chrono::milliseconds busy_idle_timeout{0};
  // Added before each answer (`simulate --latency`), waited on the connection's timer.
  std::chrono::milliseconds response_delay{0};
};

// What every connection shares; owned by the server and outliving all connections.
struct ConnectionContext {
  ConnectionLimits limits;
  const Router& router;
  ConnectionRegistry& registry;
  AccessLog& log;
  boost::asio::ssl::context* tls;  // nullptr: plain HTTP
  // Where requests that check a password, and those for dashboard pages and /metrics, are
  // routed (Router::work_of), off the I/O threads; when a pool's queue is full they get 503
  // with Retry-After.
  BoundedPool& password_pool;
  BoundedPool& page_pool;
  // Where requests to the query service are routed (ServerOptions::query_threads).
  BoundedPool& query_pool;
  // Counts each request answered; nullptr: not counted.
  HttpMetrics* metrics = nullptr;
};

// The connection cap a new connection met, if any: it is then refused with a 503 that names it.
enum class ConnectionCap { none, server, address };

// Takes over `socket`, whose io_context one thread runs (so that its handlers never run at
// once), and serves it until it closes. Past a `cap`, answers the first request with 503 and
// closes (the connection caps).
void start_connection(boost::asio::ip::tcp::socket socket, ConnectionContext& context,
                      ConnectionCap cap);

}  // namespace emarchive::api
