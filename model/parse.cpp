#include <pugixml.hpp>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "model/codec.h"
#include "model/em_time.h"
#include "model/href.h"
#include "model/xml_chars.h"
#include "model/xml_util.h"

namespace emarchive {
namespace {

using xml::local_name_of;
using xml::prefix_of;

// parse_ws_pcdata_single keeps the text of <Reason> </Reason> while whitespace between elements
// still goes; parse_fragment lets text outside the root reach us, so that it can be refused
// instead of silently dropped.
constexpr unsigned kParseOptions =
    pugi::parse_default | pugi::parse_ws_pcdata_single | pugi::parse_fragment;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool is_whitespace(std::string_view s) {
  return std::all_of(s.begin(), s.end(), is_space);
}

bool is_text(pugi::xml_node n) {
  return n.type() == pugi::node_pcdata || n.type() == pugi::node_cdata;
}

bool has_child_elements(pugi::xml_node e) {
  for (pugi::xml_node c = e.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element) return true;
  }
  return false;
}

// Namespace declarations are not attributes in the XML namespaces sense; they do not count.
bool has_attributes(pugi::xml_node e) {
  for (pugi::xml_attribute a : e.attributes()) {
    if (!xml::is_namespace_declaration(a.name())) return true;
  }
  return false;
}

bool has_only_element_children(pugi::xml_node e) {
  for (pugi::xml_node c = e.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) return false;
  }
  return true;
}

// The character data of an element without child elements.
std::string element_text(pugi::xml_node e) {
  std::string text;
  for (pugi::xml_node c = e.first_child(); c; c = c.next_sibling()) {
    if (is_text(c)) text += c.value();
  }
  return text;
}

// The one spelling of each value, so that storage's INTEGER column gives the text back: no
// leading zeros, no '+', no "-0".
bool is_canonical_integer(std::string_view s) {
  std::string_view digits = s.starts_with('-') ? s.substr(1) : s;
  if (digits.empty() || (digits[0] == '0' && digits.size() > 1)) return false;
  if (s == "-0") return false;
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  std::int64_t ignored = 0;
  return std::from_chars(s.data(), s.data() + s.size(), ignored).ec == std::errc{};
}

// Why `text` is not well-formed for a field of `type`; "" when it is.
std::string field_text_problem(FieldType type, const std::string& text) {
  switch (type) {
    case FieldType::Text:
      return {};
    case FieldType::Uid:
      return text.empty() ? "a UID must not be empty" : "";
    case FieldType::Time: {
      Expected<EmTime> t = parse_em_time(text);
      return t ? "" : t.error().message;
    }
    case FieldType::Integer:
      return is_canonical_integer(text) ? "" : "'" + text + "' is not a 64-bit integer";
    case FieldType::Boolean:
      return text == "true" || text == "false" ? "" : "'" + text + "' is not true or false";
  }
  return {};
}

class Parser {
 public:
  Parser(std::string_view xml, std::string_view source) : xml_(xml), source_(source) {}

  Expected<Document> run() {
    if (!parse()) return std::move(*error_);
    return std::move(doc_);
  }

 private:
  bool parse();
  bool parse_root(pugi::xml_node root);
  bool parse_entity_references(pugi::xml_node root);
  bool parse_entity_list(pugi::xml_node list, Kind kind);
  bool parse_query_result(pugi::xml_node root);
  bool parse_entities(pugi::xml_node entities);
  bool parse_paging(pugi::xml_node paging);
  bool parse_reference(pugi::xml_node e);
  bool parse_record(pugi::xml_node e, Kind kind, Form form);
  bool parse_children(pugi::xml_node e, Kind kind, Form form, Representation& rep);
  void parse_links(pugi::xml_node links, std::vector<Link>& out);
  Link parse_link(pugi::xml_node e);
  bool refuse_text(pugi::xml_node e);

