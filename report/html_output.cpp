#include "report/output.h"

#include "model/xml_escape.h"

namespace emarchive::report {
namespace {

// Colours are for screens; the letter in each grid cell keeps a black and white print readable,
// and print-color-adjust asks printers to keep the colours.
constexpr std::string_view kStyle = R"(
body { font-family: sans-serif; font-size: 10pt; margin: 1.5em; }
table { border-collapse: collapse; margin-bottom: 2em; }
th, td { border: 1px solid #999; padding: 2px 6px; text-align: left; vertical-align: top; }
th { background: #eee; }
td.n { text-align: right; }
table.grid td { width: 1.4em; padding: 0; text-align: center; font-size: 8pt; }
table.grid th.d { writing-mode: vertical-rl; font-weight: normal; font-size: 7pt; }
td.success { background: #7bc67b; }
td.warning { background: #f2d15c; }
td.failed { background: #e0605e; color: #fff; }
td.none { background: #fff; color: #999; }
* { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
@media print { body { margin: 0; font-size: 8pt; } tr { page-break-inside: avoid; } }
)";

std::string escaped(std::string_view text) {
  std::string out;
  xml::append_escaped(out, text, xml::kQuotedTextEscapes);
  return out;
}

std::string_view mark_letter(DayMark mark) {
  switch (mark) {
    case DayMark::Success:
      return "S";
    case DayMark::Warning:
      return "W";
    case DayMark::Failed:
      return "F";
    case DayMark::None:
      break;
  }
  return "-";
}

bool numeric(const Cell& cell) {
  return std::holds_alternative<std::int64_t>(cell) || std::holds_alternative<double>(cell);
}

void write_grid(const Grid& grid, std::ostream& out) {
  out << "<h2>Results per day</h2>\n<p>S success, W warning, F failed, - no run.</p>\n"
         "<table class=\"grid\">\n<tr><th>VM</th>";
  for (const auto& day : grid.days) out << "<th class=\"d\">" << escaped(day) << "</th>";
  out << "</tr>\n";
  for (const auto& row : grid.rows) {
    out << "<tr><th>" << escaped(row.label) << "</th>";
    for (DayMark m : row.marks) {
      out << "<td class=\"" << mark_name(m) << "\">" << mark_letter(m) << "</td>";
    }
    out << "</tr>\n";
  }
  out << "</table>\n";
}

}  // namespace

void write_html(const Report& report, std::ostream& out) {
  const std::string title = escaped(report.title);
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>"
      << title << "</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n<h1>" << title
      << "</h1>\n<p>From " << format_em_time(report.from) << " to " << format_em_time(report.to)
      << ", days in " << escaped(report.time_zone) << ".</p>\n<table class=\"report\">\n<tr>";
  for (const auto& c : report.table.columns) out << "<th>" << escaped(c) << "</th>";
  out << "</tr>\n";
  for (const auto& row : report.table.rows) {
    out << "<tr>";
    for (const Cell& cell : row) {
      out << (numeric(cell) ? "<td class=\"n\">" : "<td>") << escaped(cell_text(cell)) << "</td>";
    }
    out << "</tr>\n";
  }
  out << "</table>\n";
  if (report.grid) write_grid(*report.grid, out);
  out << "</body>\n</html>\n";
}

}  // namespace emarchive::report
