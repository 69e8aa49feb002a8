#pragma once
// Writing a Report (report.h) for people and programs: an aligned table for a terminal, CSV for
// spreadsheet programs, JSON for scripts, and one self-contained HTML page for auditors
// (docs/REPORTS.md, "Output formats").

#include <ostream>
#include <string>
#include <string_view>

#include "model/expected.h"
#include "report/report.h"

namespace emarchive::report {

enum class Format { Table, Csv, Json, Html };

// "table", "csv", "json" or "html"; invalid_input naming `text` otherwise.
Expected<Format> parse_format(std::string_view text);

// A cell as text: "" for none, integers in full, rates and hours with one decimal, yes/no,
// times as xs:dateTime in UTC.
std::string cell_text(const Cell& cell);

// "success", "warning", "failed", "none".
std::string_view mark_name(DayMark mark);

// Columns aligned, one row a line, each cell on one line (white space runs become one space),
// under a line naming the report and its window.
void write_table(const Report& report, std::ostream& out);
// RFC 4180: a header row, CRLF line ends, a field quoted when it holds a comma, quote or line
// break; text starting with = + - @ (or a tab or carriage return) gets a leading apostrophe so
// that spreadsheet programs do not run it as a formula. UTF-8, no byte order mark.
void write_csv(const Report& report, std::ostream& out);
// One object: report, title, from, to, time_zone, columns, rows (an array of objects, one member
// per column; counts and rates as numbers, yes/no as booleans, none as null) and, for the
// coverage report, grid (days, and rows of label and marks).
void write_json(const Report& report, std::ostream& out);
// One page without any external resource: the table, and the grid coloured by result (with a
// letter in each cell, for black and white prints). Every value is escaped; the page is
// well-formed XML as well as HTML.
void write_html(const Report& report, std::ostream& out);

void write_report(const Report& report, Format format, std::ostream& out);

}  // namespace emarchive::report
