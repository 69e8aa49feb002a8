#pragma once
// EM's Error document, the body of every error response emarchive sends.
//
// The XML shape is inferred, not captured: EM's docs name the type "Error" but show no XML
// example; the one body seen in the wild is JSON with Message and StatusCode. Everything that
// writes an error goes through here so that a captured sample can correct the shape in one place.

#include <functional>
#include <ostream>  // see resource_handler.h
#include <string_view>

#include <boost/beast/http/status.hpp>

#include "api/resource_handler.h"
#include "model/expected.h"

namespace emarchive::api {

// `status` with body
//   <?xml version="1.0" encoding="utf-8"?>
//   <Error xmlns="http://www.veeam.com/ent/v1.0" Message="..." StatusCode="404" />
// `message` is attribute-escaped; it should say what was wrong with the request in words a
// client's user can act on. Never throws but for std::bad_alloc.
ApiResponse error_response(boost::beast::http::status status, std::string_view message);

// Seconds a client is told to wait (Retry-After) before asking again of a busy archive.
inline constexpr int kBusyRetryAfterSeconds = 1;

// The answer to a request the archive failed (an Error from storage/, or a connection the pool
// could not open). busy: 503 Service Unavailable with Retry-After: kBusyRetryAfterSeconds, as the
// archive is locked by a writer and the same request can succeed soon. Any other code: 500 whose
// Error document says what failed in general words: the message names the database file, which
// is the server's business, not its clients', so the full message goes to `log` (the server's
// error log) instead. Never throws but for std::bad_alloc.
ApiResponse archive_error_response(const Error& error,
                                   const std::function<void(std::string_view)>& log);

}  // namespace emarchive::api
