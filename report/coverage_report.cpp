#include "report/coverage_report.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <unordered_map>

#include "model/ascii.h"

namespace emarchive::report {
namespace {

// The order rows are grouped in: primary backups first.
constexpr const char* kCategories[] = {"backup", "backup copy", "replica"};

int category_of(const JobSession* parent, const TaskSession& task) {
  if (task.replica || (parent && (parent->replica || parent->job_type == "Replica"))) return 2;
  if (parent && parent->job_type == "BackupCopy") return 1;
  return 0;
}

bool backed_up(const std::string& result) {
  return result == "Success" || result == "Warning";
}

DayMark mark_of(const std::string& result) {
  if (result == "Success") return DayMark::Success;
  if (result == "Warning") return DayMark::Warning;
  if (result == "Failed") return DayMark::Failed;
  return DayMark::None;
}

// What one VM's last task in one run says.
struct RunResult {
  const TaskSession* final_task = nullptr;
  EmTime started = 0;  // the run's first job session (or the task, without one)
};

struct VmRows {
  int category = 0;
  std::string vm_uid;
  std::string latest_name;
  EmTime latest_name_time = 0;
  std::set<std::string> names;
  std::map<std::int64_t, RunResult> runs;  // by the run's first job session
};

double hours(EmTime t) {
  return std::round(static_cast<double>(t) / kHour * 10.0) / 10.0;
}

std::string lower(std::string text) {
  for (char& c : text) c = ascii_lower(c);
  return text;
}

std::string joined(const std::set<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : "; ") + n;
  return out;
}

}  // namespace

