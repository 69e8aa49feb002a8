#pragma once
// The resources monitoring tools read besides sessions, jobs and backup servers, answered from
// their latest observation (storage/observation_document.h, kObservedResources): the summary
// reports, /repositories in both forms (and a single repository out of them), the discovered
// computers, agent and file-share jobs. Hrefs point at the client's origin; a resource the
// archive never observed is a 404 that says so, never a made-up document.

#include <functional>
#include <optional>
#include <span>
#include <string_view>

#include "api/archive_pool.h"
#include "api/resource_handler.h"

namespace emarchive::api {

// `parts`: the request path's segments after "api". nullopt when they name none of these
// resources (the caller answers); otherwise the answer, an archive failure included (its full
// message to `error_log`). Thread-safe as the pool is.
std::optional<ApiResponse> answer_observed(ArchivePool& pool, const ApiRequest& request,
                                           std::span<const std::string_view> parts,
                                           const std::function<void(std::string_view)>& error_log);

}  // namespace emarchive::api
