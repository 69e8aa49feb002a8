#include "ingest/ingester.h"

#include <algorithm>
#include <utility>

#include "ingest/bounded_queue.h"
#include "ingest/page_walk.h"
#include "ingest/parsed_records.h"
#include "model/ascii.h"
#include "model/codec.h"
#include "model/em_time.h"
#include "model/href.h"
#include "model/kind.h"
#include "storage/observation_document.h"

namespace emarchive::ingest {
namespace {

// Pages fetched and parsed ahead of the page being stored. One lets the fetching thread fetch
// the next page while the storing thread stores one; as it fetches a page only when the queue has
// room for it, two pages are in memory at most.
constexpr std::size_t kPagesAhead = 1;

class Run {
 public:
  Run(storage::Archive& archive, EmClient& em, const IngestOptions& options, std::int64_t run_id)
      : archive_(archive), em_(em), options_(options), run_id_(run_id) {}

  // Every type, then the linked records not archived yet. Returns the fatal error, if any.
  std::optional<Error> run() {
    if (Status logged_on = em_.logon(); !logged_on) return logged_on.error();
    for (const QueryType* type : options_.types) {
      if (auto fatal = ingest_type(*type)) return fatal;
    }
    if (auto fatal = fetch_linked_stubs()) return fatal;
    return observe_resources();
  }

  const storage::RunCounts& counts() const { return counts_; }
  std::vector<std::string>& errors() { return errors_; }

 private:
  std::optional<Error> ingest_type(const QueryType& type) {
    TypeProgress progress{type.name};
    std::optional<EmTime> lower;
    if (has_creation_time(type)) {
      auto bookmark = archive_.bookmark(em_.origin(), type.name);
      if (!bookmark) return bookmark.error();
      const EmTime overlap =
          std::chrono::duration_cast<std::chrono::nanoseconds>(options_.overlap).count();
      lower = *bookmark ? std::optional<EmTime>(**bookmark - overlap) : options_.since;
    }
    if (auto fatal = walk(type, lower, progress)) return fatal;
    if (has_creation_time(type) && lower) {
      // Sessions created since `lower` came with the pages; older unfinished ones are asked for
      // one by one until EM reports them final.
      auto unfinished = archive_.unfinished_sessions(em_.origin(), type.kind, *lower);
      if (!unfinished) return unfinished.error();
      for (const std::string& uid : *unfinished) {
        if (options_.stop && options_.stop()) return stopped();
        if (auto fatal = fetch_one(type.kind, uid, progress)) return fatal;
      }
    }
    progress.done = true;
    report(progress);
    return std::nullopt;
  }

  // The query-service walk over `type` (page_walk.h): fetched, parsed and hashed on a thread of
  // its own while this one stores the page before.
  std::optional<Error> walk(const QueryType& type, std::optional<EmTime> lower,
                            TypeProgress& progress) {
    ReaderHashing hashing;
    std::optional<Error> fatal;
    const std::optional<std::string> fetching_error = run_pipeline<WalkStep>(
        kPagesAhead,
        [&](BoundedQueue<WalkStep>& queue) {
          walk_pages(em_, type, lower, options_, hashing, queue);
        },
        [&](WalkStep& step) { return !(fatal = take(type, step, hashing, progress)); });
    if (fatal) return fatal;
    if (fetching_error) {
      return Error{"cannot fetch the pages of " + std::string(type.name) + ": " + *fetching_error,
                   ErrorCode::internal};
    }
    return std::nullopt;
  }

  // One step of the walk, in the order the pages came. Returns the fatal error, if any.
  std::optional<Error> take(const QueryType& type, WalkStep& step, ReaderHashing& hashing,
                            TypeProgress& progress) {
    switch (step.what) {
      case WalkStep::What::Failed:
        return std::move(step.error);
      case WalkStep::What::Rejected:
        ++counts_.documents;
        ++counts_.rejected;
        error(std::move(step.message));
        return std::nullopt;
      case WalkStep::What::Page:
        break;
    }
    ++counts_.documents;
    std::optional<storage::Bookmark> advance;
    if (step.advance) {
      advance = storage::Bookmark{em_.origin(), std::string(type.name), *step.advance};
    }
    Expected<std::vector<storage::StoreOutcome>> outcomes = store_parsed(
        archive_, step.records, run_id_, options_.now(), advance ? &*advance : nullptr);
    if (!outcomes) return outcomes.error();
    hashing.stored(*outcomes);
    ++progress.pages;
    account(progress, *outcomes);
    return std::nullopt;
  }

