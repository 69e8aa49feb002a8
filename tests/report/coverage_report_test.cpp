// `report coverage` against what the made-up histories say, computed here from the events the
// test generated rather than from the archive.

#include "report/coverage_report.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "report/output.h"
#include "tests/report/report_archive.h"
#include "tests/support/test_data.h"

namespace emarchive::report {
namespace {

using testing::at;
using testing::JobDef;
using testing::ReportArchive;

const JobDef kNightly{"11111111-0000-4000-8000-000000000001", "Nightly VMs", "Backup"};
const JobDef kCopy{"11111111-0000-4000-8000-000000000002", "Offsite copy", "BackupCopy"};
const JobDef kReplica{"11111111-0000-4000-8000-000000000003", "DR replica", "Replica"};

class CoverageTest : public ::testing::Test {
 protected:
  Report run(EmTime from, EmTime to, EmTime rpo, const std::string& zone = "UTC",
             std::vector<std::string> expected = {}) {
    history_.store();
    auto calendar = Calendar::of(zone);
    EXPECT_TRUE(calendar);
    auto reader = SessionReader::open(history_.path().string());
    EXPECT_TRUE(reader) << reader.error().message;
    CoverageOptions options{from, to, rpo, std::move(expected)};
    auto report = coverage_report(*reader, *calendar, options);
    EXPECT_TRUE(report) << report.error().message;
    return *report;
  }

  // The row of `vm` in the `jobs` group, as column name -> text.
  static std::map<std::string, std::string> row(const Report& report, const std::string& jobs,
                                                const std::string& vm) {
    for (const auto& r : report.table.rows) {
      if (cell_text(r[0]) == jobs && cell_text(r[1]) == vm) {
        std::map<std::string, std::string> out;
        for (std::size_t i = 0; i < r.size(); ++i) out[report.table.columns[i]] = cell_text(r[i]);
        return out;
      }
    }
    ADD_FAILURE() << "no row for " << jobs << ": " << vm;
    return {};
  }

  // A job session of `job` with one task of `vm`, an hour long, both with `result`.
  void one_task_run(const JobDef& job, EmTime start, const std::string& vm,
                    std::optional<std::string> vm_uid, const std::string& result,
                    const std::string& reason = "") {
    history_.task(history_.job_session(job, start, start + kHour, result), vm, std::move(vm_uid),
                  start, start + kHour, result, reason);
  }

