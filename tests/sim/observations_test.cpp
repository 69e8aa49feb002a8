// The simulator's observed resources: stored as observations as time moves, agreeing with the
// sessions it serves (counted here on their own from its history), repositories that fill and
// are cleaned up, and served through the same api path as everything else.

#include "sim/observations.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <pugixml.hpp>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "sim/simulator.h"
#include "storage/archive.h"
#include "tests/support/http_client.h"
#include "tests/support/simulated_em.h"
#include "tests/support/test_data.h"

namespace emarchive::sim {
namespace {

using testing::at;

// The integer children of a report frame, by name.
std::map<std::string, std::int64_t> counters(const std::string& xml) {
  pugi::xml_document document;
  EXPECT_TRUE(document.load_string(xml.c_str())) << xml;
  std::map<std::string, std::int64_t> values;
  for (pugi::xml_node c : document.document_element().children()) {
    const std::string text = c.child_value();
    if (!text.empty() && text.find_first_not_of("-0123456789") == std::string::npos) {
      values[c.name()] = std::stoll(text);
    }
  }
  return values;
}

class SimulatorObservationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto simulator = Simulator::open(path_, options_, start_);
    ASSERT_TRUE(simulator) << simulator.error().message;
    simulator_ = std::move(*simulator);
    ASSERT_TRUE(simulator_->populate());
    auto archive = storage::Archive::open(path_);
    ASSERT_TRUE(archive) << archive.error().message;
    archive_ = std::move(*archive);
  }

  std::string latest(std::string_view resource) {
    auto observation = archive_->latest_observation(resource);
    EXPECT_TRUE(observation && *observation) << resource;
    return observation && *observation ? (*observation)->document : "";
  }

  std::vector<Record> history() const {
    std::vector<Record> all;
    simulator_->history_at(simulator_->now(), [&](std::vector<Record>&& batch) {
      for (Record& r : batch) all.push_back(std::move(r));
    });
    return all;
  }

  testing::TempDir dir_;
  std::string path_ = (dir_ / "sim.db").string();
  HistoryOptions options_{.seed = 7, .days = 20, .jobs = 8, .vms = 40};
  EmTime start_ = at("2026-06-15T22:30:00Z");
  std::unique_ptr<Simulator> simulator_;
  std::unique_ptr<storage::Archive> archive_;
};

TEST_F(SimulatorObservationsTest, JobStatisticsAgreeWithTheJobSessions) {
  // Counted here from the sessions: those created in the last 24 hours, by result; jobs with a
  // session still running.
  std::int64_t total = 0, success = 0, warning = 0, failed = 0;
  std::set<std::string> running;
  for (const Record& r : history()) {
    if (r.kind != Kind::BackupJobSession && r.kind != Kind::ReplicaJobSession) continue;
    if (!r.field("EndTimeUTC")) running.insert(*r.field("JobUid"));
    const EmTime created = *parse_em_time(*r.field("CreationTimeUTC"));
    if (created <= start_ - kDay) continue;
    ++total;
    const std::string result = *r.field("Result");
    success += result == "Success";
    warning += result == "Warning";
    failed += result == "Failed";
  }
  ASSERT_GT(total, 0);
  const auto served = counters(latest("/api/reports/summary/job_statistics"));
  EXPECT_EQ(served.at("TotalJobRuns"), total);
  EXPECT_EQ(served.at("SuccessfulJobRuns"), success);
  EXPECT_EQ(served.at("WarningsJobRuns"), warning);
  EXPECT_EQ(served.at("FailedJobRuns"), failed);
  EXPECT_EQ(served.at("RunningJobs"), static_cast<std::int64_t>(running.size()));
  EXPECT_EQ(served.at("ScheduledJobs"), options_.jobs);
}