Report coverage_report(const std::vector<JobSession>& job_sessions,
                       const std::vector<TaskSession>& task_sessions, const Calendar& calendar,
                       const CoverageOptions& options) {
  // Each job session's run: the latest job session of the same job that is not a retry, at or
  // before it (job_sessions come oldest first).
  std::unordered_map<std::int64_t, const JobSession*> by_id;
  std::unordered_map<std::int64_t, const JobSession*> run_of;
  std::unordered_map<std::string, const JobSession*> open_run;  // by job
  for (const JobSession& s : job_sessions) {
    by_id[s.id] = &s;
    const JobSession*& current = open_run[s.job_key];
    if (!s.is_retry || !current) current = &s;
    run_of[s.id] = current;
  }

  // A VM is its VmUid; a task without one belongs to the VM that carried its name with a UID.
  std::unordered_map<std::string, std::string> uid_of_name;
  for (const TaskSession& t : task_sessions) {
    if (!t.vm_uid.empty()) uid_of_name.emplace(t.vm_name, t.vm_uid);
  }
  std::map<std::pair<int, std::string>, VmRows> vms;
  std::int64_t orphan_run = 0;  // runs of tasks whose job session is unknown: one each
  for (const TaskSession& t : task_sessions) {
    const auto parent_it = by_id.find(t.parent_id);
    const JobSession* parent = parent_it == by_id.end() ? nullptr : parent_it->second;
    std::string uid = t.vm_uid;
    if (uid.empty()) {
      if (auto it = uid_of_name.find(t.vm_name); it != uid_of_name.end()) uid = it->second;
    }
    const int category = category_of(parent, t);
    VmRows& vm = vms[{category, uid.empty() ? "name:" + t.vm_name : "uid:" + uid}];
    vm.category = category;
    vm.vm_uid = uid;
    vm.names.insert(t.vm_name);
    if (vm.latest_name.empty() || t.creation >= vm.latest_name_time) {
      vm.latest_name = t.vm_name;
      vm.latest_name_time = t.creation;
    }
    const JobSession* run = parent ? run_of.at(parent->id) : nullptr;
    RunResult& result = vm.runs[run ? run->id : --orphan_run];
    if (!result.final_task || t.creation >= result.final_task->creation) result.final_task = &t;
    result.started = run ? run->creation : t.creation;
  }

  const LocalDay first_day = calendar.day_of(options.from);
  const LocalDay last_day = calendar.day_of(options.to - 1);
  const std::int64_t days = last_day - first_day + 1;

  Report report = report_heading("coverage", "Backup coverage per VM", options.from, options.to, calendar.name());
  report.table.columns = {"jobs",         "vm",          "vm_uid",        "names",
                          "status",       "days",        "days_backed_up", "days_missed",
                          "longest_gap_h", "rpo_exceeded", "last_success",  "last_failure",
                          "last_failure_reason", "runs", "runs_failed"};
  Grid grid;
  for (LocalDay d = first_day; d <= last_day; ++d) grid.days.push_back(Calendar::day_text(d));

  std::vector<const VmRows*> ordered;
  for (const auto& [key, vm] : vms) ordered.push_back(&vm);
  std::stable_sort(ordered.begin(), ordered.end(), [](const VmRows* a, const VmRows* b) {
    if (a->category != b->category) return a->category < b->category;
    return lower(a->latest_name) < lower(b->latest_name);
  });

  for (const VmRows* vm : ordered) {
    std::set<LocalDay> days_ok;
    std::vector<EmTime> successes;
    std::vector<DayMark> marks(static_cast<std::size_t>(days), DayMark::None);
    const TaskSession* last_failure = nullptr;
    std::int64_t runs_failed = 0;
    for (const auto& [id, run] : vm->runs) {
      const TaskSession& t = *run.final_task;
      const LocalDay day = calendar.day_of(run.started);
      const bool in_window = day >= first_day && day <= last_day;
      if (in_window) {
        DayMark& m = marks[static_cast<std::size_t>(day - first_day)];
        m = std::max(m, mark_of(t.result));
      }
      if (backed_up(t.result)) {
        if (in_window) days_ok.insert(day);
        successes.push_back(t.end.value_or(t.creation));
      } else if (t.result == "Failed") {
        ++runs_failed;
        if (!last_failure || t.creation >= last_failure->creation) last_failure = &t;
      }
    }
    std::sort(successes.begin(), successes.end());
    // The gaps include the window's edges: before the first success and after the last.
    EmTime longest = 0, previous = options.from;
    for (EmTime s : successes) {
      longest = std::max(longest, s - previous);
      previous = std::max(previous, s);
    }
    longest = std::max(longest, options.to - previous);

    std::string reason;
    if (last_failure) {
      reason = last_failure->reason;
      if (reason.empty()) {
        if (auto p = by_id.find(last_failure->parent_id); p != by_id.end()) {
          reason = p->second->failure_message;
        }
      }
    }
    const bool exceeded = longest > options.rpo;
    const char* status = successes.empty() ? "never succeeded" : exceeded ? "rpo exceeded" : "ok";
    const auto backed_days = static_cast<std::int64_t>(days_ok.size());
    std::vector<Cell> row = {std::string(kCategories[vm->category]),
                             vm->latest_name,
                             vm->vm_uid.empty() ? Cell{} : Cell{vm->vm_uid},
                             joined(vm->names),
                             std::string(status),
                             days,
                             backed_days,
                             days - backed_days,
                             hours(longest),
                             exceeded,
                             successes.empty() ? Cell{} : Cell{TimeCell{successes.back()}},
                             last_failure ? Cell{TimeCell{last_failure->creation}} : Cell{},
                             last_failure ? Cell{reason} : Cell{},
                             static_cast<std::int64_t>(vm->runs.size()),
                             runs_failed};
    report.table.rows.push_back(std::move(row));
    grid.rows.push_back({std::string(kCategories[vm->category]) + ": " + vm->latest_name,
                         std::move(marks)});
  }

  for (const std::string& wanted : options.expected) {
    const std::string key = lower(wanted);
    const bool found = std::any_of(vms.begin(), vms.end(), [&](const auto& entry) {
      const VmRows& vm = entry.second;
      if (vm.category != 0) return false;
      if (lower(vm.vm_uid) == key) return true;
      return std::any_of(vm.names.begin(), vm.names.end(),
                         [&](const std::string& n) { return lower(n) == key; });
    });
    if (found) continue;
    report.table.rows.push_back({std::string(kCategories[0]), wanted, Cell{}, Cell{},
                                 std::string("missing"), days, std::int64_t{0}, days,
                                 hours(options.to - options.from), true, Cell{}, Cell{}, Cell{},
                                 std::int64_t{0}, std::int64_t{0}});
    grid.rows.push_back({std::string(kCategories[0]) + ": " + wanted,
                         std::vector<DayMark>(static_cast<std::size_t>(days), DayMark::None)});
  }
  report.grid = std::move(grid);
  return report;
}

Expected<Report> coverage_report(SessionReader& reader, const Calendar& calendar,
                                 const CoverageOptions& options) {
  auto jobs = reader.job_sessions(options.from - kJobLookBack, options.to, false);
  if (!jobs) return jobs.error();
  auto tasks = reader.task_sessions(options.from, options.to);
  if (!tasks) return tasks.error();
  return coverage_report(*jobs, *tasks, calendar, options);
}

Expected<std::vector<std::string>> read_expect_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error{path + ": cannot read the list of expected VMs", ErrorCode::io};
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    const auto last = line.find_last_not_of(" \t\r");
    out.push_back(line.substr(first, last - first + 1));
  }
  return out;
}

}  // namespace emarchive::report
