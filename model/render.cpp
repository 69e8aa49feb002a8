#include <cassert>

#include "model/codec.h"
#include "model/xml_util.h"

namespace emarchive {
namespace {

using xml::append_attribute;

constexpr std::string_view kDeclaration = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";

// A guess at one record's rendered size, so that a page of them is built with few reallocations.
constexpr std::size_t kRecordSizeHint = 2048;

void append_root_start(std::string& out, std::string_view element) {
  out += kDeclaration;
  out += '<';
  out += element;
  append_attribute(out, "xmlns", kEmNamespace);
}

void append_close(std::string& out, std::string_view element) {
  out += "</";
  out += element;
  out += '>';
}

// append_attribute(out, name, join_href(origin, rest)), without building the joined string.
void append_href(std::string& out, std::string_view name, std::string_view origin,
                 std::string_view rest) {
  out += ' ';
  out += name;
  out += "=\"";
  if (rest.starts_with('/')) xml::append_escaped_attribute(out, origin);
  xml::append_escaped_attribute(out, rest);
  out += '"';
}

void append_extras(std::string& out, const std::vector<Attribute>& extras) {
  for (const Attribute& a : extras) append_attribute(out, a.name, a.value);
}

void append_link(std::string& out, const Link& link, std::string_view origin) {
  if (link.raw_xml) {
    xml::append_with_href_origin(out, *link.raw_xml, origin);
    return;
  }
  out += "<Link";
  if (link.rel) append_attribute(out, "Rel", *link.rel);
  if (link.type) append_attribute(out, "Type", *link.type);
  if (link.href) append_href(out, "Href", origin, *link.href);
  if (link.name) append_attribute(out, "Name", *link.name);
  append_extras(out, link.extra_attributes);
  out += " />";
}

void append_links(std::string& out, const std::vector<Link>& links, std::string_view origin) {
  if (links.empty()) {
    out += "<Links />";
    return;
  }
  out += "<Links>";
  for (const Link& link : links) append_link(out, link, origin);
  out += "</Links>";
}

void append_field(std::string& out, std::string_view element, std::string_view text) {
  out += '<';
  out += element;
  if (text.empty()) {
    out += " />";
    return;
  }
  out += '>';
  xml::append_escaped_text(out, text);
  append_close(out, element);
}

// Writes one representation: the root element named `element` with its attributes, then its
// children, where the modeled ones (Links, then the present fields in schema order) fill the
// positions the unmodeled ones, kept where EM had them, leave free.
void append_representation(std::string& out, std::string_view element, const Record& record,
                           const Representation& rep, std::string_view origin, bool root) {
  if (root) {
    append_root_start(out, element);
  } else {
    out += '<';
    out += element;
  }
  if (rep.type) append_attribute(out, "Type", *rep.type);
  if (rep.href) append_href(out, "Href", origin, *rep.href);
  if (rep.name) append_attribute(out, "Name", *rep.name);
  append_attribute(out, "UID", record.uid);
  if (rep.vm_display_name) append_attribute(out, "VmDisplayName", *rep.vm_display_name);
  append_extras(out, rep.extra_attributes);

  const auto& specs = info(record.kind).fields;
  std::size_t next_field = 0;
  bool links_pending = rep.has_links;
  // Advances to the next present field; true while a modeled child remains to be written.
  auto modeled_left = [&] {
    while (next_field < rep.fields.size() && !rep.fields[next_field]) ++next_field;
    return links_pending || next_field < rep.fields.size();
  };
  if (!modeled_left() && rep.unmodeled.empty()) {
    out += " />";
    return;
  }
  out += '>';
  auto unmodeled = rep.unmodeled.begin();
  for (std::size_t position = 0;; ++position) {
    if (unmodeled != rep.unmodeled.end() && unmodeled->position <= position) {
      xml::append_with_href_origin(out, unmodeled->xml, origin);
      ++unmodeled;
    } else if (!modeled_left()) {
      break;
    } else if (links_pending) {
      append_links(out, rep.links, origin);
      links_pending = false;
    } else {
      assert(next_field < specs.size());
      append_field(out, specs[next_field].element, *rep.fields[next_field]);
      ++next_field;
    }
  }
  // Unmodeled elements whose position lies beyond the end of the modeled ones.
  for (; unmodeled != rep.unmodeled.end(); ++unmodeled) {
    xml::append_with_href_origin(out, unmodeled->xml, origin);
  }
  append_close(out, element);
}

void append_paging(std::string& out, const PagingInfo& paging, std::string_view origin) {
  out += "<PagingInfo";
  append_attribute(out, "PageNum", std::to_string(paging.page_num));
  append_attribute(out, "PageSize", std::to_string(paging.page_size));
  append_attribute(out, "PagesCount", std::to_string(paging.pages_count));
  out += '>';
  append_links(out, paging.links, origin);
  out += "</PagingInfo>";
}

// `keep_origin`: each record with its own Record::origin rather than `origin`.
void append_entities(std::string& out, Kind kind, std::span<const Record> records,
                     std::string_view origin, bool root, bool keep_origin = false) {
  const std::string_view element = info(kind).list_element;
  if (root) {
    append_root_start(out, element);
  } else {
    out += '<';
    out += element;
  }
  if (records.empty()) {
    out += " />";
    return;
  }
  out += '>';
  for (const Record& r : records) {
    assert(r.kind == kind);
    append_entity(out, r, keep_origin ? std::string_view(r.origin) : origin, false);
  }
  append_close(out, element);
}

void append_refs(std::string& out, std::span<const Record> records, std::string_view origin,
                 bool keep_origin = false) {
  for (const Record& r : records) {
    append_reference(out, "Ref", r, keep_origin ? std::string_view(r.origin) : origin, false);
  }
}

}  // namespace

void append_entity(std::string& out, const Record& record, std::string_view origin, bool root) {
  assert(record.entity);
  append_representation(out, info(record.kind).name, record, *record.entity, origin, root);
}

void append_reference(std::string& out, std::string_view element, const Record& record,
                      std::string_view origin, bool root) {
  assert(record.reference);
  append_representation(out, element, record, *record.reference, origin, root);
}

ListFrame split_at_empty_list(const std::string& document, std::string_view list) {
  const std::string open = "<" + std::string(list);
  std::size_t at = document.find(open);
  while (at != std::string::npos && document[at + open.size()] != ' ' &&
         document[at + open.size()] != '/') {
    at = document.find(open, at + 1);
  }
  assert(at != std::string::npos);
  const std::size_t slash = document.find("/>", at);
  std::size_t head_end = slash;
  while (head_end > at && document[head_end - 1] == ' ') --head_end;
  return {document.substr(0, head_end) + ">",
          "</" + std::string(list) + ">" + document.substr(slash + 2)};
}

std::string render_entity(const Record& record, std::string_view origin) {
  std::string out;
  out.reserve(kRecordSizeHint);
  append_entity(out, record, origin, true);
  return out;
}

std::string render_entity_ref(const Record& record, std::string_view origin) {
  std::string out;
  out.reserve(kRecordSizeHint);
  append_reference(out, "EntityRef", record, origin, true);
  return out;
}

std::string render_entity_references(std::span<const Record> records, std::string_view origin) {
  std::string out;
  out.reserve(kRecordSizeHint * (records.size() + 1));
  append_root_start(out, "EntityReferences");
  if (records.empty()) {
    out += " />";
    return out;
  }
  out += '>';
  append_refs(out, records, origin);
  append_close(out, "EntityReferences");
  return out;
}

std::string render_entity_list(Kind kind, std::span<const Record> records,
                               std::string_view origin) {
  std::string out;
  out.reserve(kRecordSizeHint * (records.size() + 1));
  append_entities(out, kind, records, origin, true);
  return out;
}

std::string render_query_result(const QueryResultContent& content, std::string_view origin) {
  std::string out;
  out.reserve(kRecordSizeHint * (content.records.size() + 1));
  append_root_start(out, "QueryResult");
  out += '>';
  if (content.form == Form::Reference) {
    if (content.records.empty()) {
      out += "<Refs />";
    } else {
      out += "<Refs>";
      append_refs(out, content.records, origin, content.records_keep_origin);
      out += "</Refs>";
    }
  } else {
    out += "<Entities>";
    append_entities(out, content.kind, content.records, origin, false, content.records_keep_origin);
    out += "</Entities>";
  }
  if (content.paging) append_paging(out, *content.paging, origin);
  append_close(out, "QueryResult");
  return out;
}

}  // namespace emarchive
