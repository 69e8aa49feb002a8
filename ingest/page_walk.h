#pragma once
// The fetching side of ingest: GETting and parsing EM's documents, and the query-service walk
// over one query type (ingest/ingester.h), which runs on a thread of its own: it fetches, parses
// and hashes the next page while the thread that called ingest_once stores the page before.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "ingest/bounded_queue.h"
#include "ingest/em_client.h"
#include "ingest/ingester.h"
#include "ingest/parsed_records.h"
#include "model/codec.h"
#include "model/em_time.h"
#include "model/query_type.h"

namespace emarchive::ingest {

// Whether the query service sorts and filters `type` by CreationTime (sessions do; jobs and
// backup servers do not).
bool has_creation_time(const QueryType& type);

// "404 Not Found": an answer's status, for messages.
std::string status_text(const HttpResponse& response);

// The fatal error of a run that IngestOptions::stop stopped.
Error stopped();

// A document GOT from EM and parsed.
struct FetchedDocument {
  std::optional<Document> document;  // nullopt: it did not parse (`rejected`), or it is `gone`
  std::string rejected;              // why it did not parse, starting with its URL
  bool gone = false;                 // 404 for a record asked for by itself
};

// GETs `target` from EM and parses the answer. A 404 is `gone` when `single_record` (a record
// asked for by its UID); any other status but 200 is an Error naming the URL and `what` (what
// the document is for).
Expected<FetchedDocument> fetch_document(EmClient& em, const std::string& target,
                                         const std::string& what, bool single_record);

// What the walk found, one step per document fetched, for the storing thread.
struct WalkStep {
  enum class What {
    Page,      // a page whose records to store
    Rejected,  // a page that did not parse: `message` says why
    Failed,    // the walk cannot go on: `error` (EM unreachable, an unexpected status, stopped)
  };
  What what = What::Page;
  ParsedRecords records;
  // Page: the creation time to move the bookmark to with it (its newest record's); nullopt: none,
  // as after a page that did not parse.
  std::optional<EmTime> advance;
  std::string message;
  std::optional<Error> error;
};

// Walks `type`'s query-service pages, of the records created at or after `lower` (all when
// nullopt), oldest first (page_walk.cpp says how each page is asked for), pushing one step
// per document onto `queue`, each page's records as `hashing` prepares them. Fetches a page only
// when the queue has room for it. Ends with a Failed step when the walk cannot go on, and
// returns then, at its end, or when the queue was closed (the storing thread stopped). Uses no
// archive; calls options.stop before each request.
void walk_pages(EmClient& em, const QueryType& type, std::optional<EmTime> lower,
                const IngestOptions& options, const ReaderHashing& hashing,
                BoundedQueue<WalkStep>& queue);

}  // namespace emarchive::ingest
