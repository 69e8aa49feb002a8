#include "api/observations.h"

#include <string>
#include <utility>

#include "api/error_document.h"
#include "model/ascii.h"
#include "model/xml_escape.h"
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
  for (std::string_view part : parts) {
    path += '/';
    path += part;
  }
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

// EM's index of the summary reports (`GET /api/reports/summary`): one Down link per report. Made,
// not observed, like the entry point: it is navigation, the same on every EM. EM also links its
// processed-VMs report, which emarchive does not archive, so that link is left out.
ApiResponse summary_report(const ApiRequest& request) {
  constexpr std::pair<std::string_view, std::string_view> kReports[] = {
      {"overview", "Overview"},
      {"vms_overview", "VmsOverview"},
      {"job_statistics", "JobStatistics"},
      {"repository", "Repositories"}};
  const std::string base = request.origin + "/api/reports/summary";
  ApiResponse response;
  std::string& out = response.body;
  out = R"(<?xml version="1.0" encoding="utf-8"?>)"
        "\n"
        R"(<SummaryReport xmlns="http://www.veeam.com/ent/v1.0" Type="SummaryReport" Href=")";
  xml::append_escaped_attribute(out, base);
  out += R"("><Links>)";
  for (const auto& [path, name] : kReports) {
    out += R"(<Link Rel="Down" Type="ReportFrame" Href=")";
    xml::append_escaped_attribute(out, base + "/" + std::string(path));
    out += R"(" Name=")";
    out += name;
    out += R"(" />)";
  }
  out += "</Links></SummaryReport>\n";
  return response;
}

}  // namespace

std::optional<ApiResponse> answer_observed(ArchivePool& pool, const ApiRequest& request,
                                           std::span<const std::string_view> parts,
                                           const std::function<void(std::string_view)>& error_log) {
  if (parts.size() == 2 && iequals(parts[0], "reports") && iequals(parts[1], "summary")) {
    return summary_report(request);
  }
  const bool entity = wants_entity(request);
  // A single repository comes out of the latest list of its form.
  const bool single_repository = parts.size() == 2 && iequals(parts[0], "repositories");
  const std::string_view path = observed_path(single_repository ? parts.first(1) : parts);
  if (path.empty()) return std::nullopt;
  const std::string resource = std::string(path) + (entity ? "?format=Entity" : "");

  auto archive = pool.acquire();
  if (!archive) return archive_error_response(archive.error(), error_log);
  auto latest = request.as_of ? (*archive)->observation_as_of(resource, *request.as_of)
                              : (*archive)->latest_observation(resource);
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
