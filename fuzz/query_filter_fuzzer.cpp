// Feeds arbitrary bytes to the query service's filter grammar (`/api/query?filter=`,
// `emarchive query --filter`): it must refuse what it cannot read with an Error, never crash.

#include <cstdint>
#include <string_view>

#include "model/query_filter.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto filter = emarchive::parse_filter(std::string_view(reinterpret_cast<const char*>(data), size));
  (void)filter;  // accepted or refused: both are fine, a crash or a sanitizer report is not
  return 0;
}