  // Jobs and backup servers that archived records link to but that were never archived
  // themselves (a type left out of --types, or one EM had not listed yet).
  std::optional<Error> fetch_linked_stubs() {
    for (Kind kind : {Kind::Job, Kind::BackupServer}) {
      auto stubs = archive_.stubs(em_.origin(), kind);
      if (!stubs) return stubs.error();
      if (stubs->empty()) continue;
      TypeProgress progress{info(kind).name};
      for (const std::string& uid : *stubs) {
        if (options_.stop && options_.stop()) return stopped();
        if (auto fatal = fetch_one(kind, uid, progress)) return fatal;
      }
      progress.done = true;
      report(progress);
    }
    return std::nullopt;
  }

  // The resources monitoring tools read, each stored as an observation (a new revision only when
  // EM's answer changed). One this EM does not have (an older version, a feature not installed
  // or not licensed: 400, 403, 404, 405 or 501) is noted in the log and skipped. Each answer
  // counts as a document read; one that does not parse is counted rejected, as a page would be.
  std::optional<Error> observe_resources() {
    TypeProgress progress{.type = "observations", .observations = true};
    for (std::string_view resource : storage::kObservedResources) {
      if (options_.stop && options_.stop()) return stopped();
      const std::string url = em_.origin() + std::string(resource);
      Expected<HttpResponse> response = em_.get(resource);
      if (!response) return response.error();
      const unsigned status = response->status;
      if (status == 400 || status == 403 || status == 404 || status == 405 || status == 501) {
        warn("GET " + url + ": " + status_text(*response) +
             ": this EM does not serve it; not observed");
        continue;
      }
      if (status != 200) {
        return Error{"GET " + url + ": " + status_text(*response), ErrorCode::network};
      }
      ++counts_.documents;
      Expected<storage::StoreOutcome> outcome =
          archive_.observe(storage::Observation{std::string(resource), em_.origin(),
                                                std::move(response->body), options_.now(), ""},
                           run_id_);
      if (!outcome && outcome.error().code == ErrorCode::invalid_input) {
        ++counts_.rejected;
        // The message starts with the resource: with the origin before it, the URL.
        error(em_.origin() + outcome.error().message);
        continue;
      }
      if (!outcome) return outcome.error();
      // Counted for the progress line only: the run's record counts are of records.
      ++progress.records;
      ++(*outcome == storage::StoreOutcome::New       ? progress.records_new
         : *outcome == storage::StoreOutcome::Updated ? progress.records_updated
                                                      : progress.records_unchanged);
      report(progress);
    }
    progress.done = true;
    report(progress);
    return std::nullopt;
  }

  // GETs one record's entity form and stores it; a 404 marks it gone.
  std::optional<Error> fetch_one(Kind kind, const std::string& uid, TypeProgress& progress) {
    const KindInfo& kind_info = info(kind);
    if (uid.size() <= kind_info.uid_prefix.size() ||
        !iequals(std::string_view(uid).substr(0, kind_info.uid_prefix.size()),
                 kind_info.uid_prefix)) {
      warn(uid + " is not a UID EM can be asked for (" + std::string(kind_info.uid_prefix) +
           "...); left as it is");
      return std::nullopt;
    }
    Expected<FetchedDocument> fetched =
        fetch_document(em_, default_href(kind, uid, Form::Entity), uid, true);
    if (!fetched) return fetched.error();
    if (fetched->gone) {
      warn(em_.origin() + default_href(kind, uid, Form::Entity) + ": 404 Not Found: " + uid +
           " is no longer on EM; its last archived state stays");
      if (Status marked = archive_.mark_gone(uid, run_id_, options_.now()); !marked) {
        return marked.error();
      }
      return std::nullopt;
    }
    ++counts_.documents;
    if (!fetched->document) {
      ++counts_.rejected;
      error(std::move(fetched->rejected));
      return std::nullopt;
    }
    std::vector<Record>& records = fetched->document->records;
    for (Record& record : records) record.origin = em_.origin();
    auto outcomes = archive_.store(records, run_id_, options_.now());
    if (!outcomes) return outcomes.error();
    account(progress, *outcomes);
    return std::nullopt;
  }

