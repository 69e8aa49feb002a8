// `emarchive serve --db FILE [--listen HOST:PORT] [--public-url URL] [--threads N]
//                  [--users FILE] [--tls-cert FILE --tls-key FILE] [--list-window DAYS]`

#include <charconv>
#include <chrono>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>

#include "api/archive_pool.h"
#include "api/resources.h"
#include "api/server.h"
#include "app/commands.h"
#include "app/listen_address.h"
#include "storage/archive.h"

namespace emarchive::app {
namespace {

struct ServeConfig {
  std::string db;
  std::string listen = "127.0.0.1:9399";
  std::string public_url;
  unsigned threads = 0;  // 0: one per core
  std::string users;
  std::string tls_cert;
  std::string tls_key;
  int list_window_days = 0;  // 0: lists reach everything archived
};

int run_serve(const ServeConfig& config) {
  auto address = parse_listen_address(config.listen);
  if (!address) {
    std::cerr << "emarchive serve: " << address.error().message << "\n";
    return kExitUsage;
  }

  // Check the archive once before listening, so that a wrong path fails at once.
  storage::OpenOptions open_options;
  open_options.create = false;
  open_options.read_only = true;
  if (auto probe = storage::Archive::open(config.db, open_options); !probe) {
    std::cerr << "emarchive serve: " << probe.error().message << "\n";
    return kExitFailure;
  }
  auto pool = std::make_shared<api::ArchivePool>(
      [db = config.db, open_options] { return storage::Archive::open(db, open_options); });

  api::ResourceOptions resources;
  if (config.list_window_days > 0) resources.list_window_days = config.list_window_days;
  resources.now = [] {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };

  api::ServerOptions options;
  options.host = address->host;
  options.port = address->port;
  options.threads = config.threads;
  options.public_url = config.public_url;
  options.tls_certificate_file = config.tls_cert;
  options.tls_private_key_file = config.tls_key;
  if (!config.users.empty()) {
    auto users = api::UsersFile::load(config.users);
    if (!users) {
      std::cerr << "emarchive serve: " << users.error().message << "\n";
      return kExitFailure;
    }
    options.users = std::move(*users);
  }
  options.access_log = [](std::string_view line) { std::cerr << line << "\n"; };

  api::Server server(options, api::make_resource_handler(pool, resources));
  auto bound = server.start();
  if (!bound) {
    std::cerr << "emarchive serve: " << bound.error().message << "\n";
    return kExitFailure;
  }
  const bool tls = !config.tls_cert.empty();
  const std::string host =
      bound->address.find(':') != std::string::npos ? "[" + bound->address + "]" : bound->address;
  std::cerr << "emarchive serve: " << config.db << " on " << (tls ? "https" : "http") << "://"
            << host << ":" << bound->port << "/api/"
            << (options.users ? " (logon required)" : " (any credentials)") << "\n";
  const int signal = server.run_until_signal();
  std::cerr << "emarchive serve: stopped on signal " << signal << "\n";
  return kExitOk;
}

}  // namespace

CommandRunner add_serve_command(CLI::App& app) {
  auto config = std::make_shared<ServeConfig>();
  CLI::App* cmd = app.add_subcommand(
      "serve", "Serve the archive over HTTP(S) in EM's own representations, as EM would");
  cmd->add_option("--db", config->db, "Archive database file")->required();
  cmd->add_option("--listen", config->listen, "HOST:PORT to listen on")->capture_default_str();
  cmd->add_option("--public-url", config->public_url,
                  "scheme://host:port to write in Hrefs instead of the request's Host");
  cmd->add_option("--threads", config->threads, "Server threads (default: one per core)");
  cmd->add_option("--users", config->users,
                  "Users file (see `emarchive users add`): logon checked, tokens required")
      ->check(CLI::ExistingFile);
  auto* cert = cmd->add_option("--tls-cert", config->tls_cert, "PEM certificate chain: serve HTTPS")
                   ->check(CLI::ExistingFile);
  auto* key = cmd->add_option("--tls-key", config->tls_key, "PEM private key of --tls-cert")
                  ->check(CLI::ExistingFile);
  cert->needs(key);
  key->needs(cert);
  cmd->add_option("--list-window", config->list_window_days,
                  "Collections list only sessions of the last DAYS days, as EM does (30); "
                  "the query service still reaches everything")
      ->check(CLI::Range(1, 36500));
  return [config] { return run_serve(*config); };
}

}  // namespace emarchive::app
