#include "dashboard/html.h"

#include <cstdio>

#include "model/ascii.h"
#include "model/href.h"
#include "model/kind.h"
#include "model/xml_escape.h"

namespace emarchive::dashboard {
namespace {

// "YYYY-MM-DDThh:mm" from EM's canonical text, which always starts so.
std::string date_and_minute(EmTime time) {
  return format_em_time(time).substr(0, 16);
}

}  // namespace

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  xml::append_escaped(out, text, xml::kAttributeEscapes);
  return out;
}

std::string url_encode(std::string_view value) {
  constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  return out;
}

std::string link(std::string_view path,
                 const std::vector<std::pair<std::string_view, std::string>>& query) {
  std::string target(path);
  char separator = '?';
  for (const auto& [name, value] : query) {
    target += separator;
    target += name;
    target += '=';
    target += url_encode(value);
    separator = '&';
  }
  return escape(target);
}

std::string em_document_link(std::string_view uid) {
  const std::optional<Kind> kind = kind_from_uid(uid);
  if (!kind) return "";
  return escape(default_href(*kind, uid, Form::Entity));
}

std::string format_minute(EmTime time) {
  std::string text = date_and_minute(time);
  text[10] = ' ';
  return text;
}

std::string format_day(EmTime time) {
  return date_and_minute(time).substr(0, 10);
}

std::string format_duration(EmTime duration) {
  const std::int64_t seconds = duration / kSecond;
  char text[48];
  if (seconds < 60) {
    std::snprintf(text, sizeof text, "%lld s", static_cast<long long>(seconds));
  } else if (seconds < 3600) {
    std::snprintf(text, sizeof text, "%lld min", static_cast<long long>(seconds / 60));
  } else if (seconds < 86400) {
    std::snprintf(text, sizeof text, "%lld h %02lld min", static_cast<long long>(seconds / 3600),
                  static_cast<long long>(seconds % 3600 / 60));
  } else {
    std::snprintf(text, sizeof text, "%lld d %lld h", static_cast<long long>(seconds / 86400),
                  static_cast<long long>(seconds % 86400 / 3600));
  }
  return text;
}

std::string format_bytes(std::int64_t bytes) {
  constexpr const char* kUnits[] = {"B", "KB", "MB", "GB", "TB", "PB", "EB"};
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while ((value >= 1024 || value <= -1024) && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  char text[48];
  if (unit == 0) {
    std::snprintf(text, sizeof text, "%lld B", static_cast<long long>(bytes));
  } else {
    std::snprintf(text, sizeof text, "%.1f %s", value, kUnits[unit]);
  }
  return text;
}

std::string_view result_class(std::string_view result) {
  if (iequals(result, "Success")) return "success";
  if (iequals(result, "Warning")) return "warning";
  if (iequals(result, "Failed")) return "failed";
  return "other";
}

std::string page(std::string_view title, std::string_view body, EmTime now) {
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>";
  html += escape(title);
  html +=
      " - emarchive</title>\n<link rel=\"stylesheet\" href=\"/dashboard/style.css\">\n"
      "<link rel=\"icon\" type=\"image/svg+xml\" href=\"/dashboard/icon.svg\">\n"
      "</head>\n<body>\n<header><a class=\"home\" href=\"/\">emarchive</a> <span class=\"as-of\">"
      "as of ";
  html += format_minute(now);
  html += " UTC</span></header>\n<main>\n<h1>";
  html += escape(title);
  html += "</h1>\n";
  html += body;
  html += "</main>\n</body>\n</html>\n";
  return html;
}

}  // namespace emarchive::dashboard
