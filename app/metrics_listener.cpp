#include "app/metrics_listener.h"

#include "app/listen_address.h"
#include "app/server_flags.h"

namespace emarchive::app {

Expected<MetricsListener> start_metrics_listener(std::string_view listen, api::ServerOptions base,
                                                 metrics::Registry& registry,
                                                 api::HttpMetrics* http_metrics) {
  auto address = parse_listen_address(std::string(listen));
  if (!address)
    return Error{"--metrics-listen: " + address.error().message, ErrorCode::invalid_input};
  base.host = address->host;
  base.port = address->port;
  // A scrape every few seconds needs no more.
  base.threads = 1;
  base.metrics = api::MetricsRoute{[&registry] { return registry.render(); }, true};
  base.http_metrics = http_metrics;
  const bool tls = !base.tls_certificate_file.empty();
  auto server = std::make_unique<api::Server>(std::move(base), [](const api::ApiRequest&) {
    return api::ApiResponse{};  // never called: the router answers every other path with 404
  });
  auto bound = server->start();
  if (!bound) return bound.error();
  std::string url = api_url(*bound, tls);
  url.replace(url.size() - 5, 5, "/metrics");  // ".../api/" -> ".../metrics"
  return MetricsListener{std::move(server), std::move(url)};
}

}  // namespace emarchive::app
