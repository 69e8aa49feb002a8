#include "api/router.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <exception>
#include <optional>
#include <variant>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/url/authority_view.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "api/entry_point.h"
#include "api/error_document.h"
#include "api/json_answer.h"
#include "api/logon_sessions.h"
#include "metrics/metrics.h"
#include "storage/as_of.h"

namespace emarchive::api {
namespace {

namespace http = boost::beast::http;
namespace urls = boost::urls;
using boost::beast::iequals;

constexpr std::string_view kTokenName = "X-RestSvcSessionId";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

ApiResponse method_not_allowed(std::string_view allow) {
  ApiResponse response = error_response(http::status::method_not_allowed,
                                        "method not allowed here; allowed: " + std::string(allow));
  response.headers.emplace_back("Allow", std::string(allow));
  return response;
}

// The session token: the cookie if there is one (as EM: the cookie wins), else the header.
std::optional<std::string_view> token_of(const http::request<http::string_body>& request) {
  for (auto range = request.equal_range(http::field::cookie); range.first != range.second;
       ++range.first) {
    std::string_view cookies = range.first->value();
    while (!cookies.empty()) {
      const auto end = cookies.find(';');
      const std::string_view pair = trim(cookies.substr(0, end));
      cookies.remove_prefix(end == std::string_view::npos ? cookies.size() : end + 1);
      const auto eq = pair.find('=');
      if (eq != std::string_view::npos && trim(pair.substr(0, eq)) == kTokenName) {
        std::string_view value = trim(pair.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
          value = value.substr(1, value.size() - 2);
        }
        return value;
      }
    }
  }
  const auto header = request.find(kTokenName);
  if (header != request.end()) return trim(header->value());
  return std::nullopt;
}

// Whether a Host header's authority is one of `allowed` ("name" for any port, or "name:port"),
// regardless of letter case. An empty list allows every host.
bool host_allowed(const urls::authority_view& host, const std::vector<std::string>& allowed) {
  if (allowed.empty()) return true;
  return std::any_of(allowed.begin(), allowed.end(), [&](const std::string& entry) {
    return iequals(entry, host.encoded_host_and_port()) || iequals(entry, host.encoded_host());
  });
}

// The origin for Hrefs, or a 400 Error.
std::variant<std::string, ApiResponse> origin_of(const http::request<http::string_body>& request,
                                                 const ConnectionInfo& connection,
                                                 const std::string& public_url,
                                                 const std::vector<std::string>& allowed_hosts) {
  const auto hosts = request.equal_range(http::field::host);
  const auto count = std::distance(hosts.first, hosts.second);
  if (count > 1) return error_response(http::status::bad_request, "more than one Host header");
  const std::string scheme = connection.tls ? "https://" : "http://";
  if (count == 0) {
    if (request.version() >= 11) {
      return error_response(http::status::bad_request, "HTTP/1.1 request without a Host header");
    }
    return public_url.empty() ? scheme + connection.local_authority : public_url;
  }
  // Checked even with a public URL: a malformed Host is a malformed request.
  const std::string_view host = trim(hosts.first->value());
  auto authority = urls::parse_authority(host);
  if (!authority || authority->has_userinfo() || authority->encoded_host().empty()) {
    return error_response(http::status::bad_request,
                          "invalid Host header '" + std::string(host) + "'");
  }
  if (!host_allowed(*authority, allowed_hosts)) {
    return error_response(http::status::bad_request,
                          "Host '" + std::string(host) + "' is not an allowed host of this server");
  }
  if (!public_url.empty()) return public_url;
  return scheme + std::string(host);
}

// The query service, /api/query, with or without its query string: `target` as sent or a
// decoded path. (The letter case of a path does not matter to EM.)
bool is_query_service_target(std::string_view target) {
  constexpr std::string_view kPath = "/api/query";
  if (!istarts_with(target, kPath)) return false;
  const std::string_view rest = target.substr(kPath.size());
  return rest.empty() || rest == "/" || rest.front() == '?' || rest.starts_with("/?");
}

bool is_api_path(std::string_view path) {
  return iequals(path, "/api") || istarts_with(path, "/api/");
}

bool has_nul(std::string_view s) {
  return s.find('\0') != std::string_view::npos;
}

// The characters a URI may not hold, which encode_stray_characters percent-encodes. curl and
// shell scripts send a filter as typed (`filter=CreationTime>="2026-01-01"`,
// `Result==Failed|State==Working`), EM's own examples are written so, and EM's host takes them;
// RFC 3986 does not, so they are encoded before parsing rather than refused. '%' stays as it is:
// an escape already made is kept. A table, because every byte of every target is looked up: a
// search of the list for each was 2% of serve's CPU time a request.
constexpr std::array<bool, 256> kStrayBytes = [] {
  std::array<bool, 256> stray{};
  for (int byte = 0; byte < 256; ++byte) stray[byte] = byte < 0x20 || byte >= 0x7F;
  for (const char c : std::string_view("\"<>\\^`{|} ")) stray[static_cast<unsigned char>(c)] = true;
  return stray;
}();

bool is_stray(char c) {
  return kStrayBytes[static_cast<unsigned char>(c)];
}

std::string encode_stray_characters(std::string_view target) {
  std::string out;
  out.reserve(target.size());
  for (const char c : target) {
    const auto byte = static_cast<unsigned char>(c);
    if (is_stray(c)) {
      constexpr std::string_view kHex = "0123456789ABCDEF";
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    } else {
      out += c;
    }
  }
  return out;
}

// Parses the target into `api` (path, query), or returns a 400 Error.
std::optional<ApiResponse> parse_target(std::string_view raw_target, ApiRequest& api) {
  // Most targets have nothing to encode: they are parsed where they are.
  std::string encoded;
  std::string_view target = raw_target;
  if (std::any_of(raw_target.begin(), raw_target.end(), is_stray)) {
    encoded = encode_stray_characters(raw_target);
    target = encoded;
  }
  urls::result<urls::url_view> url =
      target.starts_with('/') ? urls::parse_origin_form(target) : urls::parse_absolute_uri(target);
  if (!url) {
    return error_response(http::status::bad_request,
                          "malformed request target: " + url.error().message());
  }
  api.target = std::string(raw_target);
  // Repeated slashes are one, as EM's host treats them ("/api//sessionMngr/", which clients
  // build by joining a base URL ending in '/' with a path starting with one).
  for (char c : url->path()) {
    if (c != '/' || !api.path.ends_with('/')) api.path += c;
  }
  if (api.path.empty()) api.path = "/";
  // '+' is a space in a query, as HTML forms and most client libraries send it (and as EM's
  // ASP.NET host decodes it); a literal '+' arrives as %2B.
  urls::encoding_opts options;
  options.space_as_plus = true;
  for (const urls::param& param : url->params(options)) {
    api.query.emplace_back(param.key, param.value);
  }
  if (has_nul(api.path) || std::any_of(api.query.begin(), api.query.end(), [](const auto& p) {
        return has_nul(p.first) || has_nul(p.second);
      })) {
    return error_response(http::status::bad_request, "request target contains %00");
  }
  return std::nullopt;
}

// "/asof/<TIME>/api/...": answered as "/api/..." as the archive knew it at TIME, with the prefix
// kept after the origin of every Href, so that a client given ".../asof/<TIME>" as its base URL
// stays at that instant as it follows links. The prefix is taken off `api`; a 400 naming the
// TIME when it is not one.
std::optional<ApiResponse> take_as_of_prefix(ApiRequest& api, EmTime now) {
  constexpr std::string_view kPrefix = "/asof/";
  if (!istarts_with(api.path, kPrefix)) return std::nullopt;
  const std::string_view rest = std::string_view(api.path).substr(kPrefix.size());
  const std::size_t slash = rest.find('/');
  const std::string time(rest.substr(0, slash));
  auto at = storage::parse_as_of_time(time, now);
  if (!at) {
    return error_response(http::status::bad_request,
                          "bad instant in " + api.path + ": " + at.error().message);
  }
  api.as_of = *at;
  api.origin += std::string(kPrefix) + time;
  api.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  return std::nullopt;
}

RoutedResponse to_http(ApiResponse api, const http::request<http::string_body>& request) {
  RoutedResponse routed{
      {api.status, request.version()}, std::move(api.stream), false, std::move(api.shared_body)};
  http::response<http::string_body>& response = routed.message;
  if (!api.body.empty() || routed.stream || routed.shared_body) {
    response.set(http::field::content_type, api.content_type);
  }
  for (auto& [name, value] : api.headers) response.insert(name, value);
  response.body() = std::move(api.body);
  response.keep_alive(request.keep_alive());
  const bool head = request.method() == http::verb::head;
  if (routed.stream) {
    // Never produced whole: the length of a streamed body is known only at its end, and the
    // body can be far larger than the server's memory. HTTP/1.1 gets it chunked; HTTP/1.0,
    // which has no chunked coding, gets it ended by closing the connection (RFC 9112 6.3).
    // HEAD gets GET's headers and no body (RFC 9110 9.3.2 lets it leave out Content-Length).
    if (request.version() >= 11) {
      response.chunked(true);
    } else {
      response.keep_alive(false);
    }
    if (head) {
      routed.stream = nullptr;
      routed.header_only = true;
      response.body().clear();
    }
  } else if (response.result() != http::status::no_content) {
    // A 204 must carry neither a body nor Content-Length (RFC 9110 8.6).
    response.prepare_payload();
    if (routed.shared_body) response.content_length(routed.shared_body->size());
    // HEAD: the headers GET would send, Content-Length included, and no body.
    if (head) {
      response.body().clear();
      routed.shared_body.reset();
    }
  }
  return routed;
}

}  // namespace

Router::Router(Authenticator& auth, ResourceHandler resources, std::string public_url,
               std::vector<std::string> allowed_hosts, ResourceHandler pages,
               std::function<EmTime()> now, MetricsRoute metrics)
    : auth_(auth),
      resources_(std::move(resources)),
      public_url_(std::move(public_url)),
      allowed_hosts_(std::move(allowed_hosts)),
      pages_(std::move(pages)),
      now_(std::move(now)),
      metrics_(std::move(metrics)) {}

Router::Work Router::work_of(const http::request<http::string_body>& request) const {
  const bool logon = request.method() == http::verb::post;
  // Most requests are for /api/ and are not logons: their target is not parsed twice.
  if (!logon && istarts_with(request.target(), "/api/")) {
    return is_query_service_target(request.target()) ? Work::query : Work::quick;
  }
  ApiRequest api;
  if (parse_target(request.target(), api)) return Work::quick;  // a 400, answered at once
  if (take_as_of_prefix(api, now_())) return Work::quick;
  if (!logon && is_query_service_target(api.path)) return Work::query;
  const bool other_paths = metrics_.render || pages_;
  if (!logon && !other_paths) return Work::quick;
  if (logon) {
    const bool session_manager =
        iequals(api.path, "/api/sessionMngr") || iequals(api.path, "/api/sessionMngr/");
    return session_manager && auth_.checks_passwords() ? Work::password : Work::quick;
  }
  const bool metrics = metrics_.render && iequals(api.path, "/metrics");
  const bool page = pages_ && !metrics && !is_api_path(api.path);
  if (!metrics && !page) return Work::quick;
  // A scrape of /metrics or a dashboard page may bring Basic credentials to check
  // (metrics_response(), page()).
  const bool credentials = request.find(http::field::authorization) != request.end();
  return credentials && auth_.checks_passwords() ? Work::password : Work::page;
}

ApiResponse Router::metrics_response(const http::request<http::string_body>& request,
                                     const ConnectionInfo& connection, http::verb method) const {
  if (method != http::verb::get) return method_not_allowed("GET, HEAD");
  if (auth_.enforcing()) {
    const auto authorization = request.find(http::field::authorization);
    const std::string_view credentials =
        authorization == request.end() ? "" : trim(authorization->value());
    std::optional<Denial> denial;
    if (istarts_with(credentials, "basic ")) {
      denial = auth_.check_credentials(credentials, connection.remote_address);
    } else {
      constexpr std::string_view kBearer = "bearer ";
      auto caller = auth_.authenticate(istarts_with(credentials, kBearer)
                                           ? std::optional(trim(credentials.substr(kBearer.size())))
                                           : token_of(request));
      if (auto* refused = std::get_if<Denial>(&caller)) denial = std::move(*refused);
    }
    if (denial) {
      ApiResponse response = error_response(denial->status, denial->message);
      if (denial->status == http::status::unauthorized) {
        response.headers.emplace_back("WWW-Authenticate", R"(Basic realm="emarchive")");
      }
      if (denial->retry_after) {
        response.headers.emplace_back("Retry-After", std::to_string(denial->retry_after->count()));
      }
      return response;
    }
  }
  ApiResponse response;
  response.body = metrics_.render();
  response.content_type = std::string(metrics::kContentType);
  return response;
}

RoutedResponse Router::route_streamed(const http::request<http::string_body>& request,
                                      const ConnectionInfo& connection) const {
  const auto accept = request.find(http::field::accept);
  const bool json = accept != request.end() && prefers_json(accept->value());
  ApiResponse api;
  try {
    api = dispatch(request, connection, json);
  } catch (const std::exception& e) {
    api = error_response(http::status::internal_server_error,
                         std::string("internal error: ") + e.what());
  }
  if (json) convert_to_json(api);
  return to_http(std::move(api), request);
}

http::response<http::string_body> Router::route(const http::request<http::string_body>& request,
                                                const ConnectionInfo& connection) const {
  RoutedResponse routed = route_streamed(request, connection);
  if (routed.shared_body) routed.message.body() = *routed.shared_body;
  if (!routed.stream) return std::move(routed.message);
  std::string part;
  for (bool more = true; more;) {
    part.clear();
    more = routed.stream(part);
    routed.message.body() += part;
  }
  routed.message.chunked(false);
  routed.message.prepare_payload();
  return std::move(routed.message);
}

ApiResponse Router::dispatch(const http::request<http::string_body>& request,
                             const ConnectionInfo& connection, bool wants_json) const {
  ApiRequest api;
  api.wants_json = wants_json;
  // HEAD is answered as GET; to_http leaves the body out.
  const http::verb method =
      request.method() == http::verb::head ? http::verb::get : request.method();
  api.method = method;
  if (auto error = parse_target(request.target(), api)) return std::move(*error);
  auto origin = origin_of(request, connection, public_url_, allowed_hosts_);
  if (auto* error = std::get_if<ApiResponse>(&origin)) return std::move(*error);
  api.origin = std::move(std::get<std::string>(origin));

  if (metrics_.render && iequals(api.path, "/metrics")) {
    return metrics_response(request, connection, method);
  }
  if (metrics_.only) {
    return error_response(http::status::not_found,
                          "no resource at " + api.path + ": this address serves /metrics only");
  }
  if (auto error = take_as_of_prefix(api, now_())) return std::move(*error);
  std::string_view path = api.path;
  if (!is_api_path(path)) {
    // The dashboard shows the archive as it is now: under /asof/ it would pass for the past.
    if (api.as_of) {
      return error_response(http::status::not_found,
                            "no resource at " + api.path + ": /asof/<TIME>/ serves /api/ only");
    }
    if (pages_) return page(request, api, connection);
    return error_response(http::status::not_found, "no resource at " + api.path);
  }
  path.remove_prefix(std::min<std::size_t>(path.size(), 5));  // "/api/"
  if (path.empty()) {
    if (method != http::verb::get) return method_not_allowed("GET, HEAD");
    return entry_point_response(api);
  }
  if (iequals(path, "sessionMngr") || iequals(path, "sessionMngr/")) {
    if (method != http::verb::post) return method_not_allowed("POST");
    const auto authorization = request.find(http::field::authorization);
    return logon_response(auth_, api, authorization == request.end() ? "" : authorization->value(),
                          connection.remote_address);
  }

  auto caller = auth_.authenticate(token_of(request));
  if (auto* denial = std::get_if<Denial>(&caller)) {
    return error_response(denial->status, denial->message);
  }
  const auto& session = std::get<std::optional<LogonSession>>(caller);

  if (iequals(path, "logonSessions") || iequals(path, "logonSessions/")) {
    if (method != http::verb::get) return method_not_allowed("GET, HEAD");
    return logon_sessions_response(auth_, api, session);
  }
  constexpr std::string_view kSessionPrefix = "logonSessions/";
  if (istarts_with(path, kSessionPrefix) &&
      path.find('/', kSessionPrefix.size()) == std::string_view::npos) {
    const std::string_view id = path.substr(kSessionPrefix.size());
    if (method == http::verb::get) return logon_session_response(auth_, api, session, id);
    if (method == http::verb::delete_) return logoff_response(auth_, session, id);
    return method_not_allowed("GET, HEAD, DELETE");
  }

  if (method != http::verb::get) return method_not_allowed("GET, HEAD");
  return resources_(api);
}

ApiResponse Router::page(const http::request<http::string_body>& request, const ApiRequest& api,
                         const ConnectionInfo& connection) const {
  if (api.method != http::verb::get) return method_not_allowed("GET, HEAD");
  std::string cookie;
  if (std::holds_alternative<Denial>(auth_.authenticate(token_of(request)))) {
    const auto authorization = request.find(http::field::authorization);
    ApiResponse logon =
        logon_response(auth_, api, authorization == request.end() ? "" : authorization->value(),
                       connection.remote_address);
    if (logon.status != http::status::created) return logon;
    for (const auto& [name, value] : logon.headers) {
      if (name == kTokenName) cookie = std::string(kTokenName) + "=" + value;
    }
    cookie += "; Path=/; HttpOnly; SameSite=Strict";
    if (connection.tls) cookie += "; Secure";
  }
  ApiResponse response = pages_(api);
  if (!cookie.empty()) response.headers.emplace_back("Set-Cookie", std::move(cookie));
  return response;
}

Expected<std::string> normalize_public_url(std::string_view url) {
  auto fail = [&](std::string_view why) {
    return Error{"invalid public URL '" + std::string(url) + "': " + std::string(why),
                 ErrorCode::invalid_input};
  };
  auto parsed = urls::parse_absolute_uri(url);
  if (!parsed) return fail(parsed.error().message());
  if (parsed->scheme_id() != urls::scheme::http && parsed->scheme_id() != urls::scheme::https) {
    return fail("scheme must be http or https");
  }
  if (!parsed->has_authority() || parsed->encoded_host().empty()) return fail("no host");
  if (parsed->has_userinfo()) return fail("user info is not allowed");
  if (parsed->has_query()) return fail("a query is not allowed");
  if (!parsed->encoded_path().empty() && parsed->encoded_path() != "/") {
    return fail("a path is not allowed (Hrefs always start with /api/)");
  }
  std::string origin(parsed->scheme());
  origin += "://";
  origin += parsed->encoded_authority();
  return origin;
}

bool prefers_json(std::string_view accept) {
  struct Best {
    double q = -1;
    std::size_t position = 0;
  };
  Best json, xml, wildcard;
  std::size_t position = 0;
  while (!accept.empty()) {
    const auto end = accept.find(',');
    std::string_view item = accept.substr(0, end);
    accept.remove_prefix(end == std::string_view::npos ? accept.size() : end + 1);
    ++position;
    const auto semicolon = item.find(';');
    const std::string_view type = trim(item.substr(0, semicolon));
    double q = 1;
    if (semicolon != std::string_view::npos) {
      std::string_view params = item.substr(semicolon + 1);
      while (!params.empty()) {
        const auto next = params.find(';');
        const std::string_view param = trim(params.substr(0, next));
        params.remove_prefix(next == std::string_view::npos ? params.size() : next + 1);
        if (param.size() > 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
          const std::string_view value = param.substr(2);
          // from_chars for double is in libstdc++ 11+; values are at most "1.000".
          double parsed = 0;
          const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
          q = ec == std::errc() && ptr == value.data() + value.size() ? parsed : 0;
        }
      }
    }
    Best* slot = nullptr;
    if (iequals(type, "application/json")) {
      slot = &json;
    } else if (iequals(type, "application/xml") || iequals(type, "text/xml")) {
      slot = &xml;
    } else if (type == "*/*" || iequals(type, "application/*") || iequals(type, "text/*")) {
      slot = &wildcard;
    }
    if (slot && q > slot->q) *slot = Best{q, position};
  }
  if (json.q <= 0) return false;
  if (json.q != xml.q) return json.q > xml.q && json.q >= wildcard.q;
  return json.position < xml.position && json.q >= wildcard.q;
}

}  // namespace emarchive::api
