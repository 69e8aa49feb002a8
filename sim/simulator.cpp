#include "sim/simulator.h"

#include <cassert>
#include <cmath>
#include <limits>
#include <optional>

namespace emarchive::sim {
namespace {

EmTime day_of(EmTime t) {
  return t / kDay - (t % kDay < 0 ? 1 : 0);
}

}  // namespace

Expected<std::unique_ptr<Simulator>> Simulator::open(const std::string& db_path,
                                                     const HistoryOptions& options, EmTime start) {
  auto archive = storage::Archive::open(db_path);
  if (!archive) return archive.error();
  auto run = (*archive)->begin_run("simulate", "seed " + std::to_string(options.seed),
                                   format_em_time(start));
  if (!run) return run.error();
  return std::unique_ptr<Simulator>(new Simulator(std::move(*archive), *run, options, start));
}

Simulator::Simulator(std::unique_ptr<storage::Archive> archive, std::int64_t run,
                     const HistoryOptions& options, EmTime start)
    : archive_(std::move(archive)),
      run_(run),
      options_(options),
      first_day_((day_of(start) - options.days) * kDay),
      now_(start) {}

Simulator::~Simulator() {
  // A destructor cannot report; the run then stays unfinished, which is what it was.
  (void)archive_->finish_run(run_, format_em_time(now()), totals_, last_error_);
}

Expected<storage::RunCounts> Simulator::populate(const Progress& progress) {
  return store(now(), std::numeric_limits<EmTime>::min(), progress);
}

Expected<storage::RunCounts> Simulator::advance(EmTime now) {
  assert(now >= this->now());
  auto counts = store(now, changeable_since(this->now()), {});
  if (counts) now_ = now;
  return counts;
}

void Simulator::history_at(EmTime now,
                           const std::function<void(std::vector<Record>&&)>& sink) const {
  generate(options_at(now), now, sink);
}

HistoryOptions Simulator::options_at(EmTime now) const {
  HistoryOptions options = options_;
  options.days = static_cast<int>(day_of(now) - day_of(first_day_));
  return options;
}

Expected<storage::RunCounts> Simulator::store(EmTime now, EmTime since, const Progress& progress) {
  const std::string observed_at = format_em_time(now);
  const HistoryOptions options = options_at(now);
  PopulateProgress done{0, options.days + 1, 0};
  storage::RunCounts counts;
  std::optional<Error> failure;
  bool first_batch = true;
  generate(
      options, now, since,
      [&](std::vector<Record>&& batch) {
        if (failure) return;
        for (Record& record : batch) record.origin = kSimulatorOrigin;
        observed_.add(batch);
        auto outcomes = archive_->store(batch, run_, observed_at);
        if (!outcomes) {
          failure = outcomes.error();
          return;
        }
        counts.documents += static_cast<std::int64_t>(outcomes->size());
        storage::count_outcomes(counts, *outcomes);
        done.records += static_cast<std::int64_t>(batch.size());
        // generate() skips days without sessions, so the days done are those up to the batch's
        // first session's.
        if (!first_batch) {
          if (auto created = parse_em_time(batch.front().field("CreationTimeUTC").value_or(""))) {
            done.days_done = static_cast<int>(day_of(*created) - day_of(first_day_)) + 1;
          }
        }
        first_batch = false;
        if (progress && !progress(done))
          failure = Error{"interrupted while storing the history", ErrorCode::stopped};
      },
      [&] { return failure.has_value(); });
  if (!failure) failure = observe(now, observed_at);
  totals_.documents += counts.documents;
  totals_.records_new += counts.records_new;
  totals_.records_updated += counts.records_updated;
  totals_.records_unchanged += counts.records_unchanged;
  if (failure) {
    last_error_ = failure->message;
    return *failure;
  }
  return counts;
}

std::optional<Error> Simulator::observe(EmTime now, const std::string& observed_at) {
  for (auto& [resource, document] : observed_.documents(now)) {
    auto outcome =
        archive_->observe(storage::Observation{std::string(resource), std::string(kSimulatorOrigin),
                                               std::move(document), observed_at, ""},
                          run_);
    if (!outcome) return outcome.error();
  }
  return std::nullopt;
}

SimulatedClock::SimulatedClock(EmTime start, double speed, RealClock real)
    : start_(start), speed_(speed), real_(std::move(real)), real_start_(real_()) {}

EmTime SimulatedClock::now() const {
  const auto elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(real_() - real_start_);
  return start_ + static_cast<EmTime>(std::llround(static_cast<double>(elapsed.count()) * speed_));
}

}  // namespace emarchive::sim
