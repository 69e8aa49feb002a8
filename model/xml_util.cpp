#include "model/xml_util.h"

#include <algorithm>
#include <vector>

#include "model/href.h"

namespace emarchive::xml {
namespace {

constexpr std::string_view kXmlNamespace = "http://www.w3.org/XML/1998/namespace";
constexpr std::string_view kXmlnsNamespace = "http://www.w3.org/2000/xmlns/";
// How append_self_contained writes an unprefixed Href, up to its value.
constexpr std::string_view kHrefStart = " Href=\"";

// The prefix declared by a namespace declaration attribute: "xmlns" -> "", "xmlns:p" -> "p".
std::string_view declared_prefix(std::string_view attribute_name) {
  return attribute_name.size() > 5 ? attribute_name.substr(6) : std::string_view{};
}

bool contains(const std::vector<std::string_view>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// What an element's subtree needs from its ancestors to mean the same elsewhere.
struct Needs {
  std::vector<std::string_view> prefixes;  // used, declared only above the subtree
  bool default_namespace = false;          // an unprefixed element inherits the default
};

void collect_needs(pugi::xml_node element, std::vector<std::string_view>& declared,
                   bool default_declared, Needs& needs) {
  const std::size_t mark = declared.size();
  for (pugi::xml_attribute a : element.attributes()) {
    if (!is_namespace_declaration(a.name())) continue;
    std::string_view p = declared_prefix(a.name());
    if (p.empty()) {
      default_declared = true;
    } else {
      declared.push_back(p);
    }
  }
  auto need = [&](std::string_view p) {
    if (p.empty() || p == "xml" || contains(declared, p) || contains(needs.prefixes, p)) return;
    needs.prefixes.push_back(p);
  };
  std::string_view p = prefix_of(element.name());
  if (p.empty()) {
    if (!default_declared) needs.default_namespace = true;
  } else {
    need(p);
  }
  for (pugi::xml_attribute a : element.attributes()) {
    if (!is_namespace_declaration(a.name())) need(prefix_of(a.name()));
  }
  for (pugi::xml_node c = element.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element) collect_needs(c, declared, default_declared, needs);
  }
  declared.resize(mark);
}

void append_element(std::string& out, pugi::xml_node element, std::string_view extra_attributes,
                    std::string& first_origin) {
  out += '<';
  out += element.name();
  for (pugi::xml_attribute a : element.attributes()) {
    std::string_view name = a.name();
    if (name == "Href") {
      SplitHref split = split_href(a.value());
      if (!split.origin.empty() && split.rest.starts_with('/')) {
        if (first_origin.empty()) first_origin = split.origin;
        append_attribute(out, name, split.rest);
        continue;
      }
    }
    append_attribute(out, name, a.value());
  }
  out += extra_attributes;
  if (!element.first_child()) {
    out += " />";
    return;
  }
  out += '>';
  for (pugi::xml_node c = element.first_child(); c; c = c.next_sibling()) {
    switch (c.type()) {
      case pugi::node_element:
        append_element(out, c, {}, first_origin);
        break;
      case pugi::node_pcdata:
      case pugi::node_cdata:
        // '"' escaped in text too, so that kHrefStart can only occur inside a start tag.
        append_escaped(out, c.value(), kQuotedTextEscapes);
        break;
      default:  // comments, PIs: not parsed, so not present
        break;
    }
  }
  out += "</";
  out += element.name();
  out += '>';
}

}  // namespace

void append_attribute(std::string& out, std::string_view name, std::string_view value) {
  out += ' ';
  out += name;
  out += "=\"";
  append_escaped_attribute(out, value);
  out += '"';
}

std::string_view prefix_of(std::string_view qualified_name) {
  std::size_t colon = qualified_name.find(':');
  return colon == std::string_view::npos ? std::string_view{} : qualified_name.substr(0, colon);
}

std::string_view local_name_of(std::string_view qualified_name) {
  std::size_t colon = qualified_name.find(':');
  return colon == std::string_view::npos ? qualified_name : qualified_name.substr(colon + 1);
}

bool is_namespace_declaration(std::string_view attribute_name) {
  return attribute_name == "xmlns" || attribute_name.starts_with("xmlns:");
}

const char* namespace_uri(pugi::xml_node element, std::string_view prefix) {
  if (prefix == "xml") return kXmlNamespace.data();
  if (prefix == "xmlns") return kXmlnsNamespace.data();
  for (pugi::xml_node n = element; n && n.type() == pugi::node_element; n = n.parent()) {
    for (pugi::xml_attribute a : n.attributes()) {
      std::string_view name = a.name();
      if (is_namespace_declaration(name) && declared_prefix(name) == prefix) return a.value();
    }
  }
  return prefix.empty() ? "" : nullptr;
}

const char* element_namespace(pugi::xml_node element) {
  return namespace_uri(element, prefix_of(element.name()));
}

void append_self_contained(std::string& out, pugi::xml_node element,
                           std::string_view embedding_default, std::string& first_origin) {
  Needs needs;
  std::vector<std::string_view> declared;
  collect_needs(element, declared, false, needs);

  std::string extra;
  for (std::string_view p : needs.prefixes) {
    // An undeclared prefix cannot be repaired; the element is kept as written.
    if (const char* uri = namespace_uri(element, p)) {
      append_attribute(extra, std::string("xmlns:").append(p), uri);
    }
  }
  if (needs.default_namespace) {
    std::string_view inherited = namespace_uri(element, "");
    if (inherited != embedding_default) append_attribute(extra, "xmlns", inherited);
  }
  append_element(out, element, extra, first_origin);
}

void append_with_href_origin(std::string& out, std::string_view xml, std::string_view origin) {
  std::size_t from = 0;
  for (std::size_t at = xml.find(kHrefStart); !origin.empty() && at != std::string_view::npos;
       at = xml.find(kHrefStart, from)) {
    const std::size_t value = at + kHrefStart.size();
    out.append(xml.substr(from, value - from));
    if (value < xml.size() && xml[value] == '/') append_escaped_attribute(out, origin);
    from = value;
  }
  out.append(xml.substr(from));
}

}  // namespace emarchive::xml
