#include "sim/history.h"

#include <gtest/gtest.h>

#include <map>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "model/codec.h"
#include "model/reference.h"
#include "storage/archive.h"
#include "tests/support/simulated_em.h"
#include "tests/support/test_data.h"

namespace emarchive::sim {

// How a HistoryOptions parameter shows in test listings and failures. In sim::, for gtest to find.
void PrintTo(const HistoryOptions& o, std::ostream* os) {
  *os << o.days << " days, " << o.jobs << " jobs, " << o.vms << " VMs, seed " << o.seed;
}

namespace {

using testing::at;

// 22:30 UTC, amid the nightly runs (20:00-23:59); tests that need running sessions pick their
// instant with busy_now(), since which runs overlap a given instant depends on the seed.
const EmTime kNow = at("2026-06-15T22:30:00Z");

std::vector<Record> history(const HistoryOptions& options, EmTime now) {
  std::vector<Record> all;
  generate(options, now, [&](std::vector<Record>&& batch) {
    for (Record& r : batch) all.push_back(std::move(r));
  });
  return all;
}

bool is_session(const Record& r) {
  return r.kind != Kind::Job && r.kind != Kind::BackupServer;
}

bool is_task(const Record& r) {
  return r.kind == Kind::BackupTaskSession || r.kind == Kind::ReplicaTaskSession;
}

bool is_job_session(const Record& r) {
  return r.kind == Kind::BackupJobSession || r.kind == Kind::ReplicaJobSession;
}

std::map<std::string, std::string> rendered_by_uid(const std::vector<Record>& records) {
  std::map<std::string, std::string> out;
  for (const Record& r : records) out[r.uid] = render_entity(r, "");
  return out;
}

bool running(const Record& r) {
  return is_session(r) && !r.field("EndTimeUTC");
}

// The first instant from 20:00 on kNow's day, in 5-minute steps, at which some session runs:
// which instants those are depends on the seed, and the tests below need running sessions.
EmTime busy_now(const HistoryOptions& options) {
  const EmTime evening = at("2026-06-15T20:00:00Z");
  for (EmTime t = evening; t < evening + 4 * kHour; t += kHour / 12) {
    for (const Record& r : history(HistoryOptions{options.seed, 0, options.jobs, options.vms}, t)) {
      if (running(r)) return t;
    }
  }
  ADD_FAILURE() << "nothing runs in the evening";
  return kNow;
}

int rank(const std::string& result) {
  return result == "Success" ? 0 : result == "Warning" ? 1 : 2;
}

TEST(HistoryTest, SameInputsGiveTheSameDocuments) {
  const HistoryOptions options;
  std::vector<std::string> first, second;
  for (const Record& r : history(options, kNow)) first.push_back(render_entity(r, ""));
  for (const Record& r : history(options, kNow)) second.push_back(render_entity(r, ""));
  EXPECT_EQ(first, second);
  EXPECT_GT(first.size(), 1000u);

  HistoryOptions other = options;
  other.seed = 2;
  EXPECT_NE(rendered_by_uid(history(options, kNow)), rendered_by_uid(history(other, kNow)));
}

TEST(HistoryTest, EveryRecordRendersAndParsesBackEqual) {
  constexpr std::string_view kOrigin = "http://127.0.0.1:9398";
  std::set<Kind> kinds;
  for (const Record& r : history(HistoryOptions{.days = 10}, kNow)) {
    EXPECT_TRUE(r.origin.empty());
    EXPECT_FALSE(r.reference);
    ASSERT_TRUE(r.entity);
    kinds.insert(r.kind);
    const std::string xml = render_entity(r, kOrigin);
    auto doc = parse_document(xml, r.uid);
    ASSERT_TRUE(doc) << doc.error().message << "\n" << xml;
    ASSERT_EQ(doc->records.size(), 1u);
    Record expected = r;
    expected.origin = kOrigin;
    EXPECT_EQ(doc->records[0], expected) << xml;
    // The api serves the reference form derived from the entity; it must be a valid document.
    Record referenced = r;
    referenced.reference = derive_reference(r);
    auto ref = parse_document(render_entity_ref(referenced, kOrigin), r.uid);
    ASSERT_TRUE(ref) << ref.error().message;
  }
  EXPECT_EQ(kinds.size(), all_kinds().size()) << "every kind appears in ten days";
}

// Also with one big job, whose nightly runs last past midnight.
class HistoryOrderTest : public ::testing::TestWithParam<HistoryOptions> {};

INSTANTIATE_TEST_SUITE_P(History, HistoryOrderTest,
                         ::testing::Values(HistoryOptions{},
                                           HistoryOptions{.days = 3, .jobs = 1, .vms = 300}),
                         [](const ::testing::TestParamInfo<HistoryOptions>& info) {
                           const HistoryOptions& o = info.param;
                           return std::to_string(o.days) + "_days_" + std::to_string(o.jobs) +
                                  "_jobs_" + std::to_string(o.vms) + "_vms_seed_" +
                                  std::to_string(o.seed);
                         });

TEST_P(HistoryOrderTest, BatchesComeServersJobsThenSessionsInCreationOrder) {
  std::vector<std::vector<Record>> batches;
  generate(GetParam(), kNow, [&](std::vector<Record>&& b) { batches.push_back(std::move(b)); });
  ASSERT_GT(batches.size(), 2u);
  const auto& fixed = batches.front();
  ASSERT_FALSE(fixed.empty());
  EXPECT_EQ(fixed.front().kind, Kind::BackupServer);
  EXPECT_EQ(fixed.back().kind, Kind::Job);
  EmTime last = 0;
  for (std::size_t b = 1; b < batches.size(); ++b) {
    for (const Record& r : batches[b]) {
      ASSERT_TRUE(is_session(r));
      const EmTime created = at(*r.field("CreationTimeUTC"));
      EXPECT_LE(last, created) << r.uid;
      EXPECT_LE(created, kNow) << "sessions after now do not exist yet";
      last = created;
    }
  }
}

TEST(HistoryTest, LaterNowKeepsFinishedSessionsAndFinishesRunningOnes) {
  const HistoryOptions options;
  const EmTime now = busy_now(options);
  const auto before = rendered_by_uid(history(options, now));
  const auto after = rendered_by_uid(history(options, now + kHour));
  int was_running = 0, finished_since = 0;
  for (const Record& r : history(options, now)) {
    if (!is_session(r)) continue;
    auto it = after.find(r.uid);
    ASSERT_NE(it, after.end()) << r.uid << " disappeared";
    if (r.field("EndTimeUTC")) {
      EXPECT_EQ(it->second, before.at(r.uid)) << r.uid << " changed after it finished";
    } else {
      ++was_running;
      if (it->second != before.at(r.uid)) ++finished_since;
    }
  }
  EXPECT_GT(was_running, 0);
  EXPECT_GT(finished_since, 0);
  EXPECT_GT(after.size(), before.size());
}

TEST(HistoryTest, RunningSessionsHaveNoEndAndNoResult) {
  const HistoryOptions options{.days = 2};
  const EmTime now = busy_now(options);
  int running_count = 0;
  for (const Record& r : history(options, now)) {
    if (!is_session(r)) continue;
    const auto end = r.field("EndTimeUTC");
    const auto state = *r.field("State");
    if (end) {
      EXPECT_LE(at(*r.field("CreationTimeUTC")), at(*end));
      EXPECT_LE(at(*end), now);
      EXPECT_NE(*r.field("Result"), "None");
      EXPECT_TRUE(state == "Stopped" || state == "Completed") << state;
      continue;
    }
    ++running_count;
    EXPECT_LE(at(*r.field("CreationTimeUTC")), now);
    EXPECT_EQ(*r.field("Result"), "None") << r.uid;
    EXPECT_EQ(state, is_task(r) ? "InProgress" : "Working") << r.uid;
    if (!is_task(r)) {
      EXPECT_LT(std::stoi(*r.field("Progress")), 100);
    }
    for (const Link& l : r.entity->links) EXPECT_NE(l.rel, "Related") << r.uid;
  }
  EXPECT_GT(running_count, 0);
}

TEST(HistoryTest, TaskResultsAreMostlySuccessful) {
  std::map<std::string, int> results;
  int tasks = 0;
  for (const Record& r : history(HistoryOptions{}, kNow)) {
    if (!is_task(r) || !r.field("EndTimeUTC")) continue;
    ++results[*r.field("Result")];
    ++tasks;
    const auto reason = *r.field("Reason");
    EXPECT_EQ(reason.empty(), *r.field("Result") == "Success") << r.uid;
  }
  ASSERT_GT(tasks, 1000);
  const double success = 1.0 * results["Success"] / tasks;
  const double warning = 1.0 * results["Warning"] / tasks;
  const double failed = 1.0 * results["Failed"] / tasks;
  EXPECT_NEAR(success, 0.85, 0.04);
  EXPECT_NEAR(warning, 0.10, 0.03);
  EXPECT_NEAR(failed, 0.05, 0.025);
}

// A job session's Result and FailureMessage, derived here from its task sessions and those of its
// retry as a client would (sim/history.h states the rules), agree with what the history says,
// over three months of sessions.
TEST(HistoryTest, JobSessionResultsAgreeWithTheirTasksAndRetries) {
  const auto records = history(HistoryOptions{.days = 90}, kNow);
  std::map<std::string, const Record*> sessions;
  std::map<std::string, std::vector<const Record*>> by_job;  // job sessions, in creation order
  std::map<std::string, std::vector<const Record*>> tasks_of;
  for (const Record& r : records) {
    if (is_job_session(r)) {
      sessions[r.uid] = &r;
      by_job[*r.field("JobUid")].push_back(&r);
    }
  }
  for (const Record& r : records) {
    if (!is_task(r)) continue;
    const auto parent = *r.field("JobSessionUid");
    ASSERT_TRUE(sessions.count(parent)) << r.uid << " names a missing job session " << parent;
    EXPECT_EQ(sessions[parent]->kind,
              r.kind == Kind::BackupTaskSession ? Kind::BackupJobSession : Kind::ReplicaJobSession);
    tasks_of[parent].push_back(&r);
  }
  const auto created = [](const Record* r) { return at(*r->field("CreationTimeUTC")); };
  // The worst result among a session's tasks, and the first task (by creation) that has it.
  const auto worst_task = [&](const std::string& uid) {
    const Record* first = nullptr;
    for (const Record* task : tasks_of[uid]) {
      const int r = rank(*task->field("Result"));
      if (!first || r > rank(*first->field("Result")) ||
          (r == rank(*first->field("Result")) && created(task) < created(first))) {
        first = task;
      }
    }
    return first;
  };

  std::map<std::string, int> checked;  // by kind of outcome
  for (const auto& [job, runs] : by_job) {
    for (std::size_t i = 0; i < runs.size(); ++i) {
      const Record& session = *runs[i];
      if (!session.field("EndTimeUTC")) {
        EXPECT_FALSE(session.field("FailureMessage")) << session.uid << " is still running";
        continue;
      }
      for (const Record* task : tasks_of[session.uid]) {
        EXPECT_TRUE(task->field("EndTimeUTC")) << task->uid << " runs on after its job session";
        EXPECT_LE(created(task), at(*session.field("EndTimeUTC"))) << task->uid;
      }
      const Record* worst = worst_task(session.uid);
      std::string expected = worst ? *worst->field("Result") : "Success";
      const bool retried = *session.field("IsRetry") == "false" && expected == "Failed";
      if (retried) {
        // The retry is the job's next session: over the failed VMs, which it recovers or not.
        if (i + 1 == runs.size()) continue;  // it has not started yet at kNow
        const Record& retry = *runs[i + 1];
        ASSERT_EQ(*retry.field("IsRetry"), "true") << session.uid << " failed but had no retry";
        std::multiset<std::string> failed, retried_vms;
        for (const Record* task : tasks_of[session.uid]) {
          if (*task->field("Result") == "Failed") failed.insert(*task->entity->vm_display_name);
        }
        bool recovered = true;
        for (const Record* task : tasks_of[retry.uid]) {
          retried_vms.insert(*task->entity->vm_display_name);
          if (*task->field("Result") == "Failed") recovered = false;
        }
        EXPECT_EQ(retried_vms, failed) << retry.uid << " retries other VMs than failed";
        if (!retry.field("EndTimeUTC")) continue;
        expected = recovered ? "Warning" : "Failed";
      } else if (*session.field("IsRetry") == "false") {
        EXPECT_TRUE(i + 1 == runs.size() || *runs[i + 1]->field("IsRetry") == "false")
            << session.uid << " was retried without a failure";
      }
      EXPECT_EQ(*session.field("Result"), expected) << session.uid;
      ++checked[(retried ? "retried " : "") + expected];

      const auto message = session.field("FailureMessage");
      if (expected == "Success") {
        EXPECT_FALSE(message) << session.uid;
      } else {
        ASSERT_TRUE(message) << session.uid << " is " << expected << " without a FailureMessage";
        EXPECT_EQ(*message, *worst->field("Reason")) << session.uid;
        EXPECT_FALSE(message->empty()) << session.uid;
      }
    }
  }
  // Three months hold every case, retries that recover and retries that do not included.
  for (const char* outcome : {"Success", "Warning", "Failed", "retried Warning", "retried Failed"}) {
    EXPECT_GT(checked[outcome], 0) << outcome;
  }
}

// What a FailureMessage looks like on the wire, where EM's JSON puts it: after Progress.
TEST(HistoryTest, AFailedJobSessionRendersItsFailureMessageAfterProgress) {
  for (const Record& r : history(HistoryOptions{.days = 10}, kNow)) {
    if (!is_job_session(r) || r.field("Result") != "Failed") continue;
    const std::string xml = render_entity(r, "");
    const auto progress = xml.find("<Progress>");
    const auto message = xml.find("<FailureMessage>");
    ASSERT_NE(message, std::string::npos) << xml;
    EXPECT_LT(progress, message) << xml;
    EXPECT_LT(message, xml.find("<IsRetry>")) << xml;
    return;
  }
  FAIL() << "no failed job session in ten days";
}

TEST(HistoryTest, StoresIntoAnArchiveAsNewThenUnchanged) {
  testing::TempDir dir;
  auto archive = storage::Archive::open((dir / "sim.db").string());
  ASSERT_TRUE(archive) << archive.error().message;
  auto run = (*archive)->begin_run("simulate", "tests", "2026-06-15T22:30:00Z");
  ASSERT_TRUE(run) << run.error().message;
  const HistoryOptions options{.days = 3};
  for (auto expected : {storage::StoreOutcome::New, storage::StoreOutcome::Unchanged}) {
    int stored = 0;
    generate(options, kNow, [&](std::vector<Record>&& batch) {
      auto outcomes = (*archive)->store(batch, *run, "2026-06-15T22:30:00Z");
      ASSERT_TRUE(outcomes) << outcomes.error().message;
      for (auto outcome : *outcomes) EXPECT_EQ(outcome, expected);
      stored += static_cast<int>(outcomes->size());
    });
    EXPECT_GT(stored, 100);
  }
}

using RenderedBatches = std::vector<std::vector<std::string>>;

void append_rendered(RenderedBatches& batches, const std::vector<Record>& batch) {
  batches.emplace_back();
  for (const Record& r : batch) batches.back().push_back(render_entity(r, ""));
}

TEST_P(HistoryOrderTest, GenerateSinceGivesTheSameBatchesAsAFullGenerate) {
  const HistoryOptions options = GetParam();
  std::vector<EmTime> batch_days;  // 00:00 UTC of each day batch
  RenderedBatches full;
  generate(options, kNow, [&](std::vector<Record>&& batch) {
    append_rendered(full, batch);
    if (is_session(batch.front())) {
      batch_days.push_back(at(*batch.front().field("CreationTimeUTC")) / kDay * kDay);
    }
  });
  ASSERT_GT(batch_days.size(), 2u);
  // An instant within a day counts as that day; `since` before the history's first day changes
  // nothing.
  for (EmTime since : {kNow, kNow - kDay, kNow - 2 * kDay + kHour / 2, EmTime{0}}) {
    RenderedBatches expected = {full.front()};
    for (std::size_t d = 0; d < batch_days.size(); ++d) {
      if (batch_days[d] >= since / kDay * kDay) expected.push_back(full[d + 1]);
    }
    RenderedBatches tail;
    generate(options, kNow, since,
             [&](std::vector<Record>&& batch) { append_rendered(tail, batch); });
    EXPECT_EQ(tail, expected) << format_em_time(since);
    EXPECT_GT(tail.size(), 1u);
  }
}

// changeable_since() promises that days before it hold only finished sessions; with one big job
// runs are longest, and past midnight.
TEST_P(HistoryOrderTest, SessionsRunningAtAnInstantWereCreatedSinceChangeableSince) {
  const HistoryOptions options = GetParam();
  int running_seen = 0;
  for (EmTime now = kNow - 24 * kHour; now <= kNow + 24 * kHour; now += kHour / 2) {
    for (const Record& r : history(options, now)) {
      if (!running(r)) continue;
      ++running_seen;
      EXPECT_GE(at(*r.field("CreationTimeUTC")), changeable_since(now))
          << r.uid << " at " << format_em_time(now);
    }
  }
  EXPECT_GT(running_seen, 0);
}

TEST(HistoryTest, AYearOfFiveHundredVmsStreamsByDay) {
  const HistoryOptions options{.days = 365, .jobs = 40, .vms = 500};
  // How fast is for benchmarks (issue 5); a test asserts only that it works, a day at a time.
  std::size_t records = 0, batches = 0, largest = 0;
  generate(options, kNow, [&](std::vector<Record>&& batch) {
    records += batch.size();
    largest = std::max(largest, batch.size());
    ++batches;
  });
  EXPECT_GT(records, 365u * 500u);
  EXPECT_EQ(batches, 1u + 366u);
  EXPECT_LT(largest, 1000u) << "one day of sessions at a time";
}

}  // namespace
}  // namespace emarchive::sim
