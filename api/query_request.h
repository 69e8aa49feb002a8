#pragma once
// The parameters of EM's query service (`/api/query?type=&format=&sortAsc=|sortDesc=&pageSize=
// &page=&filter=`, docs/EM-API.md 6.1), checked and turned into an archive query. Shared by
// the HTTP query service and `emarchive query`, so both answer the same way.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "model/expected.h"
#include "model/query_type.h"
#include "model/record.h"
#include "storage/record_query.h"

namespace emarchive::api {

inline constexpr std::int64_t kDefaultPageSize = 100;  // what EM answers without pageSize
// A page is built in memory on a server thread: larger pages are refused rather than letting one
// request hold a thread and the whole table. (EM documents no maximum.)
inline constexpr std::int64_t kMaxPageSize = 10000;

struct QueryRequest {
  const QueryType* type = nullptr;
  Form form = Form::Reference;  // format=References (default) or Entities
  std::int64_t page = 1;        // 1-based
  std::int64_t page_size = kDefaultPageSize;
  storage::RecordQuery query;  // with offset and limit of the page
};

// `params` as received (names case-insensitive; unknown names ignored, as EM does). Errors are
// the text of a 400 answer: "type: missing", "pageSize: 'x' is not a positive integer",
// "sortAsc: unknown field 'Foo' for type Job (fields: ...)", the filter's own messages...
Expected<QueryRequest> parse_query_request(
    const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace emarchive::api
