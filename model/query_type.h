#pragma once
// The query service's types (`/api/query?type=...`) and, for each, the fields it can filter and
// sort on (docs/EM-API.md 6.3). Storage compiles filters over these to SQL.

#include <optional>
#include <span>
#include <string_view>

#include "model/kind.h"

namespace emarchive {

// What a query field's values are and how they compare.
enum class QueryValueType {
  Text,  // case-insensitive, as EM's SQL Server collation compares
  Uid,   // a record UID (urn:veeam:...), case-insensitive
  Time,  // xs:dateTime, quoted or not, with or without Z; compared as instants
  Integer,
  Boolean,  // true / false, case-insensitive
  Enum,     // == and != compare text case-insensitively (unknown values allowed, newer EMs add
            // some); < <= > >= compare by position in `enum_order` (EM: Success < Warning <
            // Failed), and need a value from that list
};

// Where a field's value comes from in the archive; storage maps each to a column.
enum class QuerySource {
  Uid,            // the record's UID
  Name,           // the record's Name
  Field,          // the entity field named by `element` (its FieldSpec column)
  JobUid,         // the job of the session (for task sessions: of their job session)
  JobName,        // the session's JobName (task sessions: their job session's)
  JobSessionUid,  // task sessions: the job session's UID
  BackupServerUid,
  BackupServerName,
  VmDisplayName,
  Duration,  // sessions: whole seconds from CreationTimeUTC to EndTimeUTC; none without both
};

struct QueryField {
  std::string_view name;  // as EM documents it: "CreationTime", "BackupServerUid"
  QuerySource source;
  QueryValueType type;
  std::string_view element =
      {};  // for QuerySource::Field: the entity element, e.g. "CreationTimeUTC"
  std::span<const std::string_view> enum_order = {};
  // A Text field whose values EM documents as an enum (JobType): the values it lists. Compared
  // as text (newer EMs add values), but see listed_values.
  std::span<const std::string_view> documented_values = {};
};

// The values EM documents for `field`: enum_order for an Enum field, else documented_values;
// empty for a field of free values. A filter comparing such a field with a value outside this
// list selects only what the archive holds with that value (a newer EM's), so a value neither
// lists nor the archive holds is a typo the query service refuses (api/query_request.h).
std::span<const std::string_view> listed_values(const QueryField& field);

struct QueryType {
  std::string_view name;  // "BackupJobSession"
  Kind kind;
  std::span<const QueryField> fields;
};

// The query types emarchive answers, one per archived kind.
std::span<const QueryType> all_query_types();
// Case-insensitive lookups ("type=backupjobsession", "sortAsc=creationtime"); nullptr if unknown.
const QueryType* find_query_type(std::string_view name);
const QueryField* find_query_field(const QueryType& type, std::string_view name);

}  // namespace emarchive
