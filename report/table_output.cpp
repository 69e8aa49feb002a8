#include "report/output.h"

#include <algorithm>

namespace emarchive::report {
namespace {

// Code points, not bytes: names are UTF-8.
std::size_t display_width(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

std::string one_line(std::string_view value) {
  std::string out;
  bool pending_space = false;
  for (char c : value) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

}  // namespace

void write_table(const Report& report, std::ostream& out) {
  out << report.title << ", " << format_em_time(report.from) << " to "
      << format_em_time(report.to) << " (days in " << report.time_zone << ")\n\n";
  const auto& columns = report.table.columns;
  std::vector<std::size_t> width;
  for (const auto& c : columns) width.push_back(display_width(c));
  std::vector<std::vector<std::string>> lines;
  for (const auto& row : report.table.rows) {
    auto& line = lines.emplace_back();
    for (std::size_t i = 0; i < row.size(); ++i) {
      line.push_back(one_line(cell_text(row[i])));
      width[i] = std::max(width[i], display_width(line.back()));
    }
  }
  auto print = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      text += cells[i];
      if (i + 1 < cells.size()) text += std::string(width[i] - display_width(cells[i]) + 2, ' ');
    }
    out << text << "\n";
  };
  print(columns);
  for (const auto& line : lines) print(line);
  if (lines.empty()) out << "(none)\n";
}

}  // namespace emarchive::report
