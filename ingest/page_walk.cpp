#include "ingest/page_walk.h"

#include <algorithm>
#include <span>
#include <utility>

#include <boost/beast/http/status.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include "model/ascii.h"

namespace emarchive::ingest {
namespace {

constexpr std::string_view kCreationTimeField = "CreationTime";

// The creation time of the newest record in `records`, if any has one that parses.
std::optional<EmTime> newest_creation_time(std::span<const Record> records) {
  std::optional<EmTime> newest;
  for (const Record& record : records) {
    const std::optional<std::string> text = record.field("CreationTimeUTC");
    if (!text) continue;
    if (Expected<EmTime> time = parse_em_time(*text); time) {
      newest = newest ? std::max(*newest, *time) : *time;
    }
  }
  return newest;
}

// Whole seconds, rounded down: a lower bound only widens, and EM's parser needs no fraction.
EmTime floor_seconds(EmTime time) {
  return time - ((time % kSecond) + kSecond) % kSecond;
}

// Page `page` of a query-service walk over `type`, oldest first, of the records created at or
// after `from` when given. Job and BackupServer have no creation time: they are listed whole, by
// UID so that the order is total and pages do not overlap.
std::string page_target(const QueryType& type, int page_size, std::optional<EmTime> from,
                        std::int64_t page) {
  std::string target = "/api/query?type=" + std::string(type.name) + "&format=Entities&sortAsc=";
  target += has_creation_time(type) ? kCreationTimeField : "UID";
  target += "&pageSize=" + std::to_string(page_size) + "&page=" + std::to_string(page);
  if (from) {
    const std::string filter =
        std::string(kCreationTimeField) + ">=\"" + format_em_time(floor_seconds(*from)) + "\"";
    target += "&filter=" + boost::urls::encode(filter, boost::urls::unreserved_chars);
  }
  return target;
}

// Whether a QueryResult's PagingInfo links to a next page.
bool has_next_page(const Document& document) {
  if (!document.paging) return false;
  return std::any_of(document.paging->links.begin(), document.paging->links.end(),
                     [](const Link& link) { return link.rel && iequals(*link.rel, "Next"); });
}

WalkStep failed(Error error) {
  WalkStep step;
  step.what = WalkStep::What::Failed;
  step.error = std::move(error);
  return step;
}

}  // namespace

bool has_creation_time(const QueryType& type) {
  return find_query_field(type, kCreationTimeField) != nullptr;
}

std::string status_text(const HttpResponse& response) {
  const auto reason =
      boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(response.status));
  return std::to_string(response.status) + " " + std::string(reason);
}

Error stopped() {
  return Error{"stopped before the end of the run", ErrorCode::stopped};
}

Expected<FetchedDocument> fetch_document(EmClient& em, const std::string& target,
                                         const std::string& what, bool single_record) {
  const std::string url = em.origin() + target;
  Expected<HttpResponse> response = em.get(target);
  if (!response) return response.error();
  FetchedDocument fetched;
  if (single_record && response->status == 404) {
    fetched.gone = true;
    return fetched;
  }
  if (response->status != 200) {
    std::string message = "GET " + url + ": " + status_text(*response) + " (for " + what + ")";
    if (!single_record && (response->status == 400 || response->status == 404)) {
      message += "; if this EM does not know the type, leave it out with --types";
    }
    return Error{message, ErrorCode::network};
  }
  Expected<Document> document = parse_document(response->body, url);
  if (document) {
    fetched.document = std::move(*document);
  } else {
    fetched.rejected = std::move(document.error().message);
  }
  return fetched;
}

void walk_pages(EmClient& em, const QueryType& type, std::optional<EmTime> lower,
                const IngestOptions& options, const ReaderHashing& hashing,
                BoundedQueue<WalkStep>& queue) {
  const std::string what = "a query-service page of " + std::string(type.name);
  // Each page after the first is asked for from an anchor, the creation time of the newest
  // record so far (whole seconds), starting again at page 1: unlike page numbers, an anchor does
  // not shift when EM deletes older sessions meanwhile (its retention), so none can slip past
  // unseen. The records of the anchor's second come twice (the second time unchanged). Pages
  // whose records all fall in the anchor's second, and the pages of jobs and backup servers,
  // which have no creation time, follow each other by number.
  std::optional<EmTime> anchor = lower;
  std::int64_t page = 1;
  // After a page that does not parse, its records are unknown: the bookmark stays before them
  // for the rest of the walk, so that the next run asks for them again (and reports them again
  // if EM still sends them so), and the walk goes on with the next page. Two such pages in a row
  // end it: the rest of the type waits for the next run.
  bool bookmark_held = false;
  int rejected_in_a_row = 0;
  // Waiting for room first: the page fetched next waits for nothing but the page being stored.
  while (queue.wait_for_room()) {
    if (options.stop && options.stop()) {
      queue.push(failed(stopped()));
      return;
    }
    Expected<FetchedDocument> fetched =
        fetch_document(em, page_target(type, options.page_size, anchor, page), what, false);
    if (!fetched) {
      queue.push(failed(std::move(fetched.error())));
      return;
    }
    if (!fetched->document) {
      bookmark_held = true;
      WalkStep rejected;
      rejected.what = WalkStep::What::Rejected;
      rejected.message = std::move(fetched->rejected);
      if (!queue.push(std::move(rejected)) || ++rejected_in_a_row == 2) return;
      ++page;
      continue;
    }
    rejected_in_a_row = 0;
    Document& document = *fetched->document;
    for (Record& record : document.records) record.origin = em.origin();
    const std::optional<EmTime> newest = newest_creation_time(document.records);
    // An empty page ends the walk even if it links further, so that a server whose Next links
    // never end cannot keep a run going.
    const bool last = document.records.empty() || !has_next_page(document);
    WalkStep step;
    step.advance = bookmark_held ? std::nullopt : newest;
    step.records = hashing.prepare(std::move(document.records));
    if (!queue.push(std::move(step)) || last) return;
    if (newest && (!anchor || floor_seconds(*newest) > floor_seconds(*anchor))) {
      anchor = newest;
      page = 1;
    } else {
      ++page;
    }
  }
}

}  // namespace emarchive::ingest
