#pragma once
// Internal to api/: one HTTP connection's life (TLS handshake, read a request, route it, write
// the response, repeat or close) and the registry the server drains them through. server.cpp is
// the only user.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "api/router.h"

namespace emarchive::api {

struct ServerOptions;

// Collects access-log lines and hands them to the sink in blocks, so that a busy server makes one
// write per block rather than one per request (each was a write(2) to unbuffered stderr under a
// lock). Serialises calls to the sink and shields the server from its exceptions. Thread-safe;
// lines reach the sink in the order write() was called.
class AccessLog {
 public:
  explicit AccessLog(std::function<void(std::string_view)> sink) : sink_(std::move(sink)) {}
  // Adds the line; hands the block to the sink once it is kBlockBytes or more.
  void write(std::string_view line);
  // Hands whatever is buffered to the sink. The server calls it every kFlushInterval and at stop.
  void flush();

  static constexpr std::size_t kBlockBytes = 32 * 1024;
  static constexpr std::chrono::milliseconds kFlushInterval{200};

 private:
  // Held while a block is taken and delivered, so that blocks reach the sink in order;
  // buffer_mutex_ alone guards the buffer, so writers wait for a delivery only when it is full.
  std::mutex sink_mutex_;
  std::mutex buffer_mutex_;
  std::string buffer_;
  std::function<void(std::string_view)> sink_;
};

// What a connection can be asked from outside its strand.
class Drainable {
 public:
  virtual ~Drainable() = default;
  // Finish the request in hand, if any, then close; close at once if idle. Thread-safe.
  virtual void drain() = 0;
};

// Every open connection, so that stop() can drain them and the listener can count them.
// Thread-safe.
class ConnectionRegistry {
 public:
  // Registers a connection; nullopt when the server is draining (the caller closes at once).
  std::optional<std::uint64_t> add(std::weak_ptr<Drainable> connection, bool serving);
  void remove(std::uint64_t id, bool serving);
  std::size_t serving() const;
  std::size_t refusing() const;
  // From now on add() refuses; drains every registered connection.
  void drain_all();
  // Whether drain_all() has been called: a response being prepared then says Connection: close,
  // even before the connection's own drain() has run on its strand.
  bool draining() const { return draining_flag_.load(); }
  // Waits until no connection is left or `deadline` passes; true if none is left.
  bool wait_empty_until(std::chrono::steady_clock::time_point deadline);

 private:
  mutable std::mutex mutex_;
  std::condition_variable empty_;
  std::map<std::uint64_t, std::weak_ptr<Drainable>> connections_;
  std::uint64_t next_id_ = 0;
  std::size_t serving_ = 0;
  std::size_t refusing_ = 0;
  bool draining_ = false;
  std::atomic<bool> draining_flag_{false};
};

// What every connection shares; owned by the server and outliving all connections.
struct ServerContext {
  const ServerOptions& options;
  const Router& router;
  ConnectionRegistry& registry;
  AccessLog& log;
  boost::asio::ssl::context* tls;  // nullptr: plain HTTP
};

// Takes over `socket`, whose executor must be a strand, and serves it until it closes. With
// `refuse`, answers the first request with 503 and closes (the connection cap).
void start_connection(boost::asio::ip::tcp::socket socket, ServerContext& context, bool refuse);

}  // namespace emarchive::api
