#pragma once
// What `serve` and `simulate` share: the server's flags, the ServerOptions made of them, and the
// address they announce once listening.

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "api/server.h"
#include "app/listen_address.h"
#include "model/expected.h"

namespace emarchive::app {

struct ServerFlags {
  std::string listen;    // HOST:PORT; its default is the command's
  unsigned threads = 0;  // 0: one per core
  std::string users{};   // users file, "" for none
  std::string tls_cert{};
  std::string tls_key{};
  std::vector<std::string> allowed_hosts{};  // Host headers accepted; empty: any
  std::size_t max_connections_per_address = api::ServerOptions{}.max_connections_per_address;
};

// Registers --listen, --threads, --users (explained by `users_help`), --tls-cert, --tls-key and
// --allowed-host and --max-connections-per-address.
void add_server_flags(CLI::App& cmd, ServerFlags& flags, const std::string& users_help);

// ServerOptions listening on `address`, with the flags' threads, TLS files and users (loaded
// here: the error is the users file's), and an access log on stderr.
Expected<api::ServerOptions> server_options(const ServerFlags& flags, const ListenAddress& address);

// "http://127.0.0.1:9398/api/", "https://[::1]:9398/api/": where a server bound at `bound` serves.
std::string api_url(const api::Endpoint& bound, bool tls);

}  // namespace emarchive::app
