// `report failures` lists exactly the failed and warning sessions the test made up.

#include "report/failures_report.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "report/output.h"
#include "tests/report/report_archive.h"
#include "tests/support/test_data.h"

namespace emarchive::report {
namespace {

using testing::at;
using testing::JobDef;
using testing::ReportArchive;

TEST(FailuresReportTest, EveryFailedOrWarningSessionWithItsReasonJobAndServer) {
  emarchive::testing::TempDir dir;
  ReportArchive history(dir / "a.db");
  const JobDef job{"33333333-0000-4000-8000-000000000001", "Nightly VMs", "Backup"};
  const EmTime from = at("2026-05-01T00:00:00Z");
  // Before the window: its failure is not listed, but its task inside the window names its job.
  const auto early = history.job_session(job, from - kHour, from + kHour, "Success");
  history.task(early, "app-01", "vm-1", from + kMinute, from + 2 * kMinute, "Warning",
               "CBT reset");
  const auto failed = history.job_session(job, from + kDay, from + kDay + kHour, "Failed", false,
                                          "2 of 3 VMs failed");
  history.task(failed, "app-01", "vm-1", from + kDay, from + kDay + kMinute, "Success");
  history.task(failed, "db-01", "vm-2", from + kDay + kMinute, from + kDay + kHour, "Failed",
               "Snapshot, \"quiesce\" failed");
  history.task(failed, "=cmd|' /C calc'!A0", std::nullopt, from + kDay + 2 * kMinute,
               from + kDay + kHour, "Failed", "VM not found");
  history.job_session(job, from + 3 * kDay, from + 3 * kDay + kHour, "Failed");  // after it
  history.store();

  auto calendar = Calendar::of("UTC");
  auto reader = SessionReader::open(history.path().string());
  ASSERT_TRUE(reader) << reader.error().message;
  auto report = failures_report(*reader, *calendar, from, from + 2 * kDay);
  ASSERT_TRUE(report) << report.error().message;
  std::vector<std::string> lines;
  for (const auto& row : report->table.rows) {
    std::string line;
    for (std::size_t i : {2u, 3u, 4u, 6u, 7u, 8u}) line += cell_text(row[i]) + "|";
    lines.push_back(line);
  }
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "task session|Warning|Nightly VMs|app-01|vbr-01|CBT reset|",
                       "job session|Failed|Nightly VMs||vbr-01|2 of 3 VMs failed|",
                       "task session|Failed|Nightly VMs|db-01|vbr-01|Snapshot, \"quiesce\" failed|",
                       "task session|Failed|Nightly VMs|=cmd|' /C calc'!A0|vbr-01|VM not found|",
                   }));
  EXPECT_EQ(cell_text(report->table.rows[1][0]), format_em_time(from + kDay));
}

}  // namespace
}  // namespace emarchive::report
