#pragma once
// Internal to api/: the header of an answer sent whole, as the connection writes it (api/
// connection.cpp sends it and the body as two buffers in one write; Beast's serializer took 5%
// of serve's CPU time a request to produce the same bytes, docs/BENCHMARKS.md).

#include <string>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace emarchive::api {

// The status line and fields of `response` into `out` (replacing what it held), byte for byte as
// Beast's serializer writes them. Only for an answer whose body is sent whole: it has a
// Content-Length (or, a 204, none) and is never chunked (the router's to_http).
void serialize_header(const boost::beast::http::response<boost::beast::http::string_body>& response,
                      std::string& out);

}  // namespace emarchive::api