  static bool is_em(pugi::xml_node e) {
    const char* uri = xml::element_namespace(e);
    return uri && uri == kEmNamespace;
  }
  // The Hrefs inside count for the document's origin like any other.
  std::string self_contained(pugi::xml_node e) {
    std::string out;
    xml::append_self_contained(out, e, kEmNamespace, doc_.origin);
    return out;
  }
  // Keeps the Href's rest and notes its origin as the document's if it is the first one seen.
  // An Href with nothing path-like after its origin is kept whole: join_href leaves it as is.
  std::string take_href(std::string_view href, std::string* origin = nullptr) {
    SplitHref split = split_href(href);
    if (!split.rest.starts_with('/')) return std::string(href);
    if (doc_.origin.empty()) doc_.origin = split.origin;
    if (origin) *origin = std::move(split.origin);
    return std::move(split.rest);
  }

  bool fail(std::ptrdiff_t offset, std::string_view reason);
  // Points at the first character of the text that is not whitespace.
  bool fail_text(pugi::xml_node text, std::string_view reason) {
    std::size_t at = static_cast<std::size_t>(std::max<std::ptrdiff_t>(text.offset_debug(), 0));
    while (at < xml_.size() && is_space(xml_[at])) ++at;
    return fail(static_cast<std::ptrdiff_t>(at), reason);
  }
  // Points at the element's '<'; pugixml reports where its name starts.
  bool fail(pugi::xml_node at, std::string_view reason) {
    std::ptrdiff_t name = at.offset_debug();
    return fail(name > 0 ? name - 1 : 0, reason);
  }

  std::string_view xml_;
  std::string_view source_;
  std::optional<Error> error_;
  Document doc_;
};

std::string element_tag(pugi::xml_node e) {
  return std::string("<").append(e.name()).append(">");
}

// Adds a root or Link attribute that emarchive does not model. A prefixed one brings the
// declaration of its prefix along: rendering declares nothing but EM's default namespace.
void add_extra(pugi::xml_node owner, pugi::xml_attribute a, std::vector<Attribute>& extras) {
  std::string_view p = prefix_of(a.name());
  if (!p.empty() && p != "xml") {
    std::string declaration = std::string("xmlns:").append(p);
    bool declared = std::any_of(extras.begin(), extras.end(),
                                [&](const Attribute& x) { return x.name == declaration; });
    // Undeclared prefixes were refused before records are read.
    if (!declared) extras.push_back({declaration, xml::namespace_uri(owner, p)});
  }
  extras.push_back({a.name(), a.value()});
}

