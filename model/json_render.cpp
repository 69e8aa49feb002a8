#include "model/json_render.h"

#include <pugixml.hpp>

#include <algorithm>
#include <array>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "model/codec.h"
#include "model/json_writer.h"
#include "model/kind.h"
#include "model/xml_util.h"

namespace emarchive {
namespace {

// parse_ws_pcdata_single keeps the text of <Description>  </Description>, as model/parse.cpp
// does, while whitespace between elements goes.
constexpr unsigned kParseOptions = pugi::parse_default | pugi::parse_ws_pcdata_single;

constexpr std::string_view kXsiNamespace = "http://www.w3.org/2001/XMLSchema-instance";

// How a scalar's text is written. Names the table below does not know are written as strings,
// except the texts "true" and "false", which in EM's schema are always xs:boolean.
enum class Scalar { String, Integer, Boolean, Unknown };

// EM's XSD type of a leaf element or attribute, by name: every field of the archived kinds
// (model/kind.cpp) and the integers of the other documents emarchive serves and of the parts of
// a Job it keeps unmodeled.
Scalar scalar_type(std::string_view name) {
  static const std::unordered_map<std::string_view, Scalar> types = [] {
    std::unordered_map<std::string_view, Scalar> t;
    for (const KindInfo& kind : all_kinds()) {
      for (const FieldSpec& f : kind.fields) {
        t.emplace(f.element, f.type == FieldType::Integer   ? Scalar::Integer
                             : f.type == FieldType::Boolean ? Scalar::Boolean
                                                            : Scalar::String);
      }
    }
    for (std::string_view s : {"Name", "UID", "Href", "Type", "Rel", "VmDisplayName", "UserName",
                               "SessionId", "Message"}) {
      t.emplace(s, Scalar::String);
    }
    for (std::string_view i :
         {"PageNum", "PageSize", "PagesCount", "StatusCode", "RetryTimes", "RetryTimeout",
          "BackupCompetitionWaitingPeriodMin", "FullPeriod", "HourlyOffset", "RetainCycles",
          "RetainDays", "Order", "MinutesOffset", "StorageQuota",
          // The summary reports' counters, durations (seconds) and sizes (bytes), and the
          // repositories' space (docs/EM-API.md, section 10): integers in EM's schema, which
          // monitoring scripts add and compare as numbers.
          "BackupServers", "ProxyServers", "RepositoryServers", "RunningJobs", "ScheduledJobs",
          "SuccessfulVmLastestStates", "WarningVmLastestStates", "FailedVmLastestStates",
          "ProtectedVms", "BackedUpVms", "ReplicatedVms", "RestorePoints", "FullBackupPointsSize",
          "IncrementalBackupPointsSize", "ReplicaRestorePointsSize", "SourceVmsSize",
          "SuccessBackupPercents", "ScheduledBackupJobs", "ScheduledReplicaJobs", "TotalJobRuns",
          "SuccessfulJobRuns", "WarningsJobRuns", "FailedJobRuns", "MaxJobDuration",
          "MaxBackupJobDuration", "MaxReplicaJobDuration", "Capacity", "FreeSpace", "BackupSize"}) {
      t.emplace(i, Scalar::Integer);
    }
    return t;
  }();
  const auto it = types.find(name);
  return it == types.end() ? Scalar::Unknown : it->second;
}

void append_scalar(std::string& out, std::string_view name, std::string_view text) {
  const Scalar type = scalar_type(name);
  const bool boolean = text == "true" || text == "false";
  if ((type == Scalar::Integer && json::is_integer_text(text)) ||
      ((type == Scalar::Boolean || type == Scalar::Unknown) && boolean)) {
    out += text;  // a typed value whose text is not of its type stays a string: nothing is lost
  } else {
    json::append_string(out, text);
  }
}

bool in_em_namespace(pugi::xml_node element) {
  const char* uri = xml::element_namespace(element);
  return uri && (*uri == '\0' || uri == kEmNamespace);
}

// The property name of an element: its local name in EM's namespace, else the name as written.
std::string_view element_name(pugi::xml_node element) {
  const std::string_view name = element.name();
  return in_em_namespace(element) ? xml::local_name_of(name) : name;
}

bool is_em_element(pugi::xml_node node, std::string_view local_name) {
  return node.type() == pugi::node_element && element_name(node) == local_name &&
         in_em_namespace(node);
}

bool is_xsi_attribute(pugi::xml_node element, pugi::xml_attribute a, std::string_view local) {
  const std::string_view name = a.name();
  const std::string_view prefix = xml::prefix_of(name);
  if (prefix.empty() || xml::local_name_of(name) != local) return false;
  const char* uri = xml::namespace_uri(element, prefix);
  return uri && uri == kXsiNamespace;
}

bool is_nil(pugi::xml_node element) {
  for (pugi::xml_attribute a : element.attributes()) {
    if (is_xsi_attribute(element, a, "nil")) {
      const std::string_view v = a.value();
      return v == "true" || v == "1";
    }
  }
  return false;
}

// Attributes that become properties: not namespace declarations, not xsi:nil.
bool is_property_attribute(pugi::xml_node element, pugi::xml_attribute a) {
  return !xml::is_namespace_declaration(a.name()) && !is_xsi_attribute(element, a, "nil");
}

std::string text_of(pugi::xml_node element) {
  std::string text;
  for (pugi::xml_node n : element.children()) {
    if (n.type() == pugi::node_pcdata || n.type() == pugi::node_cdata) text += n.value();
  }
  return text;
}

bool has_child_elements(pugi::xml_node element) {
  for (pugi::xml_node n : element.children()) {
    if (n.type() == pugi::node_element) return true;
  }
  return false;
}

// The members of the base types every EM resource derives from, in the order EM writes them
// after the element's own members (a real EM's JSON: ..., Name, UID, Links, Href, Type).
constexpr std::array<std::string_view, 5> kEntityBase = {"Name", "UID", "Links", "Href", "Type"};
// References put Links first (EM's documentation examples: Links, UID, Name, Href, Type).
constexpr std::array<std::string_view, 5> kReferenceBase = {"Links", "UID", "Name", "Href", "Type"};

bool is_base_name(std::string_view name) {
  return std::find(kEntityBase.begin(), kEntityBase.end(), name) != kEntityBase.end();
}

// Elements that EM's JSON always lists in an array under a plural name, however many there are:
// the repository report's one Period per repository, which clients read as `.Periods[]`.
std::optional<std::string_view> array_member_name(std::string_view element) {
  if (element == "Period") return "Periods";
  return std::nullopt;
}

// Wrappers whose children form a JSON array directly ("Links": [...]), as EM's own arrays.
bool is_array_wrapper(std::string_view name) {
  return name == "Links" || name == "SupportedVersions";
}

// Writes the members of one object, putting the separating commas.
class ObjectWriter {
 public:
  explicit ObjectWriter(std::string& out) : out_(out) { out_ += '{'; }
  ~ObjectWriter() { out_ += '}'; }
  ObjectWriter(const ObjectWriter&) = delete;
  ObjectWriter& operator=(const ObjectWriter&) = delete;

