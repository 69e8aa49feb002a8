// One file past the ~600 lines on purpose: the generator is one deterministic algorithm whose
// parts (the random streams, the estate of servers, jobs and VMs, the runs of a day and the
// records made of them) share private types and the order in which they draw random numbers; a
// change in one silently changes the others' output, so they are read together.

#include "sim/history.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <chrono>
#include <cstdio>
#include <initializer_list>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "date/date.h"
#include "model/kind.h"
#include "sim/splitmix.h"

namespace emarchive::sim {
namespace {

constexpr std::int64_t kGiB = std::int64_t{1} << 30;

// Every random choice is drawn from a stream named by one of these and the indexes it concerns,
// so that no choice depends on how many other choices were made before it.
enum class Stream : std::uint64_t {
  ServerCount = 1,
  Job,
  JobTypes,
  Vm,
  JobRun,
  Restore,
  Guid,
};

std::uint64_t hash(std::uint64_t seed, Stream stream, std::initializer_list<std::int64_t> parts) {
  std::uint64_t h = mix(seed + 0x9e3779b97f4a7c15ULL * static_cast<std::uint64_t>(stream));
  for (std::int64_t part : parts) {
    h = mix(h ^ (static_cast<std::uint64_t>(part) + 0x632be59bd9b4e019ULL));
  }
  return h;
}

// splitmix64. Hand-rolled draws instead of std distributions, whose results differ between
// standard libraries: the same seed must give the same history everywhere.
class Rng {
 public:
  explicit Rng(std::uint64_t state) : state_(state) {}
  std::uint64_t next() { return mix(state_ += 0x9e3779b97f4a7c15ULL); }
  // Uniform in [lo, hi]; the modulo bias is negligible for the small ranges used here.
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(hi - lo + 1));
  }
  bool per_mille(int chance) { return between(0, 999) < chance; }
  template <class T>
  const T& pick(std::span<const T> items) {
    return items[static_cast<std::size_t>(between(0, static_cast<std::int64_t>(items.size()) - 1))];
  }

 private:
  std::uint64_t state_;
};

