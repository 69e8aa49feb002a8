// ArchiveStatus: per job the latest run and the failures in a row, per VM its latest task and
// latest restore point, per EM source its ingest runs, the backup servers.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "storage/archive_status.h"
#include "tests/storage/status_fixture.h"

namespace emarchive::storage {
namespace {

using fixture::at;
using fixture::uid;
using status_fixture::ArchiveStatusTest;
using status_fixture::job_session;
using status_fixture::kEm;
using status_fixture::kNightly;
using status_fixture::kServer;
using status_fixture::replica_job_session;
using status_fixture::task;

TEST_F(ArchiveStatusTest, JobsHaveTheirLatestRunAndTheFailuresInARowBeforeIt) {
  store({job_session(1, "Success"), job_session(2, "Failed"), job_session(3, "Failed"),
         job_session(4, "None", true)});
  const StatusSnapshot status = snapshot();
  ASSERT_EQ(status.jobs.size(), 2u);
  EXPECT_EQ(status.jobs[0].name, "Idle");  // by name
  EXPECT_FALSE(status.jobs[0].last_run);
  EXPECT_EQ(status.jobs[0].consecutive_failures, 0);

  const JobStatus& nightly = status.jobs[1];
  EXPECT_EQ(nightly.uid, uid(Kind::Job, kNightly));
  EXPECT_EQ(nightly.job_type, "Backup");
  EXPECT_EQ(nightly.backup_server_name, "vbr-01");
  EXPECT_EQ(nightly.backup_server_uid, uid(Kind::BackupServer, kServer));
  ASSERT_TRUE(nightly.last_run);
  EXPECT_EQ(nightly.last_run->uid,
            uid(Kind::BackupJobSession, "00000000-0000-0000-0000-00000000c004"));
  EXPECT_EQ(nightly.last_run->state, "Working");
  EXPECT_EQ(nightly.last_run->creation_time, at("2026-03-04T22:00:00Z"));
  EXPECT_FALSE(nightly.last_run->duration());
  // The running one counts neither way; the two failed before it do.
  EXPECT_EQ(nightly.consecutive_failures, 2);
}

// A job's runs of both kinds of job session are read as one run, newest first; of two created at
// the same instant, the one archived last is the newer.
TEST_F(ArchiveStatusTest, AJobsRunsOfBothKindsAreReadTogether) {
  const std::string_view replica_guids[] = {"00000000-0000-0000-0000-00000000e001",
                                            "00000000-0000-0000-0000-00000000e002"};
  store({job_session(1, "Success"), job_session(2, "Failed")});
  store({replica_job_session(replica_guids[0], "2026-03-02T22:10:00Z", "Failed")});
  store({job_session(3, "Failed")});
  store({replica_job_session(replica_guids[1], "2026-03-03T22:00:00Z", "Failed")});
  const StatusSnapshot status = snapshot();
  ASSERT_EQ(status.jobs.size(), 2u);
  const JobStatus& nightly = status.jobs[1];
  ASSERT_TRUE(nightly.last_run);
  EXPECT_EQ(nightly.last_run->uid, uid(Kind::ReplicaJobSession, replica_guids[1]));
  // Both days' runs of both kinds, back to the success of day 1.
  EXPECT_EQ(nightly.consecutive_failures, 4);
}

TEST_F(ArchiveStatusTest, ASuccessEndsTheFailuresInARow) {
  store({job_session(1, "Failed"), job_session(2, "Success")});
  const StatusSnapshot status = snapshot();
  ASSERT_EQ(status.jobs.size(), 2u);
  const JobStatus& nightly = status.jobs[1];
  ASSERT_TRUE(nightly.last_run);
  EXPECT_EQ(nightly.last_run->result, "Success");
  EXPECT_EQ(nightly.last_run->duration(), kHour);
  EXPECT_EQ(nightly.consecutive_failures, 0);
}

TEST_F(ArchiveStatusTest, VmsHaveTheirLatestTaskAndLatestRestorePoint) {
  store({job_session(1, "Success"), job_session(2, "Failed")});
  store({task(1, "1", "web01", "vc1:vm-11", "Success"),
         task(2, "1", "web01", "vc1:vm-11", "Failed"),
         task(1, "2", "db01", std::nullopt, "Warning"),
         task(2, "3", "file01", std::nullopt, "Failed")});
  const StatusSnapshot status = snapshot();
  ASSERT_EQ(status.vms.size(), 3u);
  EXPECT_EQ(status.vms[0].name, "db01");
  EXPECT_EQ(status.vms[0].key, "db01");                               // no VmUid: by name
  EXPECT_EQ(status.vms[0].last_success, at("2026-03-01T22:35:00Z"));  // Warning made one

  EXPECT_EQ(status.vms[1].name, "file01");
  EXPECT_FALSE(status.vms[1].last_success);

  const VmStatus& web = status.vms[2];
  EXPECT_EQ(web.key, "vc1:vm-11");
  EXPECT_EQ(web.vm_uid, "vc1:vm-11");
  EXPECT_EQ(web.last_success, at("2026-03-01T22:35:00Z"));
  EXPECT_EQ(web.last_task.result, "Failed");
  EXPECT_EQ(web.last_task.kind, Kind::BackupTaskSession);
  EXPECT_EQ(web.last_task.uid, uid(Kind::BackupTaskSession, "00000000-0000-0000-0000-0000000d021"));
  EXPECT_EQ(web.last_task.end_time, at("2026-03-02T22:35:00Z"));
  EXPECT_EQ(web.job_uid, uid(Kind::Job, kNightly));
  EXPECT_EQ(web.job_name, "Nightly");
}

TEST_F(ArchiveStatusTest, ASnapshotAgainSeesNewTasksAndRunningOnesThatEnded) {
  store({job_session(1, "Success"), job_session(2, "Success")});
  store({task(1, "1", "web01", "vc1:vm-11", "Success"),
         task(2, "1", "web01", "vc1:vm-11", "None", true)});
  auto status = ArchiveStatus::open(path_);
  ASSERT_TRUE(status) << status.error().message;
  auto before = (*status)->snapshot();
  ASSERT_TRUE(before) << before.error().message;
  ASSERT_EQ(before->vms.size(), 1u);
  EXPECT_EQ(before->vms[0].last_task.result, "None");
  EXPECT_EQ(before->vms[0].last_success, at("2026-03-01T22:35:00Z"));

  store({task(2, "1", "web01", "vc1:vm-11", "Success"),
         task(2, "2", "db01", std::nullopt, "Failed")});
  auto after = (*status)->snapshot();
  ASSERT_TRUE(after) << after.error().message;
  ASSERT_EQ(after->vms.size(), 2u);
  EXPECT_EQ(after->vms[0].name, "db01");
  EXPECT_EQ(after->vms[0].last_task.result, "Failed");
  EXPECT_EQ(after->vms[1].last_task.result, "Success");
  EXPECT_EQ(after->vms[1].last_success, at("2026-03-02T22:35:00Z"));
}

TEST_F(ArchiveStatusTest, SourcesHaveTheirLatestIngestRunAndLatestWithoutErrors) {
  store({job_session(1, "Success")});
  run(std::string(kEm) + " as admin", "");
  run(std::string(kEm) + " as admin", "GET /api/query: 503");
  run(std::string(kEm) + "0 as admin", "");        // another port: another source
  run(std::string(kEm) + " as admin", "", false);  // still running (or killed)
  const StatusSnapshot status = snapshot();
  const auto found = std::find_if(status.sources.begin(), status.sources.end(),
                                  [](const SourceStatus& s) { return s.origin == kEm; });
  ASSERT_NE(found, status.sources.end());
  const SourceStatus& em = *found;
  EXPECT_EQ(em.last_seen_at, fixture::kNow);
  ASSERT_TRUE(em.last_run);
  EXPECT_EQ(em.last_run->finished_at, "");
  ASSERT_TRUE(em.last_successful_run);
  EXPECT_LT(em.last_successful_run->id, em.last_run->id - 2);
  EXPECT_EQ(em.last_successful_run->finished_at, "2026-03-05T10:01:00Z");
  EXPECT_EQ(em.last_successful_run->counts.records_new, 7);
  EXPECT_EQ(em.last_successful_run->errors, "");
}

TEST_F(ArchiveStatusTest, BackupServersByName) {
  const StatusSnapshot status = snapshot();
  ASSERT_EQ(status.backup_servers.size(), 1u);
  EXPECT_EQ(status.backup_servers[0].name, "vbr-01");
  EXPECT_EQ(status.backup_servers[0].uid, uid(Kind::BackupServer, kServer));
}

TEST_F(ArchiveStatusTest, AMissingArchiveIsAnErrorNamingIt) {
  auto status = ArchiveStatus::open(path_ + ".missing");
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("archive.db.missing"), std::string::npos);
}

}  // namespace
}  // namespace emarchive::storage
