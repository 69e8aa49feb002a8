// ArchiveHistory: job runs per day, a job's and a VM's sessions newest first, the latest failures.

#include <gtest/gtest.h>

#include <string>
#include <vector>

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

// A job's runs of both kinds of job session come merged, newest first; of two created at the
// same instant, the one archived last comes first.
TEST_F(ArchiveHistoryTest, AJobsRunsOfBothKindsComeMergedNewestFirst) {
  const std::string_view replica_guids[] = {"00000000-0000-0000-0000-00000000e001",
                                            "00000000-0000-0000-0000-00000000e002"};
  store({status_fixture::replica_job_session(replica_guids[0], "2026-03-02T22:10:00Z", "Failed"),
         status_fixture::replica_job_session(replica_guids[1], "2026-03-03T22:00:00Z", "Success")});
  auto history = ArchiveHistory::open(path_);
  ASSERT_TRUE(history) << history.error().message;
  auto runs = (*history)->job_runs(uid(Kind::Job, kNightly), 4);
  ASSERT_TRUE(runs) << runs.error().message;
  std::vector<std::string> order;
  for (const HistoryEntry& run : *runs) order.push_back(run.session.uid);
  const auto backup = [](int day) {
    return uid(Kind::BackupJobSession, "00000000-0000-0000-0000-00000000c00" + std::to_string(day));
  };
  EXPECT_EQ(order,
            (std::vector<std::string>{uid(Kind::ReplicaJobSession, replica_guids[1]), backup(3),
                                      uid(Kind::ReplicaJobSession, replica_guids[0]), backup(2)}));
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