// A lowercase 8-4-4-4-12 GUID shaped like a random (version 4) one.
std::string make_guid(std::uint64_t h) {
  const std::uint64_t a = mix(h);
  const std::uint64_t b = mix(h ^ 0xd1b54a32d192ed03ULL);
  char text[37];
  std::snprintf(text, sizeof text, "%08llx-%04llx-%04llx-%04llx-%012llx",
                static_cast<unsigned long long>(a >> 32),
                static_cast<unsigned long long>((a >> 16) & 0xffff),
                static_cast<unsigned long long>((a & 0x0fff) | 0x4000),
                static_cast<unsigned long long>(((b >> 48) & 0x3fff) | 0x8000),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return text;
}

std::string guid(std::uint64_t seed, std::string_view what,
                 std::initializer_list<std::int64_t> parts) {
  std::uint64_t h = hash(seed, Stream::Guid, parts);
  for (char c : what) h = mix(h ^ static_cast<unsigned char>(c));
  return make_guid(h);
}

// A whole second plus a fraction of 0 to 7 digits, as EM's timestamps vary.
EmTime with_fraction(EmTime whole_second, Rng& rng) {
  const int digits = static_cast<int>(rng.between(0, 7));
  EmTime scale = 1;
  for (int i = 0; i < digits; ++i) scale *= 10;
  return whole_second + rng.between(0, scale - 1) * (kSecond / scale);
}

EmTime floor_div(EmTime a, EmTime b) {
  return a / b - (a % b < 0 ? 1 : 0);
}

using Seconds = std::chrono::sys_seconds;

Seconds to_seconds(EmTime t) {
  return Seconds{std::chrono::seconds{floor_div(t, kSecond)}};
}

// Session names carry "yyyy-MM-dd HH:mm:ss"; EM uses the backup server's local time, the
// simulation UTC.
std::string name_time(EmTime t) {
  return date::format("%F %T", to_seconds(t));
}

// Restore-point names are SQL-style: "Jun  5 2025  3:00AM".
std::string restore_point_time(EmTime t) {
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const Seconds s = to_seconds(t);
  const auto day = date::floor<date::days>(s);
  const date::year_month_day ymd{day};
  const date::hh_mm_ss hms{s - day};
  const int hour = static_cast<int>(hms.hours().count());
  char text[32];
  std::snprintf(text, sizeof text, "%s %2u %d %2d:%02d%s",
                kMonths[static_cast<unsigned>(ymd.month()) - 1], static_cast<unsigned>(ymd.day()),
                static_cast<int>(ymd.year()), hour % 12 == 0 ? 12 : hour % 12,
                static_cast<int>(hms.minutes().count()), hour < 12 ? "AM" : "PM");
  return text;
}

// --- the estate: servers, jobs, VMs ---------------------------------------------------------

enum class JobType { Backup, BackupCopy, Replica, AgentBackup, NasBackup };

std::string_view job_type_text(JobType type) {
  switch (type) {
    case JobType::Backup:
      return "Backup";
    case JobType::BackupCopy:
      return "BackupCopy";
    case JobType::Replica:
      return "Replica";
    case JobType::AgentBackup:
      return "AgentBackup";
    case JobType::NasBackup:
      return "NasBackup";
  }
  return "Backup";
}

struct Server {
  std::string guid;
  std::string name;
  std::string vcenter_guid;  // of the vCenter whose VMs it protects (VmUid)
  std::string thumbprint;    // of its certificate: 40 uppercase hex digits, as SHA-1 gives
};

struct Job {
  JobType type;
  std::string guid;
  std::string name;
  std::string platform;
  std::string description;
  int server;
  EmTime schedule;  // start time after 00:00 UTC
  std::vector<int> vms;
};

struct Vm {
  std::string name;
  std::optional<std::string> uid;  // only VMware VMs carry a VmUid in EM's examples
  std::int64_t size;
};

struct Estate {
  std::vector<Server> servers;
  std::vector<Job> jobs;
  std::vector<Vm> vms;
};

constexpr std::array<std::string_view, 5> kBackupNames = {"Nightly ERP VMs", "SQL Server Daily",
                                                          "Web Farm", "Infrastructure & DCs",
                                                          "Dateiserver München"};
constexpr std::array<std::string_view, 2> kReplicaNames = {"DR Replica Tier1", "DR Replica SQL"};
constexpr std::array<std::string_view, 2> kCopyNames = {"Offsite Copy ERP",
                                                        "Copy to Object Storage"};
constexpr std::array<std::string_view, 2> kAgentNames = {"Laptop Fleet Agents", "Physical Servers"};
constexpr std::array<std::string_view, 2> kNasNames = {"Share Archive NAS", "Engineering Shares"};

std::span<const std::string_view> job_names(JobType type) {
  switch (type) {
    case JobType::Backup:
      return kBackupNames;
    case JobType::BackupCopy:
      return kCopyNames;
    case JobType::Replica:
      return kReplicaNames;
    case JobType::AgentBackup:
      return kAgentNames;
    case JobType::NasBackup:
      return kNasNames;
  }
  return kBackupNames;
}

constexpr std::array<std::string_view, 12> kVmRoles = {"erp-app", "erp-db", "web",      "sql",
                                                       "fs",      "dc",     "exch",     "crm",
                                                       "git",     "mon",    "k8s-node", "print"};
constexpr std::array<std::string_view, 4> kShares = {"projects", "finance", "home", "cad"};

JobType job_type(const HistoryOptions& options, int index) {
  // The first two make every history with two jobs or more show both session families.
  if (index == 0) return JobType::Backup;
  if (index == 1) return JobType::Replica;
  static constexpr std::array kCycle = {JobType::BackupCopy, JobType::AgentBackup,
                                        JobType::NasBackup,  JobType::Backup,
                                        JobType::Replica,    JobType::Backup};
  const std::uint64_t offset = hash(options.seed, Stream::JobTypes, {}) % kCycle.size();
  return kCycle[(offset + static_cast<std::uint64_t>(index - 2)) % kCycle.size()];
}

// VMs are named after the role their job protects ("sql03"), machines and shares by kind.
// `ordinal` counts the VMs already named with the same role, so names stay unique.
std::string vm_name(JobType type, int job, int vm, int ordinal) {
  char text[64];
  switch (type) {
    case JobType::AgentBackup:
      std::snprintf(text, sizeof text, "ws-%04d", 1000 + vm);
      return text;
    case JobType::NasBackup:
      std::snprintf(
          text, sizeof text, "\\\\nas01.lab.example\\%s%02d",
          std::string(kShares[static_cast<std::size_t>(ordinal) % kShares.size()]).c_str(), vm + 1);
      return text;
    default:
      std::snprintf(text, sizeof text, "%s%02d",
                    std::string(kVmRoles[static_cast<std::size_t>(job) % kVmRoles.size()]).c_str(),
                    ordinal + 1);
      return text;
  }
}

Estate make_estate(const HistoryOptions& options) {
  Estate estate;
  const int server_count =
      std::min(options.jobs, 1 + static_cast<int>(hash(options.seed, Stream::ServerCount, {}) % 3));
  for (int s = 0; s < server_count; ++s) {
    char name[32];
    std::snprintf(name, sizeof name, "vbr%02d.lab.example", s + 1);
    char thumbprint[41];
    std::snprintf(thumbprint, sizeof thumbprint, "%016llX%016llX%08llX",
                  static_cast<unsigned long long>(hash(options.seed, Stream::Guid, {s, 1})),
                  static_cast<unsigned long long>(hash(options.seed, Stream::Guid, {s, 2})),
                  static_cast<unsigned long long>(hash(options.seed, Stream::Guid, {s, 3}) >> 32));
    estate.servers.push_back(Server{guid(options.seed, "BackupServer", {s}), name,
                                    guid(options.seed, "vCenter", {s}), thumbprint});
  }

  std::array<int, 5> per_type{};
  for (int j = 0; j < options.jobs; ++j) {
    Rng rng(hash(options.seed, Stream::Job, {j}));
    Job job;
    job.type = job_type(options, j);
    const auto names = job_names(job.type);
    const int n = per_type[static_cast<std::size_t>(job.type)]++;
    job.name = std::string(names[static_cast<std::size_t>(n) % names.size()]);
    if (n >= static_cast<int>(names.size())) {
      job.name += " " + std::to_string(n / static_cast<int>(names.size()) + 1);
    }
    job.guid = guid(options.seed, "Job", {j});
    job.server = j % server_count;
    const bool agentless = job.type == JobType::AgentBackup || job.type == JobType::NasBackup;
    job.platform = agentless ? "CustomPlatform" : (rng.per_mille(300) ? "HyperV" : "VMware");
    char description[96];
    std::snprintf(description, sizeof description,
                  "Created by LAB\\svc-veeam at %02d.%02d.2024 %02d:%02d.",
                  static_cast<int>(rng.between(1, 28)), static_cast<int>(rng.between(1, 12)),
                  static_cast<int>(rng.between(8, 17)), static_cast<int>(rng.between(0, 59)));
    job.description = description;
    // Nightly, between 20:00 and 23:59 UTC.
    job.schedule = 20 * kHour + rng.between(0, 239) * kMinute;
    estate.jobs.push_back(std::move(job));
  }

  std::array<int, kVmRoles.size()> per_role{};
  for (int v = 0; v < options.vms; ++v) {
    Rng rng(hash(options.seed, Stream::Vm, {v}));
    const int j = v % options.jobs;
    Job& job = estate.jobs[static_cast<std::size_t>(j)];
    job.vms.push_back(v);
    Vm vm;
    vm.name = vm_name(job.type, j, v, per_role[static_cast<std::size_t>(j) % kVmRoles.size()]++);
    if (job.platform == "VMware") {
      vm.uid =
          "urn:VMware:Vm:" + estate.servers[static_cast<std::size_t>(job.server)].vcenter_guid +
          ".vm-" + std::to_string(1000 + 13 * v);
    }
    const std::int64_t max_gib = job.type == JobType::NasBackup ? 4096 : 1024;
    vm.size = rng.between(20, max_gib) * kGiB + rng.between(0, kGiB - 1);
    estate.vms.push_back(std::move(vm));
  }
  return estate;
}

// --- records --------------------------------------------------------------------------------

std::string path(Kind kind, std::string_view guid) {
  std::string p = "/api/";
  p += info(kind).collection;
  p += '/';
  p += guid;
  return p;
}

Link link(std::string_view rel, std::optional<std::string_view> type, std::string href,
          std::optional<std::string> name = std::nullopt) {
  Link l;
  l.rel = std::string(rel);
  if (type) l.type = std::string(*type);
  l.href = std::move(href);
  l.name = std::move(name);
  return l;
}

Representation entity(Kind kind, std::string_view guid, std::string name) {
  Representation r;
  r.type = std::string(info(kind).name);
  r.href = path(kind, guid) + "?format=Entity";
  r.name = std::move(name);
  r.has_links = true;
  r.fields.resize(info(kind).fields.size());
  return r;
}

void set(Representation& r, Kind kind, std::string_view element, std::string value) {
  const auto fields = info(kind).fields;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].element == element) {
      r.fields[i] = std::move(value);
      return;
    }
  }
  assert(false && "no such field");
}

