#pragma once
// The history behind the dashboard's pages (docs/DASHBOARD.md): every job's runs per day, a job's
// or a VM's sessions over time, the latest failures. Read-only, like storage/archive_status.h,
// whose contract this shares: an ArchiveHistory opens its own read-only connection, use it from
// one thread at a time, failures come back as an Error naming the database file. Each question
// is answered from an index, so that a page stays quick over millions of sessions.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/em_time.h"
#include "model/expected.h"
#include "storage/archive_status.h"

namespace emarchive::storage {

// One session with what a chart or a table shows of it.
struct HistoryEntry {
  SessionSummary session;
  std::string name;      // the session's Name: "Nightly@2026-03-01 22:00:00", a VM's name
  std::string vm_uid;    // a task's VmUid, "" when none (VmStatus::key is this, else name)
  std::string job_uid;   // the job it ran for, "" when unknown
  std::string job_name;  // "" when unknown
  // Failed and Warning sessions: the task's Reason or the job session's FailureMessage; "" when
  // EM gave none.
  std::string reason;
  // The task's TotalSize; for a job session the sum of its tasks' (nullopt when none gave one).
  std::optional<std::int64_t> total_size;
};

// The runs (backup and replica job sessions) of one job on one UTC day.
struct JobDay {
  std::string job_uid;
  EmTime day = 0;  // 00:00 UTC
  int runs = 0;
  // The worst result of the day's runs: Failed, then Warning, then Success, then any other
  // ("None" while running), as EM wrote it.
  std::string worst_result;
  SessionSummary latest;  // the day's run created last
};

class ArchiveHistory {
 public:
  // Opens the archive at `path` read-only (it must exist and have this binary's schema).
  static Expected<std::unique_ptr<ArchiveHistory>> open(const std::string& path);
  virtual ~ArchiveHistory() = default;

  // The creation times of the first and the last job session archived; nullopt when none.
  virtual Expected<std::optional<std::pair<EmTime, EmTime>>> job_session_span() = 0;

  // Per job and UTC day, the job sessions created in [from, to), by job UID then day.
  virtual Expected<std::vector<JobDay>> job_days(EmTime from, EmTime to) = 0;

  // The job sessions of the job with this UID, newest first, at most `limit`.
  virtual Expected<std::vector<HistoryEntry>> job_runs(std::string_view job_uid, int limit) = 0;

  // The backup task sessions of the VM that ArchiveStatus calls `key` (VmUid, else name) and
  // names `name`, newest first, at most `limit`.
  virtual Expected<std::vector<HistoryEntry>> vm_tasks(std::string_view key, std::string_view name,
                                                       int limit) = 0;

  // Sessions of every kind but restores with Result Failed, newest first, at most `limit`.
  virtual Expected<std::vector<HistoryEntry>> recent_failures(int limit) = 0;
};

}  // namespace emarchive::storage
