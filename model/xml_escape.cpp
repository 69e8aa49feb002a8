#include "model/xml_escape.h"

namespace emarchive::xml {
namespace {

struct Escape {
  char c;
  std::string_view replacement;
};

// XML 1.0 cannot carry the C0 controls but tab, newline and carriage return, not even as
// character references. Parsing refuses documents holding them, so an archive has none; should
// one arrive by another way (an old archive, a user name), U+FFFD stands in for it, so that what
// is written stays well-formed.
constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

template <std::size_t N>
constexpr EscapeTable table_of(const Escape (&escapes)[N]) {
  EscapeTable table{};
  for (unsigned char c = 0; c < 0x20; ++c) {
    if (c != '\t' && c != '\n' && c != '\r') table[c] = kReplacementCharacter;
  }
  for (const Escape& e : escapes) table[static_cast<unsigned char>(e.c)] = e.replacement;
  return table;
}

}  // namespace

constexpr EscapeTable kTextEscapes =
    table_of({{'&', "&amp;"}, {'<', "&lt;"}, {'>', "&gt;"}, {'\r', "&#13;"}});
constexpr EscapeTable kQuotedTextEscapes =
    table_of({{'&', "&amp;"}, {'<', "&lt;"}, {'>', "&gt;"}, {'"', "&quot;"}, {'\r', "&#13;"}});
constexpr EscapeTable kAttributeEscapes = table_of({{'&', "&amp;"},
                                                    {'<', "&lt;"},
                                                    {'>', "&gt;"},
                                                    {'"', "&quot;"},
                                                    {'\t', "&#9;"},
                                                    {'\n', "&#10;"},
                                                    {'\r', "&#13;"}});

void append_escaped(std::string& out, std::string_view s, const EscapeTable& table) {
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const std::string_view r = table[static_cast<unsigned char>(s[i])];
    if (r.empty()) continue;
    out.append(s.data() + run, i - run);
    out.append(r);
    run = i + 1;
  }
  out.append(s.data() + run, s.size() - run);
}

void append_escaped_text(std::string& out, std::string_view text) {
  append_escaped(out, text, kTextEscapes);
}

void append_escaped_attribute(std::string& out, std::string_view value) {
  append_escaped(out, value, kAttributeEscapes);
}

}  // namespace emarchive::xml