Record record(Kind kind, std::string_view guid, Representation r) {
  Record rec;
  rec.kind = kind;
  rec.uid = std::string(info(kind).uid_prefix) + std::string(guid);
  rec.entity = std::move(r);
  return rec;
}

Link up_to_server(const Server& server) {
  return link("Up", "BackupServerReference", path(Kind::BackupServer, server.guid), server.name);
}

Record server_record(const Server& server, int index) {
  static constexpr std::array<std::string_view, 3> kDescriptions = {
      "Primary VBR, site Nord (rack B4)", "DR site — VBR & tape", "Branch office <Süd>"};
  static constexpr std::array<std::string_view, 3> kVersions = {"12.3.1.1139", "12.2.0.334",
                                                                "12.3.0.310"};
  const std::string self = path(Kind::BackupServer, server.guid);
  Representation r = entity(Kind::BackupServer, server.guid, server.name);
  r.links = {
      link("Alternate", "BackupServerReference", self, server.name),
      link("Edit", std::nullopt, self + "?action=edit"),
      link("Delete", std::nullopt, self),
      link("Down", "JobReferenceList", self + "/jobs"),
      link("Down", "ManagedServerReferenceList", self + "/managedServers"),
      link("Down", "RepositoryReferenceList", self + "/repositories"),
      link("Down", "CredentialsList", self + "/credentials"),
      link("Create", std::nullopt, self + "/credentials"),
      link("Down", "PasswordKeyList", self + "/passwords"),
      link("Create", std::nullopt, self + "/passwords"),
      link("VeeamZip", std::nullopt, self + "?action=veeamzip"),
      link("QuickBackup", std::nullopt, self + "?action=quickbackup"),
      link("Start", std::nullopt, self + "?action=collect"),
  };
  const auto i = static_cast<std::size_t>(index) % kDescriptions.size();
  set(r, Kind::BackupServer, "Description", std::string(kDescriptions[i]));
  set(r, Kind::BackupServer, "Port", "9392");
  set(r, Kind::BackupServer, "Version", std::string(kVersions[i]));
  set(r, Kind::BackupServer, "WcfPort", "9405");
  set(r, Kind::BackupServer, "VbrCertificateThumbprint", server.thumbprint);
  return record(Kind::BackupServer, server.guid, std::move(r));
}