  std::string& key(std::string_view name) {
    if (!first_) out_ += ',';
    first_ = false;
    json::append_string(out_, name);
    out_ += ':';
    return out_;
  }

 private:
  std::string& out_;
  bool first_ = true;
};

// Child elements grouped by property name, in the order of each name's first occurrence.
struct ChildGroup {
  std::string_view name;
  std::vector<pugi::xml_node> elements;
};

std::vector<ChildGroup> group_children(pugi::xml_node element) {
  std::vector<ChildGroup> groups;
  std::unordered_map<std::string_view, std::size_t> index;
  for (pugi::xml_node child : element.children()) {
    if (child.type() != pugi::node_element) continue;
    const std::string_view name = element_name(child);
    const auto [it, inserted] = index.emplace(name, groups.size());
    if (inserted) groups.push_back({name, {}});
    groups[it->second].elements.push_back(child);
  }
  return groups;
}

// Writes [write(c),...] for the child elements c of `parent` that `keep` accepts.
template <class Keep, class Write>
void append_array(std::string& out, pugi::xml_node parent, Keep keep, Write write) {
  out += '[';
  bool first = true;
  for (pugi::xml_node child : parent.children()) {
    if (child.type() != pugi::node_element || !keep(child)) continue;
    if (!first) out += ',';
    first = false;
    write(child);
  }
  out += ']';
}

constexpr auto kEveryElement = [](pugi::xml_node) { return true; };

class Converter {
 public:
  explicit Converter(std::string& out) : out_(out) {}

