#pragma once
// Escaping for XML that is written by hand rather than through a DOM: every document emarchive
// writes (records by model/, the entry point, logon sessions and errors by api/, stored
// attributes by storage/) escapes through these, so that all of them read back the same.

#include <array>
#include <string>
#include <string_view>

namespace emarchive::xml {

// What an escaping writes for each byte: its replacement, or empty to copy it as it is.
using EscapeTable = std::array<std::string_view, 256>;

// Element content: & < > become entities, and a carriage return becomes &#13; so that a
// reader's end-of-line normalisation cannot turn it into a newline.
extern const EscapeTable kTextEscapes;
// Element content with '"' escaped as well (model/xml_util.h needs text free of quotes).
extern const EscapeTable kQuotedTextEscapes;
// A double-quoted attribute value: & < > " become entities, and tab, newline and carriage return
// become character references, which attribute-value normalisation would otherwise turn into
// spaces.
extern const EscapeTable kAttributeEscapes;

// Appends `s` with every byte `table` has a replacement for replaced. Copies runs of ordinary
// characters at once: documents are mostly plain text.
void append_escaped(std::string& out, std::string_view s, const EscapeTable& table);

// append_escaped with kTextEscapes.
void append_escaped_text(std::string& out, std::string_view text);

// append_escaped with kAttributeEscapes.
void append_escaped_attribute(std::string& out, std::string_view value);

}  // namespace emarchive::xml
