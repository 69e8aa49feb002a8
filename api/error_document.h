#pragma once
// EM's Error document, the body of every error response emarchive sends.
//
// The XML shape is inferred, not captured: EM's docs name the type "Error" but show no XML
// example; the one body seen in the wild is JSON with Message and StatusCode (em-api.md section
// 7). Everything that writes an error goes through here so that a captured sample can correct
// the shape in one place.

#include <ostream>  // see resource_handler.h
#include <string_view>

#include <boost/beast/http/status.hpp>

#include "api/resource_handler.h"

namespace emarchive::api {

// `status` with body
//   <?xml version="1.0" encoding="utf-8"?>
//   <Error xmlns="http://www.veeam.com/ent/v1.0" Message="..." StatusCode="404" />
// `message` is attribute-escaped; it should say what was wrong with the request in words a
// client's user can act on. Never throws but for std::bad_alloc.
ApiResponse error_response(boost::beast::http::status status, std::string_view message);

}  // namespace emarchive::api
