#include "ingest/http_client.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <thread>
#include <variant>

#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

namespace emarchive::ingest {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using boost::system::error_code;
using std::chrono::milliseconds;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// EM's headers are small; this only stops a misbehaving peer from growing the buffer forever.
constexpr std::uint32_t kMaxResponseHeader = 64 * 1024;
// A host name that does not resolve rarely starts resolving a moment later: two retries are
// enough to ride over a DNS hiccup without making a typo wait through the whole backoff.
constexpr int kMaxResolveAttempts = 3;

// "120 s", "1.3 s", "250 ms": for messages.
std::string describe_duration(milliseconds duration) {
  const auto ms = duration.count();
  if (ms < 1000) return std::to_string(ms) + " ms";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", static_cast<double>(ms) / 1000.0);
  return text;
}

// "Connection refused" -> "connection refused": error messages continue a sentence.
std::string sentence_part(std::string text) {
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z' &&
      (text.size() < 2 || !(text[1] >= 'A' && text[1] <= 'Z'))) {
    text[0] = static_cast<char>(text[0] - 'A' + 'a');
  }
  return text;
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && beast::iequals(text.substr(0, prefix.size()), prefix);
}

// The peer went away: the request may be sent again on a new connection.
bool is_connection_lost(const error_code& ec) {
  return ec == net::error::eof || ec == http::error::end_of_stream ||
         ec == http::error::partial_message || ec == ssl::error::stream_truncated ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == net::error::connection_aborted;
}

std::string name_text(X509_NAME* name) {
  if (!name) return {};
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return {};
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

struct ParsedBase {
  bool tls = false;
  std::string host;       // for resolving: no brackets around an IPv6 literal
  std::string authority;  // host:port as written in origin and the Host header
  std::string port;
  bool host_is_ip = false;
  std::string origin;
};

Expected<ParsedBase> parse_base_url(const std::string& base_url) {
  auto invalid = [&](std::string_view why) {
    return Error{"invalid EM URL '" + base_url + "': " + std::string(why),
                 ErrorCode::invalid_input};
  };
  auto parsed = boost::urls::parse_uri(base_url);
  if (!parsed) return invalid("not an absolute URL (" + parsed.error().message() + ")");
  const boost::urls::url_view url = *parsed;
  ParsedBase base;
  if (beast::iequals(url.scheme(), "https")) {
    base.tls = true;
  } else if (!beast::iequals(url.scheme(), "http")) {
    return invalid("the scheme must be http or https, not '" + std::string(url.scheme()) + "'");
  }
  if (url.encoded_host().empty()) return invalid("no host");
  if (url.has_userinfo()) return invalid("credentials do not belong in the URL; use --user");
  if (url.has_query() || url.has_fragment()) return invalid("a query or fragment is not allowed");
  const std::string_view path = url.encoded_path();
  if (path != "" && path != "/" && path != "/api" && path != "/api/") {
    return invalid("the path must be empty or /api, not '" + std::string(path) + "'");
  }
  if (url.has_port() && (url.port().empty() || url.port_number() == 0)) {
    return invalid("bad port '" + std::string(url.port()) + "'");
  }
  base.port = url.has_port() ? std::to_string(url.port_number()) : (base.tls ? "443" : "80");
  base.host = url.host_address();
  base.host_is_ip = url.host_type() == boost::urls::host_type::ipv4 ||
                    url.host_type() == boost::urls::host_type::ipv6;
  std::string host(url.encoded_host());
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  base.authority = host + ":" + base.port;
  base.origin = std::string(base.tls ? "https" : "http") + "://" + base.authority;
  return base;
}

// A path+query for the request line, from a target or an absolute URL.
Expected<std::string> request_path(std::string_view target) {
  if (target.starts_with('/')) return std::string(target);
  if (starts_with_ignoring_case(target, "http://") ||
      starts_with_ignoring_case(target, "https://")) {
    auto parsed = boost::urls::parse_uri(target);
    if (!parsed) {
      return Error{"cannot request '" + std::string(target) + "': " + parsed.error().message(),
                   ErrorCode::invalid_input};
    }
    std::string path(parsed->encoded_path());
    if (path.empty()) path = "/";
    if (parsed->has_query()) path += "?" + std::string(parsed->encoded_query());
    return path;
  }
  return Error{"cannot request '" + std::string(target) + "': not a path or an http(s) URL",
               ErrorCode::invalid_input};
}

// Why one attempt got no response.
struct Failure {
  enum class Kind {
    Retryable,
    Resolve,      // retryable, but only a few times
    Fatal,        // `what` continues "METHOD URL: "
    Certificate,  // `what` is the whole message
  };
  Kind kind = Kind::Retryable;
  std::string what;
  // Failed on a connection that had already served a response, before any byte of this one:
  // the server most likely closed it while idle, and the request never reached it.
  bool stale = false;
  ErrorCode code = ErrorCode::network;  // of the Error a Fatal failure becomes
};

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (beast::iequals(n, name)) return v;
  }
  return {};
}

