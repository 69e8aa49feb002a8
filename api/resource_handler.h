#pragma once
// The seam between the HTTP server (listener, connections, logon) and the handlers that answer
// for archived resources (collections, records, the query service). The server parses and
// authenticates a request, then hands everything under /api/ that is not logon or the entry
// point to a ResourceHandler.

#include <functional>
#include <memory>
#include <optional>
// Before any Boost header: Boost 1.81's core/detail/string_view.hpp uses std::ostream
// without including <ostream>.
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>

#include "model/em_time.h"

namespace emarchive::api {

struct ApiRequest {
  boost::beast::http::verb method = boost::beast::http::verb::get;
  std::string target;  // as received: path and query, percent-encoded ("/api/query?type=...")
  std::string path;    // decoded path without query ("/api/backupSessions/<guid>")
  // Decoded query parameters in the order received (names as sent; EM matches them
  // case-insensitively, handlers do too).
  std::vector<std::pair<std::string, std::string>> query;
  // scheme://host:port every Href in the response must carry: --public-url if set, otherwise the
  // scheme the server listens with and the request's Host header.
  std::string origin;
  // Accept prefers application/json. The router converts every XML answer to JSON itself
  // (model/json_render.h); only a handler that streams (ApiResponse::stream) looks at this.
  bool wants_json = false;
  // Answer as the archive knew it at this instant (a /asof/<TIME>/ prefix; storage/as_of.h);
  // nullopt: as it is now, unless the handler was set up with an instant of its own.
  std::optional<EmTime> as_of;
};

// A body produced piecewise, for answers too large to build at once (a query page of any size):
// each call appends the next part to `out` (which the caller has emptied) and returns false once
// the body is complete (the last call may append nothing). Called on a server thread, one call
// at a time, possibly after the handler returned and between writes to the client; it must own
// what it uses. An archive failure midway can only cut the body short (the status is sent): it
// appends nothing more and returns false, so the client gets a document that does not parse,
// and the server's log says why.
using BodyStream = std::function<bool(std::string& out)>;

// Bytes that another owner keeps (a document of the server's cache, api/document_cache.h), kept
// there unchanged for as long as this is held.
using SharedDocument = std::shared_ptr<const std::string_view>;

inline constexpr std::string_view kJsonContentType = "application/json; charset=utf-8";

struct ApiResponse {
  boost::beast::http::status status = boost::beast::http::status::ok;
  std::string body;  // an EM XML document, or an Error document for errors
  std::string content_type = "application/xml; charset=utf-8";
  // When set, the body is `body` followed by what `stream` produces, sent chunked. The handler
  // then writes the format itself (wants_json) and sets content_type to match.
  BodyStream stream;
  // The body when it is a document of the server's cache (`body` is then empty): sent as it is,
  // shared with the cache rather than copied into each answer (a query page is some 140 KB,
  // and 64 clients reading cached pages held 64 copies).
  SharedDocument shared_body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

// Called on a server thread; must be safe to call from several threads at once (each thread may
// use its own archive connection). Must not throw for anything a client can send.
using ResourceHandler = std::function<ApiResponse(const ApiRequest&)>;

}  // namespace emarchive::api
