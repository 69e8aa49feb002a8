#include "app/server_flags.h"

#include <iostream>

namespace emarchive::app {

void add_server_flags(CLI::App& cmd, ServerFlags& flags, const std::string& users_help) {
  cmd.add_option("--listen", flags.listen, "HOST:PORT to listen on (port 0: any free one)")
      ->capture_default_str();
  cmd.add_option("--threads", flags.threads,
                 "Threads serving connections, one more accepts them (default: one per core)");
  cmd.add_option("--users", flags.users, users_help)->check(CLI::ExistingFile);
  auto* cert = cmd.add_option("--tls-cert", flags.tls_cert, "PEM certificate chain: serve HTTPS")
                   ->check(CLI::ExistingFile);
  auto* key = cmd.add_option("--tls-key", flags.tls_key, "PEM private key of --tls-cert")
                  ->check(CLI::ExistingFile);
  cert->needs(key);
  key->needs(cert);
  cmd.add_option("--allowed-host", flags.allowed_hosts,
                 "Host header a request may carry (NAME, or NAME:PORT); repeat for several. "
                 "Others get 400. Needed outside loopback unless --public-url is given");
  cmd.add_option("--max-connections-per-address", flags.max_connections_per_address,
                 "Connections served at once for one client address; beyond, 503")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1024}));
}

Expected<api::ServerOptions> server_options(const ServerFlags& flags,
                                            const ListenAddress& address) {
  api::ServerOptions options;
  options.host = address.host;
  options.port = address.port;
  options.threads = flags.threads;
  options.tls_certificate_file = flags.tls_cert;
  options.tls_private_key_file = flags.tls_key;
  options.allowed_hosts = flags.allowed_hosts;
  options.max_connections_per_address = flags.max_connections_per_address;
  if (!flags.users.empty()) {
    auto users = api::UsersFile::load(flags.users);
    if (!users) return users.error();
    options.users = std::move(*users);
  }
  options.access_log = [](std::string_view lines) { std::cerr << lines; };
  return options;
}

std::string api_url(const api::Endpoint& bound, bool tls) {
  const bool v6 = bound.address.find(':') != std::string::npos;
  return std::string(tls ? "https" : "http") + "://" +
         (v6 ? "[" + bound.address + "]" : bound.address) + ":" + std::to_string(bound.port) +
         "/api/";
}

}  // namespace emarchive::app
