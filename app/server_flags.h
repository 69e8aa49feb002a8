#pragma once
// What `serve` and `simulate` share: the server's flags, the ServerOptions made of them, and the
// address they announce once listening.

#include <string>

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
};

// Registers --listen, --threads, --users (explained by `users_help`), --tls-cert and --tls-key.
void add_server_flags(CLI::App& cmd, ServerFlags& flags, const std::string& users_help);

// ServerOptions listening on `address`, with the flags' threads, TLS files and users (loaded
// here: the error is the users file's), and an access log on stderr.
Expected<api::ServerOptions> server_options(const ServerFlags& flags, const ListenAddress& address);

// "http://127.0.0.1:9398/api/", "https://[::1]:9398/api/": where a server bound at `bound` serves.
std::string api_url(const api::Endpoint& bound, bool tls);

}  // namespace emarchive::app
