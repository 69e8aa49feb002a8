// `emarchive serve --db FILE [--listen HOST:PORT] [--public-url URL] [--threads N]
//                  [--users FILE] [--tls-cert FILE --tls-key FILE] [--list-window DAYS]
//                  [--allowed-host NAME[:PORT]]... [--max-connections-per-address N]
//                  [--as-of TIME] [--rpo DURATION] [--metrics-listen HOST:PORT]
//                  [--log-format text|json]`

#include <malloc.h>

#include <memory>
#include <optional>
#include <string>

#include "api/archive_metrics.h"
#include "api/archive_pool.h"
#include "api/http_metrics.h"
#include "api/resources.h"
#include "api/server.h"
#include "app/commands.h"
#include "app/duration.h"
#include "app/listen_address.h"
#include "app/metrics_listener.h"
#include "app/reporter.h"
#include "app/server_flags.h"
#include "dashboard/dashboard.h"
#include "log/logger.h"
#include "metrics/metrics.h"
#include "storage/archive.h"
#include "storage/as_of.h"

namespace emarchive::app {
namespace {

struct ServeConfig {
  std::string db;
  ServerFlags server{.listen = "127.0.0.1:9399"};
  std::string public_url;
  int list_window_days = 0;    // 0: lists reach everything archived
  std::string as_of;           // "": now; else as the archive knew it then (storage/as_of.h)
  std::string rpo = "24h";     // the dashboard's VMs outside their RPO
  std::string metrics_listen;  // "": /metrics on the API's address
  std::string log_format = "text";
};

int run_serve(const ServeConfig& config, StopSignal& stop) {
  stop.watch();
  auto format = log::parse_format(config.log_format);
  if (!format) return Reporter("serve").fail(kExitUsage, format.error().message);
  const log::Logger logger("serve", *format);
  const Reporter report("serve", logger);
  auto address = parse_listen_address(config.server.listen);
  if (!address) return report.fail(kExitUsage, address.error().message);

  // Check the archive once before listening, so that a wrong path fails at once.
  storage::OpenOptions open_options;
  open_options.create = false;
  open_options.read_only = true;
  if (auto probe = storage::Archive::open(config.db, open_options); !probe) {
    return report.fail(kExitFailure, probe.error().message);
  }
  auto pool = std::make_shared<api::ArchivePool>(
      [db = config.db, open_options] { return storage::Archive::open(db, open_options); });

  // Declared before the servers, which render it until they stop.
  metrics::Registry registry;
  api::HttpMetrics http_metrics(registry);
  api::ArchiveMetrics archive_metrics(registry, api::archive_reader(config.db, pool));

  api::ResourceOptions resources;
  if (config.list_window_days > 0) resources.list_window_days = config.list_window_days;
  resources.now = system_now;
  if (!config.as_of.empty()) {
    auto at = storage::parse_as_of_time(config.as_of, system_now());
    if (!at) return report.fail(kExitUsage, "--as-of: " + at.error().message);
    resources.as_of = *at;
  }
  resources.error_log = [log = resources.error_log, &archive_metrics](std::string_view line) {
    archive_metrics.archive_failed();
    if (log) log(line);
  };

  auto rpo = parse_duration(config.rpo);
  if (!rpo || rpo->count() == 0) {
    return report.fail(kExitUsage, "--rpo: " + (rpo ? "must be more than 0" : rpo.error().message));
  }
  dashboard::DashboardOptions pages;
  pages.db = config.db;
  pages.now = system_now;
  pages.rpo = rpo->count() * kSecond;
  pages.error_log = resources.error_log;
  auto configured = server_options(config.server, *address);
  if (!configured) return report.fail(kExitFailure, configured.error().message);
  api::ServerOptions& options = *configured;
  // glibc gives a thread that allocates while another holds its arena an arena of its own, up
  // to eight a core, and memory freed in one stays there: serve's I/O threads and pools pass
  // documents of a few KB between them. As many arenas as I/O threads, shared by all of serve's
  // threads: over 1,000,000 task sessions under wrk serve peaked at 55.4 to 57.6 MB instead of
  // 58 to 60, at the same CPU time per request; one arena in all, 54 to 55 MB, cost entities 6%
  // more CPU time (docs/BENCHMARKS.md).
  mallopt(M_ARENA_MAX, static_cast<int>(api::io_thread_count(options)));
  options.public_url = config.public_url;
  options.http_metrics = &http_metrics;
  options.warm_pages = true;
  if (config.metrics_listen.empty()) {
    options.metrics.render = [&registry] { return registry.render(); };
  }

  api::Server server(options, api::make_resource_handler(pool, resources),
                     dashboard::make_dashboard_handler(std::move(pages)));
  registry.add_collector([&server](metrics::TextWriter& out) {
    out.family("emarchive_http_open_connections", "gauge", "HTTP connections open on the API");
    out.sample("emarchive_http_open_connections", {},
               static_cast<double>(server.open_connections()));
  });
  auto bound = server.start();
  if (!bound) return report.fail(kExitFailure, bound.error().message);
  const std::string url = api_url(*bound, !config.server.tls_cert.empty());
  report.note(config.db + " on " + url +
              (options.users ? " (logon required)" : " (any credentials)") +
              (resources.as_of ? " as of " + format_em_time(*resources.as_of) : ""));
  report.note("dashboard at " + url.substr(0, url.size() - std::string_view("api/").size()));
  std::optional<MetricsListener> metrics_listener;
  if (!config.metrics_listen.empty()) {
    auto started = start_metrics_listener(config.metrics_listen, options, registry, &http_metrics);
    if (!started) return report.fail(kExitFailure, started.error().message);
    metrics_listener = std::move(*started);
    report.note("metrics on " + metrics_listener->url);
  }
  const int signal = stop.wait();
  // Drains; a second signal meanwhile ends the process at once (StopSignal).
  if (metrics_listener) metrics_listener->server->stop();
  server.stop();
  report.note("stopped on signal " + std::to_string(signal));
  return kExitOk;
}

}  // namespace

CommandRunner add_serve_command(CLI::App& app) {
  auto config = std::make_shared<ServeConfig>();
  CLI::App* cmd = app.add_subcommand(
      "serve", "Serve the archive over HTTP(S) in EM's own representations, as EM would");
  cmd->add_option("--db", config->db, "Archive database file")->required();
  add_server_flags(*cmd, config->server,
                   "Users file (see `emarchive users add`): logon checked, tokens required");
  cmd->add_option("--public-url", config->public_url,
                  "scheme://host:port to write in Hrefs instead of the request's Host");
  cmd->add_option("--list-window", config->list_window_days,
                  "Collections list only sessions of the last DAYS days, as EM does (30); "
                  "the query service still reaches everything")
      ->check(CLI::Range(1, 36500));
  cmd->add_option("--as-of", config->as_of,
                  "Answer as the archive knew it at TIME: an xs:dateTime "
                  "(2026-06-01T00:00:00Z) or now-N with s, m, h, d or w (now-7d); any server "
                  "also answers /asof/TIME/api/... so");
  cmd->add_option("--rpo", config->rpo,
                  "The dashboard lists VMs without a restore point this recent (24h; 36h, 2d)");
  cmd->add_option("--metrics-listen", config->metrics_listen,
                  "HOST:PORT to serve Prometheus' /metrics on, alone (same logon rules); "
                  "default: /metrics on --listen");
  cmd->add_option("--log-format", config->log_format,
                  "Log lines as text, or as JSON lines for journald and log shippers (the "
                  "access log stays text)")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  return [config](StopSignal& stop) { return run_serve(*config, stop); };
}

}  // namespace emarchive::app
