#include "api/observations.h"

#include <string>

#include "api/error_document.h"
#include "model/ascii.h"
#include "storage/observation_document.h"

namespace emarchive::api {
namespace {

namespace http = boost::beast::http;

bool wants_entity(const ApiRequest& request) {
  for (const auto& [key, value] : request.query) {
    if (iequals(key, "format") && iequals(value, "Entity")) return true;
  }
  return false;
}

// The observed path `parts` name, as kObservedResources spell it (EM matches path segments
// case-insensitively); "" for none.
std::string_view observed_path(std::span<const std::string_view> parts) {
  std::string path = "/api";
  for (std::string_view part : parts) path += "/" + std::string(part);
  for (std::string_view resource : storage::kObservedResources) {
    const std::string_view resource_path = resource.substr(0, resource.find('?'));
    if (iequals(resource_path, path)) return resource_path;
  }
  return {};
}

ApiResponse never_observed(std::string_view resource) {
  return error_response(http::status::not_found, "the archive never observed " +
                                                     std::string(resource) +
                                                     ": EM's answer for it was never ingested");
}

ApiResponse document(std::string_view canonical, const ApiRequest& request) {
  ApiResponse response;
  response.body = storage::with_href_origin(canonical, request.origin);
  return response;
}

}  // namespace

std::optional<ApiResponse> answer_observed(ArchivePool& pool, const ApiRequest& request,
                                           std::span<const std::string_view> parts,
                                           const std::function<void(std::string_view)>& error_log) {
  const bool entity = wants_entity(request);
  // A single repository comes out of the latest list of its form.
  const bool single_repository = parts.size() == 2 && iequals(parts[0], "repositories");
  const std::string_view path = observed_path(single_repository ? parts.first(1) : parts);
  if (path.empty()) return std::nullopt;
  const std::string resource = std::string(path) + (entity ? "?format=Entity" : "");

  auto archive = pool.acquire();
  if (!archive) return archive_error_response(archive.error(), error_log);
  auto latest = (*archive)->latest_observation(resource);
  if (!latest) return archive_error_response(latest.error(), error_log);
  if (!*latest) return never_observed(resource);
  if (!single_repository) return document((*latest)->document, request);

  auto member = storage::list_member((*latest)->document, parts[1], entity ? "" : "EntityRef");
  if (!member) {
    return error_response(http::status::not_found, "no repository " + std::string(parts[1]) +
                                                       " in the latest " + resource + " observed");
  }
  return document(*member, request);
}

}  // namespace emarchive::api
