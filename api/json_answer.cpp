#include "api/json_answer.h"

#include <string>

#include "api/error_document.h"
#include "model/json_render.h"

namespace emarchive::api {

void convert_to_json(ApiResponse& answer) {
  const std::string_view xml = answer.shared_body ? *answer.shared_body : answer.body;
  if (answer.stream || xml.empty() || !answer.content_type.starts_with("application/xml")) return;
  auto json = render_json(xml);
  if (!json) {
    answer = error_response(
        boost::beast::http::status::internal_server_error,
        "internal error: cannot convert the answer to JSON: " + json.error().message);
    json = render_json(answer.body);
    if (!json) return;
  }
  answer.shared_body.reset();
  answer.body = std::move(*json);
  answer.content_type = kJsonContentType;
}

}  // namespace emarchive::api
