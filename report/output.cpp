#include "report/output.h"

#include <cstdio>

namespace emarchive::report {

Expected<Format> parse_format(std::string_view text) {
  if (text == "table") return Format::Table;
  if (text == "csv") return Format::Csv;
  if (text == "json") return Format::Json;
  if (text == "html") return Format::Html;
  return Error{"unknown output '" + std::string(text) + "' (table, csv, json or html)",
               ErrorCode::invalid_input};
}

std::string cell_text(const Cell& cell) {
  struct Visitor {
    std::string operator()(std::monostate) const { return {}; }
    std::string operator()(const std::string& s) const { return s; }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const {
      char text[32];
      std::snprintf(text, sizeof text, "%.1f", d);
      return text;
    }
    std::string operator()(bool b) const { return b ? "yes" : "no"; }
    std::string operator()(TimeCell t) const { return format_em_time(t.value); }
  };
  return std::visit(Visitor{}, cell);
}

std::string_view mark_name(DayMark mark) {
  switch (mark) {
    case DayMark::Success:
      return "success";
    case DayMark::Warning:
      return "warning";
    case DayMark::Failed:
      return "failed";
    case DayMark::None:
      break;
  }
  return "none";
}

void write_report(const Report& report, Format format, std::ostream& out) {
  switch (format) {
    case Format::Table:
      return write_table(report, out);
    case Format::Csv:
      return write_csv(report, out);
    case Format::Json:
      return write_json(report, out);
    case Format::Html:
      return write_html(report, out);
  }
}

}  // namespace emarchive::report