Record job_record(const Job& job, const Server& server, EmTime now) {
  const std::string self = path(Kind::Job, job.guid);
  Representation r = entity(Kind::Job, job.guid, job.name);
  r.links = {
      up_to_server(server),
      link("Alternate", "JobReference", self, job.name),
      link("Edit", "JobReference", self + "?action=edit", job.name),
      link("Clone", std::nullopt, self + "?action=clone"),
      link("ToggleScheduleEnabled", std::nullopt, self + "?action=toggleScheduleEnabled"),
  };
  if (job.type == JobType::BackupCopy) {
    r.links.push_back(link("Down", "BackupJobSessionReferenceList", self + "/backupSessions"));
    r.links.push_back(link("Sync", std::nullopt, self + "?action=sync"));
    r.links.push_back(link("Down", "LinkedJobObjectList", self + "/linkedJobs"));
    r.links.push_back(
        link("Down", "LinkedBackupRepositoryObjectList", self + "/linkedBackupRepositories"));
    r.links.push_back(link("Create", "LinkedJobObject", self + "/linkedJobs"));
    r.links.push_back(
        link("Create", "LinkedBackupRepositoryObject", self + "/linkedBackupRepositories"));
    r.links.push_back(link("Start", std::nullopt, self + "?action=start"));
    r.links.push_back(link("Stop", std::nullopt, self + "?action=stop"));
  } else {
    r.links.push_back(link("Down", "ObjectInJobList", self + "/includes"));
    if (job.type == JobType::Replica) {
      r.links.push_back(link("Down", "ReplicaJobSessionReferenceList", self + "/replicaSessions"));
    } else {
      r.links.push_back(link("Down", "BackupJobSessionReferenceList", self + "/backupSessions"));
    }
    r.links.push_back(link("Create", "ObjectInJob", self + "/includes"));
    r.links.push_back(link("Start", std::nullopt, self + "?action=start"));
    r.links.push_back(link("Stop", std::nullopt, self + "?action=stop"));
    r.links.push_back(link("Retry", std::nullopt, self + "?action=retry"));
  }
  set(r, Kind::Job, "JobType", std::string(job_type_text(job.type)));
  set(r, Kind::Job, "Platform", job.platform);
  set(r, Kind::Job, "Description", job.description);
  set(r, Kind::Job, "ScheduleConfigured", "true");
  set(r, Kind::Job, "ScheduleEnabled", "true");
  EmTime next_run = floor_div(now, kDay) * kDay + job.schedule;
  if (next_run <= now) next_run += kDay;
  set(r, Kind::Job, "NextRun", format_em_time(next_run));
  return record(Kind::Job, job.guid, std::move(r));
}

// --- sessions -------------------------------------------------------------------------------

enum class Result { Success, Warning, Failed };

std::string_view result_text(Result result) {
  switch (result) {
    case Result::Success:
      return "Success";
    case Result::Warning:
      return "Warning";
    case Result::Failed:
      return "Failed";
  }
  return "Success";
}

