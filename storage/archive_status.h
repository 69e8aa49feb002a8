#pragma once
// Where every job, VM, EM source and backup server of an archive stands now: the questions a
// dashboard page or a metrics scrape asks every 15 to 60 seconds (docs/DASHBOARD.md). Read-only:
// an ArchiveStatus opens its own read-only connection, and never writes.
//
// Contract: failures come back as an Error naming the database file, with the codes of
// storage/archive.h (busy, corrupt, io, invalid_input for a schema this binary cannot read). An
// ArchiveStatus is one connection: use it from one thread at a time.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/em_time.h"
#include "model/expected.h"
#include "model/kind.h"
#include "storage/archive.h"

namespace emarchive::storage {

// One session as the status reports it: a job's run, a VM's task.
struct SessionSummary {
  std::string uid;  // "urn:veeam:BackupJobSession:<guid>"
  Kind kind = Kind::BackupJobSession;
  std::string result;  // as EM wrote it: "Success", "Warning", "Failed", "None"; "" when absent
  std::string state;   // "Stopped", "Working", ...; "" when absent
  std::optional<EmTime> creation_time;
  std::optional<EmTime> end_time;  // nullopt while running

  // end_time - creation_time, when both are known.
  std::optional<EmTime> duration() const {
    if (!creation_time || !end_time) return std::nullopt;
    return *end_time - *creation_time;
  }
};

// A job (every Job record, stubs included) with its latest run: the backup or replica job
// session created last.
struct JobStatus {
  std::string uid;  // "urn:veeam:Job:<guid>"
  std::string name;
  std::string job_type;            // "" when unknown
  std::string backup_server_uid;   // "" when unknown
  std::string backup_server_name;  // "" when unknown
  std::optional<SessionSummary> last_run;
  // How many of the job's latest finished runs in a row have Result Failed (0 when the latest
  // finished run did not fail). Runs still going (no EndTimeUTC) are not counted either way.
  int consecutive_failures = 0;
};

// A VM as its backup task sessions (BackupTaskSession) name it: by VmUid when EM gave one, else
// by VmDisplayName, else by the session's Name.
struct VmStatus {
  std::string key;     // what identifies it: the VmUid, else the name
  std::string vm_uid;  // "" when EM gave none
  std::string name;
  // End of its latest task session that made a restore point (Result Success or Warning; its
  // creation time when EM gave no end); nullopt when it never had one.
  std::optional<EmTime> last_success;
  SessionSummary last_task;  // its task session created last
  std::string job_uid;       // of last_task's job session; "" when unknown
  std::string job_name;      // "" when unknown
};

// What one command run recorded (the runs table).
struct RunSummary {
  std::int64_t id = 0;
  std::string started_at;   // xs:dateTime as the run wrote it
  std::string finished_at;  // "" while running or when the run was killed
  std::string errors;       // one per line, "" for none
  RunCounts counts;
};

// An EM source (the scheme://host:port of the Hrefs it served) and its ingest runs. A run belongs
// to a source when its detail starts with the source's name and a colon ("em1: https://em:9398 as
// user", what `emarchive ingest` writes) or, for runs before sources had names, with its origin
// ("https://em:9398 as user"); a source no ingest run names (imports, the simulator) has none.
struct SourceStatus {
  std::string origin;
  std::string name;  // the EM's name (ingest --name, or its section of --config); "" when none
  std::string first_seen_at;                      // when a record of it was first stored
  std::string last_seen_at;                       // when a record of it was last stored
  std::optional<RunSummary> last_run;             // its ingest run started last
  std::optional<RunSummary> last_successful_run;  // ... that finished without errors
};

struct BackupServerStatus {
  std::string uid;  // "urn:veeam:BackupServer:<guid>"
  std::string name;
};

// Each list in a stable order: jobs and backup servers by name, then UID; VMs by name, then key;
// sources by origin.
struct StatusSnapshot {
  std::vector<JobStatus> jobs;
  std::vector<VmStatus> vms;
  std::vector<SourceStatus> sources;
  std::vector<BackupServerStatus> backup_servers;
};

// Keep one ArchiveStatus and call snapshot() again for each scrape or page: the first call reads
// every task session, later ones only those stored since and those still running then (EM does
// not change a session once it has ended), which keeps a call to milliseconds over millions of
// sessions.
class ArchiveStatus {
 public:
  // Opens the archive at `path` read-only (it must exist and have this binary's schema).
  static Expected<std::unique_ptr<ArchiveStatus>> open(const std::string& path);
  virtual ~ArchiveStatus() = default;

  // Everything, as of one read transaction.
  virtual Expected<StatusSnapshot> snapshot() = 0;
};

}  // namespace emarchive::storage
