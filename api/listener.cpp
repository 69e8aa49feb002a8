#include "api/listener.h"

#include <future>

#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>

namespace emarchive::api {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using boost::system::error_code;

Listener::Listener(net::io_context& io, std::vector<net::io_context*> connection_ios,
                   ConnectionContext& context)
    : connection_ios_(std::move(connection_ios)),
      context_(context),
      acceptor_(io),
      retry_(acceptor_.get_executor()) {}

error_code Listener::open(const tcp::endpoint& endpoint) {
  error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  return ec;
}

void Listener::start() {
  net::post(acceptor_.get_executor(), [this] { do_accept(); });
}

void Listener::close() {
  std::promise<void> closed;
  net::post(acceptor_.get_executor(), [this, &closed] {
    error_code ignored;
    acceptor_.close(ignored);
    retry_.cancel();
    closed.set_value();
  });
  closed.get_future().wait();
}

void Listener::do_accept() {
  net::io_context& io = *connection_ios_[next_io_];
  next_io_ = (next_io_ + 1) % connection_ios_.size();
  acceptor_.async_accept(io, boost::beast::bind_front_handler(&Listener::on_accept, this));
}

void Listener::on_accept(error_code ec, tcp::socket socket) {
  if (!acceptor_.is_open()) return;
  if (ec) {
    retry_.expires_after(kAcceptRetryDelay);
    retry_.async_wait([this](error_code wait_ec) {
      if (!wait_ec && acceptor_.is_open()) do_accept();
    });
    return;
  }
  const std::size_t cap = context_.limits.max_connections;
  try {
    error_code remote_ec;
    const std::string address = socket.remote_endpoint(remote_ec).address().to_string();
    ConnectionRegistry& registry = context_.registry;
    const bool within_address_cap =
        registry.serving_from(address) < context_.limits.max_connections_per_address;
    // While evicted connections close, up to a quarter more than the cap may be served.
    const std::size_t serving = registry.serving();
    if (within_address_cap &&
        (serving < cap || (serving < cap + cap / kEvictingFraction && registry.evict_idle()))) {
      start_connection(std::move(socket), context_, ConnectionCap::none);
    } else if (registry.refusing() < cap * kRefusingFactor) {
      start_connection(std::move(socket), context_,
                       within_address_cap ? ConnectionCap::server : ConnectionCap::address);
    }  // else: the socket closes as it goes out of scope
  } catch (const std::exception&) {
    // One connection that could not start (memory, TLS set-up) must not stop the listener.
  }
  do_accept();
}

}  // namespace emarchive::api
