#include "tests/support/fake_em.h"

#include <condition_variable>
#include <cstdio>
#include <stdexcept>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "model/xml_escape.h"
#include "tests/support/http_client.h"

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

std::string first_header(const std::vector<std::pair<std::string, std::string>>& headers,
                         std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (beast::iequals(n, name)) return v;
  }
  return {};
}

}  // namespace

std::string FakeRequest::header(std::string_view name) const {
  return first_header(headers, name);
}

FakeResponse FakeResponse::xml(unsigned status, std::string body) {
  FakeResponse response;
  response.status = status;
  response.headers.emplace_back("Content-Type", "application/xml; charset=utf-8");
  response.body = std::move(body);
  return response;
}

FakeResponse FakeResponse::with_fault(Fault fault) {
  FakeResponse response;
  response.fault = fault;
  return response;
}

// Member order is destruction order reversed: the TLS context outlives the io_context whose
// pending handlers own the connections using it.
struct FakeEm::Impl {
  Handler handler;
  std::optional<ssl::context> tls;

  mutable std::mutex mutex;
  mutable std::condition_variable received;
  std::vector<FakeRequest> requests;
  std::atomic<int> connections{0};

  net::io_context io;
  tcp::acceptor acceptor{io};
  std::uint16_t port = 0;
  // Connections told to stall, kept open until the server stops. Touched by the server's
  // thread only while it runs.
  std::vector<std::shared_ptr<void>> stalled;
  std::thread thread;

  void record(const FakeRequest& request) {
    std::lock_guard lock(mutex);
    requests.push_back(request);
    received.notify_all();
  }

  void accept() {
    acceptor.async_accept([this](error_code ec, tcp::socket socket) {
      if (ec) return;  // stopping
      ++connections;
      if (tls) {
        start_session<TlsStream>(TlsStream(std::move(socket), *tls));
      } else {
        start_session<PlainStream>(PlainStream(std::move(socket)));
      }
      accept();
    });
  }

  template <class Stream>
  class Session;
  template <class Stream>
  void start_session(Stream stream);
};

// One connection: read a request, answer as the handler says, repeat while kept alive.
template <class Stream>
class FakeEm::Impl::Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Stream stream, FakeEm::Impl& server) : stream_(std::move(stream)), server_(server) {}

  void start() {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](error_code ec) {
                                if (!ec) self->read();
                              });
    } else {
      read();
    }
  }

 private:
  void read() {
    parser_.emplace();
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](error_code ec, std::size_t) {
                       if (!ec) self->answer();
                     });
  }

  void answer() {
    const auto& message = parser_->get();
    FakeRequest request{std::string(message.method_string()), std::string(message.target()), {}};
    for (const auto& field : message) {
      request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    server_.record(request);
    FakeResponse reply = server_.handler(request);
    switch (reply.fault) {
      case FakeResponse::Fault::Reset: {
        // Linger 0: the close sends a TCP reset, not an orderly end of stream.
        auto& socket = beast::get_lowest_layer(stream_).socket();
        error_code ignored;
        socket.set_option(net::socket_base::linger(true, 0), ignored);
        socket.close(ignored);
        return;
      }
      case FakeResponse::Fault::Stall:
        server_.stalled.push_back(this->shared_from_this());
        return;
      case FakeResponse::Fault::None:
        break;
    }
    response_ = {};
    response_.result(reply.status);
    response_.version(message.version());
    for (const auto& [name, value] : reply.headers) response_.insert(name, value);
    response_.body() = std::move(reply.body);
    response_.keep_alive(message.keep_alive());
    response_.prepare_payload();
    http::async_write(stream_, response_,
                      [self = this->shared_from_this()](error_code ec, std::size_t) {
                        if (ec) return;
                        if (self->response_.keep_alive()) {
                          self->read();
                        } else {
                          error_code ignored;
                          beast::get_lowest_layer(self->stream_)
                              .socket()
                              .shutdown(tcp::socket::shutdown_send, ignored);
                        }
                      });
  }

  Stream stream_;
  FakeEm::Impl& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> parser_;
  http::response<http::string_body> response_;
};

template <class Stream>
void FakeEm::Impl::start_session(Stream stream) {
  std::make_shared<Session<Stream>>(std::move(stream), *this)->start();
}

FakeEm::FakeEm(Handler handler, std::optional<TlsFiles> tls_files)
    : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
  if (tls_files) {
    auto& tls = impl_->tls.emplace(ssl::context::tls_server);
    error_code ec;
    tls.use_certificate_chain_file(tls_files->certificate.string(), ec);
    if (!ec) tls.use_private_key_file(tls_files->private_key.string(), ssl::context::pem, ec);
    if (ec) throw std::runtime_error("FakeEm: cannot load the TLS files: " + ec.message());
  }
  const tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen();
  impl_->port = impl_->acceptor.local_endpoint().port();
  impl_->accept();
  impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
}

