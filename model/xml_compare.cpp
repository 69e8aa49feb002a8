#include "model/xml_compare.h"

#include <pugixml.hpp>

#include <algorithm>
#include <variant>
#include <vector>

#include "model/href.h"
#include "model/xml_util.h"

namespace emarchive {
namespace {

// Whitespace-only text is kept so that <Reason> </Reason> and <Reason /> differ; whether it is
// ignored depends on where it is (see children_of).
constexpr unsigned kParseOptions = pugi::parse_default | pugi::parse_ws_pcdata;

bool is_whitespace(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// Text for a one-line message: quoted, line breaks shown as \n, long text cut.
std::string quote(std::string_view text) {
  constexpr std::size_t kMax = 80;
  std::string out = "\"";
  for (char c : text.substr(0, kMax)) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out += c;
    }
  }
  out += text.size() > kMax ? "\"..." : "\"";
  return out;
}

std::string namespace_of(pugi::xml_node e, std::string_view prefix) {
  const char* uri = xml::namespace_uri(e, prefix);
  return uri ? uri : "(undeclared prefix " + std::string(prefix) + ")";
}

// "{uri}Local", or "Local" in no namespace.
std::string expanded_name(pugi::xml_node e) {
  std::string uri = namespace_of(e, xml::prefix_of(e.name()));
  std::string_view local = xml::local_name_of(e.name());
  return uri.empty() ? std::string(local) : "{" + uri + "}" + std::string(local);
}

struct AttributeValue {
  std::string uri;
  std::string_view local;
  std::string_view qualified;
  std::string_view value;
};

std::vector<AttributeValue> attributes_of(pugi::xml_node e) {
  std::vector<AttributeValue> out;
  for (pugi::xml_attribute a : e.attributes()) {
    std::string_view name = a.name();
    if (xml::is_namespace_declaration(name)) continue;
    std::string_view prefix = xml::prefix_of(name);
    // An unprefixed attribute is in no namespace, whatever the default namespace is.
    out.push_back({prefix.empty() ? std::string() : namespace_of(e, prefix),
                   xml::local_name_of(name), name, a.value()});
  }
  return out;
}

// A child as compared: an element, or a run of adjacent text (CDATA included).
using Child = std::variant<pugi::xml_node, std::string>;

std::vector<Child> children_of(pugi::xml_node e) {
  std::vector<Child> out;
  bool has_elements = false;
  bool last_was_text = false;
  for (pugi::xml_node c = e.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element) {
      out.emplace_back(c);
      has_elements = true;
      last_was_text = false;
    } else if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) {
      if (last_was_text) {
        std::get<std::string>(out.back()) += c.value();
      } else {
        out.emplace_back(std::string(c.value()));
      }
      last_was_text = true;
    }
  }
  // Between elements, whitespace-only text is layout; in an element without children it is data.
  if (has_elements) {
    std::erase_if(out, [](const Child& c) {
      auto* text = std::get_if<std::string>(&c);
      return text && is_whitespace(*text);
    });
  }
  return out;
}

std::string describe(const Child& c) {
  if (auto* text = std::get_if<std::string>(&c)) return "text " + quote(*text);
  return "element <" + std::string(std::get<pugi::xml_node>(c).name()) + ">";
}

// "/Parent/Name", with "[n]" (1-based) when the parent has several children of that name.
std::string child_path(const std::string& parent_path, pugi::xml_node e) {
  std::string_view local = xml::local_name_of(e.name());
  std::size_t index = 0, count = 0;
  for (pugi::xml_node s = e.parent().first_child(); s; s = s.next_sibling()) {
    if (s.type() != pugi::node_element || xml::local_name_of(s.name()) != local) continue;
    ++count;
    if (s == e) index = count;
  }
  std::string path = parent_path + "/" + std::string(local);
  if (count > 1) path += "[" + std::to_string(index) + "]";
  return path;
}

class Comparer {
 public:
  explicit Comparer(const XmlCompareOptions& options) : options_(options) {}

  // Returns "" when equal.
  std::string elements(pugi::xml_node a, pugi::xml_node b, const std::string& path) const {
    if (std::string na = expanded_name(a), nb = expanded_name(b); na != nb) {
      return path + ": element " + na + " vs " + nb;
    }
    if (std::string d = attributes(a, b); !d.empty()) return path + ": " + d;

    const std::vector<Child> ca = children_of(a), cb = children_of(b);
    for (std::size_t i = 0; i < std::max(ca.size(), cb.size()); ++i) {
      if (i >= cb.size()) return path + ": " + describe(ca[i]) + " only in the first";
      if (i >= ca.size()) return path + ": " + describe(cb[i]) + " only in the second";
      auto* ea = std::get_if<pugi::xml_node>(&ca[i]);
      auto* eb = std::get_if<pugi::xml_node>(&cb[i]);
      if (ea && eb) {
        if (std::string d = elements(*ea, *eb, child_path(path, *ea)); !d.empty()) return d;
      } else if (!ea && !eb) {
        const auto& ta = std::get<std::string>(ca[i]);
        const auto& tb = std::get<std::string>(cb[i]);
        if (ta != tb) return path + ": text " + quote(ta) + " vs " + quote(tb);
      } else {
        return path + ": " + describe(ca[i]) + " vs " + describe(cb[i]);
      }
    }
    return {};
  }

 private:
  std::string attributes(pugi::xml_node a, pugi::xml_node b) const {
    const std::vector<AttributeValue> aa = attributes_of(a), ab = attributes_of(b);
    auto find = [](const std::vector<AttributeValue>& in, const AttributeValue& x) {
      return std::find_if(in.begin(), in.end(), [&](const AttributeValue& y) {
        return y.uri == x.uri && y.local == x.local;
      });
    };
    for (const AttributeValue& x : aa) {
      auto y = find(ab, x);
      if (y == ab.end()) return "attribute " + std::string(x.qualified) + " only in the first";
      if (!same_value(x, y->value)) {
        return "attribute " + std::string(x.qualified) + ": " + quote(x.value) + " vs " +
               quote(y->value);
      }
    }
    for (const AttributeValue& y : ab) {
      if (find(aa, y) == aa.end()) {
        return "attribute " + std::string(y.qualified) + " only in the second";
      }
    }
    return {};
  }

  bool same_value(const AttributeValue& x, std::string_view other) const {
    if (options_.ignore_href_origin && x.uri.empty() && x.local == "Href") {
      return split_href(x.value).rest == split_href(other).rest;
    }
    return x.value == other;
  }

  const XmlCompareOptions& options_;
};

// The root element, or a description of why there is none.
std::variant<pugi::xml_node, std::string> root_of(pugi::xml_document& doc, std::string_view xml,
                                                  std::string_view which) {
  pugi::xml_parse_result r = doc.load_buffer(xml.data(), xml.size(), kParseOptions);
  if (!r) {
    return "the " + std::string(which) + " document does not parse: " + r.description() +
           " at byte " + std::to_string(r.offset);
  }
  return doc.document_element();
}

}  // namespace

std::string xml_difference(std::string_view a, std::string_view b,
                           const XmlCompareOptions& options) {
  pugi::xml_document da, db;
  auto ra = root_of(da, a, "first");
  if (auto* error = std::get_if<std::string>(&ra)) return *error;
  auto rb = root_of(db, b, "second");
  if (auto* error = std::get_if<std::string>(&rb)) return *error;
  pugi::xml_node ea = std::get<pugi::xml_node>(ra), eb = std::get<pugi::xml_node>(rb);
  return Comparer(options).elements(ea, eb, "/" + std::string(xml::local_name_of(ea.name())));
}

}  // namespace emarchive
