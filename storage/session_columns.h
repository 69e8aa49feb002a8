#pragma once
// Internal to storage/'s SQLite backend: reading the session columns that ArchiveStatus and
// ArchiveHistory report.

#include <SQLiteCpp/SQLiteCpp.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "model/ascii.h"
#include "model/em_time.h"
#include "model/expected.h"
#include "storage/archive_status.h"
#include "storage/sqlite_open.h"
#include "storage/sqlite_support.h"

namespace emarchive::storage {

inline std::string text_or_empty(const SQLite::Column& column) {
  return column.isNull() ? std::string() : column.getString();
}

inline std::optional<EmTime> time_column(const SQLite::Column& column) {
  if (column.isNull()) return std::nullopt;
  return column.getInt64();
}

// A session from the columns kind_id, result, state, creation_time_ns, end_time_ns, in this
// order from `first` on.
SessionSummary session_from(SQLite::Statement& row, int first, std::string uid);

// Whether EM's Result is Failed (compared as EM does, regardless of letter case).
inline bool is_failed(const SessionSummary& session) {
  return iequals(session.result, "Failed");
}

// The sessions of one job of both kinds of job session, newest first: `select` (a SELECT over
// sessions s up to its WHERE clause, with result columns `created`, s.creation_time_ns, and `id`,
// s.record_id) once per kind, each reading its own range of sessions_job_kind_creation backwards
// (migrations/019_task_jobs.sql), which SQLite merges as it steps. `job` is SQL for the job's
// record id. In one range of both kinds, every session of the job would be sorted first.
inline std::string job_runs_newest_first(std::string_view select, std::string_view job) {
  std::string sql;
  for (const Kind kind : {Kind::BackupJobSession, Kind::ReplicaJobSession}) {
    if (!sql.empty()) sql += " UNION ALL ";
    sql += std::string(select) + " WHERE s.job_id = " + std::string(job) +
           " AND s.kind_id = " + std::to_string(kind_id(kind));
  }
  return sql + " ORDER BY created DESC, id DESC";
}

// Opens the archive at `path` read-only (it must exist and have this binary's schema), as a
// connection that scans (OpenOptions::scans), and makes a Reader over it. Errors name the file.
template <class Interface, class Reader>
Expected<std::unique_ptr<Interface>> open_reader(const std::string& path) {
  OpenOptions options;
  options.create = false;
  options.read_only = true;
  options.scans = true;
  auto opened = open_database(path, options);
  if (!opened) return opened.error();
  try {
    return std::unique_ptr<Interface>(std::make_unique<Reader>(path, std::move(opened->db)));
  } catch (const std::exception& e) {
    return sqlite_error(path, "cannot prepare its queries", e);
  }
}

}  // namespace emarchive::storage