FakeEm::~FakeEm() {
  impl_->io.stop();
  impl_->thread.join();
  impl_->stalled.clear();
}

std::uint16_t FakeEm::port() const {
  return impl_->port;
}

std::string FakeEm::base_url() const {
  return std::string(impl_->tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port());
}

std::vector<FakeRequest> FakeEm::requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->requests;
}

int FakeEm::connections() const {
  return impl_->connections;
}

bool FakeEm::wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mutex);
  return impl_->received.wait_for(lock, timeout, [&] { return impl_->requests.size() >= n; });
}

// --- FakeLogon -----------------------------------------------------------------------------

namespace {

FakeResponse error_document(unsigned status, std::string_view message) {
  std::string body = R"(<?xml version="1.0" encoding="utf-8"?>)"
                     R"(<Error xmlns="http://www.veeam.com/ent/v1.0" Message=")";
  xml::append_escaped_attribute(body, message);
  body += R"(" StatusCode=")" + std::to_string(status) + R"(" />)";
  return FakeResponse::xml(status, std::move(body));
}

}  // namespace

FakeLogon::FakeLogon(std::string user, std::string password, std::string origin)
    : user_(std::move(user)), password_(std::move(password)), origin_(std::move(origin)) {}

FakeEm::Handler FakeLogon::wrap(FakeEm::Handler next) {
  return [this, next = std::move(next)](const FakeRequest& request) {
    if (auto answered = answer(request)) return *std::move(answered);
    return next(request);
  };
}

void FakeLogon::expire() {
  std::lock_guard lock(mutex_);
  token_.clear();
}

std::string FakeLogon::token() const {
  std::lock_guard lock(mutex_);
  return latest_token_;
}

std::string FakeLogon::session_path() const {
  std::lock_guard lock(mutex_);
  return "/api/logonSessions/" + session_id_;
}

std::optional<FakeResponse> FakeLogon::answer(const FakeRequest& request) {
  std::lock_guard lock(mutex_);
  if (request.method == "POST" && request.target.starts_with("/api/sessionMngr/")) {
    if (request.header("Authorization") != basic_authorization(user_, password_)) {
      FakeResponse refused = error_document(401, "Authentication failed");
      refused.headers.emplace_back("WWW-Authenticate", "Basic Realm=RestSvc");
      return refused;
    }
    const int n = ++logons_;
    // EM's tokens are base64 strings, its session ids GUIDs; each logon gets new ones.
    char id[40];
    std::snprintf(id, sizeof id, "5e55100f-%04x-4000-8000-000000000000", n);
    session_id_ = id;
    token_ = latest_token_ = "dG9rZW4t" + std::to_string(n) + "Lg==";
    const std::string href = origin_ + "/api/logonSessions/" + session_id_;
    std::string body = R"(<?xml version="1.0" encoding="utf-8"?>)"
                       R"(<LogonSession Href=")" +
                       href +
                       R"(" Type="LogonSession" xmlns="http://www.veeam.com/ent/v1.0")"
                       R"( xmlns:xsd="http://www.w3.org/2001/XMLSchema")"
                       R"( xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><Links>)"
                       R"(<Link Href=")" +
                       origin_ +
                       R"(/api/" Type="EnterpriseManager" Rel="Up" />)"
                       R"(<Link Href=")" +
                       origin_ +
                       R"(/api/backupSessions" Type="BackupJobSessionReferenceList" Rel="Down" />)"
                       R"(<Link Href=")" +
                       origin_ +
                       R"(/api/querySvc" Type="QueryService" Rel="Down" />)"
                       R"(<Link Href=")" +
                       href +
                       R"(" Rel="Delete" />)"
                       R"(</Links><UserName>)";
    xml::append_escaped_text(body, user_);
    body += "</UserName><SessionId>" + session_id_ + "</SessionId></LogonSession>";
    FakeResponse created = FakeResponse::xml(201, std::move(body));
    created.headers.emplace_back("X-RestSvcSessionId", token_);
    created.headers.emplace_back("Set-Cookie", "X-RestSvcSessionId=" + token_ + "; Path=/api;");
    return created;
  }
  // EM answers its entry point to anyone.
  if (request.method == "GET" && request.target == "/api/") return std::nullopt;
  if (token_.empty() || request.header("X-RestSvcSessionId") != token_) {
    return error_document(401, "Authorization header or session cookie is missing or expired");
  }
  if (request.method == "DELETE" && request.target == "/api/logonSessions/" + session_id_) {
    token_.clear();
    ++logoffs_;
    FakeResponse deleted;
    deleted.status = 204;
    return deleted;
  }
  return std::nullopt;
}

}  // namespace emarchive::testing
