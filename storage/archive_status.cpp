#include "storage/archive_status.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "model/ascii.h"
#include "storage/session_columns.h"
#include "storage/sqlite_support.h"

namespace emarchive::storage {
namespace {

// The task session columns a VM's status comes from: fold_task reads them in this order.
constexpr const char* kTaskColumns =
    "SELECT record_id, vm_uid, COALESCE(vm_display_name, name), kind_id, result, state, "
    "creation_time_ns, end_time_ns, parent_id FROM sessions ";

class SqliteArchiveStatus final : public ArchiveStatus {
 public:
  SqliteArchiveStatus(std::string path, std::unique_ptr<SQLite::Database> db)
      : path_(std::move(path)),
        db_(std::move(db)),
        transaction_(*db_),
        jobs_(*db_,
              "SELECT j.record_id, r.uid, j.name, j.job_type, bu.uid, b.name FROM jobs j "
              "JOIN records r ON r.id = j.record_id "
              "LEFT JOIN records bu ON bu.id = j.backup_server_id "
              "LEFT JOIN backup_servers b ON b.record_id = j.backup_server_id"),
        // Newest first, for the latest run and the failures in a row before it; read only as
        // far as add_runs() needs.
        job_runs_(*db_, job_runs_newest_first(
                            "SELECT s.record_id AS id, s.kind_id, s.result, s.state, "
                            "s.creation_time_ns AS created, s.end_time_ns FROM sessions s",
                            "?1")),
        uid_(*db_, "SELECT uid FROM records WHERE id = ?"),
        task_rows_after_(*db_, std::string(kTaskColumns) + "WHERE record_id > ?1 AND kind_id = ?2"),
        task_row_(*db_, std::string(kTaskColumns) + "WHERE record_id = ?1"),
        task_job_(*db_,
                  "SELECT ju.uid, COALESCE(j.name, p.job_name) FROM sessions p "
                  "LEFT JOIN records ju ON ju.id = p.job_id "
                  "LEFT JOIN jobs j ON j.record_id = p.job_id WHERE p.record_id = ?1"),
        sources_(*db_,
                 "SELECT origin, first_seen_at, last_seen_at, COALESCE(name, '') FROM sources "
                 "ORDER BY origin"),
        // A run's detail is "<name>: <origin> as <user>", as `emarchive ingest` writes it, or
        // "<origin> as <user>" from before sources had names.
        source_run_(*db_,
                    "SELECT id, started_at, finished_at, errors, documents, rejected, "
                    "records_new, records_updated, records_unchanged FROM runs "
                    "WHERE command = 'ingest' AND (detail = ?1 OR substr(detail, 1, "
                    "length(?1) + 1) = ?1 || ' ' OR (?3 <> '' AND substr(detail, 1, "
                    "length(?3) + 2) = ?3 || ': ')) "
                    "AND (?2 = 0 OR (finished_at IS NOT NULL AND COALESCE(errors, '') = '')) "
                    "ORDER BY id DESC LIMIT 1"),
        backup_servers_(*db_,
                        "SELECT r.uid, b.name FROM backup_servers b "
                        "JOIN records r ON r.id = b.record_id") {}

  Expected<StatusSnapshot> snapshot() override {
    try {
      ReadTransaction transaction(transaction_);
      StatusSnapshot snapshot;
      snapshot.jobs = jobs();
      snapshot.vms = vms();
      snapshot.sources = sources();
      snapshot.backup_servers = backup_servers();
      transaction.commit();
      return snapshot;
    } catch (const std::exception& e) {
      return sqlite_error(path_, "cannot read the archive's status", e);
    }
  }

 private:
  std::string uid_of(std::int64_t record_id) {
    Use use(uid_);
    use->bind(1, record_id);
    return use->executeStep() ? use->getColumn(0).getString() : std::string();
  }

  std::vector<JobStatus> jobs() {
    std::vector<std::pair<std::int64_t, JobStatus>> found;
    {
      Use use(jobs_);
      while (use->executeStep()) {
        JobStatus job;
        job.uid = use->getColumn(1).getString();
        job.name = text_or_empty(use->getColumn(2));
        job.job_type = text_or_empty(use->getColumn(3));
        job.backup_server_uid = text_or_empty(use->getColumn(4));
        job.backup_server_name = text_or_empty(use->getColumn(5));
        found.emplace_back(use->getColumn(0).getInt64(), std::move(job));
      }
    }
    std::vector<JobStatus> jobs;
    jobs.reserve(found.size());
    for (auto& [record_id, job] : found) {
      add_runs(record_id, job);
      jobs.push_back(std::move(job));
    }
    std::sort(jobs.begin(), jobs.end(), [](const JobStatus& a, const JobStatus& b) {
      return std::tie(a.name, a.uid) < std::tie(b.name, b.uid);
    });
    return jobs;
  }

