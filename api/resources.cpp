#include "api/resources.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include "api/document_cache.h"
#include "api/error_document.h"
#include "api/json_answer.h"
#include "api/observations.h"
#include "api/query_request.h"
#include "model/ascii.h"
#include "model/codec.h"
#include "model/href.h"
#include "model/json_render.h"
#include "model/reference.h"
#include "model/xml_escape.h"
#include "storage/record_batches.h"

namespace emarchive::api {
namespace {

namespace http = boost::beast::http;

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    const std::size_t slash = path.find('/');
    const std::string_view part = path.substr(0, slash);
    if (!part.empty()) parts.push_back(part);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

bool wants_entity(const ApiRequest& request) {
  for (const auto& [key, value] : request.query) {
    if (iequals(key, "format") && iequals(value, "Entity")) return true;
  }
  return false;
}

// Collection and action names are matched in any letter case, as EM (IIS/WCF) matches them.
std::optional<Kind> kind_of_collection(std::string_view collection) {
  for (const KindInfo& k : all_kinds()) {
    if (iequals(k.collection, collection)) return k.kind;
  }
  return std::nullopt;
}

std::string uid_for(Kind kind, std::string_view id) {
  return canonical_uid(std::string(info(kind).uid_prefix) + std::string(id));
}

ApiResponse xml(std::string body) {
  ApiResponse response;
  response.body = std::move(body);
  return response;
}

// A document of the cache, in the format it was filed in, shared with the cache.
ApiResponse cached_answer(SharedDocument document, bool json) {
  ApiResponse response;
  response.shared_body = std::move(document);
  if (json) response.content_type = kJsonContentType;
  return response;
}

// Files `response`'s body in the cache and answers with the cache's copy, so that the body's
// own memory goes at once: 64 clients of pages held a 140 KB body each as they started.
void file_answer(DocumentCache& cache, const DocumentCache::Key& key,
                 const storage::CurrentRevisions& revisions, std::uint64_t epoch,
                 ApiResponse& response) {
  response.shared_body = cache.insert(key, revisions, epoch, response.body);
  if (response.shared_body) std::string().swap(response.body);
}

// A collection: which records, and in what form the client asked for them.
struct Listing {
  storage::RecordQuery query;
  // Must be known to the archive, archived or as a stub that its children point to; else 404.
  std::optional<std::string> parent_uid;
  Kind parent_kind = Kind::BackupJobSession;
};

// Query pages larger than this are streamed (ApiResponse::stream), read from the archive and
// rendered kStreamBatch records at a time, so that a page of any size needs bounded memory.
// Smaller pages are built whole and sent with a Content-Length.
constexpr std::int64_t kStreamedPageSize = 1000;
constexpr std::int64_t kStreamBatch = 500;

// One record of a QueryResult page as its document holds it: XML, or JSON when `json`.
void append_page_record(std::string& out, Form form, const Record& record, std::string_view origin,
                        bool json) {
  std::string xml;
  if (form == Form::Entity) {
    append_entity(xml, record, origin, false);
  } else {
    append_reference(xml, "Ref", record, origin, false);
  }
  if (!json) {
    out += xml;
    return;
  }
  // Our renderers write well-formed XML, so this converts; were it ever not so, the record is
  // left out rather than the document broken.
  if (auto converted = render_json(xml)) out += *converted;
}

// A document with no records, split where they go: a streamed answer is head, the records,
// tail. The empty document is rendered (and converted) by the same code as a whole one. In XML
// the records go into the first empty element named `list` (split_at_empty_list); in JSON into
// the first empty array, as the record array comes before Resources, Links and PagingInfo
// (whose Links are never empty).
ListFrame split_frame(std::string document, std::string_view list, bool json) {
  if (!json) return split_at_empty_list(document, list);
  auto converted = render_json(document);
  document = converted ? std::move(*converted) : std::string();
  const std::size_t at = document.find("[]");
  return {document.substr(0, at + 1), document.substr(at + 1)};
}

// The region of the cache of rendered documents: 20 MB holds about 13,000 task session entities.
// Under wrk over 10,000 records as entities, references and entities in JSON (36 MB of
// documents, so that the cache keeps replacing them), then 100 query pages, serve over 1,000,000
// task sessions peaked at 50.0 to 50.3 MB, against its bound of 64 (docs/BENCHMARKS.md).
constexpr std::size_t kDocumentCacheBytes = 20 << 20;
// The largest query page the cache keeps: a page of 100 task session entities is about 140 KB,
// and a page of 1,000 would push out some 800 records' documents.
constexpr std::size_t kCachedPageBytes = kDocumentCacheBytes / 16;

class Resources {
 public:
  Resources(std::shared_ptr<ArchivePool> pool, ResourceOptions options)
      : pool_(std::move(pool)),
        options_(std::move(options)),
        cache_(std::make_shared<DocumentCache>(kDocumentCacheBytes)) {}

