#pragma once
// Server errors on purpose, for testing EM clients against a flaky EM (`emarchive simulate
// --fail-rate`): a ResourceHandler that answers a share of the requests it is given with 500 or
// 503 and EM's Error document instead of passing them on.
//
// Only what reaches a ResourceHandler can fail: the entry point (GET /api/), the logon and the
// logon sessions are answered by the server before it, so a client can always log on.

#include <cstdint>

#include "api/resource_handler.h"

namespace emarchive::sim {

struct FaultOptions {
  std::uint64_t seed = 1;  // which requests fail: same seed, same ones
  double rate = 0;         // share of requests that fail, 0 (none) to 1 (all)
};

// Request n (counting from 0, in the order requests reach the handler, over the handler's life)
// fails when a value drawn from (seed, n) falls below `rate`; then it is a 503 Service
// Unavailable with Retry-After (EM overloaded) or a 500 Internal Server Error, half and half,
// without calling `inner`. So a client that sends one request at a time meets the same failures
// on every run with the same seed, and any N requests meet the same number of failures, also when
// sent concurrently. Thread-safe if `inner` is. Preconditions: 0 <= rate <= 1 (asserted).
api::ResourceHandler with_faults(api::ResourceHandler inner, const FaultOptions& options);

}  // namespace emarchive::sim
