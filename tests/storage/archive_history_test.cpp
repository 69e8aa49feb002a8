// ArchiveHistory: job runs per day, a job's and a VM's sessions newest first, the latest failures.

#include <gtest/gtest.h>

#include <string>

#include "storage/archive_history.h"
#include "tests/storage/status_fixture.h"

namespace emarchive::storage {
namespace {

using fixture::at;
using fixture::uid;
using status_fixture::job_session;
using status_fixture::kNightly;
using status_fixture::task;

class ArchiveHistoryTest : public status_fixture::ArchiveStatusTest {
 protected:
  void SetUp() override {
    ArchiveStatusTest::SetUp();
    store({job_session(1, "Success"), job_session(2, "Failed"), job_session(3, "Warning")});
    store({task(1, "1", "web01", "vc1:vm-11", "Success"),
           task(2, "1", "web01", "vc1:vm-11", "Failed"),
           task(2, "2", "db01", std::nullopt, "Success"),
           task(3, "1", "web01", "vc1:vm-11", "Warning")});
    auto history = ArchiveHistory::open(path_);
    ASSERT_TRUE(history) << history.error().message;
    history_ = std::move(*history);
  }
  std::unique_ptr<ArchiveHistory> history_;
};

TEST_F(ArchiveHistoryTest, JobDaysHoldTheRunsOfEachDayInTheRange) {
  auto span = history_->job_session_span();
  ASSERT_TRUE(span) << span.error().message;
  ASSERT_TRUE(*span);
  EXPECT_EQ((*span)->first, at("2026-03-01T22:00:00Z"));
  EXPECT_EQ((*span)->second, at("2026-03-03T22:00:00Z"));

  auto days = history_->job_days(at("2026-03-02T00:00:00Z"), at("2026-03-04T00:00:00Z"));
  ASSERT_TRUE(days) << days.error().message;
  ASSERT_EQ(days->size(), 2u);
  EXPECT_EQ((*days)[0].job_uid, uid(Kind::Job, kNightly));
  EXPECT_EQ((*days)[0].day, at("2026-03-02T00:00:00Z"));
  EXPECT_EQ((*days)[0].worst_result, "Failed");
  EXPECT_EQ((*days)[0].runs, 1);
  EXPECT_EQ((*days)[1].latest.uid,
            uid(Kind::BackupJobSession, "00000000-0000-0000-0000-00000000c003"));
}

TEST_F(ArchiveHistoryTest, AJobsRunsComeNewestFirstWithTheirTasksSizes) {
  auto runs = history_->job_runs(uid(Kind::Job, kNightly), 2);
  ASSERT_TRUE(runs) << runs.error().message;
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[0].session.result, "Warning");
  EXPECT_EQ((*runs)[1].session.result, "Failed");
  EXPECT_EQ((*runs)[0].job_name, "Nightly");
  EXPECT_FALSE((*runs)[0].total_size);  // the fixture's tasks give no TotalSize
}

TEST_F(ArchiveHistoryTest, AVmsTasksAreFoundByItsKey) {
  auto tasks = history_->vm_tasks("vc1:vm-11", "web01", 10);
  ASSERT_TRUE(tasks) << tasks.error().message;
  ASSERT_EQ(tasks->size(), 3u);
  EXPECT_EQ((*tasks)[0].session.result, "Warning");
  EXPECT_EQ((*tasks)[0].vm_uid, "vc1:vm-11");
  EXPECT_EQ((*tasks)[0].job_uid, uid(Kind::Job, kNightly));
  auto other = history_->vm_tasks("db01", "db01", 10);
  ASSERT_TRUE(other) << other.error().message;
  EXPECT_EQ(other->size(), 1u);
}

TEST_F(ArchiveHistoryTest, TheLatestFailuresOfEveryKind) {
  auto failures = history_->recent_failures(10);
  ASSERT_TRUE(failures) << failures.error().message;
  ASSERT_EQ(failures->size(), 2u);
  // The task was created after its job session.
  EXPECT_EQ((*failures)[0].session.kind, Kind::BackupTaskSession);
  EXPECT_EQ((*failures)[0].name, "web01");
  EXPECT_EQ((*failures)[1].session.kind, Kind::BackupJobSession);
  auto one = history_->recent_failures(1);
  ASSERT_TRUE(one) << one.error().message;
  EXPECT_EQ(one->size(), 1u);
}

}  // namespace
}  // namespace emarchive::storage
