#include "report/output.h"

#include <boost/json.hpp>

namespace emarchive::report {
namespace {

boost::json::value json_of(const Cell& cell) {
  struct Visitor {
    boost::json::value operator()(std::monostate) const { return nullptr; }
    boost::json::value operator()(const std::string& s) const { return boost::json::string(s); }
    boost::json::value operator()(std::int64_t i) const { return i; }
    boost::json::value operator()(double d) const { return d; }
    boost::json::value operator()(bool b) const { return b; }
    boost::json::value operator()(TimeCell t) const {
      return boost::json::string(format_em_time(t.value));
    }
  };
  return std::visit(Visitor{}, cell);
}

}  // namespace

void write_json(const Report& report, std::ostream& out) {
  boost::json::object root;
  root["report"] = report.name;
  root["title"] = report.title;
  root["from"] = format_em_time(report.from);
  root["to"] = format_em_time(report.to);
  root["time_zone"] = report.time_zone;
  boost::json::array columns;
  for (const auto& c : report.table.columns) columns.emplace_back(c);
  root["columns"] = std::move(columns);
  boost::json::array rows;
  for (const auto& row : report.table.rows) {
    boost::json::object object;
    for (std::size_t i = 0; i < row.size(); ++i) object[report.table.columns[i]] = json_of(row[i]);
    rows.push_back(std::move(object));
  }
  root["rows"] = std::move(rows);
  if (report.grid) {
    boost::json::object grid;
    boost::json::array days;
    for (const auto& d : report.grid->days) days.emplace_back(d);
    grid["days"] = std::move(days);
    boost::json::array grid_rows;
    for (const auto& r : report.grid->rows) {
      boost::json::array marks;
      for (DayMark m : r.marks) marks.emplace_back(mark_name(m));
      grid_rows.push_back(boost::json::object{{"label", r.label}, {"marks", std::move(marks)}});
    }
    grid["rows"] = std::move(grid_rows);
    root["grid"] = std::move(grid);
  }
  out << boost::json::serialize(root) << "\n";
}

}  // namespace emarchive::report
