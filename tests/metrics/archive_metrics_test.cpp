// The archive's metrics: read at most once per cache period whatever the scrapes, and written
// from the archive's status as Prometheus alert rules expect them.

#include "api/archive_metrics.h"

#include <gtest/gtest.h>

#include <string>

#include "model/em_time.h"

namespace emarchive::api {
namespace {

ArchiveReading reading_of_one_failing_job() {
  ArchiveReading reading;
  storage::JobStatus job;
  job.uid = "urn:veeam:Job:1";
  job.name = "Nightly \"ERP\"";
  job.backup_server_name = "vbr-01";
  storage::SessionSummary run;
  run.result = "Failed";
  run.creation_time = 1'780'000'000 * kSecond;
  run.end_time = 1'780'000'600 * kSecond;
  job.last_run = run;
  job.consecutive_failures = 2;
  reading.status.jobs.push_back(job);
  storage::VmStatus vm;
  vm.key = vm.name = "erp-db-01";
  vm.last_success = 1'779'990'000 * kSecond;
  vm.last_task.result = "Failed";
  reading.status.vms.push_back(vm);
  reading.records = {{"BackupJobSession", 2}};
  reading.size_bytes = 4096;
  return reading;
}

TEST(ArchiveMetricsTest, WritesTheLastResultAsOneOfFourAndTimesInSeconds) {
  metrics::TextWriter out;
  write_archive_metrics(reading_of_one_failing_job(), out);
  const std::string& text = out.text();
  const std::string job =
      R"(job_name="Nightly \"ERP\"",job_uid="urn:veeam:Job:1",backup_server="vbr-01")";
  EXPECT_NE(text.find("emarchive_job_last_result{" + job + ",result=\"Failed\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("emarchive_job_last_result{" + job + ",result=\"Success\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("emarchive_job_last_run_end_timestamp_seconds{" + job + "} 1780000600\n"),
            std::string::npos);
  EXPECT_NE(text.find("emarchive_job_last_run_duration_seconds{" + job + "} 600\n"),
            std::string::npos);
  EXPECT_NE(text.find("emarchive_job_consecutive_failures{" + job + "} 2\n"), std::string::npos);
  EXPECT_NE(text.find("emarchive_vm_last_success_timestamp_seconds{vm=\"erp-db-01\",vm_uid=\"\","
                      "job_name=\"\"} 1779990000\n"),
            std::string::npos);
  EXPECT_NE(text.find("emarchive_archive_records{kind=\"BackupJobSession\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("emarchive_archive_size_bytes 4096\n"), std::string::npos);
}

TEST(ArchiveMetricsTest, ABurstOfScrapesReadsTheArchiveOnce) {
  metrics::Registry registry;
  int reads = 0;
  auto now = std::chrono::steady_clock::time_point{};
  ArchiveMetrics archive(
      registry,
      [&]() -> Expected<ArchiveReading> {
        ++reads;
        return reading_of_one_failing_job();
      },
      [&] { return now; });
  for (int i = 0; i < 5; ++i)
    EXPECT_NE(registry.render().find("emarchive_archive_readable 1\n"), std::string::npos);
  EXPECT_EQ(reads, 1);
  now += ArchiveMetrics::kCacheFor;
  registry.render();
  EXPECT_EQ(reads, 2);
}

TEST(ArchiveMetricsTest, AnArchiveThatCannotBeReadSaysSoAndCountsFailures) {
  metrics::Registry registry;
  ArchiveMetrics archive(registry, []() -> Expected<ArchiveReading> {
    return Error{"a.db: database is locked", ErrorCode::busy};
  });
  archive.archive_failed();
  const std::string text = registry.render();
  EXPECT_NE(text.find("emarchive_archive_readable 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("emarchive_archive_errors_total 1\n"), std::string::npos);
  EXPECT_EQ(text.find("emarchive_job_last_result"), std::string::npos);
}

}  // namespace
}  // namespace emarchive::api
