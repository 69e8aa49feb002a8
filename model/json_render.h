#pragma once
// EM's JSON representation (what EM answers to `Accept: application/json`) of the XML documents
// emarchive serves, derived from that XML so that both formats come from the same archived data.
// docs/API.md ("JSON") states the mapping; in short:
//
// - a root's attributes and child elements become properties of one object, in EM's order:
//   the element's own children (schema order) and attributes, then Name, UID, Links, Href, Type
//   (references: Links, UID, Name, Href, Type);
// - Links is an array of {"Rel","Href","Name","Type"}, null for an absent attribute;
// - scalars are typed by EM's schema: integers (Progress, TotalSize, PageNum...) as numbers,
//   booleans (IsRetry...) as booleans, everything else (times included) as the exact text;
//   an empty element is "", an xsi:nil one null; the entity fields of an archived kind that the
//   XML omits are null, as EM writes them;
// - lists are objects holding one array: {"BackupJobSessions":[...]}, {"Refs":[...]}; in a
//   QueryResult nested once more (Entities.BackupJobSessions.BackupJobSessions[]);
// - elements emarchive does not model (Job's JobInfo, a newer EM's elements) are converted by
//   the same rules, a child element that repeats becoming an array.
//
// The output is compact UTF-8 without a byte order mark, and valid JSON whatever the strings
// hold (see model/json_writer.h for escaping and the replacement of ill-formed UTF-8).

#include <string>
#include <string_view>

#include "model/expected.h"

namespace emarchive {

// Converts one EM document: any document model/codec.h renders (EntityRef, an entity,
// EntityReferences, a plural entity list, QueryResult), and the others emarchive writes
// (LogonSession, LogonSessions, EnterpriseManager, QuerySvc, Error). The root may also be a
// single element without an XML declaration or namespace declaration, as append_entity and
// append_reference write with root = false, so that a caller streaming a page can convert it
// record by record. Elements are recognized by their local name in EM's namespace (or with no
// namespace declared); elements of other namespaces keep their qualified name as the property.
//
// Fails only when `xml` is not well-formed (which emarchive's own renderers never produce): the
// error names the byte offset and pugixml's reason.
[[nodiscard]] Expected<std::string> render_json(std::string_view xml);

}  // namespace emarchive
