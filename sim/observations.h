#pragma once
// What the simulated EM answers for the resources monitoring tools read (kObservedResources,
// storage/observation_document.h), computed from its own history so that they agree with the
// sessions it serves (docs/API.md, "What monitoring tools read"):
//
// - job statistics: the job sessions (backup and replica) created in the last 24 hours before
//   `now`, by Result, with the longest finished run of each type; running and scheduled jobs;
// - overview: servers, running and scheduled jobs, and each VM's latest finished task result;
// - VM overview: the restore points kept, those of the last kRetention (a task that succeeded or
//   warned leaves one): protected, backed-up and replicated VMs, their count and sizes (a VM's
//   oldest kept backup point is its full, the others incrementals of a tenth of its size);
// - one repository per backup server, holding its VMs' kept backup points, sized three times
//   their VMs: it fills night after night and is cleaned up as points age out of kRetention;
// - agent and file-share jobs, and the computers the agent jobs back up.
//
// Deterministic: the documents are a function of the records given and `now`.

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/em_time.h"
#include "model/record.h"

namespace emarchive::sim {

// How long the simulated backup servers keep restore points.
inline constexpr EmTime kRetention = 14 * kDay;

class ObservedState {
 public:
  // Takes in a batch of generate()'s: servers, jobs and sessions, a record replacing the one
  // with its UID given before. Sessions created more than kRetention + 1 day before the newest
  // are forgotten, so that memory stays bounded by the retention, not the history.
  void add(std::span<const Record> batch);

  // Each observed resource (its kObservedResources name) and its document at `now`, Hrefs
  // without origin.
  std::vector<std::pair<std::string_view, std::string>> documents(EmTime now) const;

 private:
  struct Session {
    Kind kind;
    std::string job_uid;
    std::string job_name;
    std::string job_type;
    std::string server_href;  // of its backup server
    EmTime created = 0;
    std::optional<EmTime> ended;
    std::string result;  // "None" while running
  };
  struct Task {
    Kind kind;
    std::string vm;
    std::string job_session_uid;
    std::string server_href;
    EmTime created = 0;
    bool finished = false;
    std::string result;
    std::int64_t size = 0;
  };
  struct Server {
    std::string name;
  };

  std::string overview(EmTime now) const;
  std::string vms_overview(EmTime now) const;
  std::string job_statistics(EmTime now) const;
  std::string repository_report(EmTime now) const;
  std::string repositories(bool entities, EmTime now) const;
  std::string jobs_of_type(std::string_view job_type) const;
  std::string discovered_computers() const;
  struct Space {
    std::int64_t capacity = 0;
    std::int64_t backup_size = 0;  // of the kept backup points
    std::int64_t free() const { return std::max<std::int64_t>(0, capacity - backup_size); }
  };
  // The repository of each backup server (by Href).
  std::map<std::string, Space> repository_space(EmTime now) const;

  std::map<std::string, Server> servers_;  // by Href
  std::map<std::string, Record> jobs_;     // by UID
  std::map<std::string, Session> sessions_;
  std::map<std::string, Task> tasks_;
  // Agent-protected computers: name -> the backup server Href of their job.
  std::map<std::string, std::string> computers_;
  EmTime newest_ = 0;
};

}  // namespace emarchive::sim
