#pragma once
// Internal to storage/'s SQLite backend: the statements that write a record's row in its kind's
// typed table (sessions, jobs, backup_servers; migrations/001_initial.sql), built from
// model/kind.h's field lists.

#include <SQLiteCpp/SQLiteCpp.h>

#include <span>
#include <string_view>

#include "model/kind.h"

namespace emarchive::storage {

// The relation columns of a table that a record's Links can fill: its backup server, and for
// sessions the job and the parent session. Kinds whose entity has the same column as a field
// (JobUid -> job_id) take it from the field whenever the entity was seen.
struct Relation {
  std::string_view column;
  std::span<const Kind> targets;  // the Link Rel="Up" whose Type names one of these
};

std::span<const Relation> relations(Table table);

// Whether `column` is one of `kind`'s field columns.
bool is_field_column(const KindInfo& kind, std::string_view column);

// The statements that depend on a kind: writing the typed columns from an entity, into a row
// that exists or a new one. Both take name, [vm_display_name], the relations not among the
// fields, then each field (Time fields also <column>_ns), then record_id (and kind_id for an
// insert into sessions). The update keeps root attributes and relations that the documents do
// not carry; the insert is one statement where a stub row and its update took two, each
// updating the table's indexes.
struct KindStatements {
  KindStatements(SQLite::Database& db, const KindInfo& kind);
  SQLite::Statement update_from_entity;
  SQLite::Statement insert_from_entity;
};

// The statements that depend on a table: creating a stub row (record_id, [kind_id], name), and
// writing the columns a reference's Links and attributes give when no entity of the record has
// been seen (name, [vm_display_name], each relation, then as KindStatements).
struct TableStatements {
  TableStatements(SQLite::Database& db, Table table);
  SQLite::Statement insert_stub;
  SQLite::Statement update_from_reference;
  SQLite::Statement insert_from_reference;
};

}  // namespace emarchive::storage
