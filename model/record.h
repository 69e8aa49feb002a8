#pragma once
// An archived EM record (a session, a job or a backup server) with every representation of it
// that EM served, kept losslessly: values in their original text, Links in their order with
// every attribute, and whatever emarchive does not model kept verbatim in its place.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/kind.h"

namespace emarchive {

// An XML attribute: qualified name as written ("Name", "xsi:nil") and its decoded value.
struct Attribute {
  std::string name;
  std::string value;
  bool operator==(const Attribute&) const = default;
};

// One child of <Links>. Absent attributes are nullopt; Name="" is an empty string, not absent.
struct Link {
  std::optional<std::string> rel;
  std::optional<std::string> type;
  std::optional<std::string> href;  // without scheme://host:port (see model/href.h)
  std::optional<std::string> name;
  std::vector<Attribute> extra_attributes;  // attributes beyond the four, in document order
  // Set when this child of <Links> is not a plain <Link> (another element, or a Link with
  // children): the child's whole XML, kept verbatim; the members above are then unset. Hrefs in
  // it are kept without origin like all others (see Unmodeled::xml).
  std::optional<std::string> raw_xml;
  bool operator==(const Link&) const = default;
};

// A child element of the representation's root that emarchive does not model (a newer EM's
// element, a complex one such as JobInfo, a known field out of schema order or with attributes...).
struct Unmodeled {
  std::size_t position;  // index among the root's child elements, <Links> included
  // The element's whole XML, self-contained (see model/codec.h). Its unprefixed Href attributes
  // are kept without scheme://host:port like every Href; rendering puts the served origin back.
  std::string xml;
  bool operator==(const Unmodeled&) const = default;
};

enum class Form { Reference, Entity };

// One representation of a record exactly as EM served it.
struct Representation {
  // The root's attributes. Every one may be absent except UID, which is Record::uid.
  std::optional<std::string> type;
  std::optional<std::string> href;  // without scheme://host:port
  std::optional<std::string> name;
  std::optional<std::string> vm_display_name;
  std::vector<Attribute> extra_attributes;  // other root attributes, in document order

  bool has_links = false;  // <Links> was present, even if empty
  std::vector<Link> links;

  // Entity form only: one entry per KindInfo::fields, in that order; nullopt = element absent,
  // "" = present and empty (<Reason />). Empty for the reference form.
  std::vector<std::optional<std::string>> fields;

  std::vector<Unmodeled> unmodeled;  // ascending position

  bool operator==(const Representation&) const = default;
};

struct Record {
  Kind kind = Kind::BackupJobSession;
  std::string uid;     // "urn:veeam:BackupJobSession:<guid>", exactly as EM wrote it
  std::string origin;  // "http://localhost:9399": scheme://host:port of the root Href; may be ""
  std::optional<Representation> reference;  // as seen in EntityRef / Ref
  std::optional<Representation> entity;     // as seen in the entity form

  const std::optional<Representation>& form(Form f) const {
    return f == Form::Reference ? reference : entity;
  }
  std::optional<Representation>& form(Form f) { return f == Form::Reference ? reference : entity; }

  // The entity field named by its XML element ("CreationTimeUTC"); nullopt when the entity was
  // not seen, the element was absent, or the kind has no such field.
  std::optional<std::string> field(std::string_view element) const;
  // The Name attribute of the entity form, else of the reference form.
  std::optional<std::string> name() const;

  bool operator==(const Record&) const = default;
};

}  // namespace emarchive
