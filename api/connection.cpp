#include "api/connection.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <type_traits>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "api/error_document.h"
#include "api/response_header.h"

namespace emarchive::api {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// A refused connection gets less time to send its request: it is only waiting for a 503.
constexpr std::chrono::seconds kRefusedReadTimeout{5};
// After an error response on a connection whose request was not read to its end, keep reading
// (and discarding) for a while before closing: closing a socket with unread input makes the
// kernel send a reset, which can destroy the error response before the client reads it.
constexpr std::chrono::seconds kLingerTimeout{2};
constexpr std::size_t kLingerBytes = 1 << 20;
// The peer may never answer our close_notify; do not wait for it long.
constexpr std::chrono::seconds kTlsShutdownTimeout{2};

std::string endpoint_string(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  std::string out = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return out + ":" + std::to_string(endpoint.port());
}

const boost::system::error_category& http_category() {
  return http::make_error_code(http::error::bad_method).category();
}

// RFC 9112 6.1 and 6.3: the only transfer coding emarchive decodes is chunked, and it must come
// last. Anything else leaves the body's length unknowable (400) or its content undecodable (501);
// Beast would take such a body as empty and read what follows as the next request, which behind a
// proxy that reads it otherwise is request smuggling. The connection closes after either answer.
struct Refusal {
  http::status status;
  std::string message;
};

std::optional<Refusal> transfer_coding_refusal(const http::request<http::string_body>& request) {
  const auto field = request.find(http::field::transfer_encoding);
  if (field == request.end()) return std::nullopt;
  const std::string value(field->value());
  bool chunked_last = false;
  bool other = false;
  for (const auto& coding : http::token_list(value)) {
    if (chunked_last) {
      return Refusal{http::status::bad_request, "chunked is not the last transfer coding"};
    }
    if (beast::iequals(coding, "chunked")) {
      chunked_last = true;
    } else {
      other = true;
    }
  }
  if (!chunked_last) {
    return Refusal{
        http::status::bad_request,
        "Transfer-Encoding '" + value + "' does not end in chunked: the body's length is unknown"};
  }
  if (other) {
    return Refusal{http::status::not_implemented,
                   "Transfer-Encoding '" + value + "': only chunked is supported"};
  }
  return std::nullopt;
}

// Every operation on a connection has a deadline: reading a request, writing an answer or a part
// of one, the TLS handshake and shutdown. One timer per connection watches it (arm_deadline),
// instead of beast::tcp_stream's timer started and cancelled around every read and write: that
// pair of timer operations, and the executor copies that come with them, were a tenth of
// serve's CPU time per request (docs/BENCHMARKS.md).
template <class Stream>
class Connection final : public Drainable, public std::enable_shared_from_this<Connection<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, tcp::socket>;
  using Clock = std::chrono::steady_clock;

 public:
  template <class... TlsContext>
  Connection(ConnectionContext& context, ConnectionCap cap, tcp::socket&& socket,
             TlsContext&... tls)
      : stream_(std::move(socket), tls...), context_(context), cap_(cap) {
    beast::error_code ec;
    // Responses go out in one write; waiting to coalesce them only adds latency.
    lowest().set_option(tcp::no_delay(true), ec);
    const auto remote = lowest().remote_endpoint(ec);
    remote_ = ec ? "-" : endpoint_string(remote);
    info_.remote_address = ec ? "" : remote.address().to_string();
    const auto local = lowest().local_endpoint(ec);
    info_.tls = kTls;
    info_.local_authority = ec ? "localhost" : endpoint_string(local);
  }

  ~Connection() override {
    if (id_) context_.registry.remove(*id_);
  }

