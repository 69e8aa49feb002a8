#include "api/http_metrics.h"

#include <algorithm>
#include <string>

#include <boost/beast/core/string.hpp>

namespace emarchive::api {
namespace {

using boost::beast::iequals;

constexpr std::array<std::string_view, HttpMetrics::kMethods> kMethodNames = {
    "GET", "HEAD", "POST", "DELETE", "PUT", "PATCH", "OPTIONS", "other"};
constexpr std::array<std::string_view, HttpMetrics::kRoutes> kRouteNames = {
    "entry_point", "logon",    "logon_sessions", "query", "reports",   "collection",
    "record",      "children", "metrics",        "asof",  "dashboard", "other"};
// The statuses the server answers with; another one is counted through the family's lock.
constexpr std::array<unsigned, HttpMetrics::kStatusCount> kStatuses = {
    200, 201, 204, 301, 302, 304, 400, 401, 403, 404, 405,
    406, 408, 411, 413, 414, 415, 429, 431, 500, 501, 503};

std::size_t route_index(std::string_view route) {
  return static_cast<std::size_t>(std::find(kRouteNames.begin(), kRouteNames.end(), route) -
                                  kRouteNames.begin());
}

// The first three segments of a path ("/api//Jobs/x" -> api, Jobs, x) and how many there are.
struct Segments {
  std::array<std::string_view, 3> first{};
  std::size_t count = 0;
};

Segments split(std::string_view path) {
  Segments segments;
  while (!path.empty()) {
    const auto start = path.find_first_not_of('/');
    if (start == std::string_view::npos) break;
    path.remove_prefix(start);
    const auto end = path.find('/');
    if (segments.count < segments.first.size())
      segments.first[segments.count] = path.substr(0, end);
    ++segments.count;
    path.remove_prefix(end == std::string_view::npos ? path.size() : end);
  }
  return segments;
}

}  // namespace

std::string_view route_class(std::string_view target) {
  if (target.empty() || target == "-") return "other";
  target = target.substr(0, target.find('?'));
  // An absolute-form target ("http://host/api/"): its path.
  if (const auto scheme = target.find("://"); scheme != std::string_view::npos) {
    const auto path = target.find('/', scheme + 3);
    target = path == std::string_view::npos ? std::string_view("/") : target.substr(path);
  }
  const Segments s = split(target);
  if (s.count == 0) return "dashboard";
  if (s.count == 1 && iequals(s.first[0], "metrics")) return "metrics";
  if (iequals(s.first[0], "asof")) return "asof";
  if (!iequals(s.first[0], "api")) return "dashboard";
  if (s.count == 1) return "entry_point";
  const std::string_view name = s.first[1];
  if (iequals(name, "sessionMngr")) return "logon";
  if (iequals(name, "logonSessions")) return "logon_sessions";
  if (iequals(name, "query") || iequals(name, "querySvc")) return "query";
  if (iequals(name, "reports")) return "reports";
  if (s.count == 2) return "collection";
  if (s.count == 3) return "record";
  return "children";
}

HttpMetrics::HttpMetrics(metrics::Registry& registry)
    : requests_(registry.counter("emarchive_http_requests_total",
                                 "HTTP requests answered, by method, class of path and status code",
                                 {"method", "route", "code"})),
      durations_(
          registry.histogram("emarchive_http_request_duration_seconds",
                             "Time from a request read to its response written, by class of path",
                             metrics::latency_buckets(), {"route"})),
      logon_failures_(registry
                          .counter("emarchive_http_logon_failures_total",
                                   "Logons refused: wrong or missing credentials (401) or too "
                                   "many failures (429)")
                          .with({})) {
  for (std::size_t route = 0; route < kRoutes; ++route) {
    duration_children_[route] = &durations_.with({std::string(kRouteNames[route])});
  }
}

metrics::Counter& HttpMetrics::requests(std::size_t method, std::size_t route, unsigned status) {
  const auto known = std::find(kStatuses.begin(), kStatuses.end(), status);
  auto labels = [&] {
    return std::vector<std::string>{std::string(kMethodNames[method]),
                                    std::string(kRouteNames[route]), std::to_string(status)};
  };
  if (known == kStatuses.end()) return requests_.with(labels());
  auto& slot = request_children_[(method * kRoutes + route) * kStatuses.size() +
                                 static_cast<std::size_t>(known - kStatuses.begin())];
  metrics::Counter* counter = slot.load(std::memory_order_acquire);
  if (!counter) {
    // Two threads may both get here: with() returns the same child to both.
    counter = &requests_.with(labels());
    slot.store(counter, std::memory_order_release);
  }
  return *counter;
}

void HttpMetrics::observe(std::string_view method, std::string_view target, unsigned status,
                          double seconds) {
  const auto method_index = static_cast<std::size_t>(
      std::find(kMethodNames.begin(), kMethodNames.end() - 1, method) - kMethodNames.begin());
  const std::string_view route = route_class(target);
  const std::size_t route_at = route_index(route);
  requests(method_index, route_at, status).inc();
  duration_children_[route_at]->observe(seconds);
  if (route == "logon" && (status == 401 || status == 429)) logon_failures_.inc();
}

}  // namespace emarchive::api
