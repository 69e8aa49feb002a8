#include "report/output.h"

namespace emarchive::report {
namespace {

std::string csv_field(const Cell& cell) {
  std::string text = cell_text(cell);
  // Only text can be a formula; numbers and times are written as they are.
  if (std::holds_alternative<std::string>(cell) && !text.empty() &&
      std::string_view("=+-@\t\r").find(text[0]) != std::string_view::npos) {
    text.insert(0, 1, '\'');
  }
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

void write_line(const std::vector<Cell>& cells, std::ostream& out) {
  for (std::size_t i = 0; i < cells.size(); ++i) out << (i ? "," : "") << csv_field(cells[i]);
  out << "\r\n";
}

}  // namespace

void write_csv(const Report& report, std::ostream& out) {
  write_line(std::vector<Cell>(report.table.columns.begin(), report.table.columns.end()), out);
  for (const auto& row : report.table.rows) write_line(row, out);
}

}  // namespace emarchive::report
