#pragma once
// `report failures`: every job and task session in the window that failed or ended with a
// warning, with its reason (docs/REPORTS.md, "failures").

#include <vector>

#include "model/em_time.h"
#include "model/expected.h"
#include "report/calendar.h"
#include "report/report.h"
#include "report/session_reader.h"

namespace emarchive::report {

// Rows for the job sessions and task sessions created in [from, to) whose Result is Failed or
// Warning, oldest first (a job session before its tasks at the same instant). A task names the
// job of its job session, looked up in `job_sessions` (which may start before the window).
Report failures_report(const std::vector<JobSession>& job_sessions,
                       const std::vector<TaskSession>& task_sessions, const Calendar& calendar,
                       EmTime from, EmTime to);

// Reads the sessions through `reader` and computes the report.
Expected<Report> failures_report(SessionReader& reader, const Calendar& calendar, EmTime from,
                                 EmTime to);

}  // namespace emarchive::report
