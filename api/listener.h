#pragma once
// Internal to api/: accepts connections and starts each on one of the server's io_contexts in
// turn, within the connection cap.

#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

#include "api/connection.h"

namespace emarchive::api {

// Accepts on one io_context. Up to context.limits.max_connections connections are served, and up
// to max_connections_per_address from one client address; when all are taken, the connection
// idle the longest is closed to make room (ConnectionRegistry::evict_idle), as long as fewer than
// max_connections / kEvictingFraction beyond the cap are being closed so. A connection that
// still finds no room is answered 503 (refused), up to kRefusingFactor times the cap, and beyond
// that closed unanswered, so that a flood costs no more than a bounded number of sockets. Accept
// failures (out of file descriptors, mostly) are retried after kAcceptRetryDelay.
class Listener {
 public:
  static constexpr std::size_t kRefusingFactor = 2;
  static constexpr std::size_t kEvictingFraction = 4;
  static constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

  // `context` outlives the listener and every connection it starts. Accepts on `io`; each
  // connection goes to the next of `connection_ios` (round robin), each run by one thread.
  Listener(boost::asio::io_context& io, std::vector<boost::asio::io_context*> connection_ios,
           ConnectionContext& context);

  // Opens, binds and listens; call before start().
  boost::system::error_code open(const boost::asio::ip::tcp::endpoint& endpoint);
  boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

  // Starts accepting on the io_context's threads.
  void start();

  // Stops accepting and returns once the port is closed; connections already accepted are
  // unaffected. Needs the io_context running, and must not be called from one of its threads.
  void close();

 private:
  void do_accept();
  void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);

  std::vector<boost::asio::io_context*> connection_ios_;
  std::size_t next_io_ = 0;
  ConnectionContext& context_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_;
};

}  // namespace emarchive::api
