#pragma once
// Writing JSON text by appending to a string: the pieces model/json_render.cpp builds EM's JSON
// from. Whatever bytes a string holds, what these append is valid JSON (RFC 8259) in UTF-8.

#include <string>
#include <string_view>

namespace emarchive::json {

// Appends `text` as a JSON string, quotes included. '"' and '\' are escaped, control characters
// (U+0000-U+001F) as \b \f \n \r \t or \u00XX, and U+2028 / U+2029 as \u2028 / \u2029 so that
// the text is also safe where JSON is read as JavaScript. Every byte sequence that is not
// well-formed UTF-8 (stray continuation bytes, truncated or overlong sequences, surrogates, code
// points past U+10FFFF) is replaced by U+FFFD, one per maximal ill-formed subpart as Unicode's
// recommended practice says; well-formed text passes unchanged.
void append_string(std::string& out, std::string_view text);

// Whether `text` is a canonical decimal integer, -?(0|[1-9][0-9]*): written as a JSON number
// it reads back as the same text.
bool is_integer_text(std::string_view text);

}  // namespace emarchive::json
