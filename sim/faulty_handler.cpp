#include "sim/faulty_handler.h"

#include <atomic>
#include <cassert>
#include <memory>
#include <string>

#include "api/error_document.h"
#include "sim/splitmix.h"

namespace emarchive::sim {

api::ResourceHandler with_faults(api::ResourceHandler inner, const FaultOptions& options) {
  assert(options.rate >= 0 && options.rate <= 1);
  if (options.rate == 0) return inner;
  // Shared by the handler's copies (std::function copies its target).
  auto requests = std::make_shared<std::atomic<std::uint64_t>>(0);
  return [inner = std::move(inner), options, requests](const api::ApiRequest& request) {
    const std::uint64_t n = requests->fetch_add(1, std::memory_order_relaxed);
    const std::uint64_t draw = mix(mix(options.seed ^ 0x5ca1ab1e0ddba11ULL) + n);
    // The top 53 bits as a double in [0, 1): rate 1 fails every request, rate 0 none.
    if (static_cast<double>(draw >> 11) * 0x1p-53 >= options.rate) return inner(request);
    namespace http = boost::beast::http;
    if (draw & 1) {
      api::ApiResponse busy = api::error_response(
          http::status::service_unavailable,
          "the service is temporarily unavailable (simulated by --fail-rate); retry later");
      busy.headers.emplace_back("Retry-After", std::to_string(api::kBusyRetryAfterSeconds));
      return busy;
    }
    return api::error_response(http::status::internal_server_error,
                               "internal server error (simulated by --fail-rate)");
  };
}

}  // namespace emarchive::sim
