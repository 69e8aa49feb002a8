#pragma once
// The resources kept as observations (docs/SCHEMA.md, "Observations") and the canonical form
// their documents are archived in: EM's XML as it came, with every Href without its
// scheme://host:port (as every Href emarchive keeps, model/href.h), so that the same answer from
// EM hashes the same whatever address EM was reached by, and serving puts the client's origin
// back.

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "model/expected.h"

namespace emarchive::storage {

// What `ingest` asks EM for after the sessions and `serve` answers from the latest observation,
// each named by its target: path, and "?format=Entity" for an entity list.
inline constexpr std::array<std::string_view, 9> kObservedResources = {
    "/api/reports/summary/overview",
    "/api/reports/summary/vms_overview",
    "/api/reports/summary/job_statistics",
    "/api/reports/summary/repository",
    "/api/repositories",
    "/api/repositories?format=Entity",
    "/api/agents/discoveredComputers",
    "/api/agents/jobs",
    "/api/nas/jobs",
};

struct CanonicalDocument {
  std::string text;    // the canonical XML, without XML declaration
  std::string origin;  // the scheme://host:port of the first absolute Href, "" if none
};

// The canonical form of an EM document: well-formed XML 1.0 whose root element is in EM's
// namespace (http://www.veeam.com/ent/v1.0, default or prefixed), else an invalid_input Error
// naming `source` and why. Elements, attributes, text and their order stay; comments, processing
// instructions, the XML declaration and whitespace between elements go; unprefixed Href
// attributes lose their origin.
Expected<CanonicalDocument> canonical_document(std::string_view xml, std::string_view source);

// One member of a canonical list document (EntityReferences' Refs, an entity list's entities):
// the child of the root whose Href's last path segment is `id` (compared case-insensitively), as
// a canonical document of its own in EM's default namespace, renamed `root_name` when not empty
// (a Ref becomes an EntityRef). nullopt when no member has that id.
std::optional<std::string> list_member(std::string_view canonical, std::string_view id,
                                       std::string_view root_name);

// A canonical document as served to a client: an XML declaration, then `canonical` with
// `origin` before every unprefixed Href that is a path. `canonical` must be the text of a
// CanonicalDocument (anything else: returned as it is, after the declaration).
std::string with_href_origin(std::string_view canonical, std::string_view origin);

}  // namespace emarchive::storage
