#include "report/jobs_report.h"

#include <date/date.h>
#include <date/iso_week.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <optional>
#include <tuple>

namespace emarchive::report {
namespace {

struct JobPeriod {
  const JobSession* first = nullptr;  // names the job, its type and server
  std::int64_t runs = 0, retries = 0, success = 0, warning = 0, failed = 0;
  std::vector<EmTime> durations;
  std::optional<std::int64_t> size;
};

double percent(std::int64_t part, std::int64_t whole) {
  return whole ? std::round(1000.0 * static_cast<double>(part) / static_cast<double>(whole)) / 10.0
               : 0.0;
}

Cell seconds(EmTime t) {
  return static_cast<std::int64_t>(std::llround(static_cast<double>(t) / kSecond));
}

}  // namespace

Expected<Period> parse_period(std::string_view text) {
  if (text == "day") return Period::Day;
  if (text == "week") return Period::Week;
  if (text == "month") return Period::Month;
  return Error{"unknown period '" + std::string(text) + "' (day, week or month)",
               ErrorCode::invalid_input};
}

std::string period_text(Period period, LocalDay day) {
  const date::sys_days d{date::days(day)};
  switch (period) {
    case Period::Day:
      return Calendar::day_text(day);
    case Period::Week: {
      const iso_week::year_weeknum_weekday w{d};
      char text[16];
      std::snprintf(text, sizeof text, "%d-W%02u", static_cast<int>(w.year()),
                    static_cast<unsigned>(w.weeknum()));
      return text;
    }
    case Period::Month:
      return date::format("%Y-%m", d);
  }
  return {};
}

Report jobs_report(const std::vector<JobSession>& job_sessions, const Calendar& calendar,
                   Period period, EmTime from, EmTime to) {
  // Keyed by job name first so that rows come out in the order people look for them.
  std::map<std::tuple<std::string, std::string, std::string>, JobPeriod> rows;
  for (const JobSession& s : job_sessions) {
    JobPeriod& p =
        rows[{s.job_name, s.job_key, period_text(period, calendar.day_of(s.creation))}];
    if (!p.first) p.first = &s;
    ++p.runs;
    p.retries += s.is_retry;
    p.success += s.result == "Success";
    p.warning += s.result == "Warning";
    p.failed += s.result == "Failed";
    if (s.end && *s.end >= s.creation) p.durations.push_back(*s.end - s.creation);
    if (s.total_size) {
      std::int64_t sum = 0;
      p.size = __builtin_add_overflow(p.size.value_or(0), *s.total_size, &sum)
                   ? std::numeric_limits<std::int64_t>::max()
                   : sum;
    }
  }

  Report report = report_heading("jobs", "Job runs per period", from, to, calendar.name());
  report.table.columns = {"job",          "job_type",     "backup_server",   "period",
                          "runs",         "retries",      "success",         "warning",
                          "failed",       "success_rate", "warning_rate",    "failure_rate",
                          "median_duration_s", "max_duration_s", "data_size"};
  for (auto& [key, p] : rows) {
    Cell median, longest;
    if (!p.durations.empty()) {
      std::sort(p.durations.begin(), p.durations.end());
      const std::size_t n = p.durations.size();
      median = seconds(n % 2 ? p.durations[n / 2]
                             : (p.durations[n / 2 - 1] + p.durations[n / 2]) / 2);
      longest = seconds(p.durations.back());
    }
    report.table.rows.push_back({p.first->job_name, p.first->job_type, p.first->backup_server,
                                 std::get<2>(key), p.runs, p.retries, p.success, p.warning,
                                 p.failed, percent(p.success, p.runs), percent(p.warning, p.runs),
                                 percent(p.failed, p.runs), median, longest,
                                 p.size ? Cell{*p.size} : Cell{}});
  }
  return report;
}

Expected<Report> jobs_report(SessionReader& reader, const Calendar& calendar, Period period,
                             EmTime from, EmTime to) {
  auto sessions = reader.job_sessions(from, to, true);
  if (!sessions) return sessions.error();
  return jobs_report(*sessions, calendar, period, from, to);
}

}  // namespace emarchive::report
