#pragma once
// The dashboard `emarchive serve` answers outside /api/ (docs/DASHBOARD.md): "/" (also
// "/dashboard" and "/dashboard/"), "/dashboard/job?uid=", "/dashboard/vm?key=&name=", and the
// stylesheet and icon they use. HTML rendered on the server with SVG charts: no script, nothing
// from another site, so that it works offline and under a Content-Security-Policy that allows
// only this server's stylesheet and images. Authentication is the router's (api/router.h).

#include <functional>
#include <string>
#include <string_view>

#include "api/resource_handler.h"
#include "model/em_time.h"

namespace emarchive::dashboard {

struct DashboardOptions {
  std::string db;  // the archive, opened read-only on first use
  std::function<EmTime()> now;
  // A VM without a restore point this recent is outside its RPO; a page's ?rpo=HOURS overrides it.
  EmTime rpo = 24 * kHour;
  int grid_days = 42;       // days per page of the job grid
  int history_limit = 365;  // sessions on a job or VM page, unless its ?limit= says otherwise
  // Where the full message of an archive failure goes (the page says less); may be empty.
  std::function<void(std::string_view)> error_log;
};

// The headers every page carries: the Content-Security-Policy and its companions.
inline constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'";

// A handler for every path outside /api/ (others get a 404 page), GET only (the router answers
// other methods). Thread-safe: requests take turns on one read-only connection, whose
// storage::ArchiveStatus keeps what it read between pages (storage/archive_status.h). An archive
// that cannot be read gets a 503 page, and the connection is opened again on the next request.
api::ResourceHandler make_dashboard_handler(DashboardOptions options);

}  // namespace emarchive::dashboard
