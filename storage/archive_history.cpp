#include "storage/archive_history.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>

#include "storage/session_columns.h"
#include "storage/sqlite_support.h"

namespace emarchive::storage {
namespace {

// Ranks a Result for "the worst of the day": higher is worse.
int severity(std::string_view result) {
  auto is = [&](std::string_view name) { return iequals(result, name); };
  if (is("Failed")) return 3;
  if (is("Warning")) return 2;
  if (is("Success")) return 1;
  return 0;
}

// The columns every HistoryEntry query selects, in the order entry_from reads them.
constexpr const char* kEntryColumns =
    "r.uid, s.kind_id, s.result, s.state, s.creation_time_ns, s.end_time_ns, "
    "COALESCE(s.vm_display_name, s.name), ju.uid, COALESCE(j.name, p.job_name, s.job_name), "
    "COALESCE(s.reason, s.failure_message), s.vm_uid, ";
// The joins those columns need: the session's record, its parent job session, the job.
constexpr const char* kEntryJoins =
    " JOIN records r ON r.id = s.record_id "
    "LEFT JOIN sessions p ON p.record_id = s.parent_id "
    "LEFT JOIN records ju ON ju.id = COALESCE(s.job_id, p.job_id) "
    "LEFT JOIN jobs j ON j.record_id = COALESCE(s.job_id, p.job_id) ";

HistoryEntry entry_from(SQLite::Statement& row) {
  HistoryEntry entry;
  entry.session = session_from(row, 1, row.getColumn(0).getString());
  entry.name = text_or_empty(row.getColumn(6));
  entry.job_uid = text_or_empty(row.getColumn(7));
  entry.job_name = text_or_empty(row.getColumn(8));
  entry.reason = text_or_empty(row.getColumn(9));
  entry.vm_uid = text_or_empty(row.getColumn(10));
  if (!row.getColumn(11).isNull()) entry.total_size = row.getColumn(11).getInt64();
  return entry;
}

std::vector<HistoryEntry> entries(SQLite::Statement& statement) {
  std::vector<HistoryEntry> found;
  while (statement.executeStep()) found.push_back(entry_from(statement));
  return found;
}

class SqliteArchiveHistory final : public ArchiveHistory {
 public:
  SqliteArchiveHistory(std::string path, std::unique_ptr<SQLite::Database> db)
      : path_(std::move(path)),
        db_(std::move(db)),
        transaction_(*db_),
        // Each bound of each kind is one step down sessions_kind_creation.
        span_(*db_,
              "SELECT min(first), max(last) FROM ("
              " SELECT (SELECT min(creation_time_ns) FROM sessions WHERE kind_id = ?1) AS first,"
              "        (SELECT max(creation_time_ns) FROM sessions WHERE kind_id = ?1) AS last"
              " UNION ALL"
              " SELECT (SELECT min(creation_time_ns) FROM sessions WHERE kind_id = ?2),"
              "        (SELECT max(creation_time_ns) FROM sessions WHERE kind_id = ?2))"),
        days_(*db_,
              "SELECT ju.uid, s.creation_time_ns / ?3, r.uid, s.kind_id, s.result, s.state, "
              "s.creation_time_ns, s.end_time_ns FROM sessions s "
              "JOIN records r ON r.id = s.record_id JOIN records ju ON ju.id = s.job_id "
              "WHERE s.kind_id IN (?4, ?5) AND s.creation_time_ns >= ?1 "
              "AND s.creation_time_ns < ?2"),
        // A job session's size is its tasks' (sessions_parent).
        job_runs_(*db_,
                  job_runs_newest_first(std::string("SELECT ") + kEntryColumns +
                                            "(SELECT sum(t.total_size) FROM sessions t "
                                            "WHERE t.parent_id = s.record_id), "
                                            "s.creation_time_ns AS created, s.record_id AS id "
                                            "FROM sessions s" +
                                            kEntryJoins,
                                        "(SELECT id FROM records WHERE uid = ?1)") +
                      " LIMIT ?2"),
        // By name first (sessions_vm_display_name, sessions_name), then by the key.
        vm_tasks_(*db_,
                  std::string("SELECT ") + kEntryColumns + "s.total_size FROM sessions s" +
                      kEntryJoins +
                      "WHERE (s.vm_display_name = ?2 COLLATE NOCASE OR s.name = ?2 COLLATE NOCASE) "
                      "AND s.kind_id = ?3 AND COALESCE(s.vm_uid, s.vm_display_name, s.name) = ?1 "
                      "ORDER BY s.creation_time_ns DESC, s.record_id DESC LIMIT ?4"),
        // One kind at a time, down sessions_kind_result_creation.
        failures_(*db_, std::string("SELECT ") + kEntryColumns + "s.total_size FROM sessions s" +
                            kEntryJoins +
                            "WHERE s.kind_id = ?1 AND s.result = 'Failed' COLLATE NOCASE "
                            "ORDER BY s.creation_time_ns DESC LIMIT ?2") {}