// Refuses what pugixml lets through but would make the kept XML ill-formed when served again
// (an undeclared namespace prefix, an attribute given twice), and nesting deep enough to exhaust
// the stack of the recursive code that serializes and compares elements.
class DocumentChecker : public pugi::xml_tree_walker {
 public:
  bool for_each(pugi::xml_node& e) override {
    if (is_text(e)) {
      if (auto bad = xml_char_problem(e.value())) {
        return refuse(e, "text of " + element_tag(e.parent()) + ": " + *bad);
      }
      return true;
    }
    if (e.type() != pugi::node_element) return true;
    if (auto bad = xml_char_problem(e.name())) return refuse(e, "element name: " + *bad);
    if (depth() >= kMaxDepth) {
      return refuse(e, "elements nested deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    std::string_view p = prefix_of(e.name());
    if (!p.empty() && !xml::namespace_uri(e, p)) {
      return refuse(e, "undeclared namespace prefix '" + std::string(p) + "' in " + element_tag(e));
    }
    for (pugi::xml_attribute a : e.attributes()) {
      if (auto bad = xml_char_problem(a.name())) {
        return refuse(e, "an attribute name of " + element_tag(e) + ": " + *bad);
      }
      if (auto bad = xml_char_problem(a.value())) {
        return refuse(e, std::string("attribute ") + a.name() + " of " + element_tag(e) + ": " + *bad);
      }
      std::string_view ap = prefix_of(a.name());
      if (!ap.empty() && ap != "xmlns" && !xml::namespace_uri(e, ap)) {
        return refuse(e, "undeclared namespace prefix '" + std::string(ap) + "' in attribute " +
                             a.name() + " of " + element_tag(e));
      }
      for (pugi::xml_attribute b = a.next_attribute(); b; b = b.next_attribute()) {
        if (std::strcmp(a.name(), b.name()) == 0) {
          return refuse(e, std::string("attribute ") + a.name() + " repeated in " + element_tag(e));
        }
      }
    }
    return true;
  }

  pugi::xml_node where;
  std::string problem;  // "" when the document passed

 private:
  static constexpr int kMaxDepth = 256;

  bool refuse(pugi::xml_node e, std::string why) {
    where = e;
    problem = std::move(why);
    return false;
  }
};

bool Parser::fail(std::ptrdiff_t offset, std::string_view reason) {
  std::size_t at =
      std::min(static_cast<std::size_t>(std::max<std::ptrdiff_t>(offset, 0)), xml_.size());
  std::size_t line =
      1 + static_cast<std::size_t>(std::count(xml_.begin(), xml_.begin() + at, '\n'));
  std::string m(source_);
  m.append(": line ").append(std::to_string(line));
  m.append(" (byte ").append(std::to_string(at)).append("): ").append(reason);
  error_ = Error{std::move(m), ErrorCode::invalid_input};
  return false;
}

bool Parser::parse() {
  pugi::xml_document dom;
  pugi::xml_parse_result result =
      dom.load_buffer(xml_.data(), xml_.size(), kParseOptions, pugi::encoding_auto);
  if (!result) {
    // pugixml reports a document cut short as whatever it was reading when the input ran out:
    // say so when the error is at the last byte or the text stops inside markup.
    const std::string_view text(xml_);
    const std::size_t last = text.find_last_not_of(" \t\r\n");
    const bool ends_in_markup = last != std::string_view::npos && text[last] != '>';
    if (result.status != pugi::status_no_document_element &&
        (static_cast<std::size_t>(result.offset) + 1 >= xml_.size() || ends_in_markup)) {
      return fail(result.offset,
                  std::string("malformed XML: the document ends early (truncated?): ")
                      .append(result.description()));
    }
    return fail(result.offset, std::string("malformed XML: ").append(result.description()));
  }
  pugi::xml_node root;
  for (pugi::xml_node n = dom.first_child(); n; n = n.next_sibling()) {
    if (n.type() == pugi::node_element) {
      if (root) return fail(n, "a second root element " + element_tag(n) + " after the first");
      root = n;
    } else if (is_text(n) && !is_whitespace(n.value())) {
      return fail_text(n, "text outside the root element");
    }
  }
  if (!root) return fail(0, "empty document (no root element)");
  DocumentChecker checker;
  if (!dom.traverse(checker)) return fail(checker.where, checker.problem);
  return parse_root(root);
}

bool Parser::parse_root(pugi::xml_node root) {
  if (!is_em(root)) {
    const char* uri = xml::element_namespace(root);  // not null: prefixes were checked
    return fail(root, "root element " + element_tag(root) + " is not in EM's namespace " +
                          std::string(kEmNamespace) +
                          (*uri == '\0' ? std::string(" (it has no namespace)")
                                        : " (its namespace is " + std::string(uri) + ")"));
  }
  std::string_view name = local_name_of(root.name());
  if (name == "EntityRef") {
    doc_.type = DocumentType::EntityRef;
    return parse_reference(root);
  }
  if (name == "EntityReferences") {
    doc_.type = DocumentType::EntityReferences;
    return parse_entity_references(root);
  }
  if (name == "QueryResult") {
    doc_.type = DocumentType::QueryResult;
    return parse_query_result(root);
  }
  if (std::optional<Kind> kind = kind_from_entity_name(name)) {
    doc_.type = DocumentType::Entity;
    return parse_record(root, *kind, Form::Entity);
  }
  if (std::optional<Kind> kind = kind_from_list_element(name)) {
    doc_.type = DocumentType::EntityList;
    doc_.list_kind = kind;
    return parse_entity_list(root, *kind);
  }
  return fail(root, "unsupported document: root element " + element_tag(root) +
                        " is not EntityRef, EntityReferences, QueryResult, or an entity or entity "
                        "list of a kind emarchive archives");
}

// Text beside the records of a collection has no place to be kept: it is refused.
bool Parser::refuse_text(pugi::xml_node e) {
  for (pugi::xml_node c = e.first_child(); c; c = c.next_sibling()) {
    if (is_text(c) && !is_whitespace(c.value())) {
      return fail_text(c, "unexpected text in " + element_tag(e));
    }
  }
  return true;
}

bool Parser::parse_entity_references(pugi::xml_node root) {
  if (!refuse_text(root)) return false;
  for (pugi::xml_node c = root.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    if (!is_em(c) || local_name_of(c.name()) != "Ref") {
      return fail(
          c, "unexpected " + element_tag(c) + " in " + element_tag(root) + " (expected <Ref>)");
    }
    if (!parse_reference(c)) return false;
  }
  return true;
}

bool Parser::parse_entity_list(pugi::xml_node list, Kind kind) {
  if (!refuse_text(list)) return false;
  for (pugi::xml_node c = list.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    if (!is_em(c) || local_name_of(c.name()) != info(kind).name) {
      return fail(c, "unexpected " + element_tag(c) + " in " + element_tag(list) + " (expected <" +
                         std::string(info(kind).name) + ">)");
    }
    if (!parse_record(c, kind, Form::Entity)) return false;
  }
  return true;
}

bool Parser::parse_query_result(pugi::xml_node root) {
  if (!refuse_text(root)) return false;
  for (pugi::xml_node c = root.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    std::string_view name = is_em(c) ? local_name_of(c.name()) : std::string_view{};
    if (name == "Refs") {
      doc_.has_refs = true;
      if (!refuse_text(c)) return false;
      for (pugi::xml_node r = c.first_child(); r; r = r.next_sibling()) {
        if (r.type() != pugi::node_element) continue;
        if (!is_em(r) || local_name_of(r.name()) != "Ref") {
          return fail(r, "unexpected " + element_tag(r) + " in <Refs> (expected <Ref>)");
        }
        if (!parse_reference(r)) return false;
      }
    } else if (name == "Entities") {
      doc_.has_entities = true;
      if (!parse_entities(c)) return false;
    } else if (name == "PagingInfo") {
      if (!parse_paging(c)) return false;
    } else if (name == "Resources") {
      return fail(c, "unsupported query result: <Resources> holds no kind emarchive archives");
    } else {
      return fail(c, "unexpected " + element_tag(c) + " in <QueryResult>");
    }
  }
  return true;
}

bool Parser::parse_entities(pugi::xml_node entities) {
  if (!refuse_text(entities)) return false;
  for (pugi::xml_node c = entities.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    std::optional<Kind> kind =
        is_em(c) ? kind_from_list_element(local_name_of(c.name())) : std::nullopt;
    if (!kind) {
      return fail(c, "unsupported record kind: " + element_tag(c) +
                         " is not a list of a kind emarchive archives");
    }
    if (doc_.list_kind) return fail(c, "more than one entity list in <Entities>");
    doc_.list_kind = kind;
    if (!parse_entity_list(c, *kind)) return false;
  }
  return true;
}

bool Parser::parse_paging(pugi::xml_node paging) {
  PagingInfo info;
  const std::pair<const char*, std::int64_t*> numbers[] = {{"PageNum", &info.page_num},
                                                           {"PageSize", &info.page_size},
                                                           {"PagesCount", &info.pages_count}};
  for (const auto& [name, value] : numbers) {
    pugi::xml_attribute a = paging.attribute(name);
    if (!a) return fail(paging, std::string("<PagingInfo> has no ") + name + " attribute");
    std::string_view text = a.value();
    if (!is_canonical_integer(text) ||
        std::from_chars(text.data(), text.data() + text.size(), *value).ec != std::errc{}) {
      return fail(paging,
                  std::string("<PagingInfo> ") + name + " '" + a.value() + "' is not an integer");
    }
  }
  // Paging is regenerated when a query result is served, so only its Links are read.
  for (pugi::xml_node c = paging.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && is_em(c) && local_name_of(c.name()) == "Links") {
      parse_links(c, info.links);
    }
  }
  doc_.paging = std::move(info);
  return true;
}

bool Parser::parse_reference(pugi::xml_node e) {
  pugi::xml_attribute type = e.attribute("Type");
  if (!type) return fail(e, element_tag(e) + " has no Type attribute");
  std::optional<Kind> kind = kind_from_reference_type(type.value());
  if (!kind) {
    return fail(e, std::string("unsupported record kind: ") + element_tag(e) + " has Type '" +
                       type.value() + "'");
  }
  return parse_record(e, *kind, Form::Reference);
}

bool Parser::parse_record(pugi::xml_node e, Kind kind, Form form) {
  Record record;
  record.kind = kind;
  Representation& rep = record.form(form).emplace();
  bool has_uid = false;
  for (pugi::xml_attribute a : e.attributes()) {
    std::string_view name = a.name();
    if (name == "UID") {
      record.uid = a.value();
      has_uid = true;
    } else if (name == "Type") {
      rep.type = a.value();
    } else if (name == "Href") {
      rep.href = take_href(a.value(), &record.origin);
    } else if (name == "Name") {
      rep.name = a.value();
    } else if (name == "VmDisplayName") {
      rep.vm_display_name = a.value();
    } else if (!xml::is_namespace_declaration(name)) {
      add_extra(e, a, rep.extra_attributes);
    }
  }
  const KindInfo& k = info(kind);
  if (!has_uid) return fail(e, element_tag(e) + " has no UID attribute");
  if (!record.uid.starts_with(k.uid_prefix) || record.uid.size() == k.uid_prefix.size()) {
    return fail(e, "UID '" + record.uid + "' of " + element_tag(e) + " is not a " +
                       std::string(k.name) + " UID (" + std::string(k.uid_prefix) + "...)");
  }
  if (form == Form::Entity) rep.fields.resize(k.fields.size());
  if (!parse_children(e, kind, form, rep)) return false;
  doc_.records.push_back(std::move(record));
  return true;
}

// Takes Links and the known fields where EM's schema puts them; everything else, and anything
// that would not render back identically from the modeled form, is kept verbatim in its place.
bool Parser::parse_children(pugi::xml_node e, Kind kind, Form form, Representation& rep) {
  if (!refuse_text(e)) return false;
  const std::span<const FieldSpec> specs = info(kind).fields;
  std::size_t next_field = 0;  // fields before this one can no longer be taken in order
  bool links_allowed = true;   // Links renders first, so only before any field
  std::size_t position = 0;
  for (pugi::xml_node c = e.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    const bool em = is_em(c);
    const std::string_view name = local_name_of(c.name());
    const bool plain = em && !has_attributes(c);
    if (plain && name == "Links" && links_allowed && has_only_element_children(c)) {
      rep.has_links = true;
      links_allowed = false;
      parse_links(c, rep.links);
    } else if (auto field =
                   std::find_if(specs.begin() + static_cast<std::ptrdiff_t>(next_field),
                                specs.end(), [&](const FieldSpec& f) { return f.element == name; });
               form == Form::Entity && plain && field != specs.end() && !has_child_elements(c)) {
      std::string text = element_text(c);
      if (std::string problem = field_text_problem(field->type, text); !problem.empty()) {
        return fail(c, element_tag(c) + ": " + problem);
      }
      next_field = static_cast<std::size_t>(field - specs.begin());
      rep.fields[next_field++] = std::move(text);
      links_allowed = false;
    } else {
      rep.unmodeled.push_back(Unmodeled{position, self_contained(c)});
    }
    ++position;
  }
  return true;
}

void Parser::parse_links(pugi::xml_node links, std::vector<Link>& out) {
  for (pugi::xml_node c = links.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element) out.push_back(parse_link(c));
  }
}

Link Parser::parse_link(pugi::xml_node e) {
  Link link;
  if (!is_em(e) || local_name_of(e.name()) != "Link" || e.first_child()) {
    link.raw_xml = self_contained(e);
    return link;
  }
  for (pugi::xml_attribute a : e.attributes()) {
    std::string_view name = a.name();
    if (name == "Rel") {
      link.rel = a.value();
    } else if (name == "Type") {
      link.type = a.value();
    } else if (name == "Href") {
      link.href = take_href(a.value());
    } else if (name == "Name") {
      link.name = a.value();
    } else if (!xml::is_namespace_declaration(name)) {
      add_extra(e, a, link.extra_attributes);
    }
  }
  return link;
}

}  // namespace

Expected<Document> parse_document(std::string_view xml, std::string_view source) {
  return Parser(xml, source).run();
}

}  // namespace emarchive
