#include "storage/observation_document.h"

#include <pugixml.hpp>

#include <cstring>
#include <sstream>

#include "model/ascii.h"
#include "model/codec.h"
#include "model/href.h"
#include "model/xml_chars.h"

namespace emarchive::storage {
namespace {

// The namespace an element's own name is in, looked up on the element and its ancestors.
std::string_view element_namespace(pugi::xml_node element) {
  const char* name = element.name();
  const char* colon = std::strchr(name, ':');
  const std::string declaration =
      colon ? "xmlns:" + std::string(name, static_cast<std::size_t>(colon - name)) : "xmlns";
  for (pugi::xml_node node = element; node; node = node.parent()) {
    if (pugi::xml_attribute a = node.attribute(declaration.c_str())) return a.value();
  }
  return {};
}

// Applies `rewrite` to the value of every unprefixed Href attribute in the tree.
template <class Rewrite>
void rewrite_hrefs(pugi::xml_node root, Rewrite rewrite) {
  struct Walker : pugi::xml_tree_walker {
    Rewrite& rewrite;
    explicit Walker(Rewrite& r) : rewrite(r) {}
    bool for_each(pugi::xml_node& node) override {
      if (node.type() != pugi::node_element) return true;
      for (pugi::xml_attribute a : node.attributes()) {
        if (std::strcmp(a.name(), "Href") == 0) a.set_value(rewrite(a.value()).c_str());
      }
      return true;
    }
  } walker(rewrite);
  if (pugi::xml_attribute a = root.attribute("Href")) a.set_value(rewrite(a.value()).c_str());
  root.traverse(walker);
}

std::string print(const pugi::xml_document& document) {
  std::ostringstream out;
  document.save(out, "", pugi::format_raw | pugi::format_no_declaration, pugi::encoding_utf8);
  return out.str();
}

}  // namespace

Expected<CanonicalDocument> canonical_document(std::string_view xml, std::string_view source) {
  auto refuse = [&](const std::string& why) {
    return Error{std::string(source) + ": " + why, ErrorCode::invalid_input};
  };
  if (auto problem = xml_char_problem(xml)) return refuse(*problem);
  pugi::xml_document document;
  // A text of spaces only is a value (<Reason> </Reason>), not whitespace between elements.
  const pugi::xml_parse_result parsed = document.load_buffer(
      xml.data(), xml.size(), pugi::parse_default | pugi::parse_ws_pcdata_single);
  if (!parsed) {
    return refuse("malformed XML at byte " + std::to_string(parsed.offset) + ": " +
                  parsed.description());
  }
  const pugi::xml_node root = document.document_element();
  if (!root) return refuse("no root element");
  if (element_namespace(root) != kEmNamespace) {
    return refuse("the root element <" + std::string(root.name()) + "> is not in EM's namespace " +
                  std::string(kEmNamespace));
  }
  CanonicalDocument canonical;
  rewrite_hrefs(root, [&](const char* href) {
    SplitHref split = split_href(href);
    if (canonical.origin.empty()) canonical.origin = split.origin;
    return split.rest;
  });
  canonical.text = print(document);
  return canonical;
}

std::optional<std::string> list_member(std::string_view canonical, std::string_view id,
                                       std::string_view root_name) {
  pugi::xml_document list;
  if (!list.load_buffer(canonical.data(), canonical.size(),
                        pugi::parse_default | pugi::parse_ws_pcdata_single)) {
    return std::nullopt;
  }
  for (pugi::xml_node member : list.document_element().children()) {
    if (member.type() != pugi::node_element) continue;
    if (!iequals(href_id(member.attribute("Href").value()), id)) continue;
    pugi::xml_document single;
    pugi::xml_node root = single.append_copy(member);
    if (!root_name.empty()) root.set_name(std::string(root_name).c_str());
    if (!root.attribute("xmlns")) {
      root.prepend_attribute("xmlns").set_value(std::string(kEmNamespace).c_str());
    }
    return print(single);
  }
  return std::nullopt;
}

std::string with_href_origin(std::string_view canonical, std::string_view origin) {
  std::string out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
  pugi::xml_document document;
  if (!document.load_buffer(canonical.data(), canonical.size(),
                            pugi::parse_default | pugi::parse_ws_pcdata_single)) {
    return out += canonical;
  }
  rewrite_hrefs(document.document_element(),
                [&](const char* href) { return join_href(origin, href); });
  return out += print(document);
}

}  // namespace emarchive::storage