  // The latest run and the failed finished runs in a row: reads newest first, only as far back
  // as the first finished run that did not fail.
  void add_runs(std::int64_t job_record_id, JobStatus& job) {
    std::optional<std::int64_t> latest_id;
    {
      Use use(job_runs_);
      use->bind(1, job_record_id);
      while (use->executeStep()) {
        SessionSummary run = session_from(*use, 1, "");
        if (!latest_id) {
          latest_id = use->getColumn(0).getInt64();
          job.last_run = std::move(run);
          if (!job.last_run->end_time) continue;
          if (!is_failed(*job.last_run)) break;
          ++job.consecutive_failures;
          continue;
        }
        if (!run.end_time) continue;
        if (!is_failed(run)) break;
        ++job.consecutive_failures;
      }
    }
    if (latest_id) job.last_run->uid = uid_of(*latest_id);
  }

  // Brings vms_by_key_ up to date with the task sessions stored since the last call, and with
  // those that were still running then, then lists them.
  std::vector<VmStatus> vms() {
    {
      Use use(task_rows_after_);
      use->bind(1, scanned_up_to_);
      use->bind(2, kind_id(Kind::BackupTaskSession));
      while (use->executeStep()) {
        scanned_up_to_ = std::max(scanned_up_to_, use->getColumn(0).getInt64());
        fold_task(*use);
      }
    }
    const std::vector<std::int64_t> running(unfinished_.begin(), unfinished_.end());
    for (const std::int64_t record_id : running) {
      Use use(task_row_);
      use->bind(1, record_id);
      if (use->executeStep()) fold_task(*use);
    }
    std::map<std::int64_t, std::pair<std::string, std::string>> jobs_of_parents;
    std::vector<VmStatus> vms;
    vms.reserve(vms_by_key_.size());
    for (auto& [key, track] : vms_by_key_) {
      if (track.last_task.uid.empty()) track.last_task.uid = uid_of(track.last_task_id);
      VmStatus vm;
      vm.key = key;
      vm.vm_uid = track.vm_uid;
      vm.name = track.name;
      vm.last_success = track.last_success;
      vm.last_task = track.last_task;
      if (track.parent_id) {
        auto job = jobs_of_parents.find(*track.parent_id);
        if (job == jobs_of_parents.end()) {
          job = jobs_of_parents.emplace(*track.parent_id, job_of_parent(*track.parent_id)).first;
        }
        vm.job_uid = job->second.first;
        vm.job_name = job->second.second;
      }
      vms.push_back(std::move(vm));
    }
    std::sort(vms.begin(), vms.end(), [](const VmStatus& a, const VmStatus& b) {
      return std::tie(a.name, a.key) < std::tie(b.name, b.key);
    });
    return vms;
  }

  // Adds one row of kTaskColumns to vms_by_key_ and unfinished_.
  void fold_task(SQLite::Statement& row) {
    const std::int64_t record_id = row.getColumn(0).getInt64();
    const std::string vm_uid = text_or_empty(row.getColumn(1));
    const std::string name = text_or_empty(row.getColumn(2));
    SessionSummary task = session_from(row, 3, "");
    if (task.end_time) {
      unfinished_.erase(record_id);
    } else {
      unfinished_.insert(record_id);
    }
    const std::string& key = !vm_uid.empty() ? vm_uid : name;
    if (key.empty()) return;
    VmTrack& track = vms_by_key_[key];
    if (iequals(task.result, "Success") || iequals(task.result, "Warning")) {
      const std::optional<EmTime> made = task.end_time ? task.end_time : task.creation_time;
      if (made && (!track.last_success || *made > *track.last_success)) track.last_success = made;
    }
    const auto order = [](const std::optional<EmTime>& time, std::int64_t id) {
      return std::make_pair(time.value_or(std::numeric_limits<EmTime>::min()), id);
    };
    if (track.last_task_id != 0 && record_id != track.last_task_id &&
        order(task.creation_time, record_id) <
            order(track.last_task.creation_time, track.last_task_id)) {
      return;
    }
    track.vm_uid = vm_uid;
    track.name = name;
    track.last_task_id = record_id;
    track.last_task = std::move(task);
    track.parent_id = row.getColumn(8).isNull()
                          ? std::nullopt
                          : std::optional<std::int64_t>(row.getColumn(8).getInt64());
  }

