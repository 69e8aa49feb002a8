#pragma once
// The clock every timing of emarchive_bench reads.

#include <chrono>

namespace emarchive::bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace emarchive::bench
