#include "storage/typed_row_statements.h"

#include <algorithm>

#include "storage/table_names.h"

namespace emarchive::storage {
namespace {

constexpr Kind kServerKinds[] = {Kind::BackupServer};
constexpr Kind kJobKinds[] = {Kind::Job};
constexpr Kind kParentKinds[] = {Kind::BackupJobSession, Kind::ReplicaJobSession};
constexpr Relation kSessionRelations[] = {
    {"backup_server_id", kServerKinds}, {"job_id", kJobKinds}, {"parent_id", kParentKinds}};
constexpr Relation kJobRelations[] = {{"backup_server_id", kServerKinds}};

// INSERT INTO <table> (<columns>, record_id[, kind_id]) with a parameter for each.
std::string insert_row_sql(Table table, const std::string& columns) {
  std::string sql =
      std::string("INSERT INTO ") + table_name(table) + " (" + columns + ", record_id";
  if (table == Table::Sessions) sql += ", kind_id";
  sql += ") VALUES (";
  const std::size_t parameters =
      std::count(columns.begin(), columns.end(), ',') + (table == Table::Sessions ? 3 : 2);
  for (std::size_t i = 0; i < parameters; ++i) sql += i == 0 ? "?" : ", ?";
  return sql + ")";
}

// UPDATE <table> SET name, [vm_display_name], relations not among the fields, then each field
// (Time fields also <column>_ns), WHERE record_id. Root attributes and relations keep their
// previous value when the documents do not carry them.
std::string entity_update_sql(const KindInfo& kind) {
  std::string sql =
      std::string("UPDATE ") + table_name(kind.table) + " SET name = COALESCE(?, name)";
  if (kind.table == Table::Sessions) sql += ", vm_display_name = COALESCE(?, vm_display_name)";
  for (const Relation& relation : relations(kind.table)) {
    if (is_field_column(kind, relation.column)) continue;
    sql += ", " + std::string(relation.column) + " = COALESCE(?, " + std::string(relation.column) +
           ")";
  }
  for (const FieldSpec& field : kind.fields) {
    sql += ", " + std::string(field.column) + " = ?";
    if (field.type == FieldType::Time) sql += ", " + std::string(field.column) + "_ns = ?";
  }
  return sql + " WHERE record_id = ?";
}

// The row of a record created in this store: the columns of entity_update_sql in the same order, so
// that both are bound alike, then record_id (and kind_id for sessions). One statement where a
// stub row and its update took two, each updating the table's indexes.
std::string entity_insert_sql(const KindInfo& kind) {
  std::string columns = "name";
  if (kind.table == Table::Sessions) columns += ", vm_display_name";
  for (const Relation& relation : relations(kind.table)) {
    if (!is_field_column(kind, relation.column)) columns += ", " + std::string(relation.column);
  }
  for (const FieldSpec& field : kind.fields) {
    columns += ", " + std::string(field.column);
    if (field.type == FieldType::Time) columns += ", " + std::string(field.column) + "_ns";
  }
  return insert_row_sql(kind.table, columns);
}

std::string reference_update_sql(Table table) {
  std::string sql = std::string("UPDATE ") + table_name(table) + " SET name = COALESCE(?, name)";
  if (table == Table::Sessions) sql += ", vm_display_name = COALESCE(?, vm_display_name)";
  for (const Relation& relation : relations(table)) {
    sql += ", " + std::string(relation.column) + " = COALESCE(?, " + std::string(relation.column) +
           ")";
  }
  return sql + " WHERE record_id = ?";
}

// As entity_insert_sql, for a record created from its reference alone.
std::string reference_insert_sql(Table table) {
  std::string columns = "name";
  if (table == Table::Sessions) columns += ", vm_display_name";
  for (const Relation& relation : relations(table)) columns += ", " + std::string(relation.column);
  return insert_row_sql(table, columns);
}

}  // namespace

std::span<const Relation> relations(Table table) {
  switch (table) {
    case Table::Sessions:
      return kSessionRelations;
    case Table::Jobs:
      return kJobRelations;
    case Table::BackupServers:
      break;
  }
  return {};
}

bool is_field_column(const KindInfo& kind, std::string_view column) {
  for (const FieldSpec& field : kind.fields) {
    if (field.column == column) return true;
  }
  return false;
}

KindStatements::KindStatements(SQLite::Database& db, const KindInfo& kind)
    : update_from_entity(db, entity_update_sql(kind)),
      insert_from_entity(db, entity_insert_sql(kind)) {}

TableStatements::TableStatements(SQLite::Database& db, Table table)
    : insert_stub(db, table == Table::Sessions
                          ? "INSERT INTO sessions (record_id, kind_id, name) VALUES (?, ?, ?)"
                          : std::string("INSERT INTO ") + table_name(table) +
                                " (record_id, name) VALUES (?, ?)"),
      update_from_reference(db, reference_update_sql(table)),
      insert_from_reference(db, reference_insert_sql(table)) {}

}  // namespace emarchive::storage
