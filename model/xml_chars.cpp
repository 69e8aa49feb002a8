#include "model/xml_chars.h"

#include <cstdint>
#include <cstdio>

namespace emarchive {
namespace {

bool is_xml_char(char32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
         (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

std::string hex_byte(unsigned char b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", b);
  return buf;
}

std::string code_point(char32_t c) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(c));
  return buf;
}

}  // namespace

std::optional<std::string> xml_char_problem(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char b = s[i];
    // The common case first: printable ASCII and the three allowed controls.
    if (b < 0x80) {
      if (!is_xml_char(b)) {
        return "character " + code_point(b) + " at " + std::to_string(i) +
               ", which XML 1.0 does not allow";
      }
      ++i;
      continue;
    }
    std::size_t length = 0;
    char32_t c = 0;
    char32_t smallest = 0;  // the first code point that needs this many bytes (no overlong forms)
    if ((b & 0xE0) == 0xC0) {
      length = 2, c = b & 0x1F, smallest = 0x80;
    } else if ((b & 0xF0) == 0xE0) {
      length = 3, c = b & 0x0F, smallest = 0x800;
    } else if ((b & 0xF8) == 0xF0) {
      length = 4, c = b & 0x07, smallest = 0x10000;
    } else {
      return "invalid UTF-8: byte " + hex_byte(b) + " at " + std::to_string(i) +
             " cannot start a character";
    }
    if (i + length > n) {
      return "invalid UTF-8: the character starting at " + std::to_string(i) + " is cut short";
    }
    for (std::size_t k = 1; k < length; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) {
        return "invalid UTF-8: byte " + hex_byte(s[i + k]) + " at " + std::to_string(i + k) +
               " does not continue the character starting at " + std::to_string(i);
      }
      c = (c << 6) | (s[i + k] & 0x3F);
    }
    if (c < smallest || (c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF) {
      return "invalid UTF-8: the bytes at " + std::to_string(i) +
             " encode no character (overlong, a surrogate or beyond U+10FFFF)";
    }
    if (!is_xml_char(c)) {
      return "character " + code_point(c) + " at " + std::to_string(i) +
             ", which XML 1.0 does not allow";
    }
    i += length;
  }
  return std::nullopt;
}

}  // namespace emarchive
