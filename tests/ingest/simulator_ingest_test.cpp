// The ingester against the simulated EM of `emarchive simulate` (tests/support/simulated_em.h): a
// full sync holds exactly what the simulator holds, also when a fifth of the requests fail as
// `--fail-rate 0.2` makes them, and after time moves a second run adds the new sessions and the
// finished ones as revisions, and changes nothing else.

#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ingest/em_client.h"
#include "ingest/http_client.h"
#include "ingest/ingester.h"
#include "storage/observation_document.h"
#include "tests/support/fake_em_history.h"
#include "tests/support/simulated_em.h"
#include "tests/support/test_data.h"

namespace emarchive::ingest {
namespace {

using testing::SimulatedEm;

// A small history; the tests start it in the nightly window (jobs start from 20:00 UTC), so that
// sessions are running.
sim::HistoryOptions small_history() {
  sim::HistoryOptions options;
  options.seed = 20261128;
  options.days = 3;
  options.jobs = 5;
  options.vms = 16;
  return options;
}

class SimulatorIngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto archive = storage::Archive::open(path_);
    ASSERT_TRUE(archive) << archive.error().message;
    archive_ = std::move(*archive);
  }

  IngestResult ingest(const std::function<void(const TypeProgress&)>& progress = {}) {
    return ingest_from(em_, *archive_, progress);
  }

  // One ingest run from `em` into `archive`; retries do not wait, and are counted in retries_.
  IngestResult ingest_from(const SimulatedEm& em, storage::Archive& archive,
                           const std::function<void(const TypeProgress&)>& progress = {}) {
    HttpClientOptions http;
    http.base_url = em.base_url();
    http.jitter_seed = 1;
    http.sleep = [](std::chrono::milliseconds) {};
    http.log = [this](std::string_view) { ++retries_; };
    auto client = HttpClient::create(http);
    EXPECT_TRUE(client) << client.error().message;
    EmClient session(**client, Credentials{"sim\\tester", "any password"});
    IngestOptions options;
    options.page_size = 40;
    options.now = [] { return std::string("2026-11-28T12:00:00Z"); };
    options.progress = progress;
    IngestResult result = ingest_once(archive, session, "simulator", options);
    logons_ = session.logons();
    return result;
  }

  // Every record the simulated EM holds at `t`, by UID.
  std::map<std::string, Record> simulator_records(EmTime t) const {
    std::map<std::string, Record> records;
    for (Record& record : em_.history_at(t)) records.emplace(record.uid, std::move(record));
    return records;
  }

  // Checks that the archive holds exactly `expected`, each in its state there.
  void expect_archive_holds(const std::map<std::string, Record>& expected) {
    for (const auto& [uid, simulated] : expected) {
      auto archived = archive_->load(uid);
      ASSERT_TRUE(archived) << archived.error().message;
      ASSERT_TRUE(*archived) << uid << " is missing";
      EXPECT_EQ((*archived)->entity, simulated.entity) << uid;
      EXPECT_EQ((*archived)->origin, em_.base_url());
    }
    SQLite::Database db(path_, SQLite::OPEN_READONLY);
    EXPECT_EQ(db.execAndGet("SELECT count(DISTINCT record_id) FROM representations").getInt64(),
              static_cast<std::int64_t>(expected.size()));
  }

  const EmTime start_ = *parse_em_time("2026-11-27T21:30:00Z");
  SimulatedEm em_{small_history(), start_};
  testing::TempDir dir_;
  const std::string path_ = (dir_ / "archive.db").string();
  std::unique_ptr<storage::Archive> archive_;
  int logons_ = 0;
  int retries_ = 0;
};

TEST_F(SimulatorIngestTest, AFullSyncHoldsExactlyWhatTheSimulatorHolds) {
  const IngestResult result = ingest();
  ASSERT_FALSE(result.fatal_error) << result.fatal_error->message;
  EXPECT_TRUE(result.errors.empty());
  const auto expected = simulator_records(start_);
  EXPECT_EQ(result.counts.records_new, static_cast<std::int64_t>(expected.size()));
  expect_archive_holds(expected);
}

