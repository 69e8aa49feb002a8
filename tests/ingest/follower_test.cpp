// The follower of several EMs (ingest/follower.h) against two simulated EMs in one archive: one
// healthy, one failing part of the time. Intervals are fractions of a second here: the 30 s floor
// of the command is the library's min_interval, lowered for the test.

#include "ingest/follower.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "model/em_time.h"
#include "tests/support/simulated_em.h"
#include "tests/support/test_data.h"

namespace emarchive::ingest {
namespace {

using namespace std::chrono_literals;
using testing::SimulatedEm;

// A small history (two days, 3 jobs, 6 VMs); each EM its own seed, so that their UIDs differ.
sim::HistoryOptions small_history(std::uint64_t seed) {
  return sim::HistoryOptions{.seed = seed, .days = 2, .jobs = 3, .vms = 6};
}

// Every line the follower logs, kept for the test's eyes.
class CapturedLog {
 public:
  CapturedLog()
      : logger_("ingest", log::Format::text, [this](std::string_view line) {
          const std::lock_guard lock(mutex_);
          lines_.emplace_back(line);
        }) {}
  const log::Logger& logger() const { return logger_; }
  std::vector<std::string> lines() const {
    const std::lock_guard lock(mutex_);
    return lines_;
  }
  // Lines of `source` that contain `text`.
  int count(std::string_view source, std::string_view text) const {
    const std::string tag = "[" + std::string(source) + "]: ";
    int n = 0;
    for (const std::string& line : lines()) {
      if (line.find(tag) != std::string::npos && line.find(text) != std::string::npos) ++n;
    }
    return n;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
  log::Logger logger_;
};

class FollowerTest : public ::testing::Test {
 protected:
  FollowedSource source(const std::string& name, const SimulatedEm& em,
                        std::chrono::milliseconds interval, int retries) const {
    FollowedSource s;
    s.name = name;
    s.http.base_url = em.base_url();
    s.http.max_attempts = retries + 1;
    s.http.jitter_seed = 1;
    s.http.backoff_initial = 1ms;
    s.credentials = Credentials{"sim\\tester", "any password"};
    s.ingest.page_size = 50;
    s.interval = interval;
    return s;
  }

  FollowerOptions options() const {
    FollowerOptions o;
    o.min_interval = 100ms;
    o.open_archive = [path = path_] {
      storage::OpenOptions open;
      open.busy_timeout_ms = 30'000;
      return storage::Archive::open(path, open);
    };
    o.now = [] {
      return format_em_time(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count());
    };
    o.logger = &log_.logger();
    return o;
  }

  // Runs `follower` on a thread until `done` says so (checked every 20 ms, at most `limit`), then
  // stops it; returns the outcomes and how long the stop took.
  template <class Done>
  std::pair<std::vector<SourceOutcome>, std::chrono::milliseconds> run_until(
      Follower& follower, Done done, std::chrono::milliseconds limit = 20s) {
    std::vector<SourceOutcome> outcomes;
    std::thread runner([&] { outcomes = follower.run(); });
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(20ms);
    const auto stopping = std::chrono::steady_clock::now();
    follower.stop();
    runner.join();
    return {outcomes, std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - stopping)};
  }

  // Records in the archive by the name of the source they came from.
  std::map<std::string, int> records_by_source() const {
    SQLite::Database db(path_);
    SQLite::Statement q(db,
                        "SELECT s.name, count(*) FROM records r JOIN sources s "
                        "ON s.id = r.source_id GROUP BY s.name");
    std::map<std::string, int> counts;
    while (q.executeStep()) counts[q.getColumn(0).getString()] = q.getColumn(1).getInt();
    return counts;
  }

  // The start times of the runs recorded for source `name`, in order.
  std::vector<EmTime> run_starts(const std::string& name) const {
    SQLite::Database db(path_);
    SQLite::Statement q(db, "SELECT started_at FROM runs WHERE detail LIKE ? ORDER BY id");
    q.bind(1, name + ": %");
    std::vector<EmTime> starts;
    while (q.executeStep()) starts.push_back(*parse_em_time(q.getColumn(0).getString()));
    return starts;
  }