  ApiResponse operator()(const ApiRequest& request) const {
    if (request.as_of || !options_.as_of) return answer(request);
    // Copied only then: copying every request cost a few allocations each.
    ApiRequest at = request;
    at.as_of = options_.as_of;
    return answer(at);
  }

 private:
  ApiResponse answer(const ApiRequest& request) const {
    std::vector<std::string_view> parts = split_path(request.path);
    if (parts.empty() || !iequals(parts[0], "api")) return not_found(request);
    parts.erase(parts.begin());
    if (parts.empty()) return not_found(request);
    if (request.method != http::verb::get) {
      return error_response(
          http::status::method_not_allowed,
          std::string(http::to_string(request.method)) + " is not allowed on " + request.path);
    }
    if (auto observed = answer_observed(*pool_, request, parts, options_.error_log)) {
      return *std::move(observed);
    }
    if (parts.size() == 1 && iequals(parts[0], "query")) return query_service(request);
    if (parts.size() == 1 && iequals(parts[0], "querySvc")) return query_service_links(request);
    if (auto listing = listing_for(parts)) return list(request, *listing);
    if (parts.size() == 2) {
      if (auto kind = kind_of_collection(parts[0])) return single(request, *kind, parts[1]);
    }
    return not_found(request);
  }

  // The collections of docs/ARCHITECTURE.md, "API surface": /<coll>,
  // /backupSessions/{id}/taskSessions, ...
  std::optional<Listing> listing_for(const std::vector<std::string_view>& parts) const {
    Listing l;
    if (parts.size() == 1) {
      auto kind = kind_of_collection(parts[0]);
      if (!kind) return std::nullopt;
      l.query.kind = *kind;
    } else if (parts.size() == 2 && iequals(parts[1], "backupSessions") &&
               (iequals(parts[0], "agents") || iequals(parts[0], "nas"))) {
      l.query.kind = Kind::BackupJobSession;
      l.query.job_types = iequals(parts[0], "agents")
                              ? std::vector<std::string>{"AgentBackup", "AgentManagement"}
                              : std::vector<std::string>{"NasBackup"};
    } else if (parts.size() == 3) {
      const std::string_view coll = parts[0], id = parts[1], child = parts[2];
      if (iequals(coll, "backupSessions") && iequals(child, "taskSessions")) {
        l.query.kind = Kind::BackupTaskSession;
        l.parent_kind = Kind::BackupJobSession;
      } else if (iequals(coll, "backupSessions") && iequals(child, "agentManagementSessions")) {
        l.query.kind = Kind::BackupJobSession;
        l.parent_kind = Kind::BackupJobSession;
      } else if (iequals(coll, "replicaSessions") && iequals(child, "replicaTaskSessions")) {
        l.query.kind = Kind::ReplicaTaskSession;
        l.parent_kind = Kind::ReplicaJobSession;
      } else if (iequals(coll, "jobs") &&
                 (iequals(child, "backupSessions") || iequals(child, "replicaSessions"))) {
        l.query.kind =
            iequals(child, "backupSessions") ? Kind::BackupJobSession : Kind::ReplicaJobSession;
        l.parent_kind = Kind::Job;
      } else {
        return std::nullopt;
      }
      l.parent_uid = uid_for(l.parent_kind, id);
      if (l.parent_kind == Kind::Job) {
        l.query.job_uid = l.parent_uid;
      } else {
        l.query.parent_uid = l.parent_uid;
      }
    } else {
      return std::nullopt;
    }
    return l;
  }

