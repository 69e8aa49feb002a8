#pragma once
// EM's XML documents, both ways, losslessly (docs/ARCHITECTURE.md, "Fidelity").
//
// Parsing is namespace-aware: elements are matched by the namespace URI
// http://www.veeam.com/ent/v1.0 whether it is the default namespace or bound to a prefix; extra
// namespace declarations, an XML declaration and a UTF-8 byte order mark are accepted; attribute
// order and whitespace between elements do not matter. Rendering writes EM's namespace as the
// default namespace and every Href with the origin the caller gives.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/expected.h"
#include "model/record.h"

namespace emarchive {

inline constexpr std::string_view kEmNamespace = "http://www.veeam.com/ent/v1.0";

enum class DocumentType {
  EntityRef,         // <EntityRef>: one record's reference form
  Entity,            // <BackupJobSession> ...: one record's entity form
  EntityReferences,  // <EntityReferences> of <Ref>
  EntityList,        // <BackupJobSessions> ...: plural entity list
  QueryResult,       // <QueryResult> with <Refs> and/or <Entities>, and <PagingInfo>
};

struct PagingInfo {
  // A document whose paging attributes are not integers is rejected.
  std::int64_t page_num = 0;
  std::int64_t page_size = 0;
  std::int64_t pages_count = 0;
  std::vector<Link> links;  // First / Next / Last ..., Hrefs without origin
  bool operator==(const PagingInfo&) const = default;
};

struct Document {
  DocumentType type = DocumentType::Entity;
  // EntityList and QueryResult <Entities>: the kind the list holds (known even when it is empty).
  std::optional<Kind> list_kind;
  // Every record in document order. A QueryResult with both <Refs> and <Entities> yields each
  // record once per form it appears in; the parser does not merge them.
  std::vector<Record> records;
  // QueryResult only.
  bool has_refs = false;      // a <Refs> element was present
  bool has_entities = false;  // an <Entities> element was present
  std::optional<PagingInfo> paging;
  // The origin of the document's Hrefs (first one seen), "" if it has none.
  std::string origin;
};

// Parses one EM document. `source` (a path or URL) starts every error message, followed by the
// line and, where useful, the byte offset, then the reason: malformed or truncated XML, an empty
// document, a root outside EM's namespace or not one of the representations above, a record of a
// kind emarchive does not archive, a missing or mismatched UID, a field whose text is not of its
// type (a timestamp that does not parse completely names its element). On error nothing of the
// document is returned.
//
// Text of a known field that is well-formed goes into Representation::fields; known fields out
// of schema order, repeated, or carrying attributes or child elements are kept as Unmodeled, so
// that rendering reproduces the document. Unmodeled XML is self-contained: it declares every
// namespace prefix it uses and means the same under a root whose default namespace is EM's.
Expected<Document> parse_document(std::string_view xml, std::string_view source);

// Rendering. Every Href is written as join_href(origin, stored rest). Each function requires the
// form it renders to be present on every record it is given (a precondition, asserted).
std::string render_entity(const Record& record, std::string_view origin);
std::string render_entity_ref(const Record& record, std::string_view origin);
std::string render_entity_references(std::span<const Record> records, std::string_view origin);
std::string render_entity_list(Kind kind, std::span<const Record> records, std::string_view origin);

struct QueryResultContent {
  Kind kind;
  Form form;  // Reference: <Refs> of <Ref>; Entity: <Entities><BackupJobSessions>...
  std::span<const Record> records;
  std::optional<PagingInfo> paging;
  // Write each record's Hrefs with its own Record::origin instead of `origin` (which then serves
  // the paging links only): for output outside a server, from an archive fed by several EMs.
  bool records_keep_origin = false;
};
std::string render_query_result(const QueryResultContent& content, std::string_view origin);

// Appenders used by the functions above, for callers that compose larger documents or stream:
// they append the element (without XML declaration or namespace declaration unless `root`).
void append_entity(std::string& out, const Record& record, std::string_view origin, bool root);
void append_reference(std::string& out, std::string_view element, const Record& record,
                      std::string_view origin, bool root);

// A document rendered with no records, split where they go, for a caller that streams them: the
// whole document is head, the records (appended as above), tail. `list` names the element that
// holds them, empty in `document` (<Refs />, <BackupJobSessions />, or the root
// <EntityReferences xmlns="..." />); the first such element is the one split.
struct ListFrame {
  std::string head;
  std::string tail;
};
ListFrame split_at_empty_list(const std::string& document, std::string_view list);

}  // namespace emarchive
