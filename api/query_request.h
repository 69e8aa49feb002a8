#pragma once
// The parameters of EM's query service (`/api/query?type=&format=&sortAsc=|sortDesc=&pageSize=
// &page=&filter=`, docs/EM-API.md 6.1), checked and turned into an archive query. Shared by
// the HTTP query service and `emarchive query`, so both answer the same way.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/em_time.h"
#include "model/expected.h"
#include "model/query_type.h"
#include "model/record.h"
#include "storage/archive.h"
#include "storage/record_query.h"

namespace emarchive::api {

inline constexpr std::int64_t kDefaultPageSize = 100;  // what EM answers without pageSize
// EM documents no maximum page size, and none is imposed: the HTTP query service streams large
// pages (api/resources.cpp).

// A comparison (== or !=) of a field whose values EM lists (listed_values: Result, State,
// JobType...) with a value outside that list. It is a newer EM's value if archived records hold
// it, else a typo; the caller, which has the archive, decides (a 400 listing the values).
struct UnlistedValue {
  const QueryField* field = nullptr;
  std::string value;
  std::size_t position = 0;        // 0-based offset of the comparison in the filter text
  storage::CompiledFilter filter;  // `field == value` over the query's type
};

struct QueryRequest {
  const QueryType* type = nullptr;
  Form form = Form::Reference;  // format=References (default) or Entities
  std::int64_t page = 1;        // 1-based
  std::int64_t page_size = kDefaultPageSize;
  storage::RecordQuery query;                  // with offset and limit of the page
  std::vector<UnlistedValue> unlisted_values;  // in the filter's order
  // A value of the filter is relative to now (now-7d; or any value starting with "now", to be
  // safe): the answer changes as the clock moves.
  bool reads_clock = false;
};

// `params` as received (names case-insensitive; unknown names ignored, as EM does). Errors are
// the text of a 400 answer: "type: missing", "pageSize: 'x' is not a positive integer",
// "sortAsc: unknown field 'Foo' for type Job (fields: ...)", the filter's own messages...
// Relative times in the filter (now-7d) count from `now`, read once for the whole request.
Expected<QueryRequest> parse_query_request(
    const std::vector<std::pair<std::string, std::string>>& params, EmTime now);

// The first of `parsed`'s unlisted values that the archive holds no record of either, as the
// filter's error: "filter: at character 1: 'Failled' is not a Result (allowed: None, Success,
// ..., or a value archived records have)" (Result==Failled would otherwise select nothing,
// silently); nullopt when every value is known. The archive's own errors are returned as such.
Expected<std::optional<std::string>> unknown_value(storage::Archive& archive,
                                                   const QueryRequest& parsed);

}  // namespace emarchive::api
