#include "model/href.h"

namespace emarchive {
namespace {

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// The length of "scheme://authority" at the start of `href` (RFC 3986), or 0 when there is none.
std::size_t origin_length(std::string_view href) {
  if (href.empty() || !is_alpha(href[0])) return 0;
  std::size_t i = 1;
  while (i < href.size() && (is_alpha(href[i]) || is_digit(href[i]) || href[i] == '+' ||
                             href[i] == '-' || href[i] == '.')) {
    ++i;
  }
  if (href.substr(i, 3) != "://") return 0;
  std::size_t end = href.find_first_of("/?#", i + 3);
  return end == std::string_view::npos ? href.size() : end;
}

}  // namespace

SplitHref split_href(std::string_view href) {
  std::size_t n = origin_length(href);
  return SplitHref{std::string(href.substr(0, n)), std::string(href.substr(n))};
}

std::string join_href(std::string_view origin, std::string_view rest) {
  if (!rest.starts_with('/')) return std::string(rest);
  std::string out;
  out.reserve(origin.size() + rest.size());
  out.append(origin);
  out.append(rest);
  return out;
}

std::string_view href_id(std::string_view href) {
  std::string_view path = href.substr(origin_length(href));
  path = path.substr(0, path.find_first_of("?#"));
  std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string default_href(Kind kind, std::string_view uid, Form form) {
  std::string href = "/api/" + std::string(info(kind).collection) + "/" +
                     std::string(uid.substr(info(kind).uid_prefix.size()));
  if (form == Form::Entity) href += "?format=Entity";
  return href;
}

}  // namespace emarchive
