#include "sim/simulator.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "model/codec.h"
#include "model/kind.h"
#include "storage/archive.h"
#include "tests/support/simulated_em.h"
#include "tests/support/test_data.h"

namespace emarchive::sim {
namespace {

using Rendered = std::map<std::string, std::string>;  // UID -> entity document

using testing::at;

Rendered rendered(const std::vector<Record>& records) {
  Rendered out;
  for (const Record& r : records) out[r.uid] = render_entity(r, "");
  return out;
}

Rendered history_of(const Simulator& simulator, EmTime now) {
  std::vector<Record> all;
  simulator.history_at(now, [&](std::vector<Record>&& batch) {
    for (Record& r : batch) all.push_back(std::move(r));
  });
  return rendered(all);
}

// Every record the archive holds, each as load() gives it.
Rendered archived(storage::Archive& archive) {
  std::vector<Record> all;
  for (const KindInfo& kind : all_kinds()) {
    storage::RecordQuery query;
    query.kind = kind.kind;
    auto page = archive.query(query);
    EXPECT_TRUE(page) << page.error().message;
    if (!page) continue;
    for (Record& r : page->records) {
      EXPECT_EQ(r.origin, kSimulatorOrigin) << r.uid;
      all.push_back(std::move(r));
    }
  }
  return rendered(all);
}

bool running(const std::string& document) {
  return document.find("<EndTimeUTC>") == std::string::npos &&
         document.find("<CreationTimeUTC>") != std::string::npos;
}

class SimulatorTest : public ::testing::Test {
 protected:
  std::unique_ptr<Simulator> open(const HistoryOptions& options, EmTime start) {
    auto simulator = Simulator::open(db_, options, start);
    EXPECT_TRUE(simulator) << simulator.error().message;
    return simulator ? std::move(*simulator) : nullptr;
  }
  std::unique_ptr<storage::Archive> reader() {
    auto archive = storage::Archive::open(db_);
    EXPECT_TRUE(archive) << archive.error().message;
    return archive ? std::move(*archive) : nullptr;
  }

  testing::TempDir dir_;
  std::string db_ = (dir_ / "sim.db").string();
};

// 22:30 UTC, amid the nightly runs of the default options' seed.
const EmTime kStart = at("2026-06-15T22:30:00Z");
const HistoryOptions kOptions{.days = 3};

TEST_F(SimulatorTest, PopulateStoresTheHistoryAtTheStartWithProgressPerDay) {
  auto simulator = open(kOptions, kStart);
  ASSERT_TRUE(simulator);
  std::vector<PopulateProgress> progress;
  auto counts = simulator->populate([&](const PopulateProgress& p) {
    progress.push_back(p);
    return true;
  });
  ASSERT_TRUE(counts) << counts.error().message;
  const Rendered expected = history_of(*simulator, kStart);
  EXPECT_EQ(counts->records_new, static_cast<std::int64_t>(expected.size()));
  EXPECT_EQ(counts->records_updated + counts->records_unchanged, 0);
  EXPECT_EQ(archived(*reader()), expected);
  EXPECT_EQ(simulator->now(), kStart);

  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.front().days_done, 0) << "servers and jobs come first";
  EXPECT_EQ(progress.back().days_done, kOptions.days + 1);
  EXPECT_EQ(progress.back().days_total, kOptions.days + 1);
  EXPECT_EQ(progress.back().records, static_cast<std::int64_t>(expected.size()));

  // Populating again, as a reopened --db is, changes nothing.
  auto again = simulator->populate();
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->records_unchanged, static_cast<std::int64_t>(expected.size()));
  EXPECT_EQ(again->records_new + again->records_updated, 0);
}

