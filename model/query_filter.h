#pragma once
// The filter grammar of EM's query service (`/api/query?...&filter=`), docs/EM-API.md 6.2:
//
//   filter     := or
//   or         := and { "," and }           OR; binds looser than AND
//   and        := primary { ";" primary }   AND
//   primary    := "(" or ")" | comparison
//   comparison := field op value
//   op         := "==" | "!=" | "<=" | ">=" | "<" | ">"
//   value      := '"' { any char but '"' | '""' } '"'     quoted; "" is a literal quote
//              |  bare                                    up to , ; ) or the end; spaces dropped
//
// Field names are [A-Za-z0-9_]+ and are resolved case-insensitively later, against the query
// type's fields. Spaces around tokens are ignored. At most 64 levels of parentheses and 200
// comparisons.
//
// Beyond EM, a time value may be relative to the instant the request is answered:
//
//   relative   := "now" [ ("+" | "-") digits unit ]      case-insensitive, quoted or not
//   unit       := "s" | "m" | "h" | "d" | "w"            seconds ... weeks (a day is 24 hours)
//
// e.g. CreationTime>=now-7d. The filter keeps the text; compiling it against a field resolves it.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/em_time.h"
#include "model/expected.h"

namespace emarchive {

enum class CompareOp { Equal, NotEqual, Less, LessEqual, Greater, GreaterEqual };

struct FilterNode {
  enum class Type { And, Or, Compare };
  Type type = Type::Compare;
  std::vector<FilterNode> children;  // And / Or: two or more operands, in order

  // Compare only.
  std::string field;  // as written
  CompareOp op = CompareOp::Equal;
  std::string value;  // unquoted and unescaped
  bool quoted = false;
  std::size_t position = 0;  // 0-based offset of the field name in the filter text

  bool operator==(const FilterNode&) const = default;
};

// Parses a filter. The error message says the 1-based character position and what was expected
// there, e.g. "filter: at character 12: expected a comparison operator (==, !=, <, <=, >, >=)".
Expected<FilterNode> parse_filter(std::string_view text);

// Whether a time value is written relative to now (starts with "now", case-insensitively); such a
// value is resolved by resolve_relative_time, never parsed as an xs:dateTime.
bool is_relative_time(std::string_view value);

// The instant a relative time names, `now` being the instant the request is answered (read once
// per request, so that every comparison in it agrees). The error quotes the value and says what
// is wrong: "'now-7x' is not a relative time: the unit must be s, m, h, d or w (as in now-7d)".
Expected<EmTime> resolve_relative_time(std::string_view value, EmTime now);

}  // namespace emarchive
