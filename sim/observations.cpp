#include "sim/observations.h"

#include <algorithm>
#include <optional>

#include "model/href.h"
#include "model/xml_escape.h"
#include "storage/sha256.h"

namespace emarchive::sim {
namespace {

constexpr EmTime kStatisticsWindow = kDay;
constexpr std::int64_t kGiB = std::int64_t{1} << 30;
constexpr std::string_view kOpen = " xmlns=\"http://www.veeam.com/ent/v1.0\"";

std::optional<EmTime> time_field(const Record& record, std::string_view field) {
  const std::optional<std::string> text = record.field(field);
  if (!text) return std::nullopt;
  Expected<EmTime> time = parse_em_time(*text);
  return time ? std::optional<EmTime>(*time) : std::nullopt;
}

const Link* up_link(const Record& record, std::string_view type) {
  for (const Link& link : record.entity->links) {
    if (link.rel == "Up" && link.type == type) return &link;
  }
  return nullptr;
}

// A GUID of EM's shape derived from `what`, for what the history has no GUID of.
std::string guid_of(std::string_view what) {
  const storage::Sha256 digest = storage::sha256(what);
  const std::string hex = storage::to_hex(digest);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-4" + hex.substr(13, 3) + "-8" +
         hex.substr(17, 3) + "-" + hex.substr(20, 12);
}

bool kept(std::string_view result) {
  return result == "Success" || result == "Warning";
}

void element(std::string& out, std::string_view name, std::string_view text) {
  out += "<" + std::string(name) + ">";
  xml::append_escaped_text(out, text);
  out += "</" + std::string(name) + ">";
}
void element(std::string& out, std::string_view name, std::int64_t value) {
  element(out, name, std::to_string(value));
}

void append_link(std::string& out, std::string_view rel, std::string_view type,
                 std::string_view href, std::optional<std::string_view> name = std::nullopt) {
  out += "<Link Rel=\"" + std::string(rel) + "\" Type=\"" + std::string(type) + "\" Href=\"";
  xml::append_escaped_attribute(out, href);
  out += "\"";
  if (name) {
    out += " Name=\"";
    xml::append_escaped_attribute(out, *name);
    out += "\"";
  }
  out += " />";
}

// The root attributes of a record's reference or entity: Type, Href, Name, UID.
void identity(std::string& out, std::string_view type, std::string_view href, std::string_view name,
              std::string_view uid) {
  out += " Type=\"" + std::string(type) + "\" Href=\"";
  xml::append_escaped_attribute(out, href);
  out += "\" Name=\"";
  xml::append_escaped_attribute(out, name);
  out += "\" UID=\"" + std::string(uid) + "\"";
}

}  // namespace

void ObservedState::add(std::span<const Record> batch) {
  for (const Record& record : batch) {
    if (!record.entity) continue;
    const Link* server = up_link(record, "BackupServerReference");
    const std::string server_href = server && server->href ? *server->href : "";
    switch (record.kind) {
      case Kind::BackupServer: {
        // By the Href other records' Up links name it with, without ?format=Entity.
        const std::string href = record.entity->href.value_or("");
        servers_[href.substr(0, href.find('?'))] = Server{record.name().value_or("")};
        break;
      }
      case Kind::Job:
        jobs_[record.uid] = record;
        break;
      case Kind::BackupJobSession:
      case Kind::ReplicaJobSession: {
        Session s{record.kind,
                  record.field("JobUid").value_or(""),
                  record.field("JobName").value_or(""),
                  record.field("JobType").value_or(""),
                  server_href,
                  time_field(record, "CreationTimeUTC").value_or(0),
                  time_field(record, "EndTimeUTC"),
                  record.field("Result").value_or("None")};
        newest_ = std::max(newest_, s.created);
        sessions_[record.uid] = std::move(s);
        break;
      }
      case Kind::BackupTaskSession:
      case Kind::ReplicaTaskSession: {
        Task t{record.kind,
               record.entity->vm_display_name.value_or(""),
               record.field("JobSessionUid").value_or(""),
               server_href,
               time_field(record, "CreationTimeUTC").value_or(0),
               record.field("EndTimeUTC").has_value(),
               record.field("Result").value_or("None"),
               std::stoll(record.field("TotalSize").value_or("0"))};
        if (auto parent = sessions_.find(t.job_session_uid);
            parent != sessions_.end() && parent->second.job_type == "AgentBackup") {
          computers_[t.vm] = t.server_href;
        }
        tasks_[record.uid] = std::move(t);
        break;
      }
      default:
        break;
    }
  }
  const EmTime horizon = newest_ - kRetention - kDay;
  std::erase_if(tasks_, [&](const auto& t) { return t.second.created < horizon; });
  std::erase_if(sessions_, [&](const auto& s) { return s.second.created < horizon; });
}

std::vector<std::pair<std::string_view, std::string>> ObservedState::documents(EmTime now) const {
  return {
      {"/api/reports/summary/overview", overview(now)},
      {"/api/reports/summary/vms_overview", vms_overview(now)},
      {"/api/reports/summary/job_statistics", job_statistics(now)},
      {"/api/reports/summary/repository", repository_report(now)},
      {"/api/repositories", repositories(false, now)},
      {"/api/repositories?format=Entity", repositories(true, now)},
      {"/api/agents/discoveredComputers", discovered_computers()},
      {"/api/agents/jobs", jobs_of_type("AgentBackup")},
      {"/api/nas/jobs", jobs_of_type("NasBackup")},
  };
}

std::string ObservedState::overview(EmTime now) const {
  std::set<std::string> running;
  for (const auto& [uid, s] : sessions_) {
    if (!s.ended && s.created <= now) running.insert(s.job_uid);
  }
  // Each VM's latest finished task.
  std::map<std::string, const Task*> latest;
  for (const auto& [uid, t] : tasks_) {
    if (!t.finished) continue;
    const Task*& l = latest[t.vm];
    if (!l || l->created < t.created) l = &t;
  }
  std::int64_t success = 0, warning = 0, failed = 0;
  for (const auto& [vm, t] : latest) {
    ++(t->result == "Success" ? success : t->result == "Warning" ? warning : failed);
  }
  const auto servers = static_cast<std::int64_t>(servers_.size());
  std::string out = "<OverviewReportFrame" + std::string(kOpen) + ">";
  element(out, "BackupServers", servers);
  element(out, "ProxyServers", servers);
  element(out, "RepositoryServers", servers);
  element(out, "RunningJobs", static_cast<std::int64_t>(running.size()));
  element(out, "ScheduledJobs", static_cast<std::int64_t>(jobs_.size()));
  element(out, "SuccessfulVmLastestStates", success);
  element(out, "WarningVmLastestStates", warning);
  element(out, "FailedVmLastestStates", failed);
  return out + "</OverviewReportFrame>";
}

std::string ObservedState::vms_overview(EmTime now) const {
  std::set<std::string> backed_up, replicated;
  std::map<std::string, const Task*> oldest_backup, latest;
  std::int64_t points = 0, incremental = 0, replica = 0;
  for (const auto& [uid, t] : tasks_) {
    if (!t.finished) continue;
    const Task*& l = latest[t.vm];
    if (!l || l->created < t.created) l = &t;
    if (!kept(t.result) || t.created <= now - kRetention) continue;
    ++points;
    if (t.kind == Kind::ReplicaTaskSession) {
      replicated.insert(t.vm);
      replica += t.size / 10;
      continue;
    }
    backed_up.insert(t.vm);
    const Task*& o = oldest_backup[t.vm];
    if (!o || t.created < o->created) o = &t;
    incremental += t.size / 10;
  }
  std::int64_t full = 0, source = 0, succeeded = 0;
  for (const auto& [vm, t] : oldest_backup) {
    full += t->size;
    incremental -= t->size / 10;  // the oldest is the full, not an incremental
  }
  std::set<std::string> protected_vms = backed_up;
  protected_vms.insert(replicated.begin(), replicated.end());
  for (const std::string& vm : protected_vms) source += latest.at(vm)->size;
  for (const auto& [vm, t] : latest) succeeded += kept(t->result) ? 1 : 0;
  const std::int64_t percent =
      latest.empty() ? 100 : succeeded * 100 / static_cast<std::int64_t>(latest.size());
  std::string out = "<VmsOverviewReportFrame" + std::string(kOpen) + ">";
  element(out, "ProtectedVms", static_cast<std::int64_t>(protected_vms.size()));
  element(out, "BackedUpVms", static_cast<std::int64_t>(backed_up.size()));
  element(out, "ReplicatedVms", static_cast<std::int64_t>(replicated.size()));
  element(out, "RestorePoints", points);
  element(out, "FullBackupPointsSize", full);
  element(out, "IncrementalBackupPointsSize", incremental);
  element(out, "ReplicaRestorePointsSize", replica);
  element(out, "SourceVmsSize", source);
  element(out, "SuccessBackupPercents", percent);
  element(out, "ProtectedVmsReportLink",
          "Workspace/ViewReport.aspx?definition=8a56d84f-1790-4f54-ab20-2e0bfdefa16b&ShowParams=1");
  return out + "</VmsOverviewReportFrame>";
}

std::string ObservedState::job_statistics(EmTime now) const {
  std::set<std::string> running;
  std::int64_t total = 0, success = 0, warning = 0, failed = 0;
  struct Longest {
    std::int64_t seconds = 0;
    std::string name;
  } backup, replica;
  for (const auto& [uid, s] : sessions_) {
    if (s.created > now) continue;
    if (!s.ended) running.insert(s.job_uid);
    if (s.created <= now - kStatisticsWindow) continue;
    ++total;
    success += s.result == "Success";
    warning += s.result == "Warning";
    failed += s.result == "Failed";
    if (!s.ended) continue;
    Longest& l = s.kind == Kind::ReplicaJobSession ? replica : backup;
    const std::int64_t seconds = (*s.ended - s.created) / kSecond;
    if (seconds > l.seconds) l = Longest{seconds, s.job_name};
  }
  std::int64_t replica_jobs = 0;
  for (const auto& [uid, job] : jobs_) replica_jobs += job.field("JobType") == "Replica";
  const auto jobs = static_cast<std::int64_t>(jobs_.size());
  std::string out = "<JobStatisticsReportFrame" + std::string(kOpen) + ">";
  element(out, "RunningJobs", static_cast<std::int64_t>(running.size()));
  element(out, "ScheduledJobs", jobs);
  element(out, "ScheduledBackupJobs", jobs - replica_jobs);
  element(out, "ScheduledReplicaJobs", replica_jobs);
  element(out, "TotalJobRuns", total);
  element(out, "SuccessfulJobRuns", success);
  element(out, "WarningsJobRuns", warning);
  element(out, "FailedJobRuns", failed);
  element(out, "MaxJobDuration", std::max(backup.seconds, replica.seconds));
  element(out, "MaxBackupJobDuration", backup.seconds);
  element(out, "MaxReplicaJobDuration", replica.seconds);
  element(out, "MaxDurationBackupJobName", backup.name);
  element(out, "MaxDurationReplicaJobName", replica.name);
  element(out, "BackupJobStatusReportLink",
          "Workspace/ViewReport.aspx?definition=7962844d-db6c-4d29-8b6e-4e0f7db0785f&ShowParams=1");
  return out + "</JobStatisticsReportFrame>";
}

std::map<std::string, ObservedState::Space> ObservedState::repository_space(EmTime now) const {
  std::map<std::string, Space> space;
  std::map<std::string, const Task*> oldest, latest;
  for (const auto& [href, server] : servers_) space[href] = Space{};
  for (const auto& [uid, t] : tasks_) {
    if (t.kind != Kind::BackupTaskSession || !servers_.contains(t.server_href)) continue;
    const Task*& l = latest[t.vm];
    if (!l || l->created < t.created) l = &t;
    if (!t.finished || !kept(t.result) || t.created <= now - kRetention) continue;
    space[t.server_href].backup_size += t.size / 10;
    const Task*& o = oldest[t.vm];
    if (!o || t.created < o->created) o = &t;
  }
  for (const auto& [vm, t] : oldest) space[t->server_href].backup_size += t->size - t->size / 10;
  // Sized for its VMs: three times their size (a full and 13 incrementals take 2.3), in whole
  // TiB, so that it moves only when the VMs grow by a good deal.
  constexpr std::int64_t kTiB = 1024 * kGiB;
  std::map<std::string, std::int64_t> protected_size;
  for (const auto& [vm, t] : latest) protected_size[t->server_href] += t->size;
  for (auto& [href, s] : space) {
    s.capacity = std::max<std::int64_t>(1, (3 * protected_size[href] + kTiB - 1) / kTiB) * kTiB;
  }
  return space;
}

std::string ObservedState::repository_report(EmTime now) const {
  std::string out =
      "<RepositoryReportFrame" + std::string(kOpen) +
      " CapacityPlanningReportLink=\"Workspace/ViewReport.aspx?definition=62221565-102c-4ec8-"
      "851b-d61c03d972d1&amp;ShowParams=1\">";
  for (const auto& [href, space] : repository_space(now)) {
    out += "<Period>";
    element(out, "Name", "Backup Repository " + servers_.at(href).name);
    element(out, "Capacity", space.capacity);
    element(out, "FreeSpace", space.free());
    element(out, "BackupSize", space.backup_size);
    out += "</Period>";
  }
  return out + "</RepositoryReportFrame>";
}

std::string ObservedState::repositories(bool entities, EmTime now) const {
  std::string out = entities ? "<Repositories" : "<EntityReferences";
  out += std::string(kOpen) + ">";
  for (const auto& [server_href, space] : repository_space(now)) {
    const std::string& server = servers_.at(server_href).name;
    const std::string guid = guid_of("repository of " + server_href);
    const std::string self = "/api/repositories/" + guid;
    const std::string name = "Backup Repository " + server;
    out += entities ? "<Repository" : "<Ref";
    identity(out, entities ? "Repository" : "RepositoryReference",
             entities ? self + "?format=Entity" : self, name, "urn:veeam:Repository:" + guid);
    out += "><Links>";
    append_link(out, "Up", "BackupServerReference", server_href, server);
    if (entities) {
      append_link(out, "Alternate", "RepositoryReference", self, name);
    } else {
      append_link(out, "Alternate", "Repository", self + "?format=Entity", name);
    }
    append_link(out, "Down", "BackupReferenceList", self + "/backups");
    out += "</Links>";
    if (!entities) {
      out += "</Ref>";
      continue;
    }
    element(out, "Capacity", space.capacity);
    element(out, "FreeSpace", space.free());
    element(out, "Kind", "WindowsLocal");
    out += "</Repository>";
  }
  return out + (entities ? "</Repositories>" : "</EntityReferences>");
}

std::string ObservedState::jobs_of_type(std::string_view job_type) const {
  const bool agent = job_type == "AgentBackup";
  const std::string collection = agent ? "/api/agents/jobs/" : "/api/nas/jobs/";
  std::string out = "<EntityReferences" + std::string(kOpen) + ">";
  for (const auto& [uid, job] : jobs_) {
    if (job.field("JobType") != job_type) continue;
    const std::string guid(href_id(job.entity->href.value_or("")));
    const std::string self = collection + guid;
    const std::string name = job.name().value_or("");
    out += "<Ref";
    identity(out, agent ? "AgentBackupJobReference" : "NasJobReference", self, name,
             (agent ? "urn:veeam:AgentBackupJob:" : "urn:veeam:NasJob:") + guid);
    out += "><Links>";
    if (const Link* server = up_link(job, "BackupServerReference")) {
      append_link(out, "Up", "BackupServerReference", server->href.value_or(""), server->name);
    }
    append_link(out, "Alternate", "Job", self + "?format=Entity", name);
    append_link(out, "Down", "BackupJobSessionReferenceList", self + "/backupSessions");
    out += "</Links></Ref>";
  }
  return out + "</EntityReferences>";
}

std::string ObservedState::discovered_computers() const {
  std::string out = "<EntityReferences" + std::string(kOpen) + ">";
  for (const auto& [computer, server_href] : computers_) {
    const std::string guid = guid_of("computer " + computer);
    const std::string self = "/api/agents/discoveredComputers/" + guid;
    out += "<Ref";
    identity(out, "DiscoveredComputerReference", self, computer,
             "urn:veeam:DiscoveredComputer:" + guid);
    out += "><Links>";
    if (auto server = servers_.find(server_href); server != servers_.end()) {
      append_link(out, "Up", "BackupServerReference", server_href, server->second.name);
    }
    append_link(out, "Alternate", "DiscoveredComputer", self + "?format=Entity", computer);
    out += "</Links></Ref>";
  }
  return out + "</EntityReferences>";
}

}  // namespace emarchive::sim