milliseconds backoff_delay(int retry, milliseconds initial, milliseconds max,
                           std::mt19937_64& random) {
  // Doubling stops once past max, so that a large retry count cannot overflow.
  std::int64_t cap = std::max<std::int64_t>(initial.count(), 0);
  for (int i = 0; i < retry && cap < max.count(); ++i) cap *= 2;
  cap = std::min<std::int64_t>(cap, std::max<std::int64_t>(max.count(), 0));
  // A delay of zero would retry a struggling server at once, which backoff exists to avoid.
  const std::int64_t floor = std::min<std::int64_t>(5, cap);
  return milliseconds(std::uniform_int_distribution<std::int64_t>(floor, cap)(random));
}

struct HttpClient::Impl {
  HttpClientOptions options;
  ParsedBase base;
  std::optional<ssl::context> tls;
  std::mt19937_64 random;

  net::io_context io;
  tcp::resolver resolver{io};
  // The open connection, if any.
  std::variant<std::monostate, PlainStream, TlsStream> stream;
  beast::flat_buffer buffer;
  bool reused = false;  // the open connection has served a whole response
  // What the verify callback saw fail in the handshake under way.
  std::optional<std::string> certificate_problem;

  bool connected() const { return !std::holds_alternative<std::monostate>(stream); }

  beast::tcp_stream& lowest() {
    if (auto* plain = std::get_if<PlainStream>(&stream)) return *plain;
    return beast::get_lowest_layer(std::get<TlsStream>(stream));
  }

  template <class F>
  error_code with_stream(F f) {
    if (auto* plain = std::get_if<PlainStream>(&stream)) return f(*plain);
    return f(std::get<TlsStream>(stream));
  }

  // Runs one asynchronous operation to completion. The stream's expiry bounds it: on expiry
  // beast::tcp_stream closes the socket and the operation ends with beast::error::timeout.
  template <class Start>
  error_code run(Start start) {
    std::optional<error_code> result;
    start([&result](error_code ec, auto&&...) { result = ec; });
    io.restart();
    io.run();
    return result.value_or(net::error::operation_aborted);
  }

  void close() {
    if (!connected()) return;
    // No TLS close_notify: the connection is dropped, not handed over, and EM does not care.
    error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().close();
    stream.emplace<std::monostate>();
  }

  std::string describe(const error_code& ec, milliseconds timeout, std::string_view step) {
    if (ec == beast::error::timeout) {
      return std::string(step) + "timed out after " + describe_duration(timeout);
    }
    return sentence_part(ec.message());
  }

  Expected<tcp::resolver::results_type> resolve() {
    std::optional<error_code> result;
    tcp::resolver::results_type endpoints;
    resolver.async_resolve(base.host, base.port,
                           [&](error_code ec, tcp::resolver::results_type found) {
                             result = ec;
                             endpoints = std::move(found);
                           });
    io.restart();
    io.run_for(options.connect_timeout);
    if (!result) {
      // getaddrinfo cannot be interrupted: the cancelled lookup still runs to its own end
      // before the handler (which refers to this frame) is called.
      resolver.cancel();
      io.restart();
      io.run();
      return Error{"cannot resolve host '" + base.host + "': timed out after " +
                       describe_duration(options.connect_timeout),
                   ErrorCode::network};
    }
    if (*result) {
      return Error{"cannot resolve host '" + base.host + "': " + sentence_part(result->message()),
                   ErrorCode::network};
    }
    return endpoints;
  }

  void record_certificate_problem(std::string reason, X509_STORE_CTX* store) {
    if (certificate_problem) return;
    X509* certificate = X509_STORE_CTX_get_current_cert(store);
    const std::string subject = certificate ? name_text(X509_get_subject_name(certificate)) : "";
    const std::string issuer = certificate ? name_text(X509_get_issuer_name(certificate)) : "";
    certificate_problem = base.origin + ": TLS certificate verification failed: " + reason +
                          " (certificate subject '" + subject + "', issuer '" + issuer +
                          "'); pass the CA certificate that signed it with --ca-file FILE, or "
                          "--insecure to skip verification";
  }

