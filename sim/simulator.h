#pragma once
// A fake EM's data: an emarchive archive (a real SQLite file) that holds the synthetic history of
// history.h as it stands at a simulated instant, and follows that instant as it moves, so that
// `emarchive simulate` serves it with api/ and an ingester sees sessions start and finish.
//
//   auto sim = Simulator::open("sim.db", options, start);   // error: the archive's message
//   sim->populate(progress);                                 // the whole history at `start`
//   sim->advance(later);                                     // only the days that can change
//
// The history's first day stays where populate() put it (`options.days` days before the day of
// `start`), so the archive always equals history_at(now()): nothing is dropped as time moves.
// With the records, the resources monitoring tools read are stored as observations
// (sim/observations.h), computed from the same history, a new revision whenever they change.
// Records are stored with origin kSimulatorOrigin, which names their source in the archive's
// `sources` table; Hrefs are stored without origin as always, and api/ serves them with the
// request's.
//
// Not thread-safe: one thread populates and advances. now() may be read from any thread. Readers
// open their own connections to the file (WAL lets them read beside the writer).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/em_time.h"
#include "model/expected.h"
#include "model/record.h"
#include "sim/history.h"
#include "sim/observations.h"
#include "storage/archive.h"

namespace emarchive::sim {

inline constexpr std::string_view kSimulatorOrigin = "simulator";

// How far populate() is: called after each day batch is stored.
struct PopulateProgress {
  int days_done = 0;
  int days_total = 0;  // options.days + 1
  std::int64_t records = 0;
};

class Simulator {
 public:
  // Opens (creating if needed) the archive at `db_path` and records a "simulate" run in it, which
  // every record stored by this Simulator names and which is closed with the counts when it is
  // destroyed. `start` is the simulated instant populate() writes. Preconditions as generate()'s
  // on `options`.
  static Expected<std::unique_ptr<Simulator>> open(const std::string& db_path,
                                                   const HistoryOptions& options, EmTime start);
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // What populate() and advance() return is what they did: records new, updated (a running
  // session that progressed or finished, a job's NextRun), unchanged; `documents` counts them all.
  //
  // Stores the whole history at the start instant, one transaction per day batch; `progress`
  // (may be empty) is called after each, and returning false stops populating there, with the
  // error "interrupted while storing the history" (what is stored stays; populating again
  // completes it). An archive that
  // already held this history is left unchanged. Errors name the database file.
  using Progress = std::function<bool(const PopulateProgress&)>;
  Expected<storage::RunCounts> populate(const Progress& progress = {});

  // Stores the history at `now` (not before now()): the servers and jobs, and the day batches
  // from changeable_since(now()) on, whose running sessions become new revisions and whose new
  // sessions new records. Each batch is one transaction; a failure leaves now() where it was, so
  // the next advance() redoes the same days.
  Expected<storage::RunCounts> advance(EmTime now);

  // The simulated instant the archive stands at: the start until populate() and advance() move
  // it. Thread-safe.
  EmTime now() const { return now_.load(); }

  // The records the archive holds once it stands at `now`, in generate()'s batches.
  void history_at(EmTime now, const std::function<void(std::vector<Record>&&)>& sink) const;

 private:
  Simulator(std::unique_ptr<storage::Archive> archive, std::int64_t run,
            const HistoryOptions& options, EmTime start);
  // options_ with `days` reaching back from `now` to the first day.
  HistoryOptions options_at(EmTime now) const;
  Expected<storage::RunCounts> store(EmTime now, EmTime since, const Progress& progress);
  // Stores what the observed resources are at `now`, each as an observation.
  std::optional<Error> observe(EmTime now, const std::string& observed_at);

  std::unique_ptr<storage::Archive> archive_;
  std::int64_t run_;
  HistoryOptions options_;
  EmTime first_day_;  // 00:00 UTC of the history's first day
  std::atomic<EmTime> now_;
  ObservedState observed_;     // what the observations are computed from
  storage::RunCounts totals_;  // over the run, for its record
  std::string last_error_;     // the run's, "" for none
};

// Simulated time: start + real time elapsed since construction x speed. Thread-safe.
class SimulatedClock {
 public:
  using RealClock = std::function<std::chrono::steady_clock::time_point()>;
  // `speed`: simulated seconds per real second, >= 0. `real` must be callable from any thread;
  // tests pass one they move by hand.
  SimulatedClock(
      EmTime start, double speed, RealClock real = [] { return std::chrono::steady_clock::now(); });
  EmTime now() const;

 private:
  EmTime start_;
  double speed_;
  RealClock real_;
  std::chrono::steady_clock::time_point real_start_;
};

}  // namespace emarchive::sim
