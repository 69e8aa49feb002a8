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

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

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

}  // namespace emarchive
