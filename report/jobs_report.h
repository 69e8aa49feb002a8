#pragma once
// `report jobs --per day|week|month`: per job and period, its runs and their results, durations
// and data size (docs/REPORTS.md, "jobs").

#include <string_view>
#include <vector>

#include "model/em_time.h"
#include "model/expected.h"
#include "report/calendar.h"
#include "report/report.h"
#include "report/session_reader.h"

namespace emarchive::report {

enum class Period { Day, Week, Month };

// "day", "week" or "month"; invalid_input naming `text` otherwise.
Expected<Period> parse_period(std::string_view text);

// The period a local day falls in: "2026-06-01", "2026-W22" (ISO 8601 week), "2026-06".
std::string period_text(Period period, LocalDay day);

// One row per job and period (of each job session's creation time, in `calendar`), ordered by
// job name, then period. Every job session is a run, retries included (and counted apart);
// durations are those of the sessions that ended; sizes the sum of their task sessions'
// TotalSize (job_sessions read with sizes), INT64_MAX when that overflows.
Report jobs_report(const std::vector<JobSession>& job_sessions, const Calendar& calendar,
                   Period period, EmTime from, EmTime to);

// Reads the job sessions created in [from, to) through `reader` and computes the report.
Expected<Report> jobs_report(SessionReader& reader, const Calendar& calendar, Period period,
                             EmTime from, EmTime to);

}  // namespace emarchive::report
