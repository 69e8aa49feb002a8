#include "api/archive_metrics.h"

#include <algorithm>
#include <array>
#include <filesystem>

#include "model/em_time.h"
#include "model/kind.h"

namespace emarchive::api {
namespace {

using metrics::Labels;
using metrics::TextWriter;

// EM's Result values: each job and VM shows all of them, 1 for its last one, so that a query
// can ask for == 1 of one value and a graph does not lose a series when the result changes.
constexpr std::array<std::string_view, 4> kResults = {"Success", "Warning", "Failed", "None"};

std::optional<double> seconds(std::optional<EmTime> time) {
  if (!time) return std::nullopt;
  return static_cast<double>(*time) / static_cast<double>(kSecond);
}

std::optional<double> seconds(const std::string& xs_date_time) {
  if (xs_date_time.empty()) return std::nullopt;
  auto parsed = parse_em_time(xs_date_time);
  return parsed ? seconds(std::optional<EmTime>(*parsed)) : std::nullopt;
}

double count(std::int64_t value) {
  return static_cast<double>(value);
}

std::int64_t error_lines(const std::string& errors) {
  if (errors.empty()) return 0;
  return static_cast<std::int64_t>(std::count(errors.begin(), errors.end(), '\n')) +
         (errors.back() == '\n' ? 0 : 1);
}

void write_results(TextWriter& out, std::string_view name, Labels labels, std::string_view result) {
  if (result.empty()) result = "None";
  labels.emplace_back("result", "");
  for (const std::string_view value : kResults) {
    labels.back().second = value;
    out.sample(name, labels, value == result ? 1 : 0);
  }
  if (std::find(kResults.begin(), kResults.end(), result) == kResults.end()) {
    labels.back().second = result;
    out.sample(name, labels, 1);
  }
}

// A family of one sample per item for which `value_of` has a value.
template <class Items, class LabelsOf, class ValueOf>
void write_family(TextWriter& out, std::string_view name, std::string_view help, const Items& items,
                  LabelsOf labels_of, ValueOf value_of) {
  out.family(name, "gauge", help);
  for (const auto& item : items) {
    const std::optional<double> value = value_of(item);
    if (value) out.sample(name, labels_of(item), *value);
  }
}

void write_gauge(TextWriter& out, std::string_view name, std::string_view help, double value) {
  out.family(name, "gauge", help);
  out.sample(name, {}, value);
}

void write_jobs(const std::vector<storage::JobStatus>& jobs, TextWriter& out) {
  using storage::JobStatus;
  const auto labels = [](const JobStatus& job) {
    return Labels{
        {"job_name", job.name}, {"job_uid", job.uid}, {"backup_server", job.backup_server_name}};
  };
  out.family("emarchive_job_last_result", "gauge",
             "1 for the Result of the job's last session, 0 for the other results");
  for (const JobStatus& job : jobs) {
    if (job.last_run)
      write_results(out, "emarchive_job_last_result", labels(job), job.last_run->result);
  }
  write_family(out, "emarchive_job_last_run_start_timestamp_seconds",
               "When the job's last session started", jobs, labels, [](const JobStatus& job) {
                 return job.last_run ? seconds(job.last_run->creation_time) : std::nullopt;
               });
  write_family(out, "emarchive_job_last_run_end_timestamp_seconds",
               "When the job's last session ended (absent while it runs)", jobs, labels,
               [](const JobStatus& job) {
                 return job.last_run ? seconds(job.last_run->end_time) : std::nullopt;
               });
  write_family(out, "emarchive_job_last_run_duration_seconds",
               "How long the job's last session ran (absent while it runs)", jobs, labels,
               [](const JobStatus& job) {
                 return job.last_run ? seconds(job.last_run->duration()) : std::nullopt;
               });
  write_family(
      out, "emarchive_job_consecutive_failures",
      "The job's latest finished sessions that failed in a row (0: the latest did not)", jobs,
      labels, [](const JobStatus& job) { return std::optional<double>(job.consecutive_failures); });
}

void write_vms(const std::vector<storage::VmStatus>& vms, TextWriter& out) {
  using storage::VmStatus;
  const auto labels = [](const VmStatus& vm) {
    return Labels{{"vm", vm.name}, {"vm_uid", vm.vm_uid}, {"job_name", vm.job_name}};
  };
  write_family(out, "emarchive_vm_last_success_timestamp_seconds",
               "When the VM's last backup that made a restore point (Result Success or Warning) "
               "ended",
               vms, labels, [](const VmStatus& vm) { return seconds(vm.last_success); });
  out.family("emarchive_vm_last_result", "gauge",
             "1 for the Result of the VM's last task session, 0 for the other results");
  for (const VmStatus& vm : vms) {
    write_results(out, "emarchive_vm_last_result", labels(vm), vm.last_task.result);
  }
}

void write_sources(const std::vector<storage::SourceStatus>& sources, TextWriter& out) {
  using storage::SourceStatus;
  // Named as the follower's own metrics name it (its --name or --config section), else by origin;
  // `origin` keeps two spellings of one EM's URL apart.
  const auto labels = [](const SourceStatus& source) {
    return Labels{{"source", source.name.empty() ? source.origin : source.name},
                  {"origin", source.origin}};
  };
  write_family(out, "emarchive_source_last_success_timestamp_seconds",
               "When the last ingest run from the EM source that met no error ended", sources,
               labels, [](const SourceStatus& source) {
                 return source.last_successful_run
                            ? seconds(source.last_successful_run->finished_at)
                            : std::nullopt;
               });
  write_family(out, "emarchive_source_last_run_timestamp_seconds",
               "When the last ingest run from the EM source ended (absent while it runs)", sources,
               labels, [](const SourceStatus& source) {
                 return source.last_run ? seconds(source.last_run->finished_at) : std::nullopt;
               });
  write_family(out, "emarchive_source_last_run_errors",
               "Errors met by the last ingest run from the EM source", sources, labels,
               [](const SourceStatus& source) {
                 return source.last_run
                            ? std::optional<double>(count(error_lines(source.last_run->errors)))
                            : std::nullopt;
               });
  out.family("emarchive_source_last_run_records", "gauge",
             "Records the last ingest run from the EM source stored, by outcome");
  for (const SourceStatus& source : sources) {
    if (!source.last_run) continue;
    const storage::RunCounts& counts = source.last_run->counts;
    for (const auto& [outcome, value] :
         {std::pair<std::string_view, std::int64_t>{"new", counts.records_new},
          {"updated", counts.records_updated},
          {"unchanged", counts.records_unchanged}}) {
      Labels with_outcome = labels(source);
      with_outcome.emplace_back("outcome", outcome);
      out.sample("emarchive_source_last_run_records", with_outcome, count(value));
    }
  }
  write_family(out, "emarchive_source_last_seen_timestamp_seconds",
               "When a record from the EM source was last stored", sources, labels,
               [](const SourceStatus& source) { return seconds(source.last_seen_at); });
}

}  // namespace

ArchiveReader archive_reader(std::string db, std::shared_ptr<ArchivePool> pool) {
  auto status = std::make_shared<std::unique_ptr<storage::ArchiveStatus>>();
  return [db = std::move(db), pool = std::move(pool), status]() -> Expected<ArchiveReading> {
    if (!*status) {
      auto opened = storage::ArchiveStatus::open(db);
      if (!opened) return opened.error();
      *status = std::move(*opened);
    }
    auto snapshot = (*status)->snapshot();
    if (!snapshot) {
      // A connection that failed may stay broken (a file replaced underneath): open anew.
      status->reset();
      return snapshot.error();
    }
    ArchiveReading reading{std::move(*snapshot), {}, {}};
    auto archive = pool->acquire();
    if (!archive) return archive.error();
    for (const KindInfo& kind : all_kinds()) {
      storage::RecordQuery every;
      every.kind = kind.kind;
      auto count = storage::count_matches(**archive, every);
      if (!count) return count.error();
      reading.records.emplace_back(std::string(kind.name), *count);
    }
    std::error_code ec;
    const auto main = std::filesystem::file_size(db, ec);
    if (!ec) {
      const auto wal = std::filesystem::file_size(db + "-wal", ec);
      reading.size_bytes = static_cast<std::int64_t>(main + (ec ? 0 : wal));
    }
    return reading;
  };
}

void write_archive_metrics(const ArchiveReading& reading, TextWriter& out) {
  write_jobs(reading.status.jobs, out);
  write_vms(reading.status.vms, out);
  write_sources(reading.status.sources, out);
  write_family(
      out, "emarchive_backup_server_info", "1 for each backup server archived",
      reading.status.backup_servers,
      [](const storage::BackupServerStatus& server) {
        return Labels{{"backup_server", server.name}, {"backup_server_uid", server.uid}};
      },
      [](const storage::BackupServerStatus&) { return std::optional<double>(1); });
  out.family("emarchive_archive_records", "gauge", "Records archived, by kind");
  for (const auto& [kind, records] : reading.records) {
    out.sample("emarchive_archive_records", {{"kind", kind}}, count(records));
  }
  if (reading.size_bytes) {
    write_gauge(out, "emarchive_archive_size_bytes",
                "Size of the archive's database file and its write-ahead log",
                count(*reading.size_bytes));
  }
}

ArchiveMetrics::ArchiveMetrics(metrics::Registry& registry, ArchiveReader read, Clock clock)
    : read_(std::move(read)),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::steady_clock::now(); })),
      errors_(registry
                  .counter("emarchive_archive_errors_total",
                           "Requests the archive failed (answered 500, or 503 when busy)")
                  .with({})) {
  registry.add_collector([this](TextWriter& out) { collect(out); });
}

void ArchiveMetrics::collect(TextWriter& out) {
  std::lock_guard lock(mutex_);
  const auto now = clock_();
  if (!read_at_ || now - *read_at_ >= kCacheFor) {
    const auto started = std::chrono::steady_clock::now();
    const Expected<ArchiveReading> reading = read_();
    const double took =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    TextWriter fresh;
    if (reading) write_archive_metrics(*reading, fresh);
    write_gauge(fresh, "emarchive_archive_readable",
                "1 when the archive could be read for these metrics; 0 leaves the archive's "
                "other metrics out",
                reading ? 1 : 0);
    write_gauge(fresh, "emarchive_archive_read_duration_seconds",
                "How long reading the archive for these metrics took", took);
    text_ = fresh.take();
    read_at_ = now;
  }
  out.append(text_);
}

}  // namespace emarchive::api