  void account(TypeProgress& progress, std::span<const storage::StoreOutcome> outcomes) {
    const storage::RunCounts before = counts_;
    storage::count_outcomes(counts_, outcomes);
    progress.records += static_cast<std::int64_t>(outcomes.size());
    progress.records_new += counts_.records_new - before.records_new;
    progress.records_updated += counts_.records_updated - before.records_updated;
    progress.records_unchanged += counts_.records_unchanged - before.records_unchanged;
    report(progress);
  }

  void report(const TypeProgress& progress) {
    if (options_.progress) options_.progress(progress);
  }
  void warn(std::string message) {
    if (options_.log) options_.log(message);
  }
  void error(std::string message) {
    if (options_.log) options_.log(message);
    errors_.push_back(std::move(message));
  }

  storage::Archive& archive_;
  EmClient& em_;
  const IngestOptions& options_;
  const std::int64_t run_id_;
  storage::RunCounts counts_;
  std::vector<std::string> errors_;
};

// The label a run is counted under (IngestOptions::metrics).
std::string metrics_source(const IngestOptions& options, const EmClient& em) {
  return options.source_name.empty() ? em.origin() : options.source_name;
}

std::string join_lines(std::span<const std::string> lines) {
  std::string joined;
  for (const std::string& line : lines) {
    if (!joined.empty()) joined += '\n';
    joined += line;
  }
  return joined;
}

}  // namespace

std::vector<const QueryType*> default_ingest_types() {
  std::vector<const QueryType*> types;
  for (const QueryType& type : all_query_types()) types.push_back(&type);
  // Sessions first: their pages are what a run is for; jobs and backup servers after them.
  std::stable_partition(types.begin(), types.end(),
                        [](const QueryType* type) { return has_creation_time(*type); });
  return types;
}

Expected<std::vector<const QueryType*>> parse_ingest_types(std::string_view list) {
  std::vector<const QueryType*> types;
  std::size_t start = 0;
  while (start <= list.size()) {
    const std::size_t comma = std::min(list.find(',', start), list.size());
    const std::string_view name = list.substr(start, comma - start);
    start = comma + 1;
    const QueryType* type = find_query_type(name);
    if (!type) {
      std::string known;
      for (const QueryType& each : all_query_types()) {
        known += known.empty() ? "" : ", ";
        known += each.name;
      }
      return Error{"unknown type '" + std::string(name) + "' (known: " + known + ")",
                   ErrorCode::invalid_input};
    }
    if (std::find(types.begin(), types.end(), type) != types.end()) {
      return Error{"type " + std::string(type->name) + " is named twice", ErrorCode::invalid_input};
    }
    types.push_back(type);
  }
  return types;
}

IngestResult ingest_once(storage::Archive& archive, EmClient& em, std::string_view detail,
                         const IngestOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  IngestResult result;
  auto run_id = archive.begin_run("ingest", detail, options.now());
  if (!run_id) {
    result.fatal_error = run_id.error();
    if (options.metrics) {
      options.metrics->run_finished(metrics_source(options, em), result,
                                    std::chrono::steady_clock::now() - started);
    }
    return result;
  }
  Run run(archive, em, options, *run_id);
  result.fatal_error = run.run();
  if (Status logged_off = em.logoff(); !logged_off && options.log) {
    options.log("warning: " + logged_off.error().message);
  }
  result.counts = run.counts();
  result.errors = std::move(run.errors());
  if (result.fatal_error) result.errors.push_back(result.fatal_error->message);
  if (Status finished =
          archive.finish_run(*run_id, options.now(), result.counts, join_lines(result.errors));
      !finished && !result.fatal_error) {
    result.fatal_error = finished.error();
  }
  if (options.metrics) {
    options.metrics->run_finished(metrics_source(options, em), result,
                                  std::chrono::steady_clock::now() - started);
  }
  return result;
}

}  // namespace emarchive::ingest