  void start() {
    id_ = context_.registry.add(this->weak_from_this(), !refused(), info_.remote_address);
    if (!id_) return;  // the server is draining; destruction closes the socket
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Connection::on_start, this->shared_from_this()));
  }

  void drain() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] { self->on_drain(); });
  }

 private:
  enum class State { starting, reading, busy, closing };

  tcp::socket& lowest() { return beast::get_lowest_layer(stream_); }

  Clock::duration read_timeout() const {
    Clock::duration limit = context_.limits.read_timeout;
    if (refused()) return std::min<Clock::duration>(limit, kRefusedReadTimeout);
    // Busy: idle keep-alive connections give way sooner to clients waiting for a slot.
    if (context_.registry.serving() * 4 >= context_.limits.max_connections * 3) {
      limit = std::min<Clock::duration>(limit, context_.limits.busy_idle_timeout);
    }
    return limit;
  }

  // The operation about to start must end within `limit`, or the socket is closed, which ends
  // it with operation_aborted. Moving a deadline later costs nothing but this store: the timer
  // waits on at its old expiry and looks again then (on_deadline). Only an earlier deadline
  // (the busy idle limit, a shutdown) restarts it.
  void arm_deadline(Clock::duration limit) {
    deadline_ = Clock::now() + limit;
    if (watching_ && deadline_ >= deadline_timer_.expiry()) return;
    watching_ = true;
    deadline_timer_.expires_at(deadline_);  // a wait it cancels ends as operation_aborted
    wait_deadline();
  }

  // No operation is pending that must end in time: a request being answered, on a pool or by
  // the response delay, is not the client's to hurry.
  void disarm_deadline() { deadline_ = Clock::time_point::max(); }

  void wait_deadline() {
    // A weak pointer: the timer must not keep a finished connection alive. Its destruction
    // cancels the wait.
    deadline_timer_.async_wait([weak = this->weak_from_this()](beast::error_code ec) {
      if (auto self = weak.lock(); self && !ec) self->on_deadline();
    });
  }

  void on_deadline() {
    if (deadline_ == Clock::time_point::max()) {
      watching_ = false;
      return;
    }
    if (deadline_ > Clock::now()) {
      deadline_timer_.expires_at(deadline_);
      return wait_deadline();
    }
    watching_ = false;
    beast::error_code ec;
    lowest().close(ec);
  }

  void on_start() {
    if constexpr (kTls) {
      arm_deadline(read_timeout());
      stream_.async_handshake(
          net::ssl::stream_base::server,
          beast::bind_front_handler(&Connection::on_handshake, this->shared_from_this()));
    } else {
      do_read();
    }
  }

  void on_handshake(beast::error_code ec) {
    if (ec) return;  // nothing to answer on: not TLS, or no common parameters
    do_read();
  }

  void do_read() {
    if (draining_) return do_close();
    parser_.emplace();
    parser_->header_limit(context_.limits.header_limit);
    parser_->body_limit(context_.limits.body_limit);
    arm_deadline(read_timeout());
    state_ = State::reading;
    if (!refused() && buffer_.size() == 0) set_idle(true);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Connection::on_read, this->shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    disarm_deadline();
    state_ = State::busy;
    if (!refused()) set_idle(false);
    started_ = std::chrono::steady_clock::now();
    // Closed between requests, drained while idle, or timed out (on_deadline closed the socket
    // then, so nothing can be answered).
    if (ec == http::error::end_of_stream || ec == net::error::operation_aborted) {
      return do_close();
    }
    if (ec == http::error::body_limit) {
      return respond_error(
          http::status::payload_too_large,
          "request body larger than " + std::to_string(context_.limits.body_limit) + " bytes");
    }
    if (ec == http::error::header_limit) {
      return respond_error(
          http::status::request_header_fields_too_large,
          "request header larger than " + std::to_string(context_.limits.header_limit) + " bytes");
    }
    if (ec && ec.category() == http_category()) {
      return respond_error(http::status::bad_request, "malformed request: " + ec.message());
    }
    if (ec) return;  // the transport failed (reset, TLS error): no one to answer

    http::request<http::string_body> request = parser_->release();
    if (auto refused = transfer_coding_refusal(request)) {
      return respond_error(refused->status, refused->message);
    }
    method_ = std::string(request.method_string());
    target_ = loggable_target(request.target());
    if (refused()) {
      set_error_response(http::status::service_unavailable, refusal_message(), request.version());
    } else if (const Router::Work work = context_.router.work_of(request);
               work != Router::Work::quick) {
      return route_off_thread(std::move(request), work);
    } else {
      RoutedResponse routed = context_.router.route_streamed(request, info_);
      response_ = std::move(routed.message);
      stream_body_ = std::move(routed.stream);
      header_only_ = routed.header_only;
      shared_body_ = std::move(routed.shared_body);
    }
    respond();
  }

  void respond() {
    if (draining_ || context_.registry.draining()) response_.keep_alive(false);
    if (context_.limits.response_delay.count() == 0) return do_write();
    // On the connection's timer: its thread serves other connections meanwhile.
    delay_.expires_after(context_.limits.response_delay);
    delay_.async_wait([self = this->shared_from_this()](beast::error_code) { self->do_write(); });
  }

  // Routes `request` on the pool for its `work` and resumes on this connection's thread with
  // the response (a streamed body goes on being produced there, a batch at a time); the
  // connection stays busy (reading nothing more) meanwhile.
  void route_off_thread(http::request<http::string_body> request, Router::Work work) {
    BoundedPool& pool = work == Router::Work::password ? context_.password_pool
                        : work == Router::Work::page   ? context_.page_pool
                                                       : context_.query_pool;
    auto shared = std::make_shared<http::request<http::string_body>>(std::move(request));
    const bool queued = pool.try_post([self = this->shared_from_this(), shared] {
      auto routed = std::make_shared<RoutedResponse>(
          self->context_.router.route_streamed(*shared, self->info_));
      net::post(self->stream_.get_executor(), [self, routed] {
        self->response_ = std::move(routed->message);
        self->stream_body_ = std::move(routed->stream);
        self->header_only_ = routed->header_only;
        self->shared_body_ = std::move(routed->shared_body);
        self->respond();
      });
    });
    if (queued) return;
    const std::string_view waiting = work == Router::Work::password ? "logons waiting for their "
                                                                      "passwords to be checked"
                                     : work == Router::Work::page
                                         ? "requests waiting for dashboard pages or metrics"
                                         : "requests waiting for the query service";
    set_error_response(http::status::service_unavailable,
                       "too many " + std::string(waiting) + "; retry later", shared->version());
    response_.set(http::field::retry_after, "1");
    respond();
  }

  bool refused() const { return cap_ != ConnectionCap::none; }

  // The 503 of a refused connection names the cap it met.
  std::string refusal_message() const {
    if (cap_ == ConnectionCap::address) {
      return "too many connections from " + info_.remote_address + " (" +
             std::to_string(context_.limits.max_connections_per_address) + "); retry later";
    }
    return "too many connections (" + std::to_string(context_.limits.max_connections) +
           "); retry later";
  }

  void set_error_response(http::status status, std::string_view message, unsigned version) {
    ApiResponse api = error_response(status, message);
    response_ = http::response<http::string_body>(status, version);
    shared_body_.reset();
    response_.set(http::field::content_type, api.content_type);
    response_.body() = std::move(api.body);
    response_.keep_alive(false);
    response_.prepare_payload();
  }

  // For a request that could not be read whole: answer, then close without reading on.
  void respond_error(http::status status, std::string_view message) {
    method_ = "-";
    target_ = "-";
    linger_ = true;
    set_error_response(status, message, 11);
    do_write();
  }

  // A whole answer goes out as two buffers, the header (api/response_header.h) and the body, in
  // one write.
  void do_write() {
    if (stream_body_ || header_only_) return write_stream_head();
    serialize_header(response_, head_);
    // The deadline covers the whole write: the timeout plus one second per MB, so that a large
    // page to a slow client is not cut off while a stalled one still is.
    const std::string_view body = shared_body_ ? *shared_body_ : std::string_view(response_.body());
    arm_deadline(context_.limits.read_timeout + std::chrono::seconds(body.size() / 1'000'000));
    const std::array<net::const_buffer, 2> buffers{net::buffer(head_), net::buffer(body)};
    net::async_write(stream_, buffers,
                     beast::bind_front_handler(&Connection::on_write, this->shared_from_this()));
  }

  // A streamed body (ApiResponse::stream): the header, then each part as the stream produces
  // it, so only one part is held at a time: as a chunk, or for HTTP/1.0 as it is, the end of
  // the body marked by closing the connection. For HEAD (header_only_), the header alone.
  void write_stream_head() {
    chunk_ = std::move(response_.body());
    response_.body().clear();
    stream_more_ = true;
    stream_head_.emplace(response_.base());
    stream_serializer_.emplace(*stream_head_);
    arm_deadline(context_.limits.read_timeout);
    http::async_write_header(stream_, *stream_serializer_,
                             [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                               if (ec || self->header_only_) return self->end_stream(ec);
                               self->write_part();
                             });
  }

  void write_part() {
    while (chunk_.empty() && stream_more_) stream_more_ = stream_body_(chunk_);
    arm_deadline(context_.limits.read_timeout + std::chrono::seconds(chunk_.size() / 1'000'000));
    auto self = this->shared_from_this();
    const bool chunked = stream_head_->chunked();
    if (chunk_.empty()) {
      if (!chunked) return end_stream({});  // keep-alive is off: the close ends the body
      return net::async_write(stream_, http::make_chunk_last(),
                              [self](beast::error_code ec, std::size_t) { self->end_stream(ec); });
    }
    auto written = [self](beast::error_code ec, std::size_t) {
      if (ec) return self->end_stream(ec);
      self->streamed_ += self->chunk_.size();
      self->chunk_.clear();
      if (self->stream_more_) self->stream_more_ = self->stream_body_(self->chunk_);
      self->write_part();
    };
    if (chunked) {
      net::async_write(stream_, http::make_chunk(net::buffer(chunk_)), std::move(written));
    } else {
      net::async_write(stream_, net::buffer(chunk_), std::move(written));
    }
  }

  void end_stream(beast::error_code ec) {
    stream_body_ = nullptr;
    header_only_ = false;
    stream_serializer_.reset();
    stream_head_.reset();
    chunk_ = {};
    on_write(ec, 0);
  }

  void on_write(beast::error_code ec, std::size_t) {
    disarm_deadline();
    log_request();
    const bool keep_alive = response_.keep_alive();
    response_ = {};
    shared_body_.reset();
    streamed_ = 0;
    if (ec) return;
    if (!keep_alive || draining_) return do_close();
    do_read();
  }

  void log_request() {
    const auto elapsed = std::chrono::steady_clock::now() - started_;
    if (context_.metrics) {
      context_.metrics->observe(method_, target_, response_.result_int(),
                                std::chrono::duration<double>(elapsed).count());
    }
    // Tenths of a millisecond, rounded, in integers: printf's %.1f was 2% of serve's CPU time.
    const auto tenths =
        (std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count() + 50) / 100;
    std::string line;
    line.reserve(remote_.size() + method_.size() + target_.size() + 40);
    line.append(remote_).append(" ").append(method_).append(" ").append(target_).append(" ");
    line.append(std::to_string(response_.result_int())).append(" ");
    const std::size_t body = shared_body_ ? shared_body_->size() : response_.body().size();
    line.append(std::to_string(body + streamed_)).append(" ");
    line.append(std::to_string(tenths / 10)).append(".");
    line.append(1, static_cast<char>('0' + tenths % 10)).append("ms");
    context_.log.write(line);
  }

  void do_close() {
    state_ = State::closing;
    if constexpr (kTls) {
      arm_deadline(kTlsShutdownTimeout);
      stream_.async_shutdown(
          [self = this->shared_from_this()](beast::error_code) { /* closing regardless */ });
    } else {
      beast::error_code ec;
      stream_.shutdown(tcp::socket::shutdown_send, ec);
      if (linger_ && !ec) {
        arm_deadline(kLingerTimeout);
        do_linger();
      }
    }
  }

  void do_linger() {
    stream_.async_read_some(
        net::buffer(discard_),
        beast::bind_front_handler(&Connection::on_linger, this->shared_from_this()));
  }

  void on_linger(beast::error_code ec, std::size_t bytes) {
    lingered_ += bytes;
    if (!ec && lingered_ < kLingerBytes) do_linger();
  }

  void on_drain() {
    draining_ = true;
    // Idle between requests: nothing is lost by closing now. A request partly received is left
    // to finish (bounded by the read timeout and the server's drain deadline).
    if (state_ == State::reading && buffer_.size() == 0 && !parser_->got_some()) {
      beast::error_code ec;  // the deadline may have closed the socket already
      lowest().cancel(ec);
    }
  }

  Stream stream_;
  net::steady_timer deadline_timer_{stream_.get_executor()};
  Clock::time_point deadline_ = Clock::time_point::max();  // arm_deadline
  bool watching_ = false;  // deadline_timer_ has a wait pending that on_deadline will see
  ConnectionContext& context_;
  const ConnectionCap cap_;
  std::optional<std::uint64_t> id_;
  std::string remote_;
  ConnectionInfo info_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  net::steady_timer delay_{stream_.get_executor()};  // ServerOptions::response_delay
  http::response<http::string_body> response_;
  std::string head_;  // response_'s header as written (do_write)
  // A streamed response (see write_stream_head): what produces the body (or, header_only_, that
  // there is none to send), the header as sent, the part being written, whether the stream has
  // more, and the bytes sent so far.
  BodyStream stream_body_;
  bool header_only_ = false;
  SharedDocument shared_body_;  // the body, when shared with the cache
  std::optional<http::response<http::empty_body>> stream_head_;
  std::optional<http::response_serializer<http::empty_body>> stream_serializer_;
  std::string chunk_;
  bool stream_more_ = false;
  std::size_t streamed_ = 0;
  State state_ = State::starting;
  bool draining_ = false;
  bool linger_ = false;
  std::array<char, 4096> discard_{};
  std::size_t lingered_ = 0;
  // For the access log.
  std::string method_;
  std::string target_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace

void start_connection(tcp::socket socket, ConnectionContext& context, ConnectionCap cap) {
  if (context.tls) {
    std::make_shared<Connection<beast::ssl_stream<tcp::socket>>>(context, cap, std::move(socket),
                                                                 *context.tls)
        ->start();
  } else {
    std::make_shared<Connection<tcp::socket>>(context, cap, std::move(socket))->start();
  }
}

}  // namespace emarchive::api
