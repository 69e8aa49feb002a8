#include "dashboard/dashboard.h"

#include <charconv>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include "dashboard/pages.h"
#include "dashboard/stylesheet.h"
#include "model/ascii.h"
#include "storage/archive_history.h"
#include "storage/archive_status.h"

namespace emarchive::dashboard {
namespace {

namespace http = boost::beast::http;

constexpr int kFailuresShown = 50;
constexpr int kMaxHistoryLimit = 100000;

api::ApiResponse answer(http::status status, std::string body, std::string_view content_type) {
  api::ApiResponse response;
  response.status = status;
  response.body = std::move(body);
  response.content_type = std::string(content_type);
  response.headers.emplace_back("Content-Security-Policy", std::string(kContentSecurityPolicy));
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  return response;
}

api::ApiResponse html(http::status status, std::string body) {
  api::ApiResponse response = answer(status, std::move(body), "text/html; charset=utf-8");
  // Pages show the archive as it is now: never from a cache.
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

// A parameter of the query string, matched regardless of letter case; nullopt when absent.
std::optional<std::string_view> parameter(const api::ApiRequest& request, std::string_view name) {
  for (const auto& [key, value] : request.query) {
    if (iequals(key, name)) return value;
  }
  return std::nullopt;
}

// A whole number in [low, high], or nullopt.
std::optional<int> whole_number(std::string_view text, int low, int high) {
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < low || value > high) {
    return std::nullopt;
  }
  return value;
}

// What a page asked for that it cannot have: a 400 page saying so.
struct BadParameter {
  std::string message;
};

class Dashboard {
 public:
  explicit Dashboard(DashboardOptions options) : options_(std::move(options)) {}

  api::ApiResponse handle(const api::ApiRequest& request) {
    const std::string_view path = request.path;
    if (iequals(path, "/dashboard/style.css")) {
      return answer(http::status::ok, std::string(kStylesheet), "text/css; charset=utf-8");
    }
    if (iequals(path, "/dashboard/icon.svg")) {
      return answer(http::status::ok, std::string(kIcon), "image/svg+xml");
    }
    const EmTime now = options_.now();
    const bool overview =
        path == "/" || iequals(path, "/dashboard") || iequals(path, "/dashboard/");
    const bool job = iequals(path, "/dashboard/job");
    const bool vm = iequals(path, "/dashboard/vm");
    if (!overview && !job && !vm) {
      return html(http::status::not_found,
                  message_page("Not found", "There is no page at " + request.path + ".", now));
    }
    try {
      std::lock_guard lock(mutex_);
      if (Status opened = open(); !opened) return unavailable(opened.error(), now);
      Expected<std::string> body = overview ? overview_page(request, now)
                                   : job    ? job_page(request, now)
                                            : vm_page(request, now);
      if (!body) {
        if (body.error().code == ErrorCode::not_found) {
          return html(http::status::not_found,
                      message_page("Not found", body.error().message, now));
        }
        return unavailable(body.error(), now);
      }
      return html(http::status::ok, std::move(*body));
    } catch (const BadParameter& bad) {
      return html(http::status::bad_request, message_page("Bad request", bad.message, now));
    }
  }

 private:
  Status open() {
    if (status_ && history_) return Ok{};
    auto status = storage::ArchiveStatus::open(options_.db);
    if (!status) return status.error();
    auto history = storage::ArchiveHistory::open(options_.db);
    if (!history) return history.error();
    status_ = std::move(*status);
    history_ = std::move(*history);
    return Ok{};
  }

  // The archive failed: the connection is opened again next time, the log gets the whole
  // message (it names the database file, which the page leaves out).
  api::ApiResponse unavailable(const Error& error, EmTime now) {
    status_.reset();
    history_.reset();
    if (options_.error_log) options_.error_log("dashboard: " + error.message);
    api::ApiResponse response =
        html(http::status::service_unavailable,
             message_page("Archive unavailable",
                          error.code == ErrorCode::busy
                              ? "The archive is busy; try again in a moment."
                              : "The archive cannot be read now; the server's log says why.",
                          now));
    response.headers.emplace_back("Retry-After", "5");
    return response;
  }

