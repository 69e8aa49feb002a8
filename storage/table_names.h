#pragma once
// Internal to storage/: the SQL table that holds each kind's typed columns
// (migrations/001_initial.sql).

#include "model/kind.h"

namespace emarchive::storage {

constexpr const char* table_name(Table table) {
  switch (table) {
    case Table::Sessions:
      return "sessions";
    case Table::Jobs:
      return "jobs";
    case Table::BackupServers:
      return "backup_servers";
  }
  return "sessions";
}

}  // namespace emarchive::storage
