#pragma once
// `--metrics-listen HOST:PORT` of `serve` and `ingest`: a server that answers GET /metrics alone
// (docs/METRICS.md), so that Prometheus can scrape an address the API's clients do not use.

#include <memory>
#include <string>
#include <string_view>

#include "api/http_metrics.h"
#include "api/server.h"
#include "metrics/metrics.h"
#include "model/expected.h"

namespace emarchive::app {

struct MetricsListener {
  std::unique_ptr<api::Server> server;
  std::string url;  // "http://127.0.0.1:9400/metrics"
};

// Starts it on `listen` with `base`'s users, TLS files, allowed hosts and access log (ingest
// passes default options: no users, so loopback only), serving `registry` and counting its
// requests in `http_metrics` (nullptr: not counted); both must outlive the server. Errors:
// the listen address's, or the server's start().
Expected<MetricsListener> start_metrics_listener(std::string_view listen, api::ServerOptions base,
                                                 metrics::Registry& registry,
                                                 api::HttpMetrics* http_metrics);

}  // namespace emarchive::app
