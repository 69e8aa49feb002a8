#include "model/kind.h"

#include <array>

#include "model/ascii.h"

namespace emarchive {
namespace {

using T = FieldType;

// Field tables follow docs/EM-API.md, section 5. Elements EM has that are not listed here
// (RestoredObjRef, JobScheduleOptions, JobInfo, ...) are kept verbatim as unmodeled elements.
constexpr std::array kJobSessionFields = {
    FieldSpec{"JobUid", "job_id", T::Uid, Kind::Job},
    FieldSpec{"JobName", "job_name", T::Text},
    FieldSpec{"JobType", "job_type", T::Text},
    FieldSpec{"CreationTimeUTC", "creation_time", T::Time},
    FieldSpec{"EndTimeUTC", "end_time", T::Time},
    FieldSpec{"State", "state", T::Text},
    FieldSpec{"Result", "result", T::Text},
    FieldSpec{"Progress", "progress", T::Integer},
    // Seen in a real server's JSON, not in the docs; its XML position is a guess (after Progress).
    FieldSpec{"FailureMessage", "failure_message", T::Text},
    FieldSpec{"IsRetry", "is_retry", T::Boolean},
};

constexpr std::array kBackupTaskSessionFields = {
    FieldSpec{"JobSessionUid", "parent_id", T::Uid, Kind::BackupJobSession},
    FieldSpec{"CreationTimeUTC", "creation_time", T::Time},
    FieldSpec{"EndTimeUTC", "end_time", T::Time},
    FieldSpec{"State", "state", T::Text},
    FieldSpec{"Result", "result", T::Text},
    FieldSpec{"Reason", "reason", T::Text},
    FieldSpec{"TotalSize", "total_size", T::Integer},
    FieldSpec{"VmUid", "vm_uid", T::Text},
};

constexpr std::array kReplicaTaskSessionFields = {
    FieldSpec{"JobSessionUid", "parent_id", T::Uid, Kind::ReplicaJobSession},
    FieldSpec{"CreationTimeUTC", "creation_time", T::Time},
    FieldSpec{"EndTimeUTC", "end_time", T::Time},
    FieldSpec{"State", "state", T::Text},
    FieldSpec{"Result", "result", T::Text},
    FieldSpec{"Reason", "reason", T::Text},
    FieldSpec{"TotalSize", "total_size", T::Integer},
};

constexpr std::array kRestoreSessionFields = {
    FieldSpec{"JobType", "job_type", T::Text},
    FieldSpec{"CreationTimeUTC", "creation_time", T::Time},
    FieldSpec{"EndTimeUTC", "end_time", T::Time},
    FieldSpec{"State", "state", T::Text},
    FieldSpec{"Result", "result", T::Text},
    FieldSpec{"Progress", "progress", T::Integer},
};

constexpr std::array kJobFields = {
    FieldSpec{"JobType", "job_type", T::Text},
    FieldSpec{"Platform", "platform", T::Text},
    FieldSpec{"Description", "description", T::Text},
    FieldSpec{"ScheduleConfigured", "schedule_configured", T::Boolean},
    FieldSpec{"ScheduleEnabled", "schedule_enabled", T::Boolean},
    FieldSpec{"NextRun", "next_run", T::Time},
};

constexpr std::array kBackupServerFields = {
    FieldSpec{"Description", "description", T::Text},
    FieldSpec{"Port", "port", T::Integer},
    FieldSpec{"Version", "version", T::Text},
    FieldSpec{"WcfPort", "wcf_port", T::Integer},
    FieldSpec{"VbrCertificateThumbprint", "vbr_certificate_thumbprint", T::Text},
};

constexpr std::array<KindInfo, 7> kKinds = {{
    {Kind::BackupJobSession, "BackupJobSession", "BackupJobSessionReference", "BackupJobSessions",
     "backupSessions", "urn:veeam:BackupJobSession:", Table::Sessions, false, kJobSessionFields},
    {Kind::BackupTaskSession, "BackupTaskSession", "BackupTaskSessionReference",
     "BackupTaskSessions", "backupTaskSessions", "urn:veeam:BackupTaskSession:", Table::Sessions,
     true, kBackupTaskSessionFields},
    {Kind::RestoreSession, "RestoreSession", "RestoreSessionReference", "RestoreSessions",
     "restoreSessions", "urn:veeam:RestoreSession:", Table::Sessions, true, kRestoreSessionFields},
    {Kind::ReplicaJobSession, "ReplicaJobSession", "ReplicaJobSessionReference",
     "ReplicaJobSessions", "replicaSessions", "urn:veeam:ReplicaJobSession:", Table::Sessions,
     false, kJobSessionFields},
    {Kind::ReplicaTaskSession, "ReplicaTaskSession", "ReplicaTaskSessionReference",
     "ReplicaTaskSessions", "replicaTaskSessions", "urn:veeam:ReplicaTaskSession:", Table::Sessions,
     true, kReplicaTaskSessionFields},
    {Kind::Job, "Job", "JobReference", "Jobs", "jobs", "urn:veeam:Job:", Table::Jobs, false,
     kJobFields},
    {Kind::BackupServer, "BackupServer", "BackupServerReference", "BackupServers", "backupServers",
     "urn:veeam:BackupServer:", Table::BackupServers, false, kBackupServerFields},
}};

template <class Member>
std::optional<Kind> find_by(Member member, std::string_view value) {
  for (const KindInfo& k : kKinds) {
    if (k.*member == value) return k.kind;
  }
  return std::nullopt;
}

}  // namespace

std::span<const KindInfo> all_kinds() {
  return kKinds;
}

const KindInfo& info(Kind kind) {
  return kKinds[static_cast<std::size_t>(kind)];
}

std::optional<Kind> kind_from_entity_name(std::string_view element) {
  return find_by(&KindInfo::name, element);
}
std::optional<Kind> kind_from_reference_type(std::string_view type) {
  return find_by(&KindInfo::reference_type, type);
}
std::optional<Kind> kind_from_list_element(std::string_view element) {
  return find_by(&KindInfo::list_element, element);
}
std::optional<Kind> kind_from_uid(std::string_view uid) {
  for (const KindInfo& k : kKinds) {
    if (uid.starts_with(k.uid_prefix)) return k.kind;
  }
  return std::nullopt;
}

std::string canonical_uid(std::string_view uid) {
  for (const KindInfo& k : kKinds) {
    if (uid.size() >= k.uid_prefix.size() &&
        iequals(uid.substr(0, k.uid_prefix.size()), k.uid_prefix)) {
      std::string out(k.uid_prefix);
      for (char c : uid.substr(k.uid_prefix.size())) out += ascii_lower(c);
      return out;
    }
  }
  return std::string(uid);
}

}  // namespace emarchive
