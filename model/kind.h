#pragma once
// The kinds of EM record emarchive archives, and for each the facts every layer shares: its XML
// names, its collection path, and the fields of its entity form in EM's schema order.

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace emarchive {

enum class Kind {
  BackupJobSession,
  BackupTaskSession,
  RestoreSession,
  ReplicaJobSession,
  ReplicaTaskSession,
  Job,
  BackupServer,
};

// How a field's text is typed. Every field keeps the exact text EM wrote; the type decides which
// derived value storage keeps beside it for queries, and which texts count as well-formed.
enum class FieldType {
  Text,     // any string, kept as is (names, reasons, states, results, versions)
  Uid,      // a UID of another record (JobUid, JobSessionUid): a link to it in storage
  Time,     // xs:dateTime in UTC; a sortable nanosecond value is derived
  Integer,  // canonical decimal (-?(0|[1-9][0-9]*)) fitting 64 bits
  Boolean,  // exactly "true" or "false"
};

struct FieldSpec {
  std::string_view element;  // XML element name, e.g. "CreationTimeUTC"
  std::string_view column;   // storage column, e.g. "creation_time"
  FieldType type;
  // For Uid fields: the kind of record the UID names (JobUid -> Job).
  std::optional<Kind> target = std::nullopt;
};

enum class Table { Sessions, Jobs, BackupServers };

struct KindInfo {
  Kind kind;
  std::string_view name;            // entity element and Type, e.g. "BackupJobSession"
  std::string_view reference_type;  // e.g. "BackupJobSessionReference"
  std::string_view list_element;    // plural entity list root, e.g. "BackupJobSessions"
  std::string_view collection;      // path segment under /api/, e.g. "backupSessions"
  std::string_view uid_prefix;      // e.g. "urn:veeam:BackupJobSession:"
  Table table;
  bool has_vm_display_name;           // entity root carries a VmDisplayName attribute
  std::span<const FieldSpec> fields;  // entity children after Links, in schema order
};

// Every kind, in the enum's order.
std::span<const KindInfo> all_kinds();
const KindInfo& info(Kind kind);

// Lookups by the names that appear in documents; nullopt when the name is not an archived kind.
std::optional<Kind> kind_from_entity_name(std::string_view element);  // "BackupJobSession"
std::optional<Kind> kind_from_reference_type(std::string_view type);  // "BackupJobSessionReference"
std::optional<Kind> kind_from_list_element(std::string_view element);  // "BackupJobSessions"
std::optional<Kind> kind_from_uid(std::string_view uid);               // "urn:veeam:Job:..."

// A UID as EM writes it, "urn:veeam:<Kind>:" and a lowercase GUID, from one a client typed in any
// case ("URN:VEEAM:JOB:5D1C..."). Text that does not start with a known prefix is returned as is.
std::string canonical_uid(std::string_view uid);

}  // namespace emarchive