  emarchive::testing::TempDir dir_;
  ReportArchive history_{dir_ / "a.db"};
};

// What one VM's runs came to, as the generator decided them.
struct Truth {
  std::set<std::int64_t> days_ok;  // UTC day numbers
  std::vector<EmTime> successes;   // end times of the final successful tasks
  std::int64_t runs = 0, runs_failed = 0;
  EmTime last_failure = 0;
  std::string last_reason;
};

class CoverageRandomTest : public CoverageTest, public ::testing::WithParamInterface<int> {};

TEST_P(CoverageRandomTest, AgreesWithTheGeneratedRunsRetriesFolded) {
  std::mt19937 random(static_cast<unsigned>(GetParam()));
  std::uniform_real_distribution<double> p(0.0, 1.0);
  const struct {
    std::string name;
    std::optional<std::string> uid;
  } vms[] = {{"app-01", "vm-101"}, {"db-01", "vm-102"}, {"file-01", std::nullopt}};
  const EmTime from = at("2026-03-01T00:00:00Z");
  const int days = 20;
  std::map<std::string, Truth> truth;
  for (int d = 0; d < days; ++d) {
    if (p(random) < 0.1) continue;  // the job did not run that day
    const EmTime start = from + d * kDay + 22 * kHour;
    std::vector<std::size_t> pending;
    for (std::size_t i = 0; i < std::size(vms); ++i) {
      if (p(random) >= 0.1) pending.push_back(i);  // else the VM was not in this run
    }
    for (int attempt = 0; attempt < 3 && !pending.empty(); ++attempt) {
      const EmTime s = start + attempt * 40 * kMinute;
      const std::string session =
          history_.job_session(kNightly, s, s + 30 * kMinute, "Failed", attempt > 0, "job failed");
      std::vector<std::size_t> failed;
      for (std::size_t i : pending) {
        const double x = p(random);
        const std::string result = x < 0.55 ? "Success" : x < 0.7 ? "Warning" : "Failed";
        const EmTime t = s + static_cast<EmTime>(i + 1) * kMinute;
        const std::string reason = result == "Failed" ? "disk full " + std::to_string(d) : "";
        history_.task(session, vms[i].name, vms[i].uid, t, t + 10 * kMinute, result, reason);
        Truth& v = truth[vms[i].name];
        if (attempt == 0) ++v.runs;
        if (result == "Failed") {
          failed.push_back(i);
          continue;
        }
        v.days_ok.insert((from + d * kDay) / kDay);
        v.successes.push_back(t + 10 * kMinute);
      }
      // The last attempt's failures are the run's.
      if (attempt == 2 || p(random) < 0.3) {
        for (std::size_t i : failed) {
          Truth& v = truth[vms[i].name];
          ++v.runs_failed;
          v.last_failure = s + static_cast<EmTime>(i + 1) * kMinute;
          v.last_reason = "disk full " + std::to_string(d);
        }
        break;
      }
      pending = failed;
    }
  }
  const EmTime to = from + days * kDay;
  const Report report = run(from, to, 30 * kHour);
  for (const auto& vm : vms) {
    SCOPED_TRACE(vm.name);
    const Truth& v = truth[vm.name];
    auto r = row(report, "backup", vm.name);
    EXPECT_EQ(r["vm_uid"], vm.uid.value_or(""));
    EXPECT_EQ(r["days"], std::to_string(days));
    EXPECT_EQ(r["days_backed_up"], std::to_string(v.days_ok.size()));
    EXPECT_EQ(r["days_missed"], std::to_string(days - static_cast<int>(v.days_ok.size())));
    EXPECT_EQ(r["runs"], std::to_string(v.runs));
    EXPECT_EQ(r["runs_failed"], std::to_string(v.runs_failed));
    std::vector<EmTime> s = v.successes;
    std::sort(s.begin(), s.end());
    EXPECT_EQ(r["last_success"], s.empty() ? "" : format_em_time(s.back()));
    EXPECT_EQ(r["last_failure"], v.runs_failed ? format_em_time(v.last_failure) : "");
    EXPECT_EQ(r["last_failure_reason"], v.runs_failed ? v.last_reason : "");
    EmTime longest = 0, previous = from;
    for (EmTime t : s) longest = std::max(longest, t - std::exchange(previous, t));
    longest = std::max(longest, to - previous);
    char hours[32];
    std::snprintf(hours, sizeof hours, "%.1f", static_cast<double>(longest) / kHour);
    EXPECT_EQ(r["longest_gap_h"], hours);
    EXPECT_EQ(r["rpo_exceeded"], longest > 30 * kHour ? "yes" : "no");
    EXPECT_EQ(r["status"], s.empty() ? "never succeeded"
                           : longest > 30 * kHour ? "rpo exceeded"
                                                  : "ok");
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, CoverageRandomTest, ::testing::Values(1, 2, 3),
                         [](const auto& info) { return "Seed" + std::to_string(info.param); });

TEST_F(CoverageTest, ARetryThatSucceedsMakesTheRunASuccess) {
  const EmTime night = at("2026-03-02T22:00:00Z");
  const auto first = history_.job_session(kNightly, night, night + kHour, "Failed");
  history_.task(first, "app-01", "vm-101", night, night + kHour, "Failed", "snapshot timeout");
  const auto retry = history_.job_session(kNightly, night + 90 * kMinute, night + 2 * kHour,
                                          "Success", true);
  history_.task(retry, "app-01", "vm-101", night + 91 * kMinute, night + 2 * kHour, "Success");
  const Report report = run(at("2026-03-02T00:00:00Z"), at("2026-03-03T00:00:00Z"), kDay);
  auto r = row(report, "backup", "app-01");
  EXPECT_EQ(r["runs"], "1");
  EXPECT_EQ(r["runs_failed"], "0");
  EXPECT_EQ(r["days_backed_up"], "1");
  EXPECT_EQ(r["last_failure"], "");
  EXPECT_EQ(r["last_success"], "2026-03-03T00:00:00Z");
  ASSERT_TRUE(report.grid);
  EXPECT_EQ(report.grid->rows.at(0).marks, std::vector<DayMark>{DayMark::Success});
}

TEST_F(CoverageTest, AVmThatNeverSucceededIsFlaggedWithTheJobsReasonWhenTheTaskHasNone) {
  const EmTime night = at("2026-03-02T22:00:00Z");
  const auto s = history_.job_session(kNightly, night, night + kHour, "Failed", false,
                                      "Repository is out of space");
  history_.task(s, "app-01", "vm-101", night, night + kHour, "Failed");
  const Report report = run(at("2026-03-01T00:00:00Z"), at("2026-03-04T00:00:00Z"), kDay);
  auto r = row(report, "backup", "app-01");
  EXPECT_EQ(r["status"], "never succeeded");
  EXPECT_EQ(r["days_missed"], "3");
  EXPECT_EQ(r["longest_gap_h"], "72.0");
  EXPECT_EQ(r["last_failure_reason"], "Repository is out of space");
}

TEST_F(CoverageTest, BackupCopiesAndReplicasAreReportedApartFromPrimaryBackups) {
  const EmTime night = at("2026-03-02T22:00:00Z");
  one_task_run(kNightly, night, "app-01", "vm-101", "Success");
  one_task_run(kCopy, night + kHour, "app-01", "vm-101", "Failed", "no link");
  one_task_run(kReplica, night - kHour, "app-01", std::nullopt, "Warning");
  const Report report = run(at("2026-03-02T00:00:00Z"), at("2026-03-03T00:00:00Z"), kDay);
  ASSERT_EQ(report.table.rows.size(), 3u);
  EXPECT_EQ(cell_text(report.table.rows[0][0]), "backup");
  EXPECT_EQ(cell_text(report.table.rows[1][0]), "backup copy");
  EXPECT_EQ(cell_text(report.table.rows[2][0]), "replica");
  EXPECT_EQ(row(report, "backup", "app-01")["status"], "ok");
  EXPECT_EQ(row(report, "backup copy", "app-01")["status"], "never succeeded");
  EXPECT_EQ(row(report, "backup copy", "app-01")["last_failure_reason"], "no link");
  EXPECT_EQ(row(report, "replica", "app-01")["days_backed_up"], "1");
}

// A VM is its VmUid: renamed, it stays one row with both names; a task without a VmUid joins
// the VM that carried its name with one.
TEST_F(CoverageTest, AVmIsItsUidAcrossRenames) {
  const EmTime night = at("2026-03-01T22:00:00Z");
  for (int d = 0; d < 3; ++d) {
    const EmTime t = night + d * kDay;
    one_task_run(kNightly, t, d == 0 ? "srv-old" : "srv-new",
                 d == 2 ? std::nullopt : std::optional<std::string>("vm-7"), "Success");
  }
  const Report report = run(at("2026-03-01T00:00:00Z"), at("2026-03-04T00:00:00Z"), 2 * kDay);
  ASSERT_EQ(report.table.rows.size(), 1u);
  auto r = row(report, "backup", "srv-new");
  EXPECT_EQ(r["vm_uid"], "vm-7");
  EXPECT_EQ(r["names"], "srv-new; srv-old");
  EXPECT_EQ(r["days_backed_up"], "3");
}

TEST_F(CoverageTest, AnExpectedVmThatIsAbsentIsMissing) {
  const EmTime night = at("2026-03-02T22:00:00Z");
  one_task_run(kNightly, night, "app-01", "vm-101", "Success");
  one_task_run(kReplica, night, "dr-only", std::nullopt, "Success");
  const auto list = dir_ / "expect.txt";
  std::ofstream(list) << "# VMs the auditor lists\n\n  VM-101  \nApp-01\ndr-only\nghost-vm\r\n";
  auto expected = read_expect_file(list.string());
  ASSERT_TRUE(expected) << expected.error().message;
  EXPECT_EQ(*expected, (std::vector<std::string>{"VM-101", "App-01", "dr-only", "ghost-vm"}));
  const Report report =
      run(at("2026-03-01T00:00:00Z"), at("2026-03-03T00:00:00Z"), kDay, "UTC", *expected);
  // A replica is not a backup: dr-only is missing from the primary backups too.
  auto ghost = row(report, "backup", "ghost-vm");
  EXPECT_EQ(ghost["status"], "missing");
  EXPECT_EQ(ghost["days_missed"], "2");
  EXPECT_EQ(ghost["rpo_exceeded"], "yes");
  EXPECT_EQ(row(report, "backup", "dr-only")["status"], "missing");
  EXPECT_EQ(row(report, "backup", "app-01")["status"], "rpo exceeded");
  EXPECT_EQ(report.table.rows.size(), 4u) << "app-01 once, dr-only twice, ghost-vm";
  ASSERT_TRUE(report.grid);
  EXPECT_EQ(report.grid->rows.back().label, "backup: ghost-vm");
  EXPECT_FALSE(read_expect_file((dir_ / "none.txt").string()));
}

// A run at 23:30 UTC is on the next day in Berlin (UTC+1 in March) and in +05:30, on the same
// day in UTC and -03:00.
TEST_F(CoverageTest, DaysAreCalendarDaysInTheTimeZoneAskedFor) {
  const EmTime t = at("2026-03-10T23:30:00Z");
  one_task_run(kNightly, t, "app-01", "vm-101", "Success");
  history_.store();
  for (const auto& [zone, day] : std::vector<std::pair<std::string, std::string>>{
           {"UTC", "2026-03-10"},
           {"Europe/Berlin", "2026-03-11"},
           {"+05:30", "2026-03-11"},
           {"-03:00", "2026-03-10"}}) {
    SCOPED_TRACE(zone);
    auto calendar = Calendar::of(zone);
    ASSERT_TRUE(calendar) << calendar.error().message;
    auto from = parse_window_time("2026-03-10", *calendar, false);
    auto to = parse_window_time("2026-03-11", *calendar, true);
    ASSERT_TRUE(from && to);
    const Report report = run(*from, *to, 2 * kDay, zone);
    ASSERT_TRUE(report.grid);
    ASSERT_EQ(report.grid->days, (std::vector<std::string>{"2026-03-10", "2026-03-11"}));
    const auto& marks = report.grid->rows.at(0).marks;
    EXPECT_EQ(marks[day == "2026-03-10" ? 0 : 1], DayMark::Success);
    EXPECT_EQ(marks[day == "2026-03-10" ? 1 : 0], DayMark::None);
  }
}

}  // namespace
}  // namespace emarchive::report
