#pragma once
// `emarchive ingest`: EM's sessions, jobs and backup servers pulled through EM's REST API into
// the archive, incrementally and resumably (docs/ARCHITECTURE.md, "Ingest semantics").
//
// One run: log on; for each query type, ask the query service for the records created at or
// after the type's bookmark minus an overlap window, sorted by creation time, page by page
// (each page from the newest creation time of the page before, while Next links say there is
// more), storing each page and the advanced bookmark in one transaction;
// fetch again, one by one, the sessions archived unfinished before that window; list jobs and
// backup servers whole; fetch the jobs and backup servers that sessions link to but that were
// not archived yet; GET the resources monitoring tools read (kObservedResources,
// storage/observation_document.h) and store each as an observation, skipping (with a line in the
// log) those this EM does not serve; log off, also after a failure.
//
// A walk's pages are fetched, parsed and hashed on a thread of its own while the calling thread
// stores the page before (ingest/page_walk.h); memory stays bounded by two pages.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/em_client.h"
#include "ingest/ingest_metrics.h"
#include "model/em_time.h"
#include "model/query_type.h"
#include "storage/archive.h"

namespace emarchive::ingest {

// The query types ingested when none are named: every session type, then Job and BackupServer.
std::vector<const QueryType*> default_ingest_types();

// Resolves a comma-separated list of query type names (case-insensitive), e.g.
// "BackupJobSession,backupTaskSession"; an unknown or repeated name is an error naming it and
// the known ones.
Expected<std::vector<const QueryType*>> parse_ingest_types(std::string_view list);

// What the ingest of one query type has done so far in this run.
struct TypeProgress {
  std::string_view type;     // "BackupTaskSession"
  std::int64_t pages = 0;    // query-service pages stored
  std::int64_t records = 0;  // records received, in pages and single fetches
  std::int64_t records_new = 0;
  std::int64_t records_updated = 0;
  std::int64_t records_unchanged = 0;
  bool done = false;  // the type is finished (the last call for it)
  // The observed resources (reports, repositories...), fetched one by one: `records` counts
  // resources stored, and there are no pages.
  bool observations = false;
};

// The callbacks are called on the thread that called ingest_once, but for `stop`.
struct IngestOptions {
  std::vector<const QueryType*> types = default_ingest_types();
  int page_size = 500;  // query-service pageSize; >= 1
  // First run of a type (no bookmark yet): only records created at or after this time;
  // nullopt = everything EM has. Ignored once the type has a bookmark.
  std::optional<EmTime> since;
  // How far before its bookmark each run starts a type again, for sessions that reach EM late
  // (EM collects from its backup servers periodically, so a session can appear after a newer
  // one from another server was already ingested).
  std::chrono::seconds overlap{std::chrono::hours(1)};
  // The current time as xs:dateTime text (run and revision timestamps). Required.
  std::function<std::string()> now;
  // Called after each page and single fetch, and once more when a type is done. May be empty.
  std::function<void(const TypeProgress&)> progress;
  // Asked before each request, also from the thread that fetches a walk's pages; true stops the
  // run there, as a failure with ErrorCode::stopped (logged off and recorded like any other).
  // May be empty.
  std::function<bool()> stop;
  // Called with each warning or error as it happens (a rejected document, a record EM no longer
  // has); one line each. May be empty.
  std::function<void(std::string_view)> log;
  // Where the run's outcome is counted (ingest/ingest_metrics.h), under source_name, else the EM
  // client's origin; nullptr = nowhere. Must outlive the run.
  IngestMetrics* metrics = nullptr;
  std::string source_name;  // the EM's name in the archive (Archive::name_source)
};

struct IngestResult {
  // documents: documents received (pages, single records and observed resources); rejected:
  // those that did not parse; records_*: what storing their records did.
  storage::RunCounts counts;
  // Everything that went wrong, one line each (also passed to options.log).
  std::vector<std::string> errors;
  // Set when the run stopped early (EM unreachable, TLS, credentials, retries exhausted, an
  // unexpected status, the archive failing; ErrorCode::stopped when options.stop stopped it);
  // pages stored before it stay stored.
  std::optional<Error> fatal_error;
};

// One run against the EM that `em` talks to, recorded in the archive as an "ingest" run with
// `detail` (e.g. "https://em:9398 as user", never a password) and its counts and errors. Records
// are stored with the EM client's origin as their source, so that several EMs can feed one
// archive. Logs on at the start and off at the end.
IngestResult ingest_once(storage::Archive& archive, EmClient& em, std::string_view detail,
                         const IngestOptions& options);

}  // namespace emarchive::ingest
