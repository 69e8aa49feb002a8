#pragma once
// An XML answer as the JSON EM would send: the router converts every answer whose client prefers
// JSON, and the resources convert a single record's and a query page's once, before caching
// them.

#include "api/resource_handler.h"

namespace emarchive::api {

// Replaces an XML `answer` (Content-Type application/xml, a body, not streamed) by its JSON
// (model/json_render.h, docs/API.md "JSON") with Content-Type kJsonContentType; leaves any other
// as it is. Only a bug in a renderer makes the XML unconvertible: the answer is then a 500 whose
// Error document, converted, says so.
void convert_to_json(ApiResponse& answer);

}  // namespace emarchive::api
