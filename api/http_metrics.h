#pragma once
// What the server counts about the requests it answers, for /metrics (docs/METRICS.md):
//   emarchive_http_requests_total{method,route,code}       counter
//   emarchive_http_request_duration_seconds{route}         histogram, from request read to
//                                                          response written
//   emarchive_http_logon_failures_total                    counter: logons refused (401, 429)
// Labels are bounded: `route` is a class of paths (route_class), never the path itself, and
// `method` one of a fixed list or "other".

#include <array>
#include <atomic>
#include <cstddef>
#include <string_view>

#include "metrics/metrics.h"

namespace emarchive::api {

// The class of paths a request target falls in: "entry_point" (/api/), "logon"
// (/api/sessionMngr/), "logon_sessions", "query" (/api/query, /api/querySvc), "reports"
// (/api/reports/...), "collection" (/api/<name>), "record" (/api/<name>/<id>), "children"
// (/api/<name>/<id>/<more>...), "metrics" (/metrics), "asof" (/asof/...), "dashboard" (anything
// else outside /api/, "/" included), "other" (no target: a request too malformed to have one).
// Letter case and repeated slashes do not matter, nor does the query.
std::string_view route_class(std::string_view target);

// Thread-safe; observe() takes no lock for the methods, routes and status codes the server
// answers with (others take the family's lock once each).
class HttpMetrics {
 public:
  // The label values counted without a lock: methods (with "other"), routes (route_class) and
  // status codes.
  static constexpr std::size_t kMethods = 8;
  static constexpr std::size_t kRoutes = 12;
  static constexpr std::size_t kStatusCount = 22;

  // Registers the families above in `registry`, which must outlive this object.
  explicit HttpMetrics(metrics::Registry& registry);

  // One request answered: `method` as sent ("-" when unknown), `target` as the access log shows
  // it ("-" when unknown), the status sent, and how long it took.
  void observe(std::string_view method, std::string_view target, unsigned status, double seconds);

 private:
  metrics::Counter& requests(std::size_t method, std::size_t route, unsigned status);

  metrics::Family<metrics::Counter>& requests_;
  metrics::Family<metrics::Histogram>& durations_;
  metrics::Counter& logon_failures_;
  // Children looked up once, then read without a lock.
  std::array<std::atomic<metrics::Counter*>, kMethods * kRoutes * kStatusCount> request_children_{};
  std::array<metrics::Histogram*, kRoutes> duration_children_{};
};

}  // namespace emarchive::api
