#include "report/failures_report.h"

#include <algorithm>
#include <unordered_map>

#include "report/coverage_report.h"

namespace emarchive::report {
namespace {

bool failed_or_warning(const std::string& result) {
  return result == "Failed" || result == "Warning";
}

struct Row {
  EmTime time;
  int order;  // job sessions before tasks at the same instant
  std::vector<Cell> cells;
};

}  // namespace

Report failures_report(const std::vector<JobSession>& job_sessions,
                       const std::vector<TaskSession>& task_sessions, const Calendar& calendar,
                       EmTime from, EmTime to) {
  std::unordered_map<std::int64_t, const JobSession*> by_id;
  std::vector<Row> rows;
  for (const JobSession& s : job_sessions) {
    by_id[s.id] = &s;
    if (s.creation < from || !failed_or_warning(s.result)) continue;
    rows.push_back({s.creation, 0,
                    {TimeCell{s.creation}, s.end ? Cell{TimeCell{*s.end}} : Cell{},
                     std::string(s.replica ? "replica job session" : "job session"), s.result,
                     s.job_name, s.job_type, Cell{}, s.backup_server, s.failure_message, s.uid}});
  }
  for (const TaskSession& t : task_sessions) {
    if (!failed_or_warning(t.result)) continue;
    const auto parent = by_id.find(t.parent_id);
    const JobSession* job = parent == by_id.end() ? nullptr : parent->second;
    rows.push_back({t.creation, 1,
                    {TimeCell{t.creation}, t.end ? Cell{TimeCell{*t.end}} : Cell{},
                     std::string(t.replica ? "replica task session" : "task session"), t.result,
                     job ? Cell{job->job_name} : Cell{}, job ? Cell{job->job_type} : Cell{},
                     t.vm_name, t.backup_server, t.reason, t.uid}});
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return a.time != b.time ? a.time < b.time : a.order < b.order;
  });

  Report report = report_heading("failures", "Failed and warning sessions", from, to, calendar.name());
  report.table.columns = {"time",     "end_time",      "session", "result", "job",
                          "job_type", "vm",            "backup_server", "reason", "uid"};
  for (Row& r : rows) report.table.rows.push_back(std::move(r.cells));
  return report;
}

Expected<Report> failures_report(SessionReader& reader, const Calendar& calendar, EmTime from,
                                 EmTime to) {
  auto jobs = reader.job_sessions(from - kJobLookBack, to, false);
  if (!jobs) return jobs.error();
  auto tasks = reader.task_sessions(from, to);
  if (!tasks) return tasks.error();
  return failures_report(*jobs, *tasks, calendar, from, to);
}

}  // namespace emarchive::report
