#include "model/query_filter.h"

#include <cctype>
#include <charconv>
#include <limits>

#include "model/ascii.h"

namespace emarchive {
namespace {

// Bounds recursion on hostile input: "((((...": each parenthesis is a level.
constexpr int kMaxDepth = 64;
// Bounds the SQL a filter becomes (SQLite refuses expressions deeper than 1000).
constexpr int kMaxComparisons = 200;

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Expected<FilterNode> parse() {
    skip_spaces();
    if (at_end()) return fail("expected a comparison such as Result==Failed");
    FilterNode root;
    if (!parse_or(root, 0)) return Error{error_, ErrorCode::invalid_input};
    skip_spaces();
    if (!at_end()) {
      return fail(peek() == ')' ? "unbalanced ')'" : "expected ',' (or), ';' (and) or the end");
    }
    return root;
  }

 private:
  bool parse_or(FilterNode& out, int depth) {
    return parse_list(out, depth, ',', FilterNode::Type::Or, &Parser::parse_and);
  }
  bool parse_and(FilterNode& out, int depth) {
    return parse_list(out, depth, ';', FilterNode::Type::And, &Parser::parse_primary);
  }

  // operand { separator operand }, folded into one node of `type` when there are several.
  bool parse_list(FilterNode& out, int depth, char separator, FilterNode::Type type,
                  bool (Parser::*operand)(FilterNode&, int)) {
    FilterNode first;
    if (!(this->*operand)(first, depth)) return false;
    skip_spaces();
    if (at_end() || peek() != separator) {
      out = std::move(first);
      return true;
    }
    out = FilterNode{};
    out.type = type;
    out.children.push_back(std::move(first));
    while (!at_end() && peek() == separator) {
      ++pos_;
      skip_spaces();
      FilterNode next;
      if (!(this->*operand)(next, depth)) return false;
      out.children.push_back(std::move(next));
      skip_spaces();
    }
    return true;
  }

  bool parse_primary(FilterNode& out, int depth) {
    skip_spaces();
    if (!at_end() && peek() == '(') {
      if (depth >= kMaxDepth) return set_error("parentheses nested too deeply");
      ++pos_;
      skip_spaces();
      if (!parse_or(out, depth + 1)) return false;
      skip_spaces();
      if (at_end() || peek() != ')') return set_error("expected ')'");
      ++pos_;
      return true;
    }
    return parse_comparison(out);
  }

  bool parse_comparison(FilterNode& out) {
    if (++comparisons_ > kMaxComparisons) {
      return set_error("more than " + std::to_string(kMaxComparisons) + " comparisons");
    }
    out = FilterNode{};
    out.position = pos_;
    while (!at_end() && (std::isalnum(static_cast<unsigned char>(peek())) || peek() == '_')) {
      out.field += text_[pos_++];
    }
    if (out.field.empty()) return set_error("expected a field name");
    skip_spaces();
    if (!parse_operator(out.op)) {
      return set_error("expected a comparison operator (==, !=, <, <=, >, >=)");
    }
    skip_spaces();
    if (!at_end() && peek() == '"') return parse_quoted(out);
    while (!at_end() && peek() != ',' && peek() != ';' && peek() != ')') {
      // EM drops spaces inside unquoted values.
      if (peek() != ' ') out.value += peek();
      ++pos_;
    }
    if (out.value.empty()) return set_error("expected a value");
    return true;
  }

  bool parse_quoted(FilterNode& out) {
    const std::size_t open = pos_++;
    out.quoted = true;
    while (true) {
      if (at_end()) {
        pos_ = open;
        return set_error("unterminated quoted value");
      }
      if (peek() == '"') {
        if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
          out.value += '"';
          pos_ += 2;
          continue;
        }
        ++pos_;
        return true;
      }
      out.value += text_[pos_++];
    }
  }

  bool parse_operator(CompareOp& op) {
    const std::string_view rest = text_.substr(pos_);
    struct Spelling {
      std::string_view text;
      CompareOp op;
    };
    // Two-character operators first, so that "<=" is not read as "<".
    static constexpr Spelling kOps[] = {
        {"==", CompareOp::Equal},        {"!=", CompareOp::NotEqual}, {"<=", CompareOp::LessEqual},
        {">=", CompareOp::GreaterEqual}, {"<", CompareOp::Less},      {">", CompareOp::Greater},
    };
    for (const Spelling& s : kOps) {
      if (rest.starts_with(s.text)) {
        op = s.op;
        pos_ += s.text.size();
        return true;
      }
    }
    return false;
  }

  void skip_spaces() {
    while (!at_end() && std::isspace(static_cast<unsigned char>(peek()))) ++pos_;
  }
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }

  bool set_error(std::string_view what) {
    error_ = "filter: at character " + std::to_string(pos_ + 1) + ": " + std::string(what);
    return false;
  }
  Error fail(std::string_view what) {
    set_error(what);
    return Error{error_, ErrorCode::invalid_input};
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  int comparisons_ = 0;
  std::string error_;
};

}  // namespace

Expected<FilterNode> parse_filter(std::string_view text) {
  return Parser(text).parse();
}

bool is_relative_time(std::string_view value) {
  return value.size() >= 3 && iequals(value.substr(0, 3), "now");
}

Expected<EmTime> resolve_relative_time(std::string_view value, EmTime now) {
  const auto fail = [&](std::string_view what) -> Expected<EmTime> {
    return Error{"'" + std::string(value) + "' is not a relative time: " + std::string(what),
                 ErrorCode::invalid_input};
  };
  std::string_view rest = value.substr(3);
  if (rest.empty()) return now;
  if (rest.front() != '+' && rest.front() != '-') {
    return fail("expected + or - after now (as in now-7d)");
  }
  const bool minus = rest.front() == '-';
  rest.remove_prefix(1);
  std::int64_t count = 0;
  const char* end = rest.data() + rest.size();
  const auto [ptr, ec] = std::from_chars(rest.data(), end, count);
  if (ptr == rest.data() || count < 0)
    return fail("expected a number after the sign (as in now-7d)");
  if (ec != std::errc{}) return fail("the number is too large");
  if (ptr + 1 != end)
    return fail("expected one unit after the number: s, m, h, d or w (as in now-7d)");
  constexpr std::string_view kUnits = "smhdw";
  constexpr EmTime kUnitLengths[] = {kSecond, kMinute, kHour, kDay, 7 * kDay};
  const std::size_t u = kUnits.find(ascii_lower(*ptr));
  if (u == std::string_view::npos) return fail("the unit must be s, m, h, d or w (as in now-7d)");
  const EmTime unit = kUnitLengths[u];
  // Far beyond any archive (about 292 years each way of 1970); refused rather than wrapped.
  constexpr EmTime kMax = std::numeric_limits<EmTime>::max();
  if (count > kMax / unit) return fail("the number is too large");
  const EmTime offset = count * unit;
  if (minus ? now < std::numeric_limits<EmTime>::min() + offset : now > kMax - offset) {
    return fail("the number is too large");
  }
  return minus ? now - offset : now + offset;
}

}  // namespace emarchive