// Texts in the style of VBR's task messages; they carry characters XML must escape and
// non-ASCII ones, which the archive must keep intact. "{vm}" is replaced by the VM's name.
constexpr std::array<std::string_view, 4> kWarnings = {
    "Changed block tracking is disabled for '{vm}' — falling back to a full scan & slower backup",
    "Guest processing: VSS writer \"SqlServerWriter\" reported state <Failed> on {vm}",
    "Datastore [ds-prod-02] has < 10% free space; snapshot of {vm} kept for consolidation",
    "Unable to truncate transaction logs on {vm}: Zugriff verweigert für 'LAB\\svc-veeam'",
};
constexpr std::array<std::string_view, 4> kFailures = {
    "Error: Failed to open VDDK disk [ds-prod-01] {vm}/{vm}.vmdk (Cannot connect to host) & "
    "retry limit reached",
    "Error: The RPC server is unavailable <0x800706BA> on '{vm}'",
    "Error: Not enough storage space on repository \"Repo-Ü01\": required 120 GB, available 37 GB",
    "Processing {vm} Error: Snapshot creation failed — 'msg.snapshot.error-quiescingerror'",
};

std::string reason_for(std::string_view pattern, std::string_view vm) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size();) {
    if (pattern.substr(i, 4) == "{vm}") {
      out += vm;
      i += 4;
    } else {
      out += pattern[i++];
    }
  }
  return out;
}

struct TaskRun {
  std::string guid;
  int vm;
  EmTime start;
  EmTime end;
  Result result;
  std::string reason;
  std::int64_t size;
  std::string point_guid;  // the VM restore (or replica) point a successful run leaves
};

struct JobRun {
  std::string guid;
  int job;
  bool is_retry;
  EmTime start;
  EmTime end;
  // What the session ends with; see settle(). Until then, the worst of its tasks'.
  Result result;
  std::vector<TaskRun> tasks;
  std::string point_guid;       // the restore point a successful run leaves
  std::string failure_message;  // see settle(); "" on success
};

// One run of `job` over `vms`, as it will have turned out: outcomes are fixed when it starts, and
// what a client sees at a given instant is derived from them (see view()).
JobRun run_job(const HistoryOptions& options, const Estate& estate, int job_index, EmTime day,
               EmTime start, const std::vector<int>& vms, bool is_retry, Rng& rng) {
  JobRun run{guid(options.seed, is_retry ? "JobRetry" : "JobRun", {day, job_index}),
             job_index,
             is_retry,
             start,
             start,
             Result::Success,
             {},
             guid(options.seed, "RestorePoint", {day, job_index, is_retry}),
             {}};
  // VBR processes a job's VMs a few at a time; big jobs get more proxies, so that a night's run
  // (at most 8 rounds of at most 2 hours, plus a retry of short failures) ends within a day of
  // its start: day_records() and changeable_since() rely on it.
  std::vector<EmTime> slots(std::max<std::size_t>(4, (vms.size() + 7) / 8),
                            start + rng.between(15, 45) * kSecond);
  // Retries only reprocess what failed, and mostly succeed.
  const int success = is_retry ? 700 : 850;
  const int warning = is_retry ? 850 : 950;
  for (int v : vms) {
    const Vm& vm = estate.vms[static_cast<std::size_t>(v)];
    auto slot = std::min_element(slots.begin(), slots.end());
    TaskRun task;
    task.guid = guid(options.seed, is_retry ? "TaskRetry" : "TaskRun", {day, v});
    task.vm = v;
    task.start =
        with_fraction(floor_div(*slot, kSecond) * kSecond + rng.between(1, 15) * kSecond, rng);
    const int outcome = static_cast<int>(rng.between(0, 999));
    task.result = outcome < success   ? Result::Success
                  : outcome < warning ? Result::Warning
                                      : Result::Failed;
    // Incremental runs read about a tenth of the disk at 30-150 MB/s; failures stop early.
    const std::int64_t seconds =
        task.result == Result::Failed
            ? rng.between(30, 600)
            : std::min<std::int64_t>(2 * 3600, 60 + vm.size / 10 / (rng.between(30, 150) << 20));
    task.end = with_fraction(floor_div(task.start, kSecond) * kSecond + seconds * kSecond, rng);
    if (task.result == Result::Warning) {
      task.reason = reason_for(rng.pick(std::span<const std::string_view>(kWarnings)), vm.name);
    } else if (task.result == Result::Failed) {
      task.reason = reason_for(rng.pick(std::span<const std::string_view>(kFailures)), vm.name);
    }
    task.size = vm.size + rng.between(0, 2 * kGiB);
    task.point_guid = guid(options.seed, "VmRestorePoint", {day, v, is_retry});
    *slot = task.end;
    run.result = std::max(run.result, task.result);
    run.tasks.push_back(std::move(task));
  }
  const EmTime last = std::max(*std::max_element(slots.begin(), slots.end()), start + kMinute);
  run.end = with_fraction(floor_div(last, kSecond) * kSecond + rng.between(5, 40) * kSecond, rng);
  return run;
}