  std::optional<Failure> open() {
    close();
    buffer.clear();
    reused = false;
    auto endpoints = resolve();
    if (!endpoints) return Failure{Failure::Kind::Resolve, endpoints.error().message};
    if (tls) {
      stream.emplace<TlsStream>(io, *tls);
    } else {
      stream.emplace<PlainStream>(io);
    }
    lowest().expires_after(options.connect_timeout);
    error_code ec = run([&](auto handler) { lowest().async_connect(*endpoints, handler); });
    if (ec) {
      close();
      return Failure{Failure::Kind::Retryable,
                     describe(ec, options.connect_timeout, "connecting ")};
    }
    if (!tls) return std::nullopt;

    auto& tls_stream = std::get<TlsStream>(stream);
    // SNI carries host names only (RFC 6066), never an IP literal.
    if (!base.host_is_ip) SSL_set_tlsext_host_name(tls_stream.native_handle(), base.host.c_str());
    certificate_problem.reset();
    if (!options.insecure) {
      tls_stream.set_verify_callback([this, matches_host = ssl::host_name_verification(base.host)](
                                         bool preverified, ssl::verify_context& context) {
        X509_STORE_CTX* store = context.native_handle();
        if (!preverified) {
          record_certificate_problem(X509_verify_cert_error_string(X509_STORE_CTX_get_error(store)),
                                     store);
          return false;
        }
        if (!matches_host(preverified, context)) {
          record_certificate_problem("it is not valid for host '" + base.host + "'", store);
          return false;
        }
        return true;
      });
    }
    lowest().expires_after(options.connect_timeout);
    ec = run([&](auto handler) { tls_stream.async_handshake(ssl::stream_base::client, handler); });
    if (!ec) return std::nullopt;
    close();
    if (certificate_problem) return Failure{Failure::Kind::Certificate, *certificate_problem};
    if (ec == beast::error::timeout || is_connection_lost(ec)) {
      return Failure{Failure::Kind::Retryable,
                     describe(ec, options.connect_timeout, "TLS handshake ")};
    }
    return Failure{Failure::Kind::Fatal, "TLS handshake failed: " + sentence_part(ec.message()),
                   false, ErrorCode::tls};
  }

