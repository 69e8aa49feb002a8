#include "api/error_document.h"

#include <string>

#include "model/xml_escape.h"

namespace emarchive::api {

ApiResponse error_response(boost::beast::http::status status, std::string_view message) {
  ApiResponse response;
  response.status = status;
  std::string& body = response.body;
  body =
      R"(<?xml version="1.0" encoding="utf-8"?><Error xmlns="http://www.veeam.com/ent/v1.0" Message=")";
  xml::append_escaped_attribute(body, message);
  body += R"(" StatusCode=")";
  body += std::to_string(static_cast<unsigned>(status));
  body += R"(" />)";
  return response;
}

ApiResponse archive_error_response(const Error& error,
                                   const std::function<void(std::string_view)>& log) {
  namespace http = boost::beast::http;
  if (log) log(error.message);
  if (error.code == ErrorCode::busy) {
    ApiResponse response =
        error_response(http::status::service_unavailable,
                       "the archive is busy (locked by a writer); try again in " +
                           std::to_string(kBusyRetryAfterSeconds) + " s");
    response.headers.emplace_back("Retry-After", std::to_string(kBusyRetryAfterSeconds));
    return response;
  }
  std::string_view what;
  switch (error.code) {
    case ErrorCode::corrupt:
      what = "the archive is damaged or not an archive";
      break;
    case ErrorCode::io:
      what = "the archive's file cannot be read";
      break;
    default:
      what = "the archive failed";
      break;
  }
  return error_response(http::status::internal_server_error,
                        std::string(what) + "; the server's log says more");
}

}  // namespace emarchive::api
