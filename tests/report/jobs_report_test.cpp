// `report jobs` against counts kept while the test made the history up.

#include "report/jobs_report.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
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

struct Expected {
  std::int64_t runs = 0, retries = 0, success = 0, warning = 0, failed = 0, size = 0;
  std::vector<std::int64_t> seconds;
};

TEST(JobsReportTest, CountsRatesDurationsAndSizesPerJobAndDay) {
  emarchive::testing::TempDir dir;
  ReportArchive history(dir / "a.db");
  const JobDef jobs[] = {{"22222222-0000-4000-8000-000000000001", "Nightly VMs", "Backup"},
                         {"22222222-0000-4000-8000-000000000002", "DR replica", "Replica"}};
  std::mt19937 random(7);
  std::uniform_int_distribution<int> pick(0, 9), minutes(5, 300);
  const EmTime from = at("2026-04-01T00:00:00Z");
  std::map<std::pair<std::string, std::string>, Expected> expected;  // (job, day)
  for (int d = 0; d < 10; ++d) {
    for (const JobDef& job : jobs) {
      for (int n = 0; n < 1 + d % 3; ++n) {  // 1 to 3 runs a day
        const EmTime start = from + d * kDay + (1 + 6 * n) * kHour;
        const int x = pick(random);
        const std::string result = x < 6 ? "Success" : x < 8 ? "Warning" : "Failed";
        const EmTime duration = minutes(random) * kMinute;
        const std::string session =
            history.job_session(job, start, start + duration, result, n > 0);
        Expected& e = expected[{job.name, "2026-04-" + std::string(d < 9 ? "0" : "") +
                                              std::to_string(d + 1)}];
        ++e.runs;
        e.retries += n > 0;
        e.success += result == "Success";
        e.warning += result == "Warning";
        e.failed += result == "Failed";
        e.seconds.push_back(duration / kSecond);
        for (int vm = 0; vm < 2; ++vm) {
          const std::int64_t size = (vm + 1) * 1'000'000'007LL * (d + 1);
          history.task(session, "vm-" + std::to_string(vm), std::nullopt, start + kMinute,
                       start + 2 * kMinute, "Success", "", size);
          e.size += size;
        }
      }
    }
  }
  history.store();
  auto calendar = Calendar::of("UTC");
  auto reader = SessionReader::open(history.path().string());
  ASSERT_TRUE(reader) << reader.error().message;
  auto report = jobs_report(*reader, *calendar, Period::Day, from, from + 10 * kDay);
  ASSERT_TRUE(report) << report.error().message;
  ASSERT_EQ(report->table.rows.size(), expected.size());
  // Rows come by job name, then period: as the map's keys.
  auto it = expected.begin();
  for (const auto& row : report->table.rows) {
    std::map<std::string, std::string> r;
    for (std::size_t i = 0; i < row.size(); ++i) r[report->table.columns[i]] = cell_text(row[i]);
    const auto& [key, e] = *it++;
    SCOPED_TRACE(key.first + " " + key.second);
    EXPECT_EQ(r["job"], key.first);
    EXPECT_EQ(r["period"], key.second);
    EXPECT_EQ(r["backup_server"], "vbr-01");
    EXPECT_EQ(r["runs"], std::to_string(e.runs));
    EXPECT_EQ(r["retries"], std::to_string(e.retries));
    EXPECT_EQ(r["success"], std::to_string(e.success));
    EXPECT_EQ(r["warning"], std::to_string(e.warning));
    EXPECT_EQ(r["failed"], std::to_string(e.failed));
    char rate[16];
    std::snprintf(rate, sizeof rate, "%.1f", 100.0 * e.failed / e.runs);
    EXPECT_EQ(r["failure_rate"], rate);
    auto s = e.seconds;
    std::sort(s.begin(), s.end());
    const std::int64_t median = s.size() % 2 ? s[s.size() / 2]
                                              : (s[s.size() / 2 - 1] + s[s.size() / 2]) / 2;
    EXPECT_EQ(r["median_duration_s"], std::to_string(median));
    EXPECT_EQ(r["max_duration_s"], std::to_string(s.back()));
    EXPECT_EQ(r["data_size"], std::to_string(e.size));
  }
  auto monthly = jobs_report(*reader, *calendar, Period::Month, from, from + 10 * kDay);
  ASSERT_TRUE(monthly);
  ASSERT_EQ(monthly->table.rows.size(), 2u);
  EXPECT_EQ(cell_text(monthly->table.rows[0][3]), "2026-04");
  EXPECT_EQ(cell_text(monthly->table.rows[0][4]), "19") << "1+2+3+1+2+3+1+2+3+1 runs";
}

TEST(JobsReportTest, PeriodsAreIsoWeeksAndMonths) {
  const LocalDay jan1_2026 = at("2026-01-01T00:00:00Z") / kDay;
  EXPECT_EQ(period_text(Period::Week, jan1_2026), "2026-W01");
  EXPECT_EQ(period_text(Period::Week, jan1_2026 - 3), "2026-W01") << "Monday 29 December 2025";
  EXPECT_EQ(period_text(Period::Week, jan1_2026 - 4), "2025-W52");
  EXPECT_EQ(period_text(Period::Week, at("2027-01-01T00:00:00Z") / kDay), "2026-W53");
  EXPECT_EQ(period_text(Period::Month, jan1_2026 - 1), "2025-12");
  EXPECT_EQ(period_text(Period::Day, jan1_2026), "2026-01-01");
  EXPECT_FALSE(parse_period("fortnight"));
}

}  // namespace
}  // namespace emarchive::report
