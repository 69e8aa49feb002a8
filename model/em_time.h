#pragma once
// EM's timestamps (xs:dateTime, "2025-06-05T01:04:29.56Z"). The original text is always what is
// archived and served; the value parsed here only orders and filters.

#include <cstdint>
#include <string>
#include <string_view>

#include "model/expected.h"

namespace emarchive {

// Nanoseconds since 1970-01-01T00:00:00Z.
using EmTime = std::int64_t;

// Durations in EmTime's unit. A day is always 24 hours: EM's times are UTC.
inline constexpr EmTime kSecond = 1'000'000'000;
inline constexpr EmTime kMinute = 60 * kSecond;
inline constexpr EmTime kHour = 60 * kMinute;
inline constexpr EmTime kDay = 24 * kHour;

// The system clock's time now. Process-wide like the clock itself: app/ reads it and hands it
// down (as a start time, or as the `now` function an option takes); libraries take a clock so
// that tests can set it.
EmTime system_now();

// Accepts YYYY-MM-DDThh:mm:ss with 0 to 9 fractional digits, then "Z", "+hh:mm", "-hh:mm" or
// nothing (taken as UTC, as EM's query service does). The whole text must be consumed. The error
// message quotes the text and says what is wrong with it; callers add where it was found.
Expected<EmTime> parse_em_time(std::string_view text);

// "2025-06-05T01:04:29.560000000Z"-style canonical text with the fraction trimmed of zeros
// ("2025-06-05T01:04:29.56Z", "2025-06-05T01:04:29Z"); for messages and derived output.
std::string format_em_time(EmTime value);

}  // namespace emarchive
