#include "tests/support/test_server.h"

#include <stdexcept>

namespace emarchive::testing {
namespace {

api::ServerOptions loopback(api::ServerOptions options) {
  options.host = "127.0.0.1";
  options.port = 0;
  if (options.threads == 0) options.threads = 2;
  return options;
}

}  // namespace

TestServer::TestServer(api::ServerOptions options, api::ResourceHandler resources,
                       api::ResourceHandler pages)
    : server_(loopback(std::move(options)), std::move(resources), std::move(pages)) {
  auto bound = server_.start();
  if (!bound) throw std::runtime_error("test server did not start: " + bound.error().message);
  port_ = bound->port;
}

api::ApiResponse TestServer::stub_resources(const api::ApiRequest& request) {
  api::ApiResponse response;
  response.body = "<Stub Path=\"" + request.path + "\" />";
  return response;
}

}  // namespace emarchive::testing
