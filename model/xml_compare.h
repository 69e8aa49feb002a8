#pragma once
// Equality of two XML documents as docs/ARCHITECTURE.md, "Fidelity", defines it. Used by the
// tests and by anything that must prove a served document equals an archived one.

#include <string>
#include <string_view>

namespace emarchive {

struct XmlCompareOptions {
  // Compare Href attributes without their scheme://host:port (docs/ARCHITECTURE.md, "Fidelity").
  bool ignore_href_origin = false;
};

// Elements compare by namespace URI and local name; attributes as a set by (namespace URI, local
// name) and value, namespace declarations excluded, in any order; child elements in order; text
// exactly, except that whitespace-only text between elements is ignored; <A/> equals <A></A>.
// Comments, processing instructions and the XML declaration are not compared.
// Returns "" when equal, otherwise a one-line description of the first difference with the path
// of the element where it is (e.g. "/QueryResult/Refs/Ref[2]/Links/Link[3]: attribute Name: ...").
// A document that does not parse is a difference.
std::string xml_difference(std::string_view a, std::string_view b,
                           const XmlCompareOptions& options = {});

}  // namespace emarchive
