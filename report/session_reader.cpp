#include "report/session_reader.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <exception>
#include <limits>
#include <utility>

#include "storage/sqlite_open.h"
#include "storage/sqlite_support.h"

namespace emarchive::report {
namespace {

std::string text_or_empty(const SQLite::Column& column) {
  return column.isNull() ? std::string() : column.getString();
}

std::optional<EmTime> time_column(const SQLite::Column& column) {
  if (column.isNull()) return std::nullopt;
  return column.getInt64();
}

// A backup server known only from the sessions' Links (not archived itself) is named by them.
#define SERVER_NAME                                                                         \
  "COALESCE(bs.name, (SELECT v.name FROM links l JOIN link_values v ON v.id = l.link_value_id " \
  "WHERE l.record_id = s.record_id AND v.rel = 'Up' AND v.type = 'BackupServerReference' "    \
  "LIMIT 1), '')"

// Kinds 1 and 4 (BackupJobSession, ReplicaJobSession), 2 and 5 (their task sessions):
// migrations/001_initial.sql. Two ranges of the index on (kind_id, creation_time_ns), sorted by
// creation time; CROSS JOIN keeps sessions the outer loop, so that the planner never scans
// records instead (which it may when the statistics are missing or old).
constexpr const char* kJobSessions = R"(
SELECT s.record_id, s.kind_id, r.uid,
       COALESCE((SELECT uid FROM records WHERE id = s.job_id), s.job_name, j.name, ''),
       COALESCE(s.job_name, j.name, ''), s.job_type, )" SERVER_NAME R"(, s.creation_time_ns,
       s.end_time_ns, s.state, s.result, s.failure_message, s.is_retry,
       CASE WHEN ?3 THEN (SELECT CASE WHEN count(t.total_size) THEN total(t.total_size) END
                        FROM sessions t WHERE t.parent_id = s.record_id) END
FROM sessions s
CROSS JOIN records r ON r.id = s.record_id
LEFT JOIN jobs j ON j.record_id = s.job_id
LEFT JOIN backup_servers bs ON bs.record_id = s.backup_server_id
WHERE s.kind_id IN (1, 4) AND s.creation_time_ns >= ?1 AND s.creation_time_ns < ?2
ORDER BY s.creation_time_ns, s.record_id)";

constexpr const char* kTaskSessions = R"(
SELECT COALESCE(s.parent_id, 0), s.kind_id, r.uid, COALESCE(s.vm_uid, ''),
       s.vm_display_name, COALESCE(s.name, ''), )" SERVER_NAME R"(, s.creation_time_ns,
       s.end_time_ns, s.result, s.reason
FROM sessions s
CROSS JOIN records r ON r.id = s.record_id
LEFT JOIN backup_servers bs ON bs.record_id = s.backup_server_id
WHERE s.kind_id IN (2, 5) AND s.creation_time_ns >= ?1 AND s.creation_time_ns < ?2
ORDER BY s.creation_time_ns, s.record_id)";
#undef SERVER_NAME

// A task session's name is "<VM>@<time>"; the VM when VmDisplayName is missing.
std::string vm_of_name(std::string name) {
  const auto at = name.rfind('@');
  if (at != std::string::npos && at > 0) name.resize(at);
  return name;
}

}  // namespace

SessionReader::SessionReader(std::string path, std::unique_ptr<SQLite::Database> db)
    : path_(std::move(path)), db_(std::move(db)) {}
SessionReader::SessionReader(SessionReader&&) noexcept = default;
SessionReader& SessionReader::operator=(SessionReader&&) noexcept = default;
SessionReader::~SessionReader() = default;

Expected<SessionReader> SessionReader::open(const std::string& path) {
  storage::OpenOptions options;
  options.create = false;
  options.read_only = true;
  auto opened = storage::open_database(path, options);
  if (!opened) return opened.error();
  return SessionReader(path, std::move(opened->db));
}

Expected<std::vector<JobSession>> SessionReader::job_sessions(EmTime from, EmTime to,
                                                              bool with_sizes) {
  std::vector<JobSession> out;
  try {
    SQLite::Statement q(*db_, kJobSessions);
    q.bind(1, static_cast<std::int64_t>(from));
    q.bind(2, static_cast<std::int64_t>(to));
    q.bind(3, with_sizes ? 1 : 0);
    while (q.executeStep()) {
      JobSession s;
      s.id = q.getColumn(0).getInt64();
      s.replica = q.getColumn(1).getInt() == 4;
      s.uid = q.getColumn(2).getString();
      s.job_key = q.getColumn(3).getString();
      s.job_name = q.getColumn(4).getString();
      s.job_type = text_or_empty(q.getColumn(5));
      s.backup_server = q.getColumn(6).getString();
      s.creation = q.getColumn(7).getInt64();
      s.end = time_column(q.getColumn(8));
      s.state = text_or_empty(q.getColumn(9));
      s.result = text_or_empty(q.getColumn(10));
      s.failure_message = text_or_empty(q.getColumn(11));
      s.is_retry = !q.getColumn(12).isNull() && q.getColumn(12).getInt() != 0;
      if (!q.getColumn(13).isNull()) {
        // total() adds in floating point: sizes EM reports near INT64_MAX do not overflow it.
        const double size = q.getColumn(13).getDouble();
        s.total_size = size >= 9.2e18 ? std::numeric_limits<std::int64_t>::max()
                                      : static_cast<std::int64_t>(size);
      }
      out.push_back(std::move(s));
    }
  } catch (const std::exception& e) {
    return storage::sqlite_error(path_, "reading job sessions", e);
  }
  return out;
}

Expected<std::vector<TaskSession>> SessionReader::task_sessions(EmTime from, EmTime to) {
  std::vector<TaskSession> out;
  try {
    SQLite::Statement q(*db_, kTaskSessions);
    q.bind(1, static_cast<std::int64_t>(from));
    q.bind(2, static_cast<std::int64_t>(to));
    while (q.executeStep()) {
      TaskSession s;
      s.parent_id = q.getColumn(0).getInt64();
      s.replica = q.getColumn(1).getInt() == 5;
      s.uid = q.getColumn(2).getString();
      s.vm_uid = q.getColumn(3).getString();
      s.vm_name = q.getColumn(4).isNull() ? vm_of_name(q.getColumn(5).getString())
                                          : q.getColumn(4).getString();
      s.backup_server = q.getColumn(6).getString();
      s.creation = q.getColumn(7).getInt64();
      s.end = time_column(q.getColumn(8));
      s.result = text_or_empty(q.getColumn(9));
      s.reason = text_or_empty(q.getColumn(10));
      out.push_back(std::move(s));
    }
  } catch (const std::exception& e) {
    return storage::sqlite_error(path_, "reading task sessions", e);
  }
  return out;
}

}  // namespace emarchive::report
