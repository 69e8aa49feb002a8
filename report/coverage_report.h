#pragma once
// `report coverage`: per VM, the calendar days of the window with a successful backup, the
// longest gap between successes against the RPO, the last success and the last failure
// (docs/REPORTS.md, "coverage").

#include <string>
#include <vector>

#include "model/em_time.h"
#include "model/expected.h"
#include "report/calendar.h"
#include "report/report.h"
#include "report/session_reader.h"

namespace emarchive::report {

struct CoverageOptions {
  EmTime from = 0;  // the window, [from, to)
  EmTime to = 0;
  EmTime rpo = kDay;  // a gap between successes longer than this is flagged; > 0
  // VMs that must be covered (names or VmUids, compared ignoring letter case): one not found
  // among the primary backups gets a row of its own, status "missing".
  std::vector<std::string> expected;
};

// How far before the window job sessions are read: a task at the window's start can belong to a
// job session that started before it, and a retry to a run that did.
inline constexpr EmTime kJobLookBack = 2 * kDay;

// The report from the task sessions created in the window and the job sessions created from
// kJobLookBack before it. A run is a job session and the retries that follow it (IsRetry) in the
// same job: a VM's result in the run is that of its last task in it, and the run counts for the
// day its first job session started. Success and Warning count as backed up (a restore point was
// made). Rows are grouped by kind of job: "backup" (primary backups: Backup, agent, file share),
// "backup copy" (JobType BackupCopy), "replica" (replica jobs and sessions).
Report coverage_report(const std::vector<JobSession>& job_sessions,
                       const std::vector<TaskSession>& task_sessions, const Calendar& calendar,
                       const CoverageOptions& options);

// Reads the sessions through `reader` and computes the report.
Expected<Report> coverage_report(SessionReader& reader, const Calendar& calendar,
                                 const CoverageOptions& options);

// The VMs an --expect file lists: one name or UID a line; blank lines and lines starting with '#'
// are ignored, blanks around a name trimmed. io naming `path` when it cannot be read.
Expected<std::vector<std::string>> read_expect_file(const std::string& path);

}  // namespace emarchive::report