TEST_F(SimulatorIngestTest, RetriesServerErrorsAndEndsWithTheSameArchiveAsWithoutThem) {
  const IngestResult clean = ingest();
  ASSERT_FALSE(clean.fatal_error) << clean.fatal_error->message;
  EXPECT_EQ(retries_, 0);

  // The same history served by a simulator whose requests fail as --fail-rate 0.2 makes them.
  SimulatedEm flaky(small_history(), start_, sim::FaultOptions{.seed = 7, .rate = 0.2});
  auto archive = storage::Archive::open((dir_ / "flaky.db").string());
  ASSERT_TRUE(archive) << archive.error().message;
  const IngestResult result = ingest_from(flaky, **archive);
  ASSERT_FALSE(result.fatal_error) << result.fatal_error->message;
  EXPECT_TRUE(result.errors.empty());
  EXPECT_GT(retries_, 0) << "no request failed: the test would prove nothing";
  EXPECT_EQ(result.counts.records_new, clean.counts.records_new);

  // Record for record, what the clean run archived: one revision each, the same entity.
  const auto expected = simulator_records(start_);
  for (const auto& [uid, simulated] : expected) {
    auto from_clean = archive_->load(uid);
    auto from_flaky = (*archive)->load(uid);
    ASSERT_TRUE(from_clean && *from_clean) << uid;
    ASSERT_TRUE(from_flaky && *from_flaky) << uid << " is missing after the failures";
    EXPECT_EQ((*from_flaky)->entity, (*from_clean)->entity) << uid;
    EXPECT_EQ((*from_flaky)->entity, simulated.entity) << uid;
    EXPECT_EQ(*(*archive)->revision_count(uid, Form::Entity), 1) << uid;
  }
  SQLite::Database db((dir_ / "flaky.db").string(), SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("SELECT count(DISTINCT record_id) FROM representations").getInt64(),
            static_cast<std::int64_t>(expected.size()));
}

TEST_F(SimulatorIngestTest, ASecondRunAfterTimeMovesAddsOnlyWhatChanged) {
  ASSERT_FALSE(ingest().fatal_error);
  const auto before = simulator_records(start_);
  const auto digest_before = testing::archive_digest(path_);

  const EmTime later = start_ + 5 * kHour;
  em_.advance_to(later);
  const auto after = simulator_records(later);
  std::set<std::string> changed, added;
  for (const auto& [uid, record] : after) {
    auto it = before.find(uid);
    if (it == before.end()) {
      added.insert(uid);
    } else if (it->second.entity != record.entity) {
      changed.insert(uid);
    }
  }
  // The test means something only if time moved sessions on: new ones, and running ones that
  // finished (not only jobs whose NextRun moved).
  ASSERT_FALSE(added.empty());
  ASSERT_TRUE(std::any_of(changed.begin(), changed.end(), [](const std::string& uid) {
    return uid.rfind("urn:veeam:BackupTaskSession:", 0) == 0;
  }));

  const IngestResult result = ingest();
  ASSERT_FALSE(result.fatal_error) << result.fatal_error->message;
  EXPECT_EQ(result.counts.records_new, static_cast<std::int64_t>(added.size()));
  EXPECT_EQ(result.counts.records_updated, static_cast<std::int64_t>(changed.size()));
  expect_archive_holds(after);

  // Each changed record has a second revision; every other record is as it was.
  const auto digest_after = testing::archive_digest(path_);
  for (const auto& [uid, revisions] : digest_before) {
    if (changed.count(uid)) {
      EXPECT_EQ(*archive_->revision_count(uid, Form::Entity), 2) << uid;
    } else {
      EXPECT_EQ(digest_after.at(uid), revisions) << uid;
    }
  }
}

TEST_F(SimulatorIngestTest, LogsOnAgainWhenTheSimulatorExpiresTheToken) {
  bool expired = false;
  const IngestResult result = ingest([&](const TypeProgress& progress) {
    if (!expired && progress.pages == 1) {
      em_.expire_tokens();
      expired = true;
    }
  });
  ASSERT_FALSE(result.fatal_error) << result.fatal_error->message;
  EXPECT_TRUE(expired);
  EXPECT_EQ(logons_, 2);
  expect_archive_holds(simulator_records(start_));
}

TEST_F(SimulatorIngestTest, ObservesWhatTheSimulatorObserves) {
  ASSERT_FALSE(ingest().fatal_error);
  auto simulated = storage::Archive::open(em_.db_path().string());
  ASSERT_TRUE(simulated) << simulated.error().message;
  for (std::string_view resource : storage::kObservedResources) {
    auto served = (*simulated)->latest_observation(resource);
    auto ingested = archive_->latest_observation(resource);
    ASSERT_TRUE(served && *served && ingested && *ingested) << resource;
    EXPECT_EQ((*ingested)->document, (*served)->document) << resource;
    EXPECT_EQ((*ingested)->source, em_.base_url()) << resource;
  }
}

}  // namespace
}  // namespace emarchive::ingest