  std::pair<std::string, std::string> job_of_parent(std::int64_t parent_id) {
    Use use(task_job_);
    use->bind(1, parent_id);
    if (!use->executeStep()) return {};
    return {text_or_empty(use->getColumn(0)), text_or_empty(use->getColumn(1))};
  }

  std::optional<RunSummary> source_run(const SourceStatus& source, bool successful) {
    Use use(source_run_);
    use->bind(1, source.origin);
    use->bind(2, successful ? 1 : 0);
    use->bind(3, source.name);
    if (!use->executeStep()) return std::nullopt;
    RunSummary run;
    run.id = use->getColumn(0).getInt64();
    run.started_at = use->getColumn(1).getString();
    run.finished_at = text_or_empty(use->getColumn(2));
    run.errors = text_or_empty(use->getColumn(3));
    run.counts.documents = use->getColumn(4).getInt64();
    run.counts.rejected = use->getColumn(5).getInt64();
    run.counts.records_new = use->getColumn(6).getInt64();
    run.counts.records_updated = use->getColumn(7).getInt64();
    run.counts.records_unchanged = use->getColumn(8).getInt64();
    return run;
  }

  std::vector<SourceStatus> sources() {
    std::vector<SourceStatus> sources;
    {
      Use use(sources_);
      while (use->executeStep()) {
        SourceStatus source;
        source.origin = use->getColumn(0).getString();
        source.first_seen_at = use->getColumn(1).getString();
        source.last_seen_at = use->getColumn(2).getString();
        source.name = use->getColumn(3).getString();
        sources.push_back(std::move(source));
      }
    }
    for (SourceStatus& source : sources) {
      if (source.origin.empty()) continue;
      source.last_run = source_run(source, false);
      source.last_successful_run = source_run(source, true);
    }
    return sources;
  }

  std::vector<BackupServerStatus> backup_servers() {
    std::vector<BackupServerStatus> servers;
    Use use(backup_servers_);
    while (use->executeStep()) {
      servers.push_back({use->getColumn(0).getString(), text_or_empty(use->getColumn(1))});
    }
    std::sort(servers.begin(), servers.end(),
              [](const BackupServerStatus& a, const BackupServerStatus& b) {
                return std::tie(a.name, a.uid) < std::tie(b.name, b.uid);
              });
    return servers;
  }

  std::string path_;
  std::unique_ptr<SQLite::Database> db_;
  ReadTransaction::Statements transaction_;
  SQLite::Statement jobs_;
  SQLite::Statement job_runs_;
  SQLite::Statement uid_;
  SQLite::Statement task_rows_after_;
  SQLite::Statement task_row_;
  SQLite::Statement task_job_;
  SQLite::Statement sources_;
  SQLite::Statement source_run_;
  SQLite::Statement backup_servers_;

  // What the task sessions read so far say of each VM, by key. Task sessions are read once, by
  // record id (which only grows), and again while they run; EM does not change a session once it
  // has ended, so rows already read stay true.
  struct VmTrack {
    std::string vm_uid;
    std::string name;
    std::int64_t last_task_id = 0;
    SessionSummary last_task;  // uid read when first listed
    std::optional<std::int64_t> parent_id;
    std::optional<EmTime> last_success;
  };
  std::unordered_map<std::string, VmTrack> vms_by_key_;
  std::int64_t scanned_up_to_ = 0;     // the highest task session record id read
  std::set<std::int64_t> unfinished_;  // task sessions read without an end time
};

}  // namespace

SessionSummary session_from(SQLite::Statement& row, int first, std::string uid) {
  SessionSummary session;
  session.uid = std::move(uid);
  session.kind = kind_from_id(row.getColumn(first).getInt());
  session.result = text_or_empty(row.getColumn(first + 1));
  session.state = text_or_empty(row.getColumn(first + 2));
  session.creation_time = time_column(row.getColumn(first + 3));
  session.end_time = time_column(row.getColumn(first + 4));
  return session;
}

Expected<std::unique_ptr<ArchiveStatus>> ArchiveStatus::open(const std::string& path) {
  return open_reader<ArchiveStatus, SqliteArchiveStatus>(path);
}

}  // namespace emarchive::storage
