// Feeds arbitrary bytes to the server's request path as they would arrive on a connection: Beast's
// parser with the server's limits, then the router, the logon emulation and the resources over a
// real archive of the test documents. Checks that whatever the request, every body served is a
// document its Content-Type's parser reads (XML or JSON).

#include <pugixml.hpp>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/parse.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "api/archive_pool.h"
#include "api/auth.h"
#include "api/resources.h"
#include "api/router.h"
#include "ingest/importer.h"
#include "storage/archive.h"

namespace {

namespace http = boost::beast::http;
namespace fs = std::filesystem;

std::string archive_path() {
  static const std::string path = [] {
    const fs::path dir = fs::temp_directory_path() / ("emarchive-fuzz-" + std::to_string(getpid()));
    fs::create_directories(dir);
    return (dir / "archive.db").string();
  }();
  return path;
}

void build_archive() {
  auto archive = emarchive::storage::Archive::open(archive_path());
  if (!archive) {
    std::fprintf(stderr, "%s\n", archive.error().message.c_str());
    std::abort();
  }
  emarchive::ingest::ImportOptions options;
  options.now = [] { return std::string("2026-06-15T22:00:00Z"); };
  const std::string data[] = {EMARCHIVE_FUZZ_TEST_DATA};
  auto result = emarchive::ingest::import_paths(**archive, data, options);
  if (!result.fatal_error.empty() || result.counts.records_new == 0) {
    std::fprintf(stderr, "fuzz archive not built: %s\n", result.fatal_error.c_str());
    std::abort();
  }
}

struct Service {
  Service()
      : auth(std::nullopt, [] { return std::chrono::steady_clock::now(); }),
        router(auth,
               emarchive::api::make_resource_handler(
                   std::make_shared<emarchive::api::ArchivePool>(
                       [] { return emarchive::storage::Archive::open(archive_path()); }),
                   emarchive::api::ResourceOptions{
                       .list_window_days = std::nullopt,
                       .now = [] { return emarchive::EmTime{0}; },
                       .error_log = [](std::string_view) {}}),
               "") {}
  emarchive::api::Authenticator auth;
  emarchive::api::Router router;
};

void require(bool ok, const char* what, const std::string& body) {
  if (ok) return;
  std::fprintf(stderr, "%s:\n%s\n", what, body.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  build_archive();
  std::atexit([] { fs::remove_all(fs::path(archive_path()).parent_path()); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Service service;
  http::request_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(64 * 1024);
  parser.eager(true);
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_done()) return 0;
  const auto response = service.router.route(parser.get(), {.tls = false, .local_authority = "127.0.0.1:9399"});
  const std::string& body = response.body();
  if (body.empty()) return 0;
  const auto type = response.find(http::field::content_type);
  require(type != response.end(), "a body without Content-Type", body);
  if (type->value().find("json") != std::string_view::npos) {
    boost::json::parse(body, ec);
    require(!ec, "a JSON body that does not parse", body);
  } else {
    pugi::xml_document dom;
    require(static_cast<bool>(dom.load_buffer(body.data(), body.size())),
            "an XML body that is not well-formed", body);
  }
  return 0;
}