  void document(pugi::xml_node root) {
    const std::string_view name = element_name(root);
    if (!in_em_namespace(root)) {
      value(root);
    } else if (name == "EntityRef" || name == "Ref") {
      reference(root);
    } else if (name == "EntityReferences") {
      refs(root);
    } else if (name == "QueryResult") {
      query_result(root);
    } else if (name == "Error") {
      error(root);
    } else if (const std::optional<Kind> kind = kind_from_entity_name(name)) {
      entity(root, info(*kind));
    } else if (is_list(root)) {
      list(root);
    } else {
      value(root);
    }
  }

 private:
  // <BackupJobSessions>, <LogonSessions>: a plural name whose children are all the singular.
  static bool is_list(pugi::xml_node element) {
    const std::string_view name = element_name(element);
    if (kind_from_list_element(name)) return true;
    if (!name.ends_with('s') || !has_child_elements(element)) return false;
    // <Repositories> of <Repository>, else <Jobs> of <Job>.
    const std::string singular = name.ends_with("ies")
                                     ? std::string(name.substr(0, name.size() - 3)) + "y"
                                     : std::string(name.substr(0, name.size() - 1));
    for (pugi::xml_node child : element.children()) {
      if (child.type() == pugi::node_element && !is_em_element(child, singular)) return false;
    }
    return true;
  }

  // {"BackupJobSessions":[ {...}, ... ]}
  void list(pugi::xml_node element) {
    ObjectWriter object(out_);
    append_array(object.key(element_name(element)), element, kEveryElement,
                 [&](pugi::xml_node item) { document(item); });
  }

  // {"Refs":[...]}, the other children of EntityReferences (a newer EM's) after it.
  void refs(pugi::xml_node element) {
    ObjectWriter object(out_);
    append_array(
        object.key("Refs"), element, [](pugi::xml_node c) { return is_em_element(c, "Ref"); },
        [&](pugi::xml_node ref) { reference(ref); });
    for (const ChildGroup& group : group_children(element)) {
      if (group.name != "Ref") members(object, group);
    }
  }

  // QueryResult as EM writes it: every top-level member present, null when unused, and the
  // lists nested in an object named after them ("Refs":{"Refs":[...]}).
  void query_result(pugi::xml_node element) {
    ObjectWriter object(out_);
    const auto child = [&](std::string_view name) {
      for (pugi::xml_node c : element.children()) {
        if (is_em_element(c, name)) return c;
      }
      return pugi::xml_node();
    };
    if (const pugi::xml_node r = child("Refs")) {
      object.key("Refs");
      refs(r);
    } else {
      object.key("Refs") += "null";
    }
    if (const pugi::xml_node e = child("Entities")) {
      object.key("Entities");
      ObjectWriter entities(out_);
      for (pugi::xml_node wrapper : e.children()) {
        if (wrapper.type() != pugi::node_element) continue;
        entities.key(element_name(wrapper));
        list(wrapper);
      }
    } else {
      object.key("Entities") += "null";
    }
    for (std::string_view name : {"Resources", "Links"}) {
      if (const pugi::xml_node c = child(name)) {
        value(c, object.key(name));
      } else {
        object.key(name) += "null";
      }
    }
    if (const pugi::xml_node paging = child("PagingInfo")) {
      paging_info(paging, object.key("PagingInfo"));
    } else {
      object.key("PagingInfo") += "null";
    }
    for (const ChildGroup& group : group_children(element)) {
      if (group.name != "Refs" && group.name != "Entities" && group.name != "Resources" &&
          group.name != "Links" && group.name != "PagingInfo") {
        members(object, group);
      }
    }
  }

