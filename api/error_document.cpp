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

}  // namespace emarchive::api
