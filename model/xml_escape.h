#pragma once
// Escaping for XML that is written by hand rather than through a DOM: every document emarchive
// writes (records by model/, the entry point, logon sessions and errors by api/, stored
// attributes by storage/) escapes through these, so that all of them read back the same.

#include <string>
#include <string_view>

namespace emarchive::xml {

// Appends `text` escaped for element content: & < > become entities, and a carriage return
// becomes &#13; so that a reader's end-of-line normalisation cannot turn it into a newline.
void append_escaped_text(std::string& out, std::string_view text);

// Appends `value` escaped for a double-quoted attribute value: & < > " become entities, and tab,
// newline and carriage return become character references, which attribute-value normalisation
// would otherwise turn into spaces.
void append_escaped_attribute(std::string& out, std::string_view value);

// Appends `s` with every character for which `replacement` returns non-empty replaced. Copies
// runs of ordinary characters at once: documents are mostly plain text.
template <class Replacement>
void append_replacing(std::string& out, std::string_view s, Replacement replacement) {
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    std::string_view r = replacement(s[i]);
    if (r.empty()) continue;
    out.append(s.data() + run, i - run);
    out.append(r);
    run = i + 1;
  }
  out.append(s.data() + run, s.size() - run);
}

}  // namespace emarchive::xml
