#include "model/query_type.h"

#include <algorithm>
#include <array>

#include "model/ascii.h"

namespace emarchive {
namespace {

using S = QuerySource;
using V = QueryValueType;

// EM compares enum values by their position (docs/EM-API.md 6.2). None, the result of a
// session still running, comes before Success.
constexpr std::array<std::string_view, 4> kResults = {"None", "Success", "Warning", "Failed"};
constexpr std::array<std::string_view, 6> kJobStates = {"Starting", "Stopping", "Working",
                                                        "Pausing",  "Resuming", "Stopped"};
constexpr std::array<std::string_view, 3> kTaskStates = {"InProgress", "Pending", "Completed"};

// JobType values EM 13.x documents for job sessions and jobs (docs/EM-API.md, section 5), and
// a restore session's (its query field is Type).
constexpr std::array<std::string_view, 8> kJobTypes = {
    "Backup",      "BackupCopy",      "ImmediateBackupCopy", "ImmediateBackupCopyWorker",
    "AgentBackup", "AgentManagement", "NasBackup",           "Replica"};
constexpr std::array<std::string_view, 2> kRestoreTypes = {"FileLevelRestore", "RestoreVm"};

constexpr QueryField kUid{"UID", S::Uid, V::Uid};
constexpr QueryField kName{"Name", S::Name, V::Text};
constexpr QueryField kCreationTime{"CreationTime", S::Field, V::Time, "CreationTimeUTC"};
constexpr QueryField kEndTime{"EndTime", S::Field, V::Time, "EndTimeUTC"};
constexpr QueryField kJobState{"State", S::Field, V::Enum, "State", kJobStates};
constexpr QueryField kTaskState{"State", S::Field, V::Enum, "State", kTaskStates};
constexpr QueryField kResult{"Result", S::Field, V::Enum, "Result", kResults};
constexpr QueryField kJobUid{"JobUid", S::JobUid, V::Uid};
constexpr QueryField kJobName{"JobName", S::JobName, V::Text};
constexpr QueryField kServerUid{"BackupServerUid", S::BackupServerUid, V::Uid};
constexpr QueryField kServerName{"BackupServerName", S::BackupServerName, V::Text};
constexpr QueryField kVmDisplayName{"VmDisplayName", S::VmDisplayName, V::Text};
// Not EM's: what people ask of sessions ("jobs that ran longer than an hour").
constexpr QueryField kDuration{"Duration", S::Duration, V::Integer};

constexpr std::array kJobSessionFields = {
    kUid,
    kName,
    QueryField{"JobType", S::Field, V::Text, "JobType", {}, kJobTypes},
    kJobUid,
    kJobName,
    kCreationTime,
    kEndTime,
    kJobState,
    kResult,
    QueryField{"IsRetry", S::Field, V::Boolean, "IsRetry"},
    kServerUid,
    kServerName,
    kDuration,
    QueryField{"FailureMessage", S::Field, V::Text, "FailureMessage"},
};

constexpr std::array kReplicaTaskSessionFields = {
    kUid,
    kName,
    kCreationTime,
    kEndTime,
    kTaskState,
    kResult,
    QueryField{"Reason", S::Field, V::Text, "Reason"},
    QueryField{"TotalSize", S::Field, V::Integer, "TotalSize"},
    QueryField{"JobSessionUid", S::JobSessionUid, V::Uid},
    kJobUid,
    kJobName,
    kServerUid,
    kServerName,
    kVmDisplayName,
    kDuration,
};

template <std::size_t N, std::size_t M>
constexpr std::array<QueryField, N + M> concat(const std::array<QueryField, N>& a,
                                               const std::array<QueryField, M>& b) {
  std::array<QueryField, N + M> out{};
  std::copy(a.begin(), a.end(), out.begin());
  std::copy(b.begin(), b.end(), out.begin() + N);
  return out;
}

// Backup task sessions also name their VM by UID (model/kind.cpp); replica ones do not.
constexpr std::array kBackupTaskSessionFields =
    concat(kReplicaTaskSessionFields, std::array{QueryField{"VmUid", S::Field, V::Text, "VmUid"}});

constexpr std::array kRestoreSessionFields = {
    kUid,           kName,      QueryField{"Type", S::Field, V::Text, "JobType", {}, kRestoreTypes},
    kCreationTime,  kEndTime,   kJobState,
    kResult,        kServerUid, kServerName,
    kVmDisplayName, kDuration,
};

constexpr std::array kJobFields = {
    kUid,
    kName,
    QueryField{"Description", S::Field, V::Text, "Description"},
    QueryField{"NextRun", S::Field, V::Time, "NextRun"},
    QueryField{"JobType", S::Field, V::Text, "JobType", {}, kJobTypes},
    QueryField{"Platform", S::Field, V::Text, "Platform"},
    QueryField{"ScheduleConfigured", S::Field, V::Boolean, "ScheduleConfigured"},
    QueryField{"ScheduleEnabled", S::Field, V::Boolean, "ScheduleEnabled"},
    kServerUid,
    kServerName,
};

// The reference lists no query fields for BackupServer; these are its own fields.
constexpr std::array kBackupServerFields = {
    kUid,
    kName,
    QueryField{"Description", S::Field, V::Text, "Description"},
    QueryField{"Port", S::Field, V::Integer, "Port"},
    QueryField{"Version", S::Field, V::Text, "Version"},
};

constexpr std::array<QueryType, 7> kTypes = {{
    {"BackupJobSession", Kind::BackupJobSession, kJobSessionFields},
    {"BackupTaskSession", Kind::BackupTaskSession, kBackupTaskSessionFields},
    {"RestoreSession", Kind::RestoreSession, kRestoreSessionFields},
    {"ReplicaJobSession", Kind::ReplicaJobSession, kJobSessionFields},
    {"ReplicaTaskSession", Kind::ReplicaTaskSession, kReplicaTaskSessionFields},
    {"Job", Kind::Job, kJobFields},
    {"BackupServer", Kind::BackupServer, kBackupServerFields},
}};

}  // namespace

std::span<const QueryType> all_query_types() {
  return kTypes;
}

const QueryType* find_query_type(std::string_view name) {
  for (const QueryType& t : kTypes) {
    if (iequals(t.name, name)) return &t;
  }
  return nullptr;
}

std::span<const std::string_view> listed_values(const QueryField& field) {
  return field.type == QueryValueType::Enum ? field.enum_order : field.documented_values;
}

const QueryField* find_query_field(const QueryType& type, std::string_view name) {
  for (const QueryField& f : type.fields) {
    if (iequals(f.name, name)) return &f;
  }
  return nullptr;
}

}  // namespace emarchive
