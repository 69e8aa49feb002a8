#pragma once
// The sessions a report reads, from an archive opened read-only (a running ingest can keep
// writing beside it). Each read is one pass over one index range of the sessions table
// (sessions_kind_creation, docs/SCHEMA.md) in one read transaction, so that a report over a year
// of a large archive takes seconds.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/em_time.h"
#include "model/expected.h"

namespace SQLite {
class Database;
}

namespace emarchive::report {

// A BackupJobSession or ReplicaJobSession.
struct JobSession {
  std::int64_t id = 0;  // the archive's record id, what task sessions' parent_id points to
  bool replica = false;  // a ReplicaJobSession
  std::string uid;
  std::string job_key;   // the job's UID, else its name: what groups a job's sessions
  std::string job_name;  // JobName, else the job record's name
  std::string job_type;  // JobType ("Backup", "BackupCopy", "Replica", ...); "" when omitted
  std::string backup_server;
  EmTime creation = 0;
  std::optional<EmTime> end;
  std::string state;
  std::string result;           // "Success", "Warning", "Failed", "None", ...
  std::string failure_message;  // FailureMessage, "" when none
  bool is_retry = false;
  std::optional<std::int64_t> total_size;  // sum of its task sessions' TotalSize (bytes)
};

// A BackupTaskSession or ReplicaTaskSession: one VM in one job session.
struct TaskSession {
  std::int64_t parent_id = 0;  // the JobSession's id; 0 when the archive does not know it
  bool replica = false;
  std::string uid;
  std::string vm_uid;   // VmUid, "" when EM did not send one
  std::string vm_name;  // VmDisplayName, else the session's name before its '@'
  std::string backup_server;
  EmTime creation = 0;
  std::optional<EmTime> end;
  std::string result;
  std::string reason;
};

class SessionReader {
 public:
  // Opens the archive at `path` read-only; io or invalid_input naming `path` when it is missing,
  // not an archive, or of another schema version.
  static Expected<SessionReader> open(const std::string& path);
  SessionReader(SessionReader&&) noexcept;
  SessionReader& operator=(SessionReader&&) noexcept;
  ~SessionReader();

  // Job sessions created in [from, to), oldest first; with their tasks' total size when
  // `with_sizes`.
  Expected<std::vector<JobSession>> job_sessions(EmTime from, EmTime to, bool with_sizes);
  // Task sessions created in [from, to), oldest first.
  Expected<std::vector<TaskSession>> task_sessions(EmTime from, EmTime to);

 private:
  SessionReader(std::string path, std::unique_ptr<SQLite::Database> db);
  std::string path_;
  std::unique_ptr<SQLite::Database> db_;
};

}  // namespace emarchive::report
