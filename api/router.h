#pragma once
// From a parsed HTTP request to the HTTP response: target parsing, the request's origin,
// content negotiation, authentication and dispatch. No sockets here; the server calls route()
// once per request, and tests can too.
//
// Dispatch, in this order:
//   1. target not origin-form or absolute-form, bad percent-encoding, or a NUL once decoded: 400;
//      HTTP/1.1 without exactly one valid Host header: 400.
//   2. path not /api or under /api/: 404.
//   3. Accept preferring application/json: 406 for everything, the entry point and logon
//      included. EM would answer JSON; emarchive does not serve it yet and says so, rather than
//      send XML to a client that parses JSON. ResourceHandlers therefore never see
//      wants_json == true today.
//   4. GET /api/ (entry point) and POST /api/sessionMngr/ (logon): no token needed.
//   5. anything else: the token (X-RestSvcSessionId cookie, else header) is checked (401 when
//      refused), then /api/logonSessions[/{id}] is answered here and every other path goes to
//      the ResourceHandler, GET only: every resource it serves is read-only, so other methods
//      get 405 with Allow: GET before it is called.
// A method a known resource does not take gets 405 with an Allow header. Path segments are
// matched case-insensitively, as EM (IIS/WCF) does.

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

class Router {
 public:
  // `public_url` is "" or the result of normalize_public_url. `allowed_hosts` as
  // ServerOptions::allowed_hosts: a request with another Host header gets 400. `auth` must
  // outlive the router.
  Router(Authenticator& auth, ResourceHandler resources, std::string public_url,
         std::vector<std::string> allowed_hosts = {});

  // Whether route() would check a password for this request (a logon with a users file):
  // PBKDF2 is slow by design, so the server routes such requests off its I/O threads.
  bool checks_password(
      const boost::beast::http::request<boost::beast::http::string_body>& request) const;

  // Never throws: an exception from the ResourceHandler (against its contract) becomes a 500
  // Error. The response's keep-alive follows the request's; Content-Length is set. Thread-safe.
  boost::beast::http::response<boost::beast::http::string_body> route(
      const boost::beast::http::request<boost::beast::http::string_body>& request,
      const ConnectionInfo& connection) const;

 private:
  ApiResponse dispatch(const boost::beast::http::request<boost::beast::http::string_body>& request,
                       const ConnectionInfo& connection) const;

  Authenticator& auth_;
  ResourceHandler resources_;
  std::string public_url_;
  std::vector<std::string> allowed_hosts_;
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
