#include "app/duration.h"

#include <charconv>
#include <cstdint>
#include <string>

namespace emarchive::app {

Expected<std::chrono::seconds> parse_duration(std::string_view text) {
  const auto invalid = [&] {
    return Error{"invalid duration '" + std::string(text) +
                     "': expected a whole number with s, m, h or d, e.g. 30s, 5m, 1h, 1d",
                 ErrorCode::invalid_input};
  };
  std::int64_t number = 0;
  const char* end = text.data() + text.size();
  auto [rest, error] = std::from_chars(text.data(), end, number);
  if (error != std::errc() || rest == text.data() || number < 0) return invalid();
  std::int64_t unit = 1;
  if (rest != end) {
    constexpr std::string_view kUnits = "smhd";
    constexpr std::int64_t kUnitSeconds[] = {1, 60, 3600, 86400};
    const std::size_t index = kUnits.find(*rest);
    if (rest + 1 != end || index == std::string_view::npos) return invalid();
    unit = kUnitSeconds[index];
  }
  // Beyond a century is a typo, and would overflow time arithmetic downstream.
  constexpr std::int64_t kMaxSeconds = 100LL * 365 * 86400;
  if (number > kMaxSeconds / unit) return invalid();
  return std::chrono::seconds(number * unit);
}

}  // namespace emarchive::app