  const EmTime start_ = *parse_em_time("2026-11-27T21:30:00Z");
  testing::TempDir dir_;
  const std::string path_ = (dir_ / "archive.db").string();
  CapturedLog log_;
};

TEST_F(FollowerTest, FollowsTwoEmsIntoOneArchiveWhileOneFails) {
  SimulatedEm healthy(small_history(1), start_);
  // Three requests in ten fail, and are not retried: most runs fail part of the way, and what
  // they stored before stays.
  SimulatedEm flaky(small_history(2), start_, sim::FaultOptions{.seed = 5, .rate = 0.3});
  constexpr auto kInterval = 400ms;
  std::vector<FollowedSource> sources;
  sources.push_back(source("paris", healthy, kInterval, 2));
  sources.push_back(source("lyon", flaky, kInterval, 0));
  auto follower = Follower::create(std::move(sources), options());
  ASSERT_TRUE(follower) << follower.error().message;

  const auto [outcomes, stop_took] = run_until(**follower, [&] {
    return log_.count("paris", "run finished") >= 4 && log_.count("lyon", "run failed") >= 2 &&
           log_.count("lyon", "run ") >= 4;
  });
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].name, "paris");
  EXPECT_EQ(outcomes[0].failed_runs, 0);
  EXPECT_GE(outcomes[0].runs, 4);
  EXPECT_GE(outcomes[1].failed_runs, 2) << "the flaky EM failed, was logged, and tried again";
  EXPECT_GE(outcomes[1].runs, 4);

  // Both EMs' records arrived, each under its source's name.
  const auto records = records_by_source();
  EXPECT_GT(records.count("paris") ? records.at("paris") : 0, 0);
  EXPECT_GT(records.count("lyon") ? records.at("lyon") : 0, 0);
  // The failures were logged under the failing source's name, with why.
  EXPECT_GE(log_.count("lyon", "run failed: GET http://127.0.0.1:"), 1);
  EXPECT_EQ(log_.count("paris", "run failed"), 0);

  // The healthy source kept its schedule while the other failed: runs start an interval apart
  // (or at once after a run that took longer), never sooner. A run's recorded start can lag its
  // scheduled one while the other source holds the archive's write lock: hence the margins.
  const std::vector<EmTime> starts = run_starts("paris");
  ASSERT_GE(starts.size(), 4u);
  for (std::size_t i = 1; i < starts.size(); ++i) {
    EXPECT_GE(std::chrono::nanoseconds(starts[i] - starts[i - 1]), kInterval / 2) << "run " << i;
  }
  const auto average = std::chrono::nanoseconds(starts.back() - starts.front()) /
                       static_cast<int>(starts.size() - 1);
  EXPECT_GE(average, kInterval - 50ms);
  EXPECT_LT(stop_took, 5s);
}

TEST_F(FollowerTest, AStopEndsEverySourceWaitingOrRunning) {
  SimulatedEm first(small_history(3), start_);
  SimulatedEm second(small_history(4), start_);
  std::vector<FollowedSource> sources;
  sources.push_back(source("first", first, 1h, 0));
  sources.push_back(source("second", second, 1h, 0));
  auto follower = Follower::create(std::move(sources), options());
  ASSERT_TRUE(follower) << follower.error().message;

  const auto [outcomes, stop_took] = run_until(**follower, [&] {
    return log_.count("first", "run finished") == 1 && log_.count("second", "run finished") == 1;
  });
  // Both waited for a run an hour away; the stop ended the wait at once.
  EXPECT_LT(stop_took, 2s);
  for (const SourceOutcome& outcome : outcomes) {
    EXPECT_EQ(outcome.runs, 1) << outcome.name;
    EXPECT_FALSE(outcome.stopped_during_run) << outcome.name;
    ASSERT_TRUE(outcome.last) << outcome.name;
    EXPECT_FALSE(outcome.last->fatal_error) << outcome.name;
    EXPECT_EQ(log_.count(outcome.name, "stopped"), 1) << outcome.name;
  }
}

TEST_F(FollowerTest, RefusesSourcesItCannotFollow) {
  SimulatedEm em(small_history(1), start_);
  const auto refusal = [&](std::vector<FollowedSource> sources) {
    auto follower = Follower::create(std::move(sources), options());
    return follower ? std::string() : follower.error().message;
  };
  EXPECT_NE(refusal({source("paris", em, 50ms, 0)}).find("source paris: interval 50ms is under"),
            std::string::npos);
  EXPECT_NE(refusal({source("paris", em, 1s, 0), source("paris", em, 1s, 0)}).find("twice"),
            std::string::npos);
  FollowedSource bad_url = source("lyon", em, 1s, 0);
  bad_url.http.base_url = "ftp://em:21";
  EXPECT_NE(refusal({bad_url}).find("source lyon: invalid EM URL"), std::string::npos);
  EXPECT_NE(refusal({}).find("no source"), std::string::npos);
}

}  // namespace
}  // namespace emarchive::ingest
