#include "tests/support/http_client.h"

#include <ostream>  // before Boost: see api/resource_handler.h
#include <variant>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "ingest/em_client.h"

namespace emarchive::testing {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using boost::system::error_code;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

bool is_end_of_connection(const error_code& ec) {
  return ec == net::error::eof || ec == http::error::end_of_stream ||
         ec == ssl::error::stream_truncated || ec == net::error::connection_reset ||
         ec == net::error::broken_pipe;
}

}  // namespace

std::string HttpReply::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (beast::iequals(n, name)) return v;
  }
  return {};
}

bool HttpReply::has_header(std::string_view name) const {
  for (const auto& header : headers) {
    if (beast::iequals(header.first, name)) return true;
  }
  return false;
}

struct HttpClient::Impl {
  std::uint16_t port;
  std::optional<TlsClientOptions> tls_options;
  std::chrono::milliseconds timeout;
  net::io_context io;
  std::optional<ssl::context> tls;
  // The open connection, if any.
  std::variant<std::monostate, PlainStream, TlsStream> stream;
  beast::flat_buffer buffer;
  int opened = 0;

  beast::tcp_stream& lowest() {
    if (auto* plain = std::get_if<PlainStream>(&stream)) return *plain;
    return beast::get_lowest_layer(std::get<TlsStream>(stream));
  }

  // Runs one asynchronous operation to completion; the stream's timeout bounds it.
  template <class Start>
  error_code run(Start start) {
    error_code result = net::error::would_block;
    lowest().expires_after(timeout);
    start([&result](error_code ec, auto&&...) { result = ec; });
    io.restart();
    io.run();
    return result;
  }

  template <class F>
  error_code with_stream(F f) {
    if (auto* plain = std::get_if<PlainStream>(&stream)) return f(*plain);
    return f(std::get<TlsStream>(stream));
  }

  std::string connect() {
    if (!std::holds_alternative<std::monostate>(stream)) return {};
    buffer.clear();
    const tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), port);
    if (tls_options) {
      stream.emplace<TlsStream>(io, *tls);
    } else {
      stream.emplace<PlainStream>(io);
    }
    error_code ec = run([&](auto handler) { lowest().async_connect(endpoint, handler); });
    if (!ec && tls_options) {
      auto& tls_stream = std::get<TlsStream>(stream);
      SSL_set_tlsext_host_name(tls_stream.native_handle(), tls_options->server_name.c_str());
      tls_stream.set_verify_callback(ssl::host_name_verification(tls_options->server_name));
      ec =
          run([&](auto handler) { tls_stream.async_handshake(ssl::stream_base::client, handler); });
    }
    if (ec) {
      stream.emplace<std::monostate>();
      return "connect: " + ec.message();
    }
    ++opened;
    return {};
  }

  void close() {
    if (std::holds_alternative<std::monostate>(stream)) return;
    if (auto* tls_stream = std::get_if<TlsStream>(&stream)) {
      run([&](auto handler) { tls_stream->async_shutdown(handler); });
    }
    error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().close();
    stream.emplace<std::monostate>();
  }

  HttpReply send_raw(std::string_view raw) {
    HttpReply reply;
    if (auto error = connect(); !error.empty()) {
      reply.error = error;
      return reply;
    }
    error_code ec = with_stream([&](auto& s) {
      return run([&](auto handler) { net::async_write(s, net::buffer(raw), handler); });
    });
    // A write may fail because the server already answered and closed (e.g. 413 before the
    // whole body went out); the answer may still be readable.
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    // A response to HEAD has the headers of a GET, Content-Length included, but no body.
    parser.skip(raw.starts_with("HEAD "));
    error_code read_ec = with_stream([&](auto& s) {
      return run([&](auto handler) { http::async_read(s, buffer, parser, handler); });
    });
    if (read_ec) {
      reply.error = "read: " + read_ec.message() + (ec ? "; write: " + ec.message() : "");
      close();
      return reply;
    }
    const auto& message = parser.get();
    reply.status = message.result_int();
    for (const auto& field : message) {
      reply.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    reply.body = message.body();
    if (!message.keep_alive()) close();
    return reply;
  }

  bool wait_closed_by_server() {
    if (std::holds_alternative<std::monostate>(stream)) return true;
    std::array<char, 1024> scratch;
    for (;;) {
      error_code ec = with_stream([&](auto& s) {
        return run([&](auto handler) { s.async_read_some(net::buffer(scratch), handler); });
      });
      if (!ec) continue;
      const bool closed = is_end_of_connection(ec);
      error_code ignored;
      lowest().socket().close(ignored);
      stream.emplace<std::monostate>();
      return closed;
    }
  }
};

HttpClient::HttpClient(std::uint16_t port, std::optional<TlsClientOptions> tls,
                       std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
  impl_->port = port;
  impl_->tls_options = std::move(tls);
  impl_->timeout = timeout;
  if (impl_->tls_options) {
    auto& context = impl_->tls.emplace(ssl::context::tls_client);
    context.add_certificate_authority(net::buffer(impl_->tls_options->ca_certificate_pem));
    context.set_verify_mode(ssl::verify_peer);
  }
}

HttpClient::~HttpClient() {
  impl_->close();
}

HttpReply HttpClient::send_raw(std::string_view raw) {
  return impl_->send_raw(raw);
}

HttpReply HttpClient::request(std::string_view method, std::string_view target,
                              const Headers& headers, std::string_view body) {
  std::string raw = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\n";
  raw += "Host: 127.0.0.1:" + std::to_string(impl_->port) + "\r\n";
  for (const auto& [name, value] : headers) raw += name + ": " + value + "\r\n";
  if (!body.empty() || method == "POST")
    raw += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  raw += "\r\n";
  raw += body;
  return impl_->send_raw(raw);
}

std::string HttpClient::connect() {
  return impl_->connect();
}
bool HttpClient::wait_closed_by_server() {
  return impl_->wait_closed_by_server();
}
void HttpClient::close() {
  impl_->close();
}
int HttpClient::connections_opened() const {
  return impl_->opened;
}

std::string basic_authorization(std::string_view user, std::string_view password) {
  return ingest::basic_authorization(user, password);
}

}  // namespace emarchive::testing