// Gives `run` its final Result and FailureMessage. Its Result: Failed when one of its tasks failed
// and `retry` (the run over the VMs that failed, if it had one) did not recover them all; Warning
// when a task warned, or failed and the retry recovered it, as VBR reports a session whose retry
// succeeded; Success otherwise. Its FailureMessage, on Warning and Failed only: the Reason of the
// first task (by creation time) whose result is the worst among its tasks, as VBR shows the first
// error of a session (or its first warning when nothing failed).
void settle(JobRun& run, const JobRun* retry) {
  Result worst = Result::Success;
  for (const TaskRun& task : run.tasks) worst = std::max(worst, task.result);
  run.result = worst;
  if (worst == Result::Failed && retry && retry->result != Result::Failed) {
    run.result = Result::Warning;
  }
  const TaskRun* first = nullptr;
  for (const TaskRun& task : run.tasks) {
    if (task.result == worst && (!first || task.start < first->start)) first = &task;
  }
  run.failure_message = run.result == Result::Success || !first ? "" : first->reason;
}

struct RestoreRun {
  std::string guid;
  int vm;
  bool file_level;
  EmTime start;
  EmTime end;
  Result result;
  std::string point_guid;
  std::string point_name;
};

// What a client sees of a session at `now`: its final state, or a running one.
struct View {
  bool finished;
  int progress;  // percent
};

View view(EmTime start, EmTime end, EmTime now) {
  if (end <= now) return {true, 100};
  return {false, static_cast<int>(std::min<EmTime>(99, (now - start) * 100 / (end - start)))};
}

void set_times(Representation& r, Kind kind, EmTime start, EmTime end, const View& v) {
  set(r, kind, "CreationTimeUTC", format_em_time(start));
  if (v.finished) set(r, kind, "EndTimeUTC", format_em_time(end));
}

std::string session_name(std::string_view subject, EmTime start) {
  return std::string(subject) + "@" + name_time(start);
}

Record job_session_record(const JobRun& run, const Estate& estate, EmTime now) {
  const Job& job = estate.jobs[static_cast<std::size_t>(run.job)];
  const Server& server = estate.servers[static_cast<std::size_t>(job.server)];
  const bool replica = job.type == JobType::Replica;
  const Kind kind = replica ? Kind::ReplicaJobSession : Kind::BackupJobSession;
  const std::string name = session_name(job.name, run.start);
  const std::string self = path(kind, run.guid);
  const View v = view(run.start, run.end, now);

  Representation r = entity(kind, run.guid, name);
  r.links.push_back(up_to_server(server));
  // EM links agent sessions to their job under /agents/jobs (reference 5.7).
  const std::string job_href =
      job.type == JobType::AgentBackup ? "/api/agents/jobs/" + job.guid : path(Kind::Job, job.guid);
  r.links.push_back(link("Up", "JobReference", job_href, job.name));
  r.links.push_back(link("Alternate", info(kind).reference_type, self, name));
  if (replica) {
    r.links.push_back(
        link("Down", "ReplicaTaskSessionReferenceList", self + "/replicaTaskSessions"));
  } else {
    r.links.push_back(link("Down", "BackupTaskSessionReferenceList", self + "/taskSessions"));
    if (job.type == JobType::AgentBackup) {
      r.links.push_back(
          link("Alternate", "BackupJobSessionReferenceList", self + "/agentManagementSessions"));
    } else {
      r.links.push_back(link("Stop", std::nullopt, self + "?action=stop"));
      if (v.finished && run.result != Result::Failed) {
        // Backup copies' restore points are unnamed in EM's output.
        r.links.push_back(
            link("Related", "RestorePointReference", "/api/restorePoints/" + run.point_guid,
                 job.type == JobType::BackupCopy ? "" : restore_point_time(run.start)));
      }
    }
  }
  set(r, kind, "JobUid", std::string(info(Kind::Job).uid_prefix) + job.guid);
  set(r, kind, "JobName", job.name);
  set(r, kind, "JobType", std::string(job_type_text(job.type)));
  set_times(r, kind, run.start, run.end, v);
  set(r, kind, "State", v.finished ? "Stopped" : "Working");
  set(r, kind, "Result", v.finished ? std::string(result_text(run.result)) : "None");
  set(r, kind, "Progress", std::to_string(v.progress));
  if (v.finished && !run.failure_message.empty()) set(r, kind, "FailureMessage", run.failure_message);
  set(r, kind, "IsRetry", run.is_retry ? "true" : "false");
  return record(kind, run.guid, std::move(r));
}

