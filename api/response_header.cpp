#include "api/response_header.h"

#include <cassert>

namespace emarchive::api {

void serialize_header(const boost::beast::http::response<boost::beast::http::string_body>& response,
                      std::string& out) {
  assert(!response.chunked());
  out.assign("HTTP/");
  out += static_cast<char>('0' + response.version() / 10);
  out += '.';
  out += static_cast<char>('0' + response.version() % 10);
  out += ' ';
  out += std::to_string(response.result_int());
  out += ' ';
  out += response.reason();
  out += "\r\n";
  for (const auto& field : response) {
    out += field.name_string();
    out += ": ";
    out += field.value();
    out += "\r\n";
  }
  out += "\r\n";
}

}  // namespace emarchive::api
