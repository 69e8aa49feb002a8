// `emarchive report coverage|jobs|failures --db FILE [--from TIME] [--to TIME] [--tz ZONE]
//                  [--output table|csv|json|html] [--out FILE]
//                  [--rpo DURATION] [--expect FILE] [--per day|week|month]`
// The reports auditors and managers ask for, from an archive opened read-only (docs/REPORTS.md).

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "app/commands.h"
#include "app/duration.h"
#include "app/reporter.h"
#include "report/calendar.h"
#include "report/coverage_report.h"
#include "report/failures_report.h"
#include "report/jobs_report.h"
#include "report/output.h"
#include "report/session_reader.h"

namespace emarchive::app {
namespace {

struct ReportConfig {
  std::string name;  // coverage | jobs | failures
  std::string db;
  std::string from;  // default: 30 days before --to
  std::string to;    // default: now
  std::string tz = "UTC";
  std::string output = "table";
  std::string out;  // a file instead of stdout
  std::string rpo;  // coverage: required
  std::string expect;
  std::string per = "day";
};

// Written beside the target and renamed over it, so that a reader never sees half a report.
int write_out(const report::Report& result, report::Format format, const std::string& path,
              const Reporter& reporter) {
  if (path.empty()) {
    report::write_report(result, format, std::cout);
    std::cout.flush();
    return std::cout ? kExitOk : reporter.fail(kExitFailure, "cannot write to standard output");
  }
  const std::string partial = path + ".partial";
  {
    std::ofstream file(partial, std::ios::binary | std::ios::trunc);
    if (file) report::write_report(result, format, file);
    file.flush();
    if (!file) {
      std::remove(partial.c_str());
      return reporter.fail(kExitFailure, path + ": cannot write the report");
    }
  }
  std::error_code ec;
  std::filesystem::rename(partial, path, ec);
  if (ec) {
    std::remove(partial.c_str());
    return reporter.fail(kExitFailure, path + ": cannot write the report: " + ec.message());
  }
  return kExitOk;
}

int run_report(const ReportConfig& config) {
  const Reporter reporter("report");
  if (config.name != "coverage" && config.name != "jobs" && config.name != "failures") {
    return reporter.fail(kExitUsage, "unknown report '" + config.name +
                                         "' (coverage, jobs or failures)");
  }
  auto format = report::parse_format(config.output);
  if (!format) return reporter.fail(kExitUsage, "--output: " + format.error().message);
  auto calendar = report::Calendar::of(config.tz);
  if (!calendar) return reporter.fail(kExitUsage, "--tz: " + calendar.error().message);

  EmTime to = system_now();
  if (!config.to.empty()) {
    auto parsed = report::parse_window_time(config.to, *calendar, true);
    if (!parsed) return reporter.fail(kExitUsage, "--to: " + parsed.error().message);
    to = *parsed;
  }
  EmTime from = to - 30 * kDay;
  if (!config.from.empty()) {
    auto parsed = report::parse_window_time(config.from, *calendar, false);
    if (!parsed) return reporter.fail(kExitUsage, "--from: " + parsed.error().message);
    from = *parsed;
  }
  if (from >= to) {
    return reporter.fail(kExitUsage, "--from (" + format_em_time(from) +
                                         ") must be before --to (" + format_em_time(to) + ")");
  }

  report::CoverageOptions coverage;
  report::Period period = report::Period::Day;
  if (config.name == "coverage") {
    if (config.rpo.empty()) return reporter.fail(kExitUsage, "coverage needs --rpo DURATION");
    auto rpo = parse_duration(config.rpo);
    if (!rpo) return reporter.fail(kExitUsage, "--rpo: " + rpo.error().message);
    if (rpo->count() == 0) return reporter.fail(kExitUsage, "--rpo must be longer than 0");
    coverage.rpo = rpo->count() * kSecond;
    coverage.from = from;
    coverage.to = to;
    if (!config.expect.empty()) {
      auto expected = report::read_expect_file(config.expect);
      if (!expected) return reporter.fail(kExitUsage, "--expect: " + expected.error().message);
      coverage.expected = std::move(*expected);
    }
  } else if (!config.rpo.empty() || !config.expect.empty()) {
    return reporter.fail(kExitUsage, "--rpo and --expect are for the coverage report");
  }
  if (config.name == "jobs") {
    auto parsed = report::parse_period(config.per);
    if (!parsed) return reporter.fail(kExitUsage, "--per: " + parsed.error().message);
    period = *parsed;
  }

  auto reader = report::SessionReader::open(config.db);
  if (!reader) return reporter.fail(kExitFailure, reader.error().message);
  auto result = config.name == "coverage"
                    ? report::coverage_report(*reader, *calendar, coverage)
                : config.name == "jobs" ? report::jobs_report(*reader, *calendar, period, from, to)
                                        : report::failures_report(*reader, *calendar, from, to);
  if (!result) return reporter.fail(kExitFailure, result.error().message);
  return write_out(*result, *format, config.out, reporter);
}

}  // namespace

CommandRunner add_report_command(CLI::App& app) {
  auto config = std::make_shared<ReportConfig>();
  CLI::App* cmd = app.add_subcommand(
      "report", "Coverage per VM, job runs per period, or failures, from the archive (read-only)");
  cmd->add_option("name", config->name, "coverage, jobs or failures")->required();
  cmd->add_option("--db", config->db, "Archive database file")->required();
  cmd->add_option("--from", config->from,
                  "Window start: xs:dateTime or YYYY-MM-DD (default: 30 days before --to)");
  cmd->add_option("--to", config->to,
                  "Window end: xs:dateTime, or YYYY-MM-DD to include that day (default: now)");
  cmd->add_option("--tz", config->tz,
                  "Time zone of the calendar days: IANA name, UTC or +hh:mm (default UTC)");
  cmd->add_option("--output", config->output, "table (default), csv, json or html");
  cmd->add_option("--out", config->out, "Write the report to this file instead of stdout");
  cmd->add_option("--rpo", config->rpo,
                  "coverage: the longest gap allowed between successes, e.g. 24h or 2d");
  cmd->add_option("--expect", config->expect,
                  "coverage: file of VM names or UIDs that must be covered, one a line");
  cmd->add_option("--per", config->per, "jobs: day (default), week or month");
  return [config](StopSignal&) { return run_report(*config); };
}

}  // namespace emarchive::app