TEST_F(SimulatorTest, PopulateStopsWhenProgressSaysSo) {
  auto simulator = open(kOptions, kStart);
  ASSERT_TRUE(simulator);
  int calls = 0;
  auto counts = simulator->populate([&](const PopulateProgress&) { return ++calls < 2; });
  ASSERT_FALSE(counts);
  EXPECT_NE(counts.error().message.find("interrupted"), std::string::npos);
  EXPECT_EQ(calls, 2);
  const std::size_t stored = archived(*reader()).size();
  EXPECT_GT(stored, 0u);
  EXPECT_LT(stored, history_of(*simulator, kStart).size());
}

// Advances of an hour amid the nightly runs, then across two midnights: each time the archive
// holds exactly the history at the new instant, the sessions that were running and changed are
// new revisions, the new ones new records, and nothing else was written.
TEST_F(SimulatorTest, AdvanceBringsTheArchiveToTheHistoryAtTheLaterInstant) {
  auto simulator = open(kOptions, kStart);
  ASSERT_TRUE(simulator);
  ASSERT_TRUE(simulator->populate());
  auto archive = reader();
  ASSERT_TRUE(archive);
  std::map<std::string, std::int64_t> revisions;  // the count each record should have
  for (const auto& [uid, document] : history_of(*simulator, kStart)) revisions[uid] = 1;

  int sessions_finished = 0;
  EmTime before = kStart;
  for (EmTime later : {kStart + kHour, kStart + 2 * 24 * kHour + 5 * kHour}) {
    const Rendered old_history = history_of(*simulator, before);
    const Rendered new_history = history_of(*simulator, later);
    std::int64_t changed = 0, added = 0;
    for (const auto& [uid, document] : new_history) {
      auto it = old_history.find(uid);
      if (it == old_history.end()) {
        ++added;
        revisions[uid] = 1;
      } else if (it->second != document) {
        ++changed;
        ++revisions[uid];
        if (running(it->second) && !running(document)) ++sessions_finished;
      }
    }
    ASSERT_EQ(new_history.size(), old_history.size() + static_cast<std::size_t>(added))
        << "nothing disappears";

    auto counts = simulator->advance(later);
    ASSERT_TRUE(counts) << counts.error().message;
    EXPECT_EQ(simulator->now(), later);
    EXPECT_EQ(counts->records_new, added);
    EXPECT_EQ(counts->records_updated, changed);
    EXPECT_GT(added, 0);
    EXPECT_GT(changed, 0);
    EXPECT_EQ(archived(*archive), new_history) << "at " << format_em_time(later);
    before = later;
  }
  EXPECT_GT(sessions_finished, 0);
  for (const auto& [uid, count] : revisions) {
    auto stored = archive->revision_count(uid, Form::Entity);
    ASSERT_TRUE(stored) << stored.error().message;
    EXPECT_EQ(*stored, count) << uid;
  }
}

TEST_F(SimulatorTest, AdvanceToTheSameInstantChangesNothing) {
  auto simulator = open(kOptions, kStart);
  ASSERT_TRUE(simulator);
  ASSERT_TRUE(simulator->populate());
  auto counts = simulator->advance(kStart);
  ASSERT_TRUE(counts) << counts.error().message;
  EXPECT_EQ(counts->records_new + counts->records_updated, 0);
  EXPECT_GT(counts->records_unchanged, 0);
}

TEST(SimulatedClockTest, RunsSpeedTimesAsFastAsTheRealClock) {
  std::chrono::steady_clock::time_point real{std::chrono::hours(1)};
  const SimulatedClock clock(kStart, 60, [&] { return real; });
  EXPECT_EQ(clock.now(), kStart);
  real += std::chrono::seconds(90);
  EXPECT_EQ(clock.now(), kStart + 90 * kMinute);
  const SimulatedClock half(kStart, 0.5, [&] { return real; });
  real += std::chrono::seconds(3);
  EXPECT_EQ(half.now(), kStart + 1'500'000'000);
  const SimulatedClock frozen(kStart, 0, [&] { return real; });
  real += std::chrono::hours(5);
  EXPECT_EQ(frozen.now(), kStart);
}

}  // namespace
}  // namespace emarchive::sim
