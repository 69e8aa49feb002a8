#pragma once
// `emarchive ingest --config`: several EMs followed by one process into one archive, each on its
// own schedule (docs/OPERATIONS.md, "The configuration file").
//
// Each source runs on its own thread, through its own connection to the archive: SQLite lets one
// write transaction in at a time and the busy timeout (OpenOptions) makes the others wait for
// their turn, so sources take turns per transaction (a page and its bookmark, a run's record) and
// never interleave inside one. A source that fails (EM unreachable, 5xx past its retries, refused
// credentials) logs why and tries again at its next run; the others go on meanwhile.
//
//   auto follower = Follower::create(std::move(sources), options);   // checks, no I/O
//   std::thread runner([&] { outcomes = (*follower)->run(); });
//   stop.wait();  (*follower)->stop();  runner.join();

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ingest/em_client.h"
#include "ingest/http_client.h"
#include "ingest/ingester.h"
#include "log/logger.h"
#include "model/expected.h"
#include "storage/archive.h"

namespace emarchive::ingest {

// One EM to follow.
struct FollowedSource {
  // Unique among the sources, non-empty: the archive's name for this EM (Archive::name_source),
  // whichever spelling of its URL `http.base_url` uses, and the source of its log lines.
  std::string name;
  // base_url, ca_file, insecure, max_attempts... The follower sets `sleep` (so that a stop
  // ends a backoff) and `log` (the source's log lines).
  HttpClientOptions http;
  Credentials credentials;
  // types, since, page_size, overlap. The follower sets now, log, progress and stop.
  IngestOptions ingest;
  // From the start of one run to the start of the next; a run that takes longer is followed at
  // once.
  std::chrono::milliseconds interval{std::chrono::minutes(5)};
};

struct FollowerOptions {
  // Sources with a shorter interval are refused. `emarchive ingest` keeps 30 s so that no EM is
  // asked for every record type (and logged on to) in a tight loop; tests lower it.
  std::chrono::milliseconds min_interval{std::chrono::seconds(30)};
  // Opens one connection to the archive; called once per source, on the source's thread.
  // Required.
  std::function<Expected<std::unique_ptr<storage::Archive>>()> open_archive;
  // The current time as xs:dateTime text (runs, revisions, sources). Required.
  std::function<std::string()> now;
  // Where every line goes, with the source's name. Required; must outlive the Follower.
  const log::Logger* logger = nullptr;
  // Where every source's runs and EM requests are counted, under its name; nullptr: not counted.
  // Must outlive the Follower.
  IngestMetrics* metrics = nullptr;
  // Called on the source's thread after each run that was not stopped, with the source's archive
  // connection and name (`emarchive ingest` reports the chain's head there); may be empty.
  std::function<void(storage::Archive&, const std::string&)> after_run;
};

// What a source did until the follower stopped.
struct SourceOutcome {
  std::string name;
  int runs = 0;         // runs started
  int failed_runs = 0;  // runs that ended with a fatal error (stops not counted)
  // The last run that was not stopped, if any.
  std::optional<IngestResult> last;
  // The stop came during a run (which stopped before its next request and was recorded).
  bool stopped_during_run = false;
};

// "BackupJobSession: 3 pages, 1200 records (4 new, 1 updated, 1195 unchanged)", or for the
// observed resources "Observations: 9 resources (...)": one type's progress, for logs.
std::string describe(const TypeProgress& progress);

class Follower {
 public:
  // Checks the sources: at least one, names non-empty and unique, intervals not under
  // options.min_interval, URLs and CA files usable (HttpClient::create); invalid_input naming
  // the source otherwise. No network or archive I/O.
  [[nodiscard]] static Expected<std::unique_ptr<Follower>> create(
      std::vector<FollowedSource> sources, FollowerOptions options);
  ~Follower();
  Follower(const Follower&) = delete;
  Follower& operator=(const Follower&) = delete;

  // Follows every source, each on its own thread, until stop(); returns each one's outcome in
  // the order given to create(). Call once.
  std::vector<SourceOutcome> run();

  // Asks every source to stop: one waiting for its next run (or between retries) stops at once,
  // one in a run before its next request. Thread-safe; may come before run().
  void stop();

 private:
  struct Source;
  Follower(std::vector<std::unique_ptr<Source>> sources, FollowerOptions options);
  void follow(Source& source);
  // Waits up to `timeout` or until stop(); true when stopping.
  bool wait_stop(std::chrono::milliseconds timeout);
  bool stopping() const;

  std::vector<std::unique_ptr<Source>> sources_;
  FollowerOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable stop_changed_;
  bool stopping_ = false;
};

}  // namespace emarchive::ingest
