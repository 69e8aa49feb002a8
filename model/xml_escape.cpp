#include "model/xml_escape.h"

namespace emarchive::xml {

void append_escaped_text(std::string& out, std::string_view text) {
  append_replacing(out, text, [](char c) -> std::string_view {
    switch (c) {
      case '&':
        return "&amp;";
      case '<':
        return "&lt;";
      case '>':
        return "&gt;";
      case '\r':
        return "&#13;";
      default:
        return {};
    }
  });
}

void append_escaped_attribute(std::string& out, std::string_view value) {
  append_replacing(out, value, [](char c) -> std::string_view {
    switch (c) {
      case '&':
        return "&amp;";
      case '<':
        return "&lt;";
      case '>':
        return "&gt;";
      case '"':
        return "&quot;";
      case '\t':
        return "&#9;";
      case '\n':
        return "&#10;";
      case '\r':
        return "&#13;";
      default:
        return {};
    }
  });
}

}  // namespace emarchive::xml
