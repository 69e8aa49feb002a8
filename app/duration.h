#pragma once
// Durations typed on the command line: "45" or "45s" seconds, "15m", "1h", "2d" (and "250ms"
// where a fraction of a second makes sense).

#include <chrono>
#include <string_view>

#include "model/expected.h"

namespace emarchive::app {

// A whole, non-negative number of seconds, minutes, hours or days; the error names the text.
Expected<std::chrono::seconds> parse_duration(std::string_view text);

// The same, also in milliseconds ("250ms"); a bare number is still seconds.
Expected<std::chrono::milliseconds> parse_duration_ms(std::string_view text);

}  // namespace emarchive::app
