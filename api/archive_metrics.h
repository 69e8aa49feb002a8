#pragma once
// The metrics `serve` computes from the archive when scraped (docs/METRICS.md): per job its last
// run, per VM its last backup, per EM source its last ingest, per backup server that it is
// known, and the archive's size. A burst of scrapes costs one reading: the text is kept for
// kCacheFor and every scrape within it gets the same.
//
// Thread-safe: scrapes from several server threads wait for one reading.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/archive_pool.h"
#include "metrics/metrics.h"
#include "model/expected.h"
#include "storage/archive_status.h"

namespace emarchive::api {

// What the metrics show of an archive.
struct ArchiveReading {
  storage::StatusSnapshot status;
  // Records archived per kind ("BackupJobSession"), stubs known only from links left out.
  std::vector<std::pair<std::string, std::int64_t>> records;
  // The database file and its write-ahead log; nullopt when their size cannot be read.
  std::optional<std::int64_t> size_bytes;
};

using ArchiveReader = std::function<Expected<ArchiveReading>()>;

// Reads the archive at `db`: the status through one storage::ArchiveStatus connection, opened on
// first use and kept; the record counts through `pool`. Call it from one thread at a time.
ArchiveReader archive_reader(std::string db, std::shared_ptr<ArchivePool> pool);

// The families of `reading` in the exposition format.
void write_archive_metrics(const ArchiveReading& reading, metrics::TextWriter& out);

class ArchiveMetrics {
 public:
  static constexpr std::chrono::seconds kCacheFor{5};
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  // Adds a collector to `registry` that reads with `read` at most once per kCacheFor, and the
  // counter of archive failures; `registry` must not render after this object is gone.
  ArchiveMetrics(metrics::Registry& registry, ArchiveReader read, Clock clock = {});

  // A request failed because the archive did (emarchive_archive_errors_total).
  void archive_failed() { errors_.inc(); }

 private:
  void collect(metrics::TextWriter& out);

  ArchiveReader read_;
  Clock clock_;
  metrics::Counter& errors_;
  std::mutex mutex_;
  std::optional<std::chrono::steady_clock::time_point> read_at_;
  std::string text_;
};

}  // namespace emarchive::api
