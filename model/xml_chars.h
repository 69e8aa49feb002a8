#pragma once
// What XML 1.0 allows as document text: well-formed UTF-8 of the code points of its Char
// production (tab, newline, carriage return, U+0020-U+D7FF, U+E000-U+FFFD, U+10000-U+10FFFF).
// pugixml passes any byte through, so emarchive checks itself: a document that breaks the rule
// is refused on import and ingest, and nothing that breaks it is ever served.

#include <optional>
#include <string>
#include <string_view>

namespace emarchive {

// Why `text` is not XML 1.0 character data, naming the first bad byte or character and its
// index in `text` ("invalid UTF-8: byte 0xFF at 12", "character U+0001 at 3, which XML 1.0 does
// not allow"); nullopt when all of it is allowed.
std::optional<std::string> xml_char_problem(std::string_view text);

}  // namespace emarchive
