#include "model/reference.h"

#include <cassert>
#include <string_view>

namespace emarchive {
namespace {

// "/api/jobs/<guid>?format=Entity" -> "/api/jobs/<guid>"; other query parameters stay.
std::string without_format_entity(std::string_view href) {
  const std::size_t q = href.find('?');
  if (q == std::string_view::npos) return std::string(href);
  std::string out(href.substr(0, q));
  char separator = '?';
  std::string_view query = href.substr(q + 1);
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view param = query.substr(0, amp);
    if (param != "format=Entity") {
      out += separator;
      out += param;
      separator = '&';
    }
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
  }
  return out;
}

bool is_reference_list(const Link& link) {
  return link.type && std::string_view(*link.type).ends_with("ReferenceList");
}

}  // namespace

Representation derive_reference(const Record& record) {
  assert(record.entity);
  const Representation& entity = *record.entity;
  const KindInfo& kind = info(record.kind);

  Representation ref;
  ref.type = std::string(kind.reference_type);
  if (entity.href) ref.href = without_format_entity(*entity.href);
  ref.name = entity.name;
  ref.has_links = true;

  Link alternate;
  alternate.rel = "Alternate";
  alternate.type = std::string(kind.name);
  alternate.href = entity.href;
  alternate.name = entity.name;

  bool alternate_added = false;
  for (const Link& link : entity.links) {
    if (link.raw_xml || !link.rel) continue;
    if (*link.rel == "Up") {
      ref.links.push_back(link);
    } else if (*link.rel == "Alternate" && link.type == kind.reference_type) {
      Link derived = alternate;
      if (link.name) derived.name = link.name;
      ref.links.push_back(std::move(derived));
      alternate_added = true;
    } else if (*link.rel == "Down" && is_reference_list(link)) {
      ref.links.push_back(link);
    }
  }
  if (!alternate_added) {
    auto after_ups = ref.links.begin();
    while (after_ups != ref.links.end() && after_ups->rel == "Up") ++after_ups;
    ref.links.insert(after_ups, std::move(alternate));
  }
  return ref;
}

Representation reference_of(const Record& record) {
  if (record.reference) return *record.reference;
  return derive_reference(record);
}

}  // namespace emarchive
