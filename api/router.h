#pragma once
// From a parsed HTTP request to the HTTP response: target parsing, the request's origin,
// content negotiation, authentication and dispatch. No sockets here; the server calls route()
// once per request, and tests can too.
//
// Dispatch, in this order:
//   1. target not origin-form or absolute-form, bad percent-encoding, or a NUL once decoded: 400;
//      HTTP/1.1 without exactly one valid Host header: 400.
//   2. /metrics, when served (MetricsRoute).
//   3. a /asof/<TIME> prefix is taken off (ApiRequest::as_of; 400 when TIME is not an
//      instant) and kept in the origin of every Href.
//   4. path not /api or under /api/: the page handler's when there is one (the dashboard: GET
//      only; a browser that cannot send the token logs on with HTTP Basic, see Router::page),
//      else 404.
//   5. GET /api/ (entry point) and POST /api/sessionMngr/ (logon, with or without ?v=): no
//      token needed.
//   6. anything else: the token (X-RestSvcSessionId cookie, else header) is checked (401 when
//      refused), then /api/logonSessions[/{id}] is answered here and every other path goes to
//      the ResourceHandler, GET only: every resource it serves is read-only, so other methods
//      get 405 with Allow: GET, HEAD before it is called.
// A method a known resource does not take gets 405 with an Allow header. Path segments are
// matched case-insensitively, as EM (IIS/WCF) does, and repeated slashes count as one. HEAD is
// answered wherever GET is, with GET's headers (Content-Length included) and no body.
//
// Every answer, errors included, is in the format Accept prefers (prefers_json): an XML answer
// is converted to EM's JSON (model/json_render.h, docs/API.md "JSON") with Content-Type
// application/json; charset=utf-8.

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "api/auth.h"
#include "api/resource_handler.h"
#include "model/expected.h"

namespace emarchive::api {

// What the router needs to know about the connection a request came on.
struct ConnectionInfo {
  bool tls = false;
  // "host:port" the connection was accepted on; the origin for HTTP/1.0 requests without Host.
  std::string local_authority;
  // The client's IP address ("127.0.0.1", "::1"); failed logons and logon sessions are counted
  // by it.
  std::string remote_address{};
};

struct RoutedResponse {
  boost::beast::http::response<boost::beast::http::string_body> message;
  // The rest of the body, sent as chunks (HTTP/1.1: the message is chunked) or as it comes until
  // the connection closes (HTTP/1.0: the message has no Content-Length and no keep-alive).
  BodyStream stream;
  // HEAD of a streamed answer: only the message's header is sent, as GET's would be (chunked,
  // or for HTTP/1.0 without a length); the body is never produced.
  bool header_only = false;
  // The body, when it is shared with the cache (ApiResponse::shared_body): the message's own is
  // then empty, and its Content-Length is this one's size.
  SharedDocument shared_body;
};

// GET /metrics (docs/METRICS.md): Prometheus' text from `render`, with the API's authentication:
// in an enforcing mode a live X-RestSvcSessionId token (cookie, header, or
// `Authorization: Bearer TOKEN`) or Basic credentials of a users-file user (checked as a logon
// is, without opening a session); in open mode anyone.
struct MetricsRoute {
  std::function<std::string()> render;  // empty: no /metrics (404, as any unknown path)
  bool only = false;                    // /metrics alone: every other path is 404
};

class Router {
 public:
  // `public_url` is "" or the result of normalize_public_url. `allowed_hosts` as
  // ServerOptions::allowed_hosts: a request with another Host header gets 400. `pages`, when
  // given, answers every path outside /api/ (step 4 above). `auth` must outlive the router.
  // `now` resolves relative instants in a /asof/now-7d/ prefix.
  Router(Authenticator& auth, ResourceHandler resources, std::string public_url,
         std::vector<std::string> allowed_hosts = {}, ResourceHandler pages = {},
         std::function<EmTime()> now = system_now, MetricsRoute metrics = {});

  // Where route() is to run for `request`: most requests are quick enough for the server's I/O
  // threads; a logon with a users file, or /metrics or a page with Basic credentials, checks a
  // password (PBKDF2, slow by design); a dashboard page or /metrics reads across the archive
  // (seconds over millions of sessions, the first time); a page of the query service reads as
  // much as its filter matches. Those run on pools of their own, so that they never hold up the
  // other requests of the I/O thread their connection is on.
  enum class Work { quick, password, page, query };
  Work work_of(const boost::beast::http::request<boost::beast::http::string_body>& request) const;

  // Never throws: an exception from the ResourceHandler (against its contract) becomes a 500
  // Error. The response's keep-alive follows the request's; Content-Length is set. Thread-safe.
  // The whole body is in the message (a streamed one is produced here; HEAD of one gets GET's
  // chunked header without a length): for tests and callers that want one buffer.
  boost::beast::http::response<boost::beast::http::string_body> route(
      const boost::beast::http::request<boost::beast::http::string_body>& request,
      const ConnectionInfo& connection) const;

  // As route(), but a large body (ApiResponse::stream) is left to the caller: the message's
  // body holds the first part, and `stream` produces the rest (RoutedResponse). It is never
  // produced whole, whatever the request's version; for HEAD it is not produced at all.
  RoutedResponse route_streamed(
      const boost::beast::http::request<boost::beast::http::string_body>& request,
      const ConnectionInfo& connection) const;

 private:
  ApiResponse dispatch(const boost::beast::http::request<boost::beast::http::string_body>& request,
                       const ConnectionInfo& connection, bool wants_json) const;
  // A page outside /api/. A browser cannot add EM's token header, so a page that the token (its
  // cookie) does not admit takes HTTP Basic credentials instead: a 401 from logon (with
  // WWW-Authenticate, so that the browser asks for them), else one logon whose token comes back
  // as a cookie for the whole site (HttpOnly, SameSite=Strict, Secure over TLS), which also
  // admits the browser to the /api/ documents the pages link to.
  ApiResponse page(const boost::beast::http::request<boost::beast::http::string_body>& request,
                   const ApiRequest& api, const ConnectionInfo& connection) const;
  ApiResponse metrics_response(
      const boost::beast::http::request<boost::beast::http::string_body>& request,
      const ConnectionInfo& connection, boost::beast::http::verb method) const;

  Authenticator& auth_;
  ResourceHandler resources_;
  std::string public_url_;
  std::vector<std::string> allowed_hosts_;
  ResourceHandler pages_;
  std::function<EmTime()> now_;
  MetricsRoute metrics_;
};

// "https://archive.example.com:9398/" -> "https://archive.example.com:9398": an http or https
// URL with a host, no user info, query or fragment and no path but "/". The error names the URL
// and what is wrong with it.
Expected<std::string> normalize_public_url(std::string_view url);

// Whether an Accept header value ranks application/json above XML (application/xml, text/xml,
// or a wildcard that covers XML); at equal quality the explicit type listed first wins, and
// explicit JSON beats a wildcard. "" (no Accept) is XML, as on EM.
bool prefers_json(std::string_view accept);

}  // namespace emarchive::api
