#include "app/duration.h"

#include <array>
#include <charconv>
#include <cstdint>
#include <span>
#include <string>

namespace emarchive::app {
namespace {

struct Unit {
  std::string_view suffix;
  std::int64_t milliseconds;
};

constexpr std::array<Unit, 5> kUnits = {Unit{"ms", 1}, Unit{"s", 1000}, Unit{"m", 60'000},
                                        Unit{"h", 3'600'000}, Unit{"d", 86'400'000}};

// A whole, non-negative number followed by nothing (`bare` is its unit) or by one of `units`.
Expected<std::chrono::milliseconds> parse(std::string_view text, std::int64_t bare,
                                          std::span<const Unit> units, std::string_view expected) {
  const auto invalid = [&] {
    return Error{"invalid duration '" + std::string(text) + "': expected " + std::string(expected),
                 ErrorCode::invalid_input};
  };
  std::int64_t number = 0;
  const char* end = text.data() + text.size();
  auto [rest, error] = std::from_chars(text.data(), end, number);
  if (error != std::errc() || rest == text.data() || number < 0) return invalid();
  std::int64_t unit = bare;
  if (rest != end) {
    const std::string_view suffix(rest, static_cast<std::size_t>(end - rest));
    unit = 0;
    for (const Unit& u : units) {
      if (u.suffix == suffix) unit = u.milliseconds;
    }
    if (unit == 0) return invalid();
  }
  // Beyond a century is a typo, and would overflow time arithmetic downstream.
  constexpr std::int64_t kMaxMilliseconds = 100LL * 365 * 86'400'000;
  if (number > kMaxMilliseconds / unit) return invalid();
  return std::chrono::milliseconds(number * unit);
}

}  // namespace

Expected<std::chrono::seconds> parse_duration(std::string_view text) {
  auto parsed = parse(text, 1000, std::span(kUnits).subspan(1),
                      "a whole number with s, m, h or d, e.g. 30s, 5m, 1h, 1d");
  if (!parsed) return parsed.error();
  return std::chrono::duration_cast<std::chrono::seconds>(*parsed);
}

Expected<std::chrono::milliseconds> parse_duration_ms(std::string_view text) {
  return parse(text, 1000, kUnits,
               "a whole number with ms, s, m, h or d, e.g. 250ms, 30s, 5m, 1h, 1d");
}

}  // namespace emarchive::app