  Expected<std::optional<std::pair<EmTime, EmTime>>> job_session_span() override {
    return read("the span of job sessions", [&] {
      Use use(span_);
      bind_job_kinds(*use, 1);
      std::optional<std::pair<EmTime, EmTime>> span;
      if (use->executeStep() && !use->getColumn(0).isNull()) {
        span.emplace(use->getColumn(0).getInt64(), use->getColumn(1).getInt64());
      }
      return span;
    });
  }

  Expected<std::vector<JobDay>> job_days(EmTime from, EmTime to) override {
    return read("the job sessions per day", [&] {
      std::map<std::pair<std::string, EmTime>, JobDay> days;
      Use use(days_);
      use->bind(1, from);
      use->bind(2, to);
      use->bind(3, kDay);
      bind_job_kinds(*use, 4);
      while (use->executeStep()) {
        const std::string job = use->getColumn(0).getString();
        const EmTime day = use->getColumn(1).getInt64() * kDay;
        SessionSummary run = session_from(*use, 3, use->getColumn(2).getString());
        JobDay& entry = days[{job, day}];
        if (entry.runs++ == 0) {
          entry.job_uid = job;
          entry.day = day;
          entry.worst_result = run.result;
          entry.latest = std::move(run);
          continue;
        }
        if (severity(run.result) > severity(entry.worst_result)) entry.worst_result = run.result;
        if (run.creation_time > entry.latest.creation_time) entry.latest = std::move(run);
      }
      std::vector<JobDay> list;
      list.reserve(days.size());
      for (auto& [key, day] : days) list.push_back(std::move(day));
      return list;
    });
  }

  Expected<std::vector<HistoryEntry>> job_runs(std::string_view job_uid, int limit) override {
    return read("the runs of " + std::string(job_uid), [&] {
      Use use(job_runs_);
      use->bind(1, std::string(job_uid));
      use->bind(2, limit);
      return entries(*use);
    });
  }

  Expected<std::vector<HistoryEntry>> vm_tasks(std::string_view key, std::string_view name,
                                               int limit) override {
    return read("the task sessions of " + std::string(name), [&] {
      Use use(vm_tasks_);
      use->bind(1, std::string(key));
      use->bind(2, std::string(name));
      use->bind(3, kind_id(Kind::BackupTaskSession));
      use->bind(4, limit);
      return entries(*use);
    });
  }

  Expected<std::vector<HistoryEntry>> recent_failures(int limit) override {
    return read("the latest failures", [&] {
      std::vector<HistoryEntry> found;
      for (Kind kind : {Kind::BackupJobSession, Kind::BackupTaskSession, Kind::ReplicaJobSession,
                        Kind::ReplicaTaskSession}) {
        Use use(failures_);
        use->bind(1, kind_id(kind));
        use->bind(2, limit);
        for (HistoryEntry& entry : entries(*use)) found.push_back(std::move(entry));
      }
      std::sort(found.begin(), found.end(), [](const HistoryEntry& a, const HistoryEntry& b) {
        return std::tie(a.session.creation_time, a.session.uid) >
               std::tie(b.session.creation_time, b.session.uid);
      });
      if (found.size() > static_cast<std::size_t>(std::max(limit, 0))) {
        found.resize(static_cast<std::size_t>(std::max(limit, 0)));
      }
      return found;
    });
  }

 private:
  static void bind_job_kinds(SQLite::Statement& statement, int first) {
    statement.bind(first, kind_id(Kind::BackupJobSession));
    statement.bind(first + 1, kind_id(Kind::ReplicaJobSession));
  }

  // Runs `body` in one read transaction; what it throws becomes an Error saying `what`.
  template <class Body>
  auto read(const std::string& what, Body body) -> Expected<decltype(body())> {
    try {
      ReadTransaction transaction(transaction_);
      auto result = body();
      transaction.commit();
      return result;
    } catch (const std::exception& e) {
      return sqlite_error(path_, "cannot read " + what, e);
    }
  }

  std::string path_;
  std::unique_ptr<SQLite::Database> db_;
  ReadTransaction::Statements transaction_;
  SQLite::Statement span_;
  SQLite::Statement days_;
  SQLite::Statement job_runs_;
  SQLite::Statement vm_tasks_;
  SQLite::Statement failures_;
};

}  // namespace

Expected<std::unique_ptr<ArchiveHistory>> ArchiveHistory::open(const std::string& path) {
  return open_reader<ArchiveHistory, SqliteArchiveHistory>(path);
}

}  // namespace emarchive::storage
