#include "dashboard/pages.h"

#include <algorithm>
#include <map>
#include <span>
#include <tuple>

#include "dashboard/html.h"
#include "dashboard/svg_chart.h"
#include "model/kind.h"

namespace emarchive::dashboard {
namespace {

using storage::HistoryEntry;
using storage::JobDay;
using storage::JobStatus;
using storage::SessionSummary;
using storage::SourceStatus;
using storage::StatusSnapshot;
using storage::VmStatus;

// Past this many, a list of VMs outside their RPO says how many more there are instead: an
// outage of a whole site would otherwise make the overview megabytes long.
constexpr std::size_t kLateVmsShown = 200;

std::string job_link(std::string_view uid) {
  return link("/dashboard/job", {{"uid", std::string(uid)}});
}

std::string vm_link(std::string_view key, std::string_view name) {
  return link("/dashboard/vm", {{"key", std::string(key)}, {"name", std::string(name)}});
}

std::string age(EmTime now, EmTime then) {
  if (then > now) return "just now";
  return format_duration(now - then) + " ago";
}

// "2026-03-01 22:05 (3 h 10 min ago)", or `none`.
std::string when(std::optional<EmTime> time, EmTime now, std::string_view none = "never") {
  if (!time) return std::string(none);
  return format_minute(*time) + " <span class=\"age\">(" + age(now, *time) + ")</span>";
}

// An xs:dateTime the runs table holds, or nullopt when empty or unreadable.
std::optional<EmTime> run_time(const std::string& text) {
  if (text.empty()) return std::nullopt;
  auto parsed = parse_em_time(text);
  if (!parsed) return std::nullopt;
  return *parsed;
}

std::string badge(std::string_view result) {
  if (result.empty()) return "<span class=\"badge other\">-</span>";
  return "<span class=\"badge " + std::string(result_class(result)) + "\">" + escape(result) +
         "</span>";
}

std::string_view symbol(std::string_view result) {
  const std::string_view css = result_class(result);
  if (css == "success") return "\u2713";
  if (css == "warning") return "!";
  if (css == "failed") return "\u2717";
  return "\u2026";
}

std::string_view kind_label(Kind kind) {
  switch (kind) {
    case Kind::BackupJobSession:
      return "backup run";
    case Kind::BackupTaskSession:
      return "VM backup";
    case Kind::ReplicaJobSession:
      return "replica run";
    case Kind::ReplicaTaskSession:
      return "VM replica";
    default:
      return info(kind).name;
  }
}

std::string document_cell(std::string_view uid) {
  const std::string href = em_document_link(uid);
  if (href.empty()) return "<td></td>";
  return "<td><a class=\"doc\" href=\"" + href + "\">EM document</a></td>";
}

// The VM a task session names: its page, by VmStatus's key.
std::string vm_cell(const HistoryEntry& entry) {
  const std::string& key = entry.vm_uid.empty() ? entry.name : entry.vm_uid;
  if (key.empty()) return "<td></td>";
  return "<td><a href=\"" + vm_link(key, entry.name) + "\">" + escape(entry.name) + "</a></td>";
}

std::string job_cell(std::string_view uid, std::string_view name) {
  if (uid.empty()) return "<td>" + escape(name) + "</td>";
  return "<td><a href=\"" + job_link(uid) + "\">" + escape(name.empty() ? uid : name) + "</a></td>";
}

bool outside_rpo(const VmStatus& vm, EmTime now, EmTime rpo) {
  return !vm.last_success || now - *vm.last_success > rpo;
}

// When the source last brought news: its last run without errors, else the last record stored.
std::optional<EmTime> freshness(const SourceStatus& source) {
  if (source.last_successful_run) {
    if (auto finished = run_time(source.last_successful_run->finished_at)) return finished;
  }
  return run_time(source.last_seen_at);
}

std::string tiles(const StatusSnapshot& status, const OverviewView& view) {
  const auto failing = std::count_if(status.jobs.begin(), status.jobs.end(),
                                     [](const auto& job) { return job.consecutive_failures > 0; });
  const auto outside = std::count_if(status.vms.begin(), status.vms.end(), [&](const auto& vm) {
    return outside_rpo(vm, view.now, view.rpo);
  });
  const auto stale =
      std::count_if(status.sources.begin(), status.sources.end(), [&](const auto& s) {
        const auto fresh = freshness(s);
        return !fresh || view.now - *fresh > view.rpo;
      });
  auto tile = [](std::string_view label, std::size_t total, long bad, std::string_view what) {
    return "<div class=\"tile" + std::string(bad > 0 ? " alert" : "") + "\"><span class=\"big\">" +
           std::to_string(bad) + "</span> of " + std::to_string(total) + " " + std::string(label) +
           " " + std::string(what) + "</div>";
  };
  return "<section class=\"tiles\">" +
         tile("jobs", status.jobs.size(), failing, "failed their latest run") +
         tile("VMs", status.vms.size(), outside, "outside their RPO") +
         tile("EM sources", status.sources.size(), stale, "stale") + "</section>\n";
}

std::string grid(const StatusSnapshot& status, const std::vector<JobDay>& days,
                 const OverviewView& view) {
  std::map<std::pair<std::string_view, EmTime>, const JobDay*> cells;
  for (const JobDay& day : days) cells[{day.job_uid, day.day}] = &day;
  const EmTime last_day = view.first_day + (view.days - 1) * kDay;
  std::string html = "<section id=\"grid\"><h2>Job results per day</h2>\n<nav class=\"pager\">";
  if (view.span && view.span->first < view.first_day) {
    html +=
        "<a href=\"" + overview_link(view.first_day - kDay, view.rpo) + "#grid\">&larr; older</a> ";
  }
  html += "<span>" + format_day(view.first_day) + " to " + format_day(last_day) + " (UTC)";
  if (view.span) html += "; the archive reaches back to " + format_day(view.span->first);
  html += "</span>";
  if (last_day + kDay <= view.now) {
    html += " <a href=\"" + overview_link(last_day + view.days * kDay, view.rpo) +
            "#grid\">newer &rarr;</a>";
  }
  html += "</nav>\n";
  if (status.jobs.empty()) return html + "<p class=\"empty\">No job archived yet.</p></section>\n";
  html += "<div class=\"grid-wrap\"><table class=\"grid\"><thead><tr><th>Job</th>";
  for (int i = 0; i < view.days; ++i) {
    const EmTime day = view.first_day + i * kDay;
    html += "<th title=\"" + format_day(day) + "\">" + format_day(day).substr(8) + "</th>";
  }
  html += "</tr></thead>\n<tbody>\n";
  for (const JobStatus& job : status.jobs) {
    html += "<tr><th><a href=\"" + job_link(job.uid) + "\">" +
            escape(job.name.empty() ? job.uid : job.name) + "</a></th>";
    for (int i = 0; i < view.days; ++i) {
      const EmTime day = view.first_day + i * kDay;
      const auto cell = cells.find({job.uid, day});
      if (cell == cells.end()) {
        html += "<td class=\"cell none\"></td>";
        continue;
      }
      const JobDay& d = *cell->second;
      const std::string title = format_day(day) + " " + job.name + ": " +
                                (d.worst_result.empty() ? "no result" : d.worst_result) + ", " +
                                std::to_string(d.runs) + (d.runs == 1 ? " run" : " runs");
      html += "<td class=\"cell " + std::string(result_class(d.worst_result)) + "\"><a href=\"" +
              em_document_link(d.latest.uid) + "\" title=\"" + escape(title) + "\">" +
              std::string(symbol(d.worst_result)) + "</a></td>";
    }
    html += "</tr>\n";
  }
  return html + "</tbody></table></div></section>\n";
}

std::string rpo_section(const StatusSnapshot& status, const OverviewView& view) {
  std::vector<const VmStatus*> late;
  for (const VmStatus& vm : status.vms) {
    if (outside_rpo(vm, view.now, view.rpo)) late.push_back(&vm);
  }
  std::stable_sort(late.begin(), late.end(), [](const VmStatus* a, const VmStatus* b) {
    return a->last_success.value_or(0) < b->last_success.value_or(0);
  });
  const std::string hours = std::to_string(view.rpo / kHour);
  std::string html =
      "<section id=\"rpo\"><h2>VMs outside their RPO</h2>\n"
      "<form class=\"rpo\" method=\"get\" action=\"/\"><label>RPO in hours "
      "<input name=\"rpo\" type=\"number\" min=\"1\" max=\"8760\" value=\"" +
      hours + "\"></label> <button type=\"submit\">Apply</button></form>\n";
  if (late.empty()) {
    return html + "<p class=\"empty\">Every one of the " + std::to_string(status.vms.size()) +
           " VMs has a restore point from the last " + hours + " hours.</p></section>\n";
  }
  html += "<p>" + std::to_string(late.size()) + " of " + std::to_string(status.vms.size()) +
          " VMs have no restore point from the last " + hours + " hours.</p>\n";
  html +=
      "<table class=\"list\"><thead><tr><th>VM</th><th>Latest restore point</th>"
      "<th>Latest result</th><th>Job</th></tr></thead><tbody>\n";
  for (const VmStatus* vm : std::span(late).first(std::min(late.size(), kLateVmsShown))) {
    html += "<tr><td><a href=\"" + vm_link(vm->key, vm->name) + "\">" + escape(vm->name) +
            "</a></td><td>" + when(vm->last_success, view.now) + "</td><td>" +
            badge(vm->last_task.result) + " " + when(vm->last_task.creation_time, view.now, "") +
            "</td>" + job_cell(vm->job_uid, vm->job_name) + "</tr>\n";
  }
  html += "</tbody></table>\n";
  if (late.size() > kLateVmsShown) {
    html += "<p class=\"more\">The " + std::to_string(kLateVmsShown) +
            " longest without one are shown.</p>\n";
  }
  return html + "</section>\n";
}

std::string failures_section(const std::vector<HistoryEntry>& failures, EmTime now) {
  std::string html = "<section id=\"failures\"><h2>Latest failures</h2>\n";
  if (failures.empty()) return html + "<p class=\"empty\">No failure archived.</p></section>\n";
  html +=
      "<table class=\"list\"><thead><tr><th>Created</th><th>What</th><th>Name</th><th>Job</th>"
      "<th>Reason</th><th></th></tr></thead><tbody>\n";
  for (const HistoryEntry& entry : failures) {
    const bool task = entry.session.kind == Kind::BackupTaskSession;
    html += "<tr><td>" + when(entry.session.creation_time, now, "") + "</td><td>" +
            std::string(kind_label(entry.session.kind)) + "</td>" +
            (task ? vm_cell(entry) : "<td>" + escape(entry.name) + "</td>") +
            job_cell(entry.job_uid, entry.job_name) + "<td class=\"reason\">" +
            escape(entry.reason) + "</td>" + document_cell(entry.session.uid) + "</tr>\n";
  }
  return html + "</tbody></table></section>\n";
}

std::string sources_section(const StatusSnapshot& status, const OverviewView& view) {
  std::string html = "<section id=\"sources\"><h2>EM sources</h2>\n";
  if (status.sources.empty()) {
    return html + "<p class=\"empty\">Nothing ingested or imported yet.</p></section>\n";
  }
  html +=
      "<table class=\"list\"><thead><tr><th>Source</th><th>Fresh as of</th>"
      "<th>Last record stored</th><th>Latest ingest run</th><th>Its errors</th></tr></thead>"
      "<tbody>\n";
  for (const SourceStatus& source : status.sources) {
    const auto fresh = freshness(source);
    const bool stale = !fresh || view.now - *fresh > view.rpo;
    // Its name (ingest --name or its --config section) where it has one, then its origin.
    const std::string origin = source.origin.empty()
                                   ? std::string("(no origin: imports, simulator)")
                                   : escape(source.origin);
    html += "<tr><td>" + (source.name.empty() ? origin : escape(source.name) + "<br>" + origin) +
            "</td><td class=\"" + (stale ? "stale" : "fresh") + "\">" + when(fresh, view.now) +
            "</td><td>" + when(run_time(source.last_seen_at), view.now) + "</td><td>";
    if (!source.last_run) {
      html += "none recorded</td><td></td></tr>\n";
      continue;
    }
    const auto finished = run_time(source.last_run->finished_at);
    html += finished ? "finished " + when(finished, view.now)
                     : "started " + when(run_time(source.last_run->started_at), view.now) +
                           ", not finished";
    html += ", " + std::to_string(source.last_run->counts.records_new) + " new, " +
            std::to_string(source.last_run->counts.records_updated) + " updated</td>";
    const std::string& errors = source.last_run->errors;
    html += "<td class=\"reason\">" + escape(errors.substr(0, errors.find('\n'))) + "</td></tr>\n";
  }
  return html + "</tbody></table></section>\n";
}

// The charts and the table of a job's or a VM's sessions.
std::string history(const std::vector<HistoryEntry>& entries, std::string_view what, bool tasks) {
  std::vector<ChartPoint> durations;
  std::vector<ChartPoint> sizes;
  for (const HistoryEntry& entry : entries) {
    const SessionSummary& session = entry.session;
    if (!session.creation_time) continue;
    const std::string title = format_minute(*session.creation_time) + " " +
                              (session.result.empty() ? "no result" : session.result);
    if (auto duration = session.duration()) {
      durations.push_back({*session.creation_time, static_cast<double>(*duration),
                           result_class(session.result), em_document_link(session.uid),
                           title + ", " + format_duration(*duration)});
    }
    if (entry.total_size) {
      sizes.push_back({*session.creation_time, static_cast<double>(*entry.total_size),
                       result_class(session.result), em_document_link(session.uid),
                       title + ", " + format_bytes(*entry.total_size)});
    }
  }
  std::string html =
      "<section><h2>Duration</h2>\n" +
      render_chart(std::string(what) + " durations", std::move(durations), ChartUnit::duration) +
      "</section>\n<section><h2>Size</h2>\n" +
      render_chart(std::string(what) + " sizes", std::move(sizes), ChartUnit::bytes) +
      "</section>\n";
  html += "<section><h2>" + std::string(what) + "</h2>\n";
  if (entries.empty()) return html + "<p class=\"empty\">None archived.</p></section>\n";
  html +=
      "<table class=\"list\"><thead><tr><th>Created</th><th>Result</th><th>State</th>"
      "<th>Duration</th><th>Size</th>" +
      std::string(tasks ? "<th>Job</th>" : "") + "<th>Reason</th><th></th></tr></thead><tbody>\n";
  for (const HistoryEntry& entry : entries) {
    const SessionSummary& session = entry.session;
    const auto duration = session.duration();
    html += "<tr><td>" + (session.creation_time ? format_minute(*session.creation_time) : "") +
            "</td><td>" + badge(session.result) + "</td><td>" + escape(session.state) +
            "</td><td>" + (duration ? format_duration(*duration) : "") + "</td><td>" +
            (entry.total_size ? format_bytes(*entry.total_size) : "") + "</td>" +
            (tasks ? job_cell(entry.job_uid, entry.job_name) : "") + "<td class=\"reason\">" +
            escape(entry.reason) + "</td>" + document_cell(session.uid) + "</tr>\n";
  }
  return html + "</tbody></table></section>\n";
}

std::string more_link(std::string_view path,
                      std::vector<std::pair<std::string_view, std::string>> query,
                      std::size_t shown, int limit) {
  if (shown < static_cast<std::size_t>(limit)) return "";
  query.emplace_back("limit", std::to_string(limit * 4));
  return "<p class=\"more\">The latest " + std::to_string(shown) + " are shown. <a href=\"" +
         link(path, query) + "\">Show more</a></p>\n";
}

}  // namespace

std::string overview_link(EmTime last_day, EmTime rpo) {
  return link("/", {{"until", format_day(last_day)}, {"rpo", std::to_string(rpo / kHour)}});
}

std::string overview_page(const StatusSnapshot& status, const std::vector<JobDay>& days,
                          const std::vector<HistoryEntry>& failures, const OverviewView& view) {
  const std::string body = tiles(status, view) + grid(status, days, view) +
                           rpo_section(status, view) + failures_section(failures, view.now) +
                           sources_section(status, view);
  return page("Backups at a glance", body, view.now);
}

std::string job_page(const JobStatus& job, const std::vector<HistoryEntry>& runs, int limit,
                     EmTime now) {
  std::string body = "<dl class=\"facts\"><dt>Type</dt><dd>" + escape(job.job_type) +
                     "</dd><dt>Backup server</dt><dd>" + escape(job.backup_server_name) +
                     "</dd><dt>Latest run</dt><dd>";
  body += job.last_run
              ? badge(job.last_run->result) + " " + when(job.last_run->creation_time, now, "")
              : std::string("none archived");
  body += "</dd><dt>Failed runs in a row</dt><dd>" + std::to_string(job.consecutive_failures) +
          "</dd><dt>UID</dt><dd><a class=\"doc\" href=\"" + em_document_link(job.uid) + "\">" +
          escape(job.uid) + "</a></dd></dl>\n";
  body += history(runs, "Runs", false);
  body += more_link("/dashboard/job", {{"uid", job.uid}}, runs.size(), limit);
  return page("Job " + (job.name.empty() ? job.uid : job.name), body, now);
}

std::string vm_page(const VmStatus& vm, const std::vector<HistoryEntry>& tasks, int limit,
                    EmTime now, EmTime rpo) {
  const bool late = outside_rpo(vm, now, rpo);
  std::string body = "<dl class=\"facts\"><dt>Latest restore point</dt><dd class=\"" +
                     std::string(late ? "stale" : "fresh") + "\">" + when(vm.last_success, now) +
                     (late ? " (outside the RPO of " : " (within the RPO of ") +
                     std::to_string(rpo / kHour) + " h)</dd><dt>Latest result</dt><dd>" +
                     badge(vm.last_task.result) + "</dd><dt>Job</dt><dd>";
  body += vm.job_uid.empty() ? escape(vm.job_name)
                             : "<a href=\"" + job_link(vm.job_uid) + "\">" +
                                   escape(vm.job_name.empty() ? vm.job_uid : vm.job_name) + "</a>";
  body +=
      "</dd><dt>VmUid</dt><dd>" + escape(vm.vm_uid.empty() ? "(none)" : vm.vm_uid) + "</dd></dl>\n";
  body += history(tasks, "Task sessions", true);
  body += more_link("/dashboard/vm", {{"key", vm.key}, {"name", vm.name}}, tasks.size(), limit);
  return page("VM " + vm.name, body, now);
}

std::string message_page(std::string_view title, std::string_view message, EmTime now) {
  return page(title,
              "<p>" + escape(message) + "</p>\n<p><a href=\"/\">Back to the overview</a></p>\n",
              now);
}

}  // namespace emarchive::dashboard