  ApiResponse list(const ApiRequest& request, Listing listing) const {
    listing.query.as_of = request.as_of;
    auto archive = pool_->acquire();
    if (!archive) return unavailable(archive.error());
    if (listing.parent_uid) {
      auto parent = load(**archive, *listing.parent_uid, request);
      if (!parent) return unavailable(parent.error());
      if (!*parent) {
        // Never archived itself: known (as a stub) when an archived child points to it, such
        // as the job session of archived task sessions; otherwise never seen.
        auto known = storage::count_matches(**archive, listing.query);
        if (!known) return unavailable(known.error());
        if (*known == 0) return not_found(request);
      }
    }
    const bool entity = wants_entity(request);
    listing.query.entities_only = entity;
    if (options_.list_window_days && info(listing.query.kind).table == Table::Sessions) {
      const EmTime now = request.as_of ? *request.as_of : options_.now();
      listing.query.created_since = now - *options_.list_window_days * kDay;
    }
    // A collection holds everything archived: one too long to build at once (its count says)
    // is streamed, as a large query page is, and the records read here are dropped; any other
    // is answered from this one read.
    storage::RecordQuery first = listing.query;
    first.limit = kStreamedPageSize;
    auto page = (*archive)->query(first);
    if (!page) return unavailable(page.error());
    const Kind kind = listing.query.kind;
    if (page->total > kStreamedPageSize) {
      std::string empty = entity ? render_entity_list(kind, {}, request.origin)
                                 : render_entity_references({}, request.origin);
      const std::string_view element = entity ? info(kind).list_element : "EntityReferences";
      return stream(request, listing.query, entity ? Form::Entity : Form::Reference,
                    split_frame(std::move(empty), element, request.wants_json), page->total);
    }
    if (entity) return xml(render_entity_list(kind, page->records, request.origin));
    with_references(page->records);
    return xml(render_entity_references(page->records, request.origin));
  }

  ApiResponse single(const ApiRequest& request, Kind kind, std::string_view id) const {
    auto archive = pool_->acquire();
    if (!archive) return unavailable(archive.error());
    const std::string uid = uid_for(kind, id);
    const Form form = wants_entity(request) ? Form::Entity : Form::Reference;
    // The cache holds current revisions only: an answer as of an instant is never looked up in
    // it nor put in it. Why what it answers is current: api/document_cache.h.
    if (request.as_of) return render_single(**archive, uid, form, request);
    if (auto failed = follow_commits(**archive)) return std::move(*failed);
    const DocumentCache::Key key{uid, form, request.origin, request.wants_json};
    std::optional<DocumentCache::Found> cached = cache_->find(key);
    if (cached && cached->current) return cached_answer(cached->document, key.json);
    const std::uint64_t epoch = cache_->epoch();  // before the revisions it files
    auto revisions = (*archive)->current_revisions(uid);
    if (!revisions) return unavailable(revisions.error());
    // Only what EM served: an entity never archived is not made up.
    if (revisions->entity == 0 && (form == Form::Entity || revisions->reference == 0)) {
      return not_found(request);
    }
    if (cached && cached->revisions == *revisions) {
      cache_->confirm(key, *revisions, epoch);
      return cached_answer(cached->document, key.json);
    }
    ApiResponse response = render_single(**archive, uid, form, request);
    // Filed in the format asked for: converting an entity to JSON took longer than the rest of
    // serving it (docs/BENCHMARKS.md).
    if (key.json) convert_to_json(response);
    if (response.status == http::status::ok) file_answer(*cache_, key, *revisions, epoch, response);
    return response;
  }

  // Starts a new epoch of the cache if another connection committed since `archive`'s last
  // asked (api/document_cache.h); the answer to give instead if the archive cannot say.
  std::optional<ApiResponse> follow_commits(storage::Archive& archive) const {
    auto changed = archive.changed();
    if (!changed) return unavailable(changed.error());
    if (*changed) cache_->archive_changed();
    return std::nullopt;
  }

  // The record's document in `form`, loaded and rendered.
  ApiResponse render_single(storage::Archive& archive, const std::string& uid, Form form,
                            const ApiRequest& request) const {
    auto loaded = load(archive, uid, request);
    if (!loaded) return unavailable(loaded.error());
    if (!*loaded) return not_found(request);
    Record& record = **loaded;
    if (form == Form::Entity && !record.entity) return not_found(request);
    if (form == Form::Reference) record.reference = reference_of(record);
    return xml(form == Form::Entity ? render_entity(record, request.origin)
                                    : render_entity_ref(record, request.origin));
  }

