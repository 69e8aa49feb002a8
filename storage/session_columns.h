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