  std::variant<HttpResponse, Failure> attempt(http::verb method, const std::string& path,
                                              const HttpHeaders& headers) {
    if (!connected()) {
      if (auto failure = open()) return *failure;
    }
    const bool was_reused = reused;
    http::request<http::empty_body> request{method, path, 11};
    request.set(http::field::host, base.authority);
    request.set(http::field::user_agent, "emarchive/" EMARCHIVE_VERSION);
    request.set(http::field::accept, "application/xml");
    for (const auto& [name, value] : headers) request.set(name, value);
    request.keep_alive(true);
    request.prepare_payload();

    // One deadline for writing the request and reading the whole response.
    lowest().expires_after(options.request_timeout);
    error_code ec = with_stream([&](auto& s) {
      return run([&](auto handler) { http::async_write(s, request, handler); });
    });
    http::response_parser<http::string_body> parser;
    parser.header_limit(kMaxResponseHeader);
    parser.body_limit(kMaxResponseBody);
    if (!ec) {
      ec = with_stream([&](auto& s) {
        return run([&](auto handler) { http::async_read(s, buffer, parser, handler); });
      });
    }
    if (ec) {
      close();
      if (ec == http::error::body_limit) {
        return Failure{Failure::Kind::Fatal, "response body larger than " +
                                                 std::to_string(kMaxResponseBody >> 20) + " MiB"};
      }
      if (ec.category() == http::make_error_code(http::error::bad_version).category() &&
          !is_connection_lost(ec)) {
        return Failure{Failure::Kind::Fatal, "malformed HTTP response: " + ec.message()};
      }
      Failure failure{Failure::Kind::Retryable, describe(ec, options.request_timeout, "")};
      if (is_connection_lost(ec)) {
        failure.what = parser.got_some() ? "connection closed in the middle of the response"
                                         : "connection closed without a response";
        failure.stale = was_reused && !parser.got_some();
      }
      return failure;
    }

    auto message = parser.release();
    HttpResponse response;
    response.status = message.result_int();
    response.reason = std::string(message.reason());
    if (response.reason.empty())
      response.reason = std::string(http::obsolete_reason(message.result()));
    for (const auto& field : message) {
      response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    response.body = std::move(message.body());
    reused = true;
    if (!message.keep_alive()) close();
    return response;
  }

  Expected<HttpResponse> request(http::verb method, std::string_view target,
                                 const HttpHeaders& headers) {
    auto path = request_path(target);
    if (!path) {
      return Error{std::string(http::to_string(method)) + " " + path.error().message,
                   path.error().code};
    }
    const std::string label = std::string(http::to_string(method)) + " " + base.origin + *path;
    const int max_attempts = std::max(options.max_attempts, 1);
    bool resent_stale = false;
    int attempts = 0;
    for (;;) {
      const auto started = std::chrono::steady_clock::now();
      auto outcome = attempt(method, *path, headers);
      if (options.observe) {
        const auto* answered = std::get_if<HttpResponse>(&outcome);
        options.observe(method, answered ? answered->status : 0,
                        std::chrono::steady_clock::now() - started);
      }
      std::string problem;
      int limit = max_attempts;
      if (auto* response = std::get_if<HttpResponse>(&outcome)) {
        if (response->status < 500) return std::move(*response);
        problem = std::to_string(response->status) + " " + response->reason;
      } else {
        auto& failure = std::get<Failure>(outcome);
        if (failure.stale && !resent_stale) {
          resent_stale = true;
          continue;
        }
        switch (failure.kind) {
          case Failure::Kind::Certificate:
            return Error{failure.what, ErrorCode::tls};
          case Failure::Kind::Fatal:
            return Error{label + ": " + failure.what, failure.code};
          case Failure::Kind::Resolve:
            limit = std::min(limit, kMaxResolveAttempts);
            break;
          case Failure::Kind::Retryable:
            break;
        }
        problem = std::move(failure.what);
      }
      ++attempts;
      if (attempts >= limit) {
        return Error{label + ": " + problem + " (" + std::to_string(attempts) +
                         (attempts == 1 ? " attempt)" : " attempts)"),
                     ErrorCode::network};
      }
      const milliseconds delay =
          backoff_delay(attempts - 1, options.backoff_initial, options.backoff_max, random);
      if (options.log) {
        options.log(label + ": " + problem + "; attempt " + std::to_string(attempts + 1) + " of " +
                    std::to_string(limit) + " in " + describe_duration(delay));
      }
      if (options.sleep) {
        options.sleep(delay);
      } else {
        std::this_thread::sleep_for(delay);
      }
    }
  }
};

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::~HttpClient() {
  impl_->close();
}

Expected<std::unique_ptr<HttpClient>> HttpClient::create(HttpClientOptions options) {
  auto base = parse_base_url(options.base_url);
  if (!base) return base.error();
  auto impl = std::make_unique<Impl>();
  impl->base = std::move(*base);
  if (impl->base.tls) {
    auto& context = impl->tls.emplace(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
    if (options.insecure) {
      context.set_verify_mode(ssl::verify_none);
    } else {
      context.set_verify_mode(ssl::verify_peer);
      error_code ec;
      if (options.ca_file.empty()) {
        context.set_default_verify_paths(ec);
        if (ec)
          return Error{"cannot use the system's CA certificates: " + ec.message(), ErrorCode::tls};
      } else {
        std::ifstream in(options.ca_file, std::ios::binary);
        if (!in)
          return Error{"cannot load CA file " + options.ca_file + ": " + std::strerror(errno),
                       ErrorCode::io};
        const std::string pem{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        if (in.bad()) {
          return Error{"cannot load CA file " + options.ca_file + ": " + std::strerror(errno),
                       ErrorCode::io};
        }
        context.add_certificate_authority(net::buffer(pem), ec);
        if (ec) {
          return Error{"cannot load CA file " + options.ca_file +
                           ": not a file of PEM certificates (" + ec.message() + ")",
                       ErrorCode::tls};
        }
      }
    }
  }
  if (options.jitter_seed != 0) {
    impl->random.seed(options.jitter_seed);
  } else {
    impl->random.seed(std::random_device{}());
  }
  impl->options = std::move(options);
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(impl)));
}

Expected<HttpResponse> HttpClient::request(boost::beast::http::verb method, std::string_view target,
                                           const HttpHeaders& headers) {
  return impl_->request(method, target, headers);
}

const std::string& HttpClient::origin() const {
  return impl_->base.origin;
}

std::string HttpClient::url(std::string_view target) const {
  auto path = request_path(target);
  return path ? impl_->base.origin + *path : std::string(target);
}

}  // namespace emarchive::ingest