Record task_record(const TaskRun& task, const JobRun& run, const Estate& estate, EmTime now) {
  const Job& job = estate.jobs[static_cast<std::size_t>(run.job)];
  const Server& server = estate.servers[static_cast<std::size_t>(job.server)];
  const Vm& vm = estate.vms[static_cast<std::size_t>(task.vm)];
  const bool replica = job.type == JobType::Replica;
  const Kind kind = replica ? Kind::ReplicaTaskSession : Kind::BackupTaskSession;
  const Kind parent = replica ? Kind::ReplicaJobSession : Kind::BackupJobSession;
  const std::string name = session_name(vm.name, task.start);
  const View v = view(task.start, task.end, now);

  Representation r = entity(kind, task.guid, name);
  r.vm_display_name = vm.name;
  r.links.push_back(up_to_server(server));
  r.links.push_back(link("Up", info(parent).reference_type, path(parent, run.guid),
                         session_name(job.name, run.start)));
  r.links.push_back(link("Alternate", info(kind).reference_type, path(kind, task.guid), name));
  if (v.finished && task.result != Result::Failed) {
    r.links.push_back(link("Related", replica ? "VmReplicaPoint" : "VmRestorePoint",
                           (replica ? "/api/vmReplicaPoints/" : "/api/vmRestorePoints/") +
                               task.point_guid + "?format=Entity",
                           session_name(vm.name, task.start + 2 * kMinute)));
  }
  set(r, kind, "JobSessionUid", std::string(info(parent).uid_prefix) + run.guid);
  set_times(r, kind, task.start, task.end, v);
  set(r, kind, "State", v.finished ? "Completed" : "InProgress");
  set(r, kind, "Result", v.finished ? std::string(result_text(task.result)) : "None");
  set(r, kind, "Reason", v.finished ? task.reason : "");
  set(r, kind, "TotalSize", std::to_string(task.size));
  if (!replica && vm.uid) set(r, kind, "VmUid", *vm.uid);
  return record(kind, task.guid, std::move(r));
}

Record restore_record(const RestoreRun& restore, const Estate& estate, int server, EmTime now) {
  const Vm& vm = estate.vms[static_cast<std::size_t>(restore.vm)];
  const Server& s = estate.servers[static_cast<std::size_t>(server)];
  const Kind kind = Kind::RestoreSession;
  const std::string name =
      session_name(restore.file_level ? "FLR_[" + vm.name + "]" : vm.name, restore.start);
  const View v = view(restore.start, restore.end, now);

  Representation r = entity(kind, restore.guid, name);
  r.vm_display_name = vm.name;
  r.links = {
      up_to_server(s),
      link("Alternate", "RestoreSessionReference", path(kind, restore.guid), name),
      link("Related", "VmRestorePointReference", "/api/vmRestorePoints/" + restore.point_guid,
           restore.point_name),
  };
  set(r, kind, "JobType", restore.file_level ? "FileLevelRestore" : "RestoreVm");
  set_times(r, kind, restore.start, restore.end, v);
  set(r, kind, "State", v.finished ? "Stopped" : "Working");
  set(r, kind, "Result", v.finished ? std::string(result_text(restore.result)) : "None");
  set(r, kind, "Progress", std::to_string(v.progress));
  return record(kind, restore.guid, std::move(r));
}

