#pragma once
// What every report computes, before it is written in one of the output formats (output.h): one
// table of typed cells and, for the coverage report, a per-VM, per-day grid of results.
// docs/REPORTS.md describes each report's columns.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "model/em_time.h"

namespace emarchive::report {

// A point in time, written as an xs:dateTime in UTC ("2026-06-01T22:04:10Z").
struct TimeCell {
  EmTime value = 0;
};

// One value: empty (std::monostate: nothing to say, e.g. no success yet), text, a count or size,
// a rate or duration (double), a yes/no, or a time. Outputs keep the type: JSON numbers and
// booleans, CSV numbers unquoted, times as ISO text.
using Cell = std::variant<std::monostate, std::string, std::int64_t, double, bool, TimeCell>;

struct Table {
  std::vector<std::string> columns;     // names as documented in docs/REPORTS.md
  std::vector<std::vector<Cell>> rows;  // each as long as columns
};

// The result of one day in the grid, worst to best by what it proves.
enum class DayMark { None, Failed, Warning, Success };

// Rows (a VM in one kind of job) against the calendar days of the window.
struct Grid {
  std::vector<std::string> days;  // "2026-06-01", in the report's time zone
  struct Row {
    std::string label;            // "backup: srv-app-01"
    std::vector<DayMark> marks;   // one per day
  };
  std::vector<Row> rows;
};

struct Report {
  std::string name;   // "coverage", "jobs", "failures"
  std::string title;  // a heading for people: "Backup coverage per VM"
  EmTime from = 0;    // the window, [from, to)
  EmTime to = 0;
  std::string time_zone;  // as given: "UTC", "Europe/Berlin", "+02:00"
  Table table;
  std::optional<Grid> grid;
};

// A report with its heading and window set, its table still empty.
inline Report report_heading(std::string name, std::string title, EmTime from, EmTime to,
                             std::string time_zone) {
  Report report;
  report.name = std::move(name);
  report.title = std::move(title);
  report.from = from;
  report.to = to;
  report.time_zone = std::move(time_zone);
  return report;
}

}  // namespace emarchive::report
