// `emarchive serve --db FILE [--listen HOST:PORT] [--public-url URL] [--threads N]
//                  [--users FILE] [--tls-cert FILE --tls-key FILE] [--list-window DAYS]
//                  [--allowed-host NAME[:PORT]]... [--max-connections-per-address N]
//                  [--log-format text|json]`

#include <memory>
#include <string>

#include "api/archive_pool.h"
#include "api/resources.h"
#include "api/server.h"
#include "app/commands.h"
#include "app/listen_address.h"
#include "app/reporter.h"
#include "app/server_flags.h"
#include "log/logger.h"
#include "storage/archive.h"

namespace emarchive::app {
namespace {

struct ServeConfig {
  std::string db;
  ServerFlags server{.listen = "127.0.0.1:9399"};
  std::string public_url;
  int list_window_days = 0;  // 0: lists reach everything archived
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

  storage::prepare_for_parallel_readers();
  // Check the archive once before listening, so that a wrong path fails at once.
  storage::OpenOptions open_options;
  open_options.create = false;
  open_options.read_only = true;
  if (auto probe = storage::Archive::open(config.db, open_options); !probe) {
    return report.fail(kExitFailure, probe.error().message);
  }
  auto pool = std::make_shared<api::ArchivePool>(
      [db = config.db, open_options] { return storage::Archive::open(db, open_options); });

  api::ResourceOptions resources;
  if (config.list_window_days > 0) resources.list_window_days = config.list_window_days;
  resources.now = system_now;

  auto configured = server_options(config.server, *address);
  if (!configured) return report.fail(kExitFailure, configured.error().message);
  api::ServerOptions& options = *configured;
  options.public_url = config.public_url;

  api::Server server(options, api::make_resource_handler(pool, resources));
  auto bound = server.start();
  if (!bound) return report.fail(kExitFailure, bound.error().message);
  report.note(config.db + " on " + api_url(*bound, !config.server.tls_cert.empty()) +
              (options.users ? " (logon required)" : " (any credentials)"));
  const int signal = stop.wait();
  // Drains; a second signal meanwhile ends the process at once (StopSignal).
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
  cmd->add_option("--log-format", config->log_format,
                  "Log lines as text, or as JSON lines for journald and log shippers (the "
                  "access log stays text)")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  return [config](StopSignal& stop) { return run_serve(*config, stop); };
}

}  // namespace emarchive::app