  ApiResponse query_service(const ApiRequest& request) const {
    // Relative times in the filter (now-7d) count from the clock the lists use.
    auto parsed = parse_query_request(request.query, options_.now ? options_.now() : system_now());
    if (!parsed) return error_response(http::status::bad_request, parsed.error().message);
    parsed->query.as_of = request.as_of;
    auto archive = pool_->acquire();
    if (!archive) return unavailable(archive.error());
    // A page built whole is kept in the cache under the request's target (in the key's place
    // of a UID, which a target, starting with "/", never equals), for the current epoch only:
    // no revisions confirm a page, so any commit another connection makes retires it (api/
    // document_cache.h). A client polling the same pages of an archive nothing writes to (an
    // audit, a replay) is answered without reading the archive. Not a page as of an instant,
    // nor one whose filter counts from the clock (now-7d), which changes as the clock moves.
    const bool whole = parsed->page_size <= kStreamedPageSize;
    const bool kept = whole && !request.as_of && !parsed->reads_clock;
    const DocumentCache::Key key{request.target, Form::Entity, request.origin, request.wants_json};
    std::uint64_t epoch = 0;
    if (kept) {
      if (auto failed = follow_commits(**archive)) return std::move(*failed);
      std::optional<DocumentCache::Found> cached = cache_->find(key);
      if (cached && cached->current) return cached_answer(cached->document, key.json);
      epoch = cache_->epoch();  // before the page's reads
    }
    if (auto refused = check_enum_values(**archive, *parsed)) return std::move(*refused);
    if (!whole) return streamed_page(request, **archive, *parsed);
    auto page = (*archive)->query(parsed->query);
    if (!page) return unavailable(page.error());
    if (parsed->form == Form::Reference) with_references(page->records);
    QueryResultContent content{parsed->type->kind, parsed->form, page->records,
                               paging(request, *parsed, page->total)};
    ApiResponse response = xml(render_query_result(content, request.origin));
    if (kept && response.body.size() <= kCachedPageBytes) {
      if (key.json) convert_to_json(response);
      file_answer(*cache_, key, storage::CurrentRevisions{}, epoch, response);
    }
    return response;
  }

  // A 400 for a comparison with an enum value neither EM's documentation nor the archive knows
  // (Result==Failled would otherwise silently select nothing); nullopt when every value is known.
  std::optional<ApiResponse> check_enum_values(storage::Archive& archive,
                                               const QueryRequest& parsed) const {
    auto unknown = unknown_value(archive, parsed);
    if (!unknown) return unavailable(unknown.error());
    if (*unknown) return error_response(http::status::bad_request, **unknown);
    return std::nullopt;
  }

  // A page too large to build at once: counted first (for PagingInfo), then streamed.
  ApiResponse streamed_page(const ApiRequest& request, storage::Archive& archive,
                            const QueryRequest& parsed) const {
    auto total = storage::count_matches(archive, parsed.query);
    if (!total) return unavailable(total.error());
    const QueryResultContent empty{
        parsed.type->kind, parsed.form, {}, paging(request, parsed, *total)};
    const std::string_view element =
        parsed.form == Form::Reference ? "Refs" : info(parsed.type->kind).list_element;
    return stream(
        request, parsed.query, parsed.form,
        split_frame(render_query_result(empty, request.origin), element, request.wants_json),
        *total);
  }

  // An answer of `query`'s records from its offset up to its limit, of the `total` it matches,
  // in `form`, between the frame's head and tail, read and rendered kStreamBatch records at a
  // time (storage::RecordBatches).
  ApiResponse stream(const ApiRequest& request, const storage::RecordQuery& query, Form form,
                     ListFrame frame, std::int64_t total) const {
    ApiResponse response = xml(std::move(frame.head));
    if (request.wants_json) response.content_type = kJsonContentType;
    response.stream =
        PageStream{pool_,          options_.error_log,   storage::RecordBatches(query, total),
                   form,           request.origin,       request.wants_json,
                   request.target, std::move(frame.tail)};
    return response;
  }

  // Produces a streamed page's records, kStreamBatch at a time, then the document's tail.
  struct PageStream {
    std::shared_ptr<ArchivePool> pool;
    std::function<void(std::string_view)> error_log;
    storage::RecordBatches batches;
    Form form;
    std::string origin;
    bool json;
    std::string target;  // the request's, for the log
    std::string tail;
    bool first = true;

