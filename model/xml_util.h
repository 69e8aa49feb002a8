#pragma once
// Internal to model/: the XML writing and namespace helpers parse, render and xml_compare share.
// Not part of the library's contract; other folders use model/codec.h and model/xml_compare.h.

#include <pugixml.hpp>

#include <string>
#include <string_view>

#include "model/xml_escape.h"

namespace emarchive::xml {

// Appends ` name="value"`, the value escaped.
void append_attribute(std::string& out, std::string_view name, std::string_view value);

// "v:Foo" -> "v", "Foo" -> "".
std::string_view prefix_of(std::string_view qualified_name);
// "v:Foo" -> "Foo", "Foo" -> "Foo".
std::string_view local_name_of(std::string_view qualified_name);
// Whether the attribute name is a namespace declaration ("xmlns" or "xmlns:p").
bool is_namespace_declaration(std::string_view attribute_name);

// The namespace URI `prefix` ("" = the default namespace) is bound to at `element`, found by
// walking xmlns declarations up its ancestors. "" when the default namespace is not declared
// (no namespace); nullptr when a non-empty prefix is not declared at all. The pointer is into
// the document and lives as long as it.
const char* namespace_uri(pugi::xml_node element, std::string_view prefix);

// The namespace URI of an element's own name; nullptr when its prefix is undeclared.
const char* element_namespace(pugi::xml_node element);

// Appends `element` and everything in it as XML that means the same wherever it is embedded
// under a parent whose default namespace is `embedding_default`: it declares every namespace
// prefix it uses that was declared on an ancestor, and the inherited default namespace when that
// differs from `embedding_default` and an unprefixed element inside relies on it.
//
// Like every Href emarchive keeps (model/href.h), an unprefixed Href attribute inside is written
// without its scheme://authority when the rest is a path; append_with_href_origin puts an origin
// back. The first origin so removed is stored in `first_origin` if that is still empty.
//
// The output is canonical so that append_with_href_origin can find those Hrefs by their text:
// attributes as ` name="value"`, '"' escaped in text too, CDATA sections as escaped text, empty
// elements as <A />. Comments and processing instructions are not kept (the parser drops them).
void append_self_contained(std::string& out, pugi::xml_node element,
                           std::string_view embedding_default, std::string& first_origin);

// Appends `xml` written by append_self_contained with `origin` before every unprefixed Href
// value that is a path. Other XML passes unchanged unless it has such Hrefs in that form.
void append_with_href_origin(std::string& out, std::string_view xml, std::string_view origin);

}  // namespace emarchive::xml