  // EM's Error as seen from a real EM: {"FirstChanceExceptionMessage":null,"Message":"...",
  // "StackTrace":null,"Status":null,"StatusCode":400}, from attributes or child elements.
  void error(pugi::xml_node element) {
    constexpr std::array<std::string_view, 5> kMembers = {"FirstChanceExceptionMessage", "Message",
                                                          "StackTrace", "Status", "StatusCode"};
    ObjectWriter object(out_);
    fixed_members(object, element, kMembers);
  }

  // `names` first, in that order, each from the attribute or child element of that name (Links
  // as an array), null when there is none; then the other children and attributes.
  void fixed_members(ObjectWriter& object, pugi::xml_node element,
                     std::span<const std::string_view> names) {
    const auto listed = [&](std::string_view name) {
      return std::find(names.begin(), names.end(), name) != names.end();
    };
    const std::vector<ChildGroup> groups = group_children(element);
    for (std::string_view name : names) {
      const auto group = std::find_if(groups.begin(), groups.end(),
                                      [&](const ChildGroup& g) { return g.name == name; });
      if (const pugi::xml_attribute a = element.attribute(std::string(name).c_str())) {
        append_scalar(object.key(name), name, a.value());
      } else if (group != groups.end()) {
        members(object, *group);
      } else {
        object.key(name) += "null";
      }
    }
    for (const ChildGroup& group : groups) {
      if (!listed(group.name)) members(object, group);
    }
    for (pugi::xml_attribute a : element.attributes()) {
      const std::string_view name = a.name();
      if (is_property_attribute(element, a) && !listed(name)) {
        append_scalar(object.key(name), name, a.value());
      }
    }
  }

  // An archived kind's entity form: its fields in schema order, the absent ones null (IsRetry
  // first on a backup job session, as a real EM writes it), then the base members.
  void entity(pugi::xml_node element, const KindInfo& kind) {
    ObjectWriter object(out_);
    std::vector<ChildGroup> groups = group_children(element);
    std::erase_if(groups, [](const ChildGroup& g) { return g.name == "Links"; });
    // Absent fields go after the nearest present field that precedes them in the schema.
    std::size_t insert_at = 0;
    for (const FieldSpec& field : kind.fields) {
      const auto found = std::find_if(groups.begin(), groups.end(),
                                      [&](const ChildGroup& g) { return g.name == field.element; });
      if (found != groups.end()) {
        insert_at = static_cast<std::size_t>(found - groups.begin()) + 1;
      } else {
        groups.insert(groups.begin() + static_cast<std::ptrdiff_t>(insert_at),
                      ChildGroup{field.element, {}});
        ++insert_at;
      }
    }
    if (kind.kind == Kind::BackupJobSession) {
      std::stable_partition(groups.begin(), groups.end(),
                            [](const ChildGroup& g) { return g.name == "IsRetry"; });
    }
    for (const ChildGroup& group : groups) members(object, group);
    own_attributes(object, element);
    base_members(object, element, kEntityBase, true);
  }

  void reference(pugi::xml_node element) {
    ObjectWriter object(out_);
    for (const ChildGroup& group : group_children(element)) {
      if (group.name != "Links") members(object, group);
    }
    own_attributes(object, element);
    base_members(object, element, kReferenceBase, true);
  }

  // {"Links":[...],"PageNum":1,"PageSize":100,"PagesCount":1}, in a real EM's order.
  void paging_info(pugi::xml_node element, std::string& out) {
    constexpr std::array<std::string_view, 4> kMembers = {"Links", "PageNum", "PageSize",
                                                          "PagesCount"};
    ObjectWriter object(out);
    fixed_members(object, element, kMembers);
  }

  // Any other element with attributes or children: its own children and attributes, then the
  // base members it has.
  void generic_object(pugi::xml_node element, std::string& out) {
    ObjectWriter object(out);
    // A child named like a base attribute (ObjectInJob's <Name>) is one of its own members.
    for (const ChildGroup& group : group_children(element)) {
      if (group.name != "Links") members(object, group);
    }
    own_attributes(object, element);
    const std::string text = text_of(element);
    if (!text.empty() &&
        (!has_child_elements(element) || text.find_first_not_of(" \t\r\n") != std::string::npos)) {
      json::append_string(object.key("Value"), text);
    }
    base_members(object, element, kEntityBase, false);
  }