TEST_F(SimulatorObservationsTest, VmStatesAgreeWithTheTaskSessions) {
  // Each VM's latest finished task, and the restore points of the last 14 days.
  std::map<std::string, std::pair<EmTime, std::string>> latest_state;
  std::int64_t points = 0;
  for (const Record& r : history()) {
    if (r.kind != Kind::BackupTaskSession && r.kind != Kind::ReplicaTaskSession) continue;
    if (!r.field("EndTimeUTC")) continue;
    const EmTime created = *parse_em_time(*r.field("CreationTimeUTC"));
    const std::string result = *r.field("Result");
    auto& state = latest_state[*r.entity->vm_display_name];
    if (state.second.empty() || state.first < created) state = {created, result};
    if ((result == "Success" || result == "Warning") && created > start_ - 14 * kDay) ++points;
  }
  std::map<std::string, std::int64_t> tally;
  for (const auto& [vm, state] : latest_state) ++tally[state.second];
  const auto overview = counters(latest("/api/reports/summary/overview"));
  EXPECT_EQ(overview.at("SuccessfulVmLastestStates"), tally["Success"]);
  EXPECT_EQ(overview.at("WarningVmLastestStates"), tally["Warning"]);
  EXPECT_EQ(overview.at("FailedVmLastestStates"), tally["Failed"]);
  const auto vms = counters(latest("/api/reports/summary/vms_overview"));
  EXPECT_EQ(vms.at("RestorePoints"), points);
  EXPECT_EQ(overview.at("SuccessfulVmLastestStates") + overview.at("WarningVmLastestStates") +
                overview.at("FailedVmLastestStates"),
            static_cast<std::int64_t>(latest_state.size()));
}

TEST_F(SimulatorObservationsTest, RepositoriesFillAndAreCleanedUp) {
  std::vector<std::int64_t> used;
  for (int day = 1; day <= 20; ++day) {
    ASSERT_TRUE(simulator_->advance(start_ + day * kDay));
    pugi::xml_document report;
    ASSERT_TRUE(report.load_string(latest("/api/reports/summary/repository").c_str()));
    std::int64_t total = 0;
    for (pugi::xml_node period : report.document_element().children("Period")) {
      const std::int64_t capacity = std::stoll(period.child_value("Capacity"));
      const std::int64_t free = std::stoll(period.child_value("FreeSpace"));
      const std::int64_t size = std::stoll(period.child_value("BackupSize"));
      EXPECT_EQ(free, capacity - size);
      EXPECT_GT(free, 0) << "a repository sized for its VMs never overflows";
      total += size;
    }
    used.push_back(total);
  }
  bool filled = false, cleaned = false;
  for (std::size_t i = 1; i < used.size(); ++i) {
    filled = filled || used[i] > used[i - 1];
    cleaned = cleaned || used[i] < used[i - 1];
  }
  EXPECT_TRUE(filled);
  EXPECT_TRUE(cleaned);
}

TEST_F(SimulatorObservationsTest, ANewRevisionOnlyWhenSomethingChanged) {
  auto observations = [&] {
    SQLite::Database db(path_, SQLite::OPEN_READONLY);
    return db.execAndGet("SELECT count(*) FROM observations").getInt64();
  };
  EXPECT_EQ(observations(), 9);
  // The same instant again: every answer is the same, no revision.
  ASSERT_TRUE(simulator_->advance(simulator_->now()));
  EXPECT_EQ(observations(), 9);
  // Jobs do not change as time moves: still the first observation.
  ASSERT_TRUE(simulator_->advance(start_ + kHour));
  auto agents = archive_->latest_observation("/api/agents/jobs");
  ASSERT_TRUE(agents && *agents);
  EXPECT_EQ((*agents)->observed_at, format_em_time(start_));
}

TEST(SimulatedEmObservationsTest, ServedThroughTheApi) {
  testing::SimulatedEm em(HistoryOptions{.days = 3}, at("2026-06-15T22:30:00Z"));
  testing::HttpClient client(em.port());
  const testing::HttpReply logon =
      client.post("/api/sessionMngr/?v=latest", {{"Authorization", "Basic dXNlcjpwYXNz"}});
  ASSERT_EQ(logon.status, 201u) << logon.body;
  const std::string token = logon.header("X-RestSvcSessionId");
  for (const char* target :
       {"/api/reports/summary/overview", "/api/reports/summary/vms_overview",
        "/api/reports/summary/job_statistics", "/api/reports/summary/repository",
        "/api/repositories", "/api/repositories?format=Entity", "/api/agents/discoveredComputers",
        "/api/agents/jobs", "/api/nas/jobs"}) {
    const testing::HttpReply reply = client.get(target, {{"X-RestSvcSessionId", token}});
    EXPECT_EQ(reply.status, 200u) << target << "\n" << reply.body;
  }
  const testing::HttpReply repositories =
      client.get("/api/repositories", {{"X-RestSvcSessionId", token}});
  EXPECT_NE(repositories.body.find("Href=\"" + em.base_url() + "/api/repositories/"),
            std::string::npos)
      << repositories.body;
}

}  // namespace
}  // namespace emarchive::sim
