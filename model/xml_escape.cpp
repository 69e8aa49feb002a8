#include "model/xml_escape.h"

namespace emarchive::xml {
namespace {

struct Escape {
  char c;
  std::string_view replacement;
};

template <std::size_t N>
constexpr EscapeTable table_of(const Escape (&escapes)[N]) {
  EscapeTable table{};
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