  // Attributes other than the base ones, in document order.
  static void own_attributes(ObjectWriter& object, pugi::xml_node element) {
    for (pugi::xml_attribute a : element.attributes()) {
      const std::string_view name = a.name();
      if (is_property_attribute(element, a) && !is_base_name(name)) {
        append_scalar(object.key(name), name, a.value());
      }
    }
  }

  // Name, UID, Href, Type from the attributes; Links from the child element. `all`: write null
  // for an absent one, as EM does for the entities and references it serializes.
  void base_members(ObjectWriter& object, pugi::xml_node element,
                    std::span<const std::string_view> names, bool all) {
    for (std::string_view name : names) {
      if (name == "Links") {
        pugi::xml_node links;
        for (pugi::xml_node c : element.children()) {
          if (is_em_element(c, "Links")) {
            links = c;
            break;
          }
        }
        if (links) {
          links_array(object.key(name), links);
        } else if (all) {
          object.key(name) += "null";
        }
        continue;
      }
      const pugi::xml_attribute a = element.attribute(std::string(name).c_str());
      if (a) {
        json::append_string(object.key(name), a.value());
      } else if (all) {
        object.key(name) += "null";
      }
    }
  }

  // A group of same-named children: one value, or an array when the element repeats; a field
  // the XML omits (no elements) is null.
  void members(ObjectWriter& object, const ChildGroup& group) {
    const std::optional<std::string_view> plural = array_member_name(group.name);
    std::string& out = object.key(plural ? *plural : group.name);
    if (group.elements.empty()) {
      out += "null";
    } else if (group.elements.size() == 1 && !plural) {
      value(group.elements.front(), out);
    } else {
      out += '[';
      for (std::size_t i = 0; i < group.elements.size(); ++i) {
        if (i > 0) out += ',';
        value(group.elements[i], out);
      }
      out += ']';
    }
  }

  void value(pugi::xml_node element) { value(element, out_); }

  void value(pugi::xml_node element, std::string& out) {
    const std::string_view name = element_name(element);
    if (is_nil(element)) {
      out += "null";
    } else if (name == "Links" && in_em_namespace(element)) {
      links_array(out, element);
    } else if (is_array_wrapper(name) && in_em_namespace(element)) {
      append_array(out, element, kEveryElement, [&](pugi::xml_node item) { value(item, out); });
    } else if (has_child_elements(element) || has_property_attributes(element)) {
      generic_object(element, out);
    } else {
      append_scalar(out, name, text_of(element));
    }
  }

  static bool has_property_attributes(pugi::xml_node element) {
    for (pugi::xml_attribute a : element.attributes()) {
      if (is_property_attribute(element, a)) return true;
    }
    return false;
  }

  // [{"Rel":..,"Href":..,"Name":..,"Type":..}, ...]; a child of <Links> that is not a plain
  // Link keeps its other attributes and children after those four, and one that is not a Link
  // at all becomes {"<its name>": <its value>}.
  void links_array(std::string& out, pugi::xml_node links) {
    append_array(out, links, kEveryElement, [&](pugi::xml_node child) { link(out, child); });
  }

  void link(std::string& out, pugi::xml_node child) {
    ObjectWriter object(out);
    if (!is_em_element(child, "Link")) {
      value(child, object.key(element_name(child)));
      return;
    }
    constexpr std::array<std::string_view, 4> kMembers = {"Rel", "Href", "Name", "Type"};
    fixed_members(object, child, kMembers);
  }

  std::string& out_;
};

}  // namespace

Expected<std::string> render_json(std::string_view xml) {
  pugi::xml_document doc;
  const pugi::xml_parse_result parsed =
      doc.load_buffer(xml.data(), xml.size(), kParseOptions, pugi::encoding_utf8);
  if (!parsed) {
    return Error{"JSON rendering: XML not well-formed at byte " + std::to_string(parsed.offset) +
                 ": " + parsed.description()};
  }
  const pugi::xml_node root = doc.document_element();
  if (!root) return Error{"JSON rendering: XML without a root element"};
  std::string out;
  out.reserve(xml.size());
  Converter(out).document(root);
  return out;
}

}  // namespace emarchive