  EmTime rpo(const api::ApiRequest& request) const {
    const auto text = parameter(request, "rpo");
    if (!text) return options_.rpo;
    const auto hours = whole_number(*text, 1, 8760);
    if (!hours) throw BadParameter{"rpo must be a whole number of hours from 1 to 8760."};
    return *hours * kHour;
  }

  int limit(const api::ApiRequest& request) const {
    const auto text = parameter(request, "limit");
    if (!text) return options_.history_limit;
    const auto value = whole_number(*text, 1, kMaxHistoryLimit);
    if (!value) {
      throw BadParameter{"limit must be a whole number from 1 to " +
                         std::to_string(kMaxHistoryLimit) + "."};
    }
    return *value;
  }

  Expected<std::string> overview_page(const api::ApiRequest& request, EmTime now) {
    OverviewView view;
    view.now = now;
    view.rpo = rpo(request);
    view.days = options_.grid_days;
    EmTime last_day = now - now % kDay;
    if (const auto until = parameter(request, "until")) {
      auto day = parse_em_time(std::string(*until) + "T00:00:00Z");
      if (!day || until->size() != 10) throw BadParameter{"until must be a date: YYYY-MM-DD."};
      last_day = *day;
    }
    view.first_day = last_day - (view.days - 1) * kDay;
    auto snapshot = status_->snapshot();
    if (!snapshot) return snapshot.error();
    auto span = history_->job_session_span();
    if (!span) return span.error();
    view.span = *span;
    auto days = history_->job_days(view.first_day, last_day + kDay);
    if (!days) return days.error();
    auto failures = history_->recent_failures(kFailuresShown);
    if (!failures) return failures.error();
    return dashboard::overview_page(*snapshot, *days, *failures, view);
  }

  Expected<std::string> job_page(const api::ApiRequest& request, EmTime now) {
    const std::string uid = canonical_uid(parameter(request, "uid").value_or(""));
    const int max = limit(request);
    auto snapshot = status_->snapshot();
    if (!snapshot) return snapshot.error();
    for (const storage::JobStatus& job : snapshot->jobs) {
      if (job.uid != uid) continue;
      auto runs = history_->job_runs(uid, max);
      if (!runs) return runs.error();
      return dashboard::job_page(job, *runs, max, now);
    }
    return Error{"No job with UID " + uid + " is archived.", ErrorCode::not_found};
  }

  Expected<std::string> vm_page(const api::ApiRequest& request, EmTime now) {
    const std::string key(parameter(request, "key").value_or(""));
    const std::string name(parameter(request, "name").value_or(""));
    const int max = limit(request);
    const EmTime vm_rpo = rpo(request);
    auto snapshot = status_->snapshot();
    if (!snapshot) return snapshot.error();
    for (const storage::VmStatus& vm : snapshot->vms) {
      if (vm.key != key) continue;
      auto tasks = history_->vm_tasks(key, vm.name, max);
      if (!tasks) return tasks.error();
      return dashboard::vm_page(vm, *tasks, max, now, vm_rpo);
    }
    return Error{"No VM " + (name.empty() ? key : name) + " is archived.", ErrorCode::not_found};
  }

  const DashboardOptions options_;
  std::mutex mutex_;
  std::unique_ptr<storage::ArchiveStatus> status_;
  std::unique_ptr<storage::ArchiveHistory> history_;
};

}  // namespace

api::ResourceHandler make_dashboard_handler(DashboardOptions options) {
  auto dashboard = std::make_shared<Dashboard>(std::move(options));
  return [dashboard](const api::ApiRequest& request) { return dashboard->handle(request); };
}

}  // namespace emarchive::dashboard