// The sessions created on one UTC day, up to `now`.
class DayBatch {
 public:
  DayBatch(EmTime day, EmTime now) : begin_(day * kDay), now_(now) {}
  // Adds the session's record if it was created on this day and has started at `now`; `make`
  // builds it only then.
  template <class Make>
  void add(EmTime start, Make&& make) {
    if (start >= begin_ && start < begin_ + kDay && start <= now_) {
      items_.emplace_back(start, make());
    }
  }
  std::vector<Record> take() {
    std::stable_sort(items_.begin(), items_.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<Record> records;
    records.reserve(items_.size());
    for (auto& item : items_) records.push_back(std::move(item.second));
    return records;
  }

 private:
  EmTime begin_;
  EmTime now_;
  std::vector<std::pair<EmTime, Record>> items_;
};

void add_job_run(DayBatch& batch, const JobRun& run, const Estate& estate, EmTime now) {
  batch.add(run.start, [&] { return job_session_record(run, estate, now); });
  for (const TaskRun& task : run.tasks) {
    batch.add(task.start, [&] { return task_record(task, run, estate, now); });
  }
}

// The nightly runs of `day`'s schedule (and their retries), whichever day their sessions fall on.
void add_job_runs(DayBatch& batch, const HistoryOptions& options, const Estate& estate, EmTime day,
                  EmTime now) {
  const EmTime midnight = day * kDay;
  for (int j = 0; j < static_cast<int>(estate.jobs.size()); ++j) {
    const Job& job = estate.jobs[static_cast<std::size_t>(j)];
    Rng rng(hash(options.seed, Stream::JobRun, {day, j}));
    const EmTime start = with_fraction(midnight + job.schedule + rng.between(0, 20) * kSecond, rng);
    JobRun run = run_job(options, estate, j, day, start, job.vms, false, rng);
    if (run.result != Result::Failed) {
      settle(run, nullptr);
      add_job_run(batch, run, estate, now);
      continue;
    }
    // The job's retry option (3 times, 10 minutes apart, as EM's jobs show): one retry of the
    // failed VMs after the timeout, the last: its failures stay failed.
    std::vector<int> failed;
    for (const TaskRun& task : run.tasks) {
      if (task.result == Result::Failed) failed.push_back(task.vm);
    }
    const EmTime retry_start = with_fraction(
        floor_div(run.end, kSecond) * kSecond + (600 + rng.between(0, 90)) * kSecond, rng);
    JobRun retry = run_job(options, estate, j, day, retry_start, failed, true, rng);
    settle(retry, nullptr);
    // The run's Result already counts its retry when the run ends, before the retry has run:
    // the simulator knows how the retry turns out, and a finished session never changes (an
    // ingester asks again only for sessions it archived while running).
    settle(run, &retry);
    add_job_run(batch, run, estate, now);
    add_job_run(batch, retry, estate, now);
  }
}

void add_restores(DayBatch& batch, const HistoryOptions& options, const Estate& estate, EmTime day,
                  EmTime now) {
  const EmTime midnight = day * kDay;

  // Now and then someone restores a file or a VM from last night's backup, in office hours.
  Rng rng(hash(options.seed, Stream::Restore, {day}));
  std::vector<int> restorable;
  for (const Job& job : estate.jobs) {
    if (job.type == JobType::Backup) {
      restorable.insert(restorable.end(), job.vms.begin(), job.vms.end());
    }
  }
  const int count = rng.per_mille(400) ? (rng.per_mille(250) ? 2 : 1) : 0;
  for (int i = 0; i < count && !restorable.empty(); ++i) {
    RestoreRun restore;
    restore.guid = guid(options.seed, "Restore", {day, i});
    restore.vm = restorable[static_cast<std::size_t>(
        rng.between(0, static_cast<std::int64_t>(restorable.size()) - 1))];
    restore.file_level = rng.per_mille(700);
    restore.start = with_fraction(midnight + 8 * kHour + rng.between(0, 9 * 3600) * kSecond, rng);
    const std::int64_t minutes = restore.file_level ? rng.between(5, 90) : rng.between(15, 150);
    restore.end = with_fraction(floor_div(restore.start, kSecond) * kSecond + minutes * kMinute +
                                    rng.between(0, 59) * kSecond,
                                rng);
    const int outcome = static_cast<int>(rng.between(0, 999));
    restore.result = outcome < 920   ? Result::Success
                     : outcome < 960 ? Result::Warning
                                     : Result::Failed;
    // Last night's restore point of the VM (its name approximates the task's start).
    restore.point_guid = guid(options.seed, "VmRestorePoint", {day - 1, restore.vm, false});
    const Job& job = estate.jobs[static_cast<std::size_t>(restore.vm % options.jobs)];
    restore.point_name = session_name(estate.vms[static_cast<std::size_t>(restore.vm)].name,
                                      midnight - kDay + job.schedule + 2 * kMinute);
    batch.add(restore.start, [&] { return restore_record(restore, estate, job.server, now); });
  }
}

// Every run ends within a day of its start (see run_job), so the sessions created on `day` come
// from its own schedule and the previous day's.
std::vector<Record> day_records(const HistoryOptions& options, const Estate& estate, EmTime day,
                                EmTime now) {
  DayBatch batch(day, now);
  add_job_runs(batch, options, estate, day - 1, now);
  add_job_runs(batch, options, estate, day, now);
  add_restores(batch, options, estate, day, now);
  return batch.take();
}

}  // namespace

void generate(const HistoryOptions& options, EmTime now,
              const std::function<void(std::vector<Record>&&)>& sink) {
  generate(options, now, std::numeric_limits<EmTime>::min(), sink);
}

void generate(const HistoryOptions& options, EmTime now, EmTime since,
              const std::function<void(std::vector<Record>&&)>& sink,
              const std::function<bool()>& stopped) {
  assert(options.days >= 0 && options.jobs >= 1 && options.vms >= 0);
  const Estate estate = make_estate(options);

  std::vector<Record> fixed;
  for (std::size_t s = 0; s < estate.servers.size(); ++s) {
    fixed.push_back(server_record(estate.servers[s], static_cast<int>(s)));
  }
  for (const Job& job : estate.jobs) {
    fixed.push_back(job_record(job, estate.servers[static_cast<std::size_t>(job.server)], now));
  }
  sink(std::move(fixed));

  const EmTime today = floor_div(now, kDay);
  for (EmTime day = std::max(today - options.days, floor_div(since, kDay)); day <= today; ++day) {
    if (stopped && stopped()) return;
    std::vector<Record> records = day_records(options, estate, day, now);
    if (!records.empty()) sink(std::move(records));
  }
}

EmTime changeable_since(EmTime earlier) {
  return (floor_div(earlier, kDay) - 1) * kDay;
}

}  // namespace emarchive::sim