    bool operator()(std::string& out) {
      if (!batches.done() && !next_batch(out)) return false;
      if (!batches.done()) return true;
      out += tail;
      return false;
    }

    // Appends the next batch; false (the body cut short) when the archive fails.
    bool next_batch(std::string& out) {
      auto archive = pool->acquire();
      if (!archive) return failed(archive.error());
      auto batch = batches.next(**archive, kStreamBatch);
      if (!batch) return failed(batch.error());
      for (Record& record : *batch) {
        if (form == Form::Reference && !record.reference)
          record.reference = derive_reference(record);
        if (json && !first) out += ',';
        first = false;
        append_page_record(out, form, record, origin, json);
      }
      return true;
    }

    bool failed(const Error& error) const {
      if (error_log) error_log("streaming the answer to " + target + ": " + error.message);
      return false;
    }
  };

  ApiResponse query_service_links(const ApiRequest& request) const {
    // One preconfigured query per archived type, as EM's /querySvc advertises them.
    auto link = [&](std::string& out, std::string_view rel, std::string_view type,
                    std::string_view path) {
      out += "    <Link Rel=\"";
      out += rel;
      out += "\" Type=\"";
      out += type;
      out += "\" Href=\"";
      xml::append_escaped_attribute(out, join_href(request.origin, path));
      out += "\" />\n";
    };
    std::string body =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<QuerySvc xmlns=\"http://www.veeam.com/ent/"
        "v1.0\" Type=\"QueryService\" Href=\"";
    xml::append_escaped_attribute(body, join_href(request.origin, "/api/querySvc"));
    body += "\">\n  <Links>\n";
    link(body, "Up", "LogonSession", "/api/logonSessions");
    for (const QueryType& t : all_query_types()) {
      link(body, "Down", std::string(t.name) + "List",
           "/api/query?type=" + std::string(t.name) +
               "&format=Entities&sortAsc=name&pageSize=15&page=1");
    }
    body += "  </Links>\n</QuerySvc>\n";
    return xml(std::move(body));
  }

  // PagingInfo: the page, and First / Previous / Next / Last links that repeat the query with
  // pageSize and page replaced (EM appends them after the client's other parameters).
  static PagingInfo paging(const ApiRequest& request, const QueryRequest& query,
                           std::int64_t total) {
    PagingInfo info;
    info.page_num = query.page;
    info.page_size = query.page_size;
    info.pages_count =
        std::max<std::int64_t>(1, total / query.page_size + (total % query.page_size != 0));
    std::string base = "/api/query?";
    for (const auto& [key, value] : request.query) {
      if (iequals(key, "pageSize") || iequals(key, "page")) continue;
      base += percent_encode(key) + "=" + percent_encode(value) + "&";
    }
    base += "pageSize=" + std::to_string(query.page_size) + "&page=";
    auto link = [&](const char* rel, std::int64_t page) {
      Link l;
      l.rel = rel;
      l.href = base + std::to_string(page);
      info.links.push_back(std::move(l));
    };
    link("First", 1);
    if (query.page > 1) link("Previous", std::min(query.page - 1, info.pages_count));
    if (query.page < info.pages_count) link("Next", query.page + 1);
    link("Last", info.pages_count);
    return info;
  }

  static std::string percent_encode(std::string_view text) {
    return boost::urls::encode(text, boost::urls::unreserved_chars);
  }

  // The record as the archive knows it now, or at the request's instant.
  static Expected<std::optional<Record>> load(storage::Archive& archive, const std::string& uid,
                                              const ApiRequest& request) {
    return request.as_of ? archive.load_as_of(uid, *request.as_of) : archive.load(uid);
  }

  static void with_references(std::vector<Record>& records) {
    for (Record& r : records) {
      if (!r.reference) r.reference = derive_reference(r);
    }
  }

  static ApiResponse not_found(const ApiRequest& request) {
    return error_response(http::status::not_found, "no resource at " + request.path);
  }
  ApiResponse unavailable(const Error& error) const {
    return archive_error_response(error, options_.error_log);
  }

  std::shared_ptr<ArchivePool> pool_;
  ResourceOptions options_;
  std::shared_ptr<DocumentCache> cache_;  // shared by the handler's copies
};

}  // namespace

ResourceHandler make_resource_handler(std::shared_ptr<ArchivePool> pool, ResourceOptions options) {
  return Resources(std::move(pool), std::move(options));
}

}  // namespace emarchive::api
