// Feeds arbitrary bytes to the EM document parser that import and ingest use. Beyond "no crash,
// no sanitizer report", it checks the promise that makes the parser safe to archive from:
// whatever it accepts, emarchive can serve back well-formed, and as JSON that parses.

#include <pugixml.hpp>

#include <boost/json/parse.hpp>

#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <string>
#include <string_view>

#include "model/codec.h"
#include "model/json_render.h"

namespace {

void require(bool ok, const char* what, const std::string& document) {
  if (ok) return;
  std::fprintf(stderr, "%s:\n%s\n", what, document.c_str());
  std::abort();
}

void check_served(const std::string& xml) {
  pugi::xml_document dom;
  require(static_cast<bool>(dom.load_buffer(xml.data(), xml.size())),
          "a rendered document is not well-formed XML", xml);
  auto json = emarchive::render_json(xml);
  require(json.has_value(), "render_json refused a rendered document", xml);
  boost::system::error_code ec;
  boost::json::parse(*json, ec);
  require(!ec, "render_json wrote JSON that does not parse", *json);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto document = emarchive::parse_document(input, "fuzz.xml");
  if (!document) return 0;
  for (const emarchive::Record& record : document->records) {
    if (record.entity) check_served(emarchive::render_entity(record, "http://127.0.0.1:9399"));
    if (record.reference) {
      check_served(emarchive::render_entity_ref(record, "http://127.0.0.1:9399"));
    }
  }
  return 0;
}
