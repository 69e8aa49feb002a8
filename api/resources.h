#pragma once
// The archived resources of the API surface (docs/ARCHITECTURE.md), answered as EM answers them:
// collections in reference and entity form, single records in both forms, the child and filtered
// collections, `querySvc` and the query service with filters, sorting and paging.

#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string_view>

#include "api/archive_pool.h"
#include "api/resource_handler.h"
#include "model/em_time.h"

namespace emarchive::api {

struct ResourceOptions {
  // EM's collections list only sessions created in the last 30 days (docs/EM-API.md 5.0).
  // nullopt: list everything archived (the point of an archive); 30 reproduces EM for replay.
  // The query service always reaches everything.
  std::optional<int> list_window_days;
  // The clock the list window is measured from.
  std::function<EmTime()> now;
  // Answer every resource as the archive knew it at this instant (`serve --as-of`;
  // storage/as_of.h), the list window measured from it; a request's own instant
  // (ApiRequest::as_of, from a /asof/<TIME>/ prefix) wins.
  std::optional<EmTime> as_of;
  // Where the full message of an archive failure goes (it names the database file, which the
  // client's answer leaves out; see archive_error_response). One line each; may be empty.
  std::function<void(std::string_view)> error_log = [](std::string_view line) {
    std::cerr << "emarchive serve: " << line << "\n";
  };
};

// The returned handler is thread-safe: every call borrows its own connection from `pool`.
ResourceHandler make_resource_handler(std::shared_ptr<ArchivePool> pool, ResourceOptions options);

}  // namespace emarchive::api
