// The query service's common filters are answered from the index made for them (migrations,
// docs/SCHEMA.md "Query plans"): SQLite's plan for the page and for its count, on a small
// archive with statistics (ANALYZE) shaped like a real one. Timings are scripts/bench's; this
// holds the plans that make them.

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "api/query_request.h"
#include "model/em_time.h"
#include "storage/archive.h"
#include "storage/record_query.h"
#include "tests/support/test_data.h"

namespace emarchive::storage {
namespace {

// 3 backup servers, 20 jobs, 100 days of one job session a job and day, 10 VMs a job with one
// task session each a run: 2,000 job sessions and 20,000 task sessions, mostly successful, of
// 0 to 999 GB. Times are whole hours from 2025-01-01; the archive holds each session's entity.
constexpr const char* kPopulate = R"sql(
CREATE TEMP TABLE n AS
  WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 19999) SELECT i FROM n;
INSERT INTO records (id, kind_id, uid)
  SELECT 1 + i, 7, 'urn:veeam:BackupServer:' || i FROM n WHERE i < 3;
INSERT INTO backup_servers (record_id, name) SELECT 1 + i, 'vbr-' || i FROM n WHERE i < 3;
INSERT INTO records (id, kind_id, uid) SELECT 10 + i, 6, 'urn:veeam:Job:' || i FROM n WHERE i < 20;
INSERT INTO jobs (record_id, name, backup_server_id)
  SELECT 10 + i, 'Job ' || i, 1 + i % 3 FROM n WHERE i < 20;
-- Job session i: job i % 20, day i / 20.
INSERT INTO records (id, kind_id, uid)
  SELECT 1000 + i, 1, 'urn:veeam:BackupJobSession:' || i FROM n WHERE i < 2000;
INSERT INTO sessions (record_id, kind_id, name, backup_server_id, job_id, job_name, job_type,
                      creation_time_ns, end_time_ns, state, result)
  SELECT 1000 + i, 1, 'Job ' || (i % 20), 1 + i % 20 % 3, 10 + i % 20, 'Job ' || (i % 20),
         'Backup', (1735689600 + (i / 20) * 86400 + (i % 20) * 600) * 1000000000,
         (1735689600 + (i / 20) * 86400 + (i % 20) * 600 + 1800) * 1000000000, 'Stopped',
         CASE WHEN i % 31 = 0 THEN 'Failed' WHEN i % 11 = 0 THEN 'Warning' ELSE 'Success' END
  FROM n WHERE i < 2000;
-- Task session i: job session i / 10, VM (job * 10 + i % 10); the schema's triggers copy its
-- job session's job and job name onto it (migrations/019_task_jobs.sql).
INSERT INTO records (id, kind_id, uid)
  SELECT 100000 + i, 2, 'urn:veeam:BackupTaskSession:' || i FROM n;
INSERT INTO sessions (record_id, kind_id, name, vm_display_name, vm_uid, backup_server_id,
                      parent_id, creation_time_ns, end_time_ns, state, result, reason, total_size)
  SELECT 100000 + i, 2, 'vm-' || ((i / 10) % 20 * 10 + i % 10), 'vm-' || ((i / 10) % 20 * 10 + i % 10),
         'vm-uid-' || ((i / 10) % 20 * 10 + i % 10), 1 + (i / 10) % 20 % 3, 1000 + i / 10,
         (1735689600 + (i / 200) * 86400 + ((i / 10) % 20) * 600 + i % 10) * 1000000000,
         (1735689600 + (i / 200) * 86400 + ((i / 10) % 20) * 600 + i % 10 + 900) * 1000000000,
         'Completed',
         CASE WHEN i % 97 = 0 THEN 'Failed' WHEN i % 13 = 0 THEN 'Warning' ELSE 'Success' END,
         CASE WHEN i % 97 = 0 THEN 'Disk full' END, (i * 7919 % 1000) * 1000000000
  FROM n;
INSERT INTO representations (record_id, form, derived, has_links, revision)
  SELECT record_id, 1, 3, 0, 1 FROM sessions;
ANALYZE;
)sql";

struct PlanCase {
  const char* name;
  const char* type;
  const char* filter;
  const char* sort;         // sortDesc, or "" for the default (CreationTime, newest first)
  const char* page_index;   // the index the page is read from
  const char* count_index;  // the index the count walks (a tally count: those it reads, by commas)
  bool sorts = false;       // the page sorts its matches (a job's task sessions: many parents)
  const char* tally = nullptr;  // the session tally the count sums, if it sums one
};

void PrintTo(const PlanCase& c, std::ostream* os) {
  *os << c.type << " " << c.filter;
}

std::string case_name(const ::testing::TestParamInfo<PlanCase>& info) {
  return info.param.name;
}

class RecordQueryPlan : public ::testing::TestWithParam<PlanCase> {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    path_ = (*dir_ / "plans.db").string();
    // The archive's own schema, at its latest version.
    ASSERT_TRUE(Archive::open(path_)) << path_;
    SQLite::Database db(path_, SQLite::OPEN_READWRITE);
    db.exec(kPopulate);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  // Each line of SQLite's plan for `sql` with the query's parameters.
  static std::vector<std::string> plan(const std::string& sql, const std::vector<SqlValue>& params,
                                       bool paged) {
    SQLite::Database db(path_, SQLite::OPEN_READONLY);
    SQLite::Statement s(db, "EXPLAIN QUERY PLAN " + sql);
    int index = 1;
    for (const SqlValue& v : params) {
      std::visit([&](const auto& value) { s.bind(index++, value); }, v);
    }
    if (paged) {
      s.bind(index++, static_cast<std::int64_t>(100));
      s.bind(index++, static_cast<std::int64_t>(0));
    }
    std::vector<std::string> lines;
    while (s.executeStep()) lines.push_back(s.getColumn(3).getString());
    return lines;
  }

  static testing::TempDir* dir_;
  static std::string path_;
};

testing::TempDir* RecordQueryPlan::dir_ = nullptr;
std::string RecordQueryPlan::path_;

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += "\n  " + l;
  return out;
}

// The plan's first line reads the kind's table t through `index`; nothing scans a whole table
// or index (SQLite says SCAN), and only a page that must sort sorts every match (TEMP B-TREE FOR
// ORDER BY; sorting the records created in the same instant, FOR RIGHT PART OF ORDER BY, is
// cheap).
void expect_plan(const std::vector<std::string>& lines, const std::string& index, bool sorts) {
  ASSERT_FALSE(lines.empty());
  const std::string uses = "USING INDEX " + index + " (";
  const std::string covers = "USING COVERING INDEX " + index + " (";
  const bool found = index == "PRIMARY KEY"
                         ? lines.front().starts_with("SEARCH t USING INTEGER PRIMARY KEY")
                         : lines.front().starts_with("SEARCH t ") &&
                               (lines.front().find(uses) != std::string::npos ||
                                lines.front().find(covers) != std::string::npos);
  EXPECT_TRUE(found) << "expected " << index << ":" << joined(lines);
  for (const std::string& line : lines) {
    EXPECT_FALSE(line.starts_with("SCAN ")) << joined(lines);
    if (!sorts) {
      EXPECT_EQ(line.find("TEMP B-TREE FOR ORDER BY"), std::string::npos) << joined(lines);
    }
  }
}

// A count from the tallies (storage/session_tallies.h) sums `tally` by its key, and what it
// counts from the table besides (the ends of the range, the sessions without a creation time or
// without the field a term excludes) it reads through the indexes `indexes` names, separated by
// commas. The CASE's first branch, whose search SQLite lists first, counts in full while the
// tallies are not current: any search will do there.
void expect_count_plan(const std::vector<std::string>& lines, const std::string& indexes,
                       const char* tally) {
  if (!tally) return expect_plan(lines, indexes, false);
  bool sums = false;
  bool counts = false;
  bool in_full = true;  // the next search of t is the count in full
  for (const std::string& line : lines) {
    // The CASE that adds the parts up reads no table.
    if (line != "SCAN CONSTANT ROW") {
      EXPECT_FALSE(line.starts_with("SCAN ")) << joined(lines);
    }
    EXPECT_EQ(line.find("TEMP B-TREE"), std::string::npos) << joined(lines);
    if (line.starts_with("SEARCH " + std::string(tally) + " USING PRIMARY KEY (kind_id=?")) {
      sums = true;
    }
    if (line.starts_with("SEARCH t ") && std::exchange(in_full, false)) continue;
    if (line.starts_with("SEARCH t ")) {
      counts = true;
      bool listed = false;
      for (std::size_t from = 0; from <= indexes.size();) {
        const std::size_t comma = std::min(indexes.find(',', from), indexes.size());
        listed |=
            line.find(" INDEX " + indexes.substr(from, comma - from) + " (") != std::string::npos;
        from = comma + 1;
      }
      EXPECT_TRUE(listed) << "expected one of " << indexes << ":" << joined(lines);
    }
  }
  EXPECT_TRUE(sums) << "expected a sum of " << tally << ":" << joined(lines);
  EXPECT_TRUE(counts) << joined(lines);
}

TEST_P(RecordQueryPlan, UsesTheFiltersIndexForThePageAndTheCount) {
  const PlanCase& c = GetParam();
  std::vector<std::pair<std::string, std::string>> params = {
      {"type", c.type}, {"format", "Entities"}, {"filter", c.filter}};
  if (*c.sort) params.emplace_back("sortDesc", c.sort);
  auto request = api::parse_query_request(params, *parse_em_time("2025-03-01T00:00:00Z"));
  ASSERT_TRUE(request) << request.error().message;
  const RecordQuerySql sql = record_query_sql(request->query);
  expect_plan(plan(sql.select_ids, sql.params, true), c.page_index, c.sorts);
  // A page past the middle, read from the other end: the same index, backwards.
  expect_plan(plan(sql.select_ids_reversed, sql.params, true), c.page_index, c.sorts);
  expect_count_plan(plan(sql.count, sql.count_params, false), c.count_index, c.tally);
}

constexpr const char* kTask = "BackupTaskSession";
constexpr const char* kJobSession = "BackupJobSession";
constexpr const char* kTallies = "session_tallies";
constexpr const char* kJobTallies = "session_job_tallies";
constexpr const char* kServerTallies = "session_server_tallies";
constexpr const char* kJobIdTallies = "session_job_id_tallies";
constexpr const char* kEndTallies = "session_end_tallies";
constexpr const char* kSizeTallies = "session_size_tallies";
constexpr const char* kBlankTallies = "session_blank_tallies";
constexpr const char* kEnded = R"(EndTime>="2025-02-01";EndTime<"2025-02-15")";

INSTANTIATE_TEST_SUITE_P(
    CommonFilters, RecordQueryPlan,
    ::testing::Values(
        PlanCase{"TasksByResult", kTask, "Result==Failed", "", "sessions_kind_result_creation",
                 "sessions_kind_result_creation", false, kTallies},
        PlanCase{"TasksByResultSortedByResult", kTask, "Result==Failed", "Result",
                 "sessions_kind_result_creation", "sessions_kind_result_creation", false, kTallies},
        PlanCase{"TasksByResultInATimeRange", kTask,
                 "Result==Warning;CreationTime>=\"2025-02-01\";CreationTime<\"2025-02-08\"", "",
                 "sessions_kind_result_creation", "sessions_kind_result_creation", false, kTallies},
        PlanCase{"TasksByResultSinceARelativeTime", kTask, "Result==Failed;CreationTime>=now-7d",
                 "", "sessions_kind_result_creation", "sessions_kind_result_creation", false,
                 kTallies},
        PlanCase{"TasksInATimeRange", kTask, "CreationTime>=now-7d", "", "sessions_kind_creation",
                 "sessions_kind_creation", false, kTallies},
        PlanCase{"TasksByState", kTask, "State==InProgress", "", "sessions_kind_state_creation",
                 "sessions_kind_state_creation", false, kTallies},
        PlanCase{"TasksByStateAndResultInATimeRange", kTask,
                 "State==Completed;Result==Failed;CreationTime>=now-7d", "",
                 "sessions_kind_result_creation", "sessions_kind_result_creation", false, kTallies},
        PlanCase{"TasksPerVm", kTask, "VmDisplayName==\"vm-42\"", "",
                 "sessions_kind_vm_creation_result", "sessions_kind_vm_creation_result"},
        PlanCase{"TasksPerVmSortedByVm", kTask, "VmDisplayName==\"vm-42\"", "VmDisplayName",
                 "sessions_kind_vm_creation_result", "sessions_kind_vm_creation_result"},
        PlanCase{"TasksPerVmAndResult", kTask, "VmDisplayName==\"vm-42\";Result==Failed", "",
                 "sessions_kind_vm_creation_result", "sessions_kind_vm_creation_result"},
        PlanCase{"TasksPerVmUid", kTask, "VmUid==\"vm-uid-42\"", "",
                 "sessions_kind_vm_uid_creation_result", "sessions_kind_vm_uid_creation_result"},
        PlanCase{"TasksByName", kTask, "Name==\"vm-42\"", "", "sessions_kind_name_creation",
                 "sessions_kind_name_creation"},
        PlanCase{"TasksByReason", kTask, "Reason==\"disk full\"", "",
                 "sessions_kind_reason_creation", "sessions_kind_reason_creation"},
        PlanCase{"TasksLargerThanSortedBySize", kTask, "TotalSize>990000000000", "TotalSize",
                 "sessions_kind_size_creation", "sessions_kind_size_creation", false, kSizeTallies},
        PlanCase{"TasksOfOneSize", kTask, "TotalSize==990000000000", "",
                 "sessions_kind_size_creation", "sessions_kind_size_creation"},
        PlanCase{"TasksInASizeRangeSortedBySize", kTask,
                 "TotalSize>=123456;TotalSize<=990000012345", "TotalSize",
                 "sessions_kind_size_creation", "sessions_kind_size_creation", false, kSizeTallies},
        PlanCase{"TasksEndedInARangeSortedByEnd", kTask, kEnded, "EndTime", "sessions_kind_end",
                 "sessions_kind_end", false, kEndTallies},
        PlanCase{"TasksByUid", kTask, "UID==\"urn:veeam:BackupTaskSession:123\"", "", "PRIMARY KEY",
                 "PRIMARY KEY"},
        PlanCase{"TasksPerJobSession", kTask, "JobSessionUid==\"urn:veeam:BackupJobSession:7\"", "",
                 "sessions_kind_parent_result_creation", "sessions_kind_parent_result_creation",
                 true},
        PlanCase{"TasksPerJob", kTask, "JobName==\"Job 7\"", "",
                 "sessions_kind_job_name_creation_result", "sessions_kind_job_name_creation_result",
                 false, kJobTallies},
        PlanCase{"TasksPerJobSortedByJob", kTask, "JobName==\"Job 7\"", "JobName",
                 "sessions_kind_job_name_creation_result", "sessions_kind_job_name_creation_result",
                 false, kJobTallies},
        PlanCase{"TasksPerJobAndResult", kTask, "JobName==\"Job 7\";Result==Warning", "",
                 "sessions_kind_job_name_creation_result", "sessions_kind_job_name_creation_result",
                 false, kJobTallies},
        PlanCase{"TasksPerJobUid", kTask, "JobUid==\"urn:veeam:Job:7\"", "",
                 "sessions_job_kind_creation", "sessions_job_kind_creation", false, kJobIdTallies},
        PlanCase{"TasksPerJobUidAndResult", kTask, "JobUid==\"urn:veeam:Job:7\";Result==Warning",
                 "", "sessions_kind_job_result_creation", "sessions_kind_job_result_creation",
                 false, kJobIdTallies},
        PlanCase{"TasksPerJobUidInATimeRange", kTask,
                 "JobUid==\"urn:veeam:Job:7\";CreationTime>=\"2025-02-01\";"
                 "CreationTime<\"2025-02-08\"",
                 "", "sessions_job_kind_creation", "sessions_job_kind_creation", false,
                 kJobIdTallies},
        PlanCase{"TasksPerServer", kTask, "BackupServerUid==\"urn:veeam:BackupServer:1\"", "",
                 "sessions_kind_server_creation", "sessions_kind_server_creation", false,
                 kServerTallies},
        // A server has a third of the sessions here: walking them in creation order finds a
        // page soonest, and the count reads the server's index.
        PlanCase{"TasksPerServerName", kTask, "BackupServerName==\"vbr-1\"", "",
                 "sessions_kind_creation", "sessions_kind_server_creation", false, kServerTallies},
        PlanCase{"TasksPerServerAndState", kTask,
                 "State==Completed;BackupServerUid==\"urn:veeam:BackupServer:1\"", "",
                 "sessions_kind_server_creation", "sessions_kind_server_creation", false,
                 kServerTallies},
        PlanCase{"JobSessionsPerJobAndState", kJobSession, "JobName==\"Job 7\";State==Working", "",
                 "sessions_kind_job_name_creation_result", "sessions_kind_job_name_creation_result",
                 false, kJobTallies},
        PlanCase{"JobSessionsPerJob", kJobSession, "JobName==\"Job 7\"", "",
                 "sessions_kind_job_name_creation_result", "sessions_kind_job_name_creation_result",
                 false, kJobTallies},
        PlanCase{"JobSessionsPerJobUid", kJobSession, "JobUid==\"urn:veeam:Job:7\"", "",
                 "sessions_job_kind_creation", "sessions_job_kind_creation", false, kJobIdTallies},
        PlanCase{"JobSessionsPerJobUidAndResult", kJobSession,
                 "JobUid==\"urn:veeam:Job:7\";Result==Failed", "",
                 "sessions_kind_job_result_creation", "sessions_kind_job_result_creation", false,
                 kJobIdTallies},
        PlanCase{"TasksWithoutAResult", kTask, "Result!=Success", "", "sessions_kind_creation",
                 "sessions_kind_result_creation,sessions_kind_creation", false, kTallies},
        PlanCase{"TasksByResults", kTask, "Result==Failed,Result==Warning", "",
                 "sessions_kind_creation", "sessions_kind_result_creation,sessions_kind_creation",
                 false, kTallies},
        PlanCase{"TasksWithoutAStateInATimeRange", kTask, "State!=Completed;CreationTime>=now-7d",
                 "", "sessions_kind_creation",
                 "sessions_kind_state_creation,sessions_kind_creation", false, kTallies},
        // != of a field the tallies do not hold: the kind's tallies less the matches of == found
        // by seeking the field's index, and less the sessions without the field, which the blank
        // tallies count (but the end of a range, from the index).
        PlanCase{"TasksOfAllVmsButOne", kTask, "VmDisplayName!=\"vm-42\"", "",
                 "sessions_kind_creation",
                 "sessions_kind_vm_creation_result,sessions_kind_creation", false, kTallies},
        PlanCase{"TasksOfAllVmUidsButOneInATimeRange", kTask,
                 "VmUid!=\"vm-uid-42\";CreationTime>=now-7d", "", "sessions_kind_creation",
                 "sessions_kind_vm_uid_creation_result,sessions_kind_creation", false, kTallies},
        PlanCase{"TasksWithAnotherReason", kTask, "Reason!=\"Disk full\"", "",
                 "sessions_kind_creation", "sessions_kind_reason_creation,sessions_kind_creation",
                 false, kTallies},
        // An empty value, and the field without one, from the blank tallies.
        PlanCase{"TasksWithAnEmptyReason", kTask, "Reason==\"\"", "",
                 "sessions_kind_reason_creation", "sessions_kind_reason_creation", false,
                 kBlankTallies},
        PlanCase{"TasksWithAReasonInATimeRange", kTask, "Reason!=\"\";CreationTime>=now-7d", "",
                 "sessions_kind_creation", "sessions_kind_reason_creation,sessions_kind_creation",
                 false, kBlankTallies},
        PlanCase{"TasksWithAVmUid", kTask, "VmUid!=\"\"", "", "sessions_kind_creation",
                 "sessions_kind_vm_uid_creation_result,sessions_kind_creation", false,
                 kBlankTallies},
        PlanCase{"TasksOfAnotherSizeInATimeRange", kTask, "TotalSize!=0;CreationTime>=now-7d", "",
                 "sessions_kind_creation", "sessions_kind_size_creation,sessions_kind_creation",
                 false, kTallies},
        PlanCase{"TasksOfAllJobSessionsButOne", kTask,
                 "JobSessionUid!=\"urn:veeam:BackupJobSession:7\"", "", "sessions_kind_creation",
                 "sessions_kind_parent_result_creation,sessions_kind_creation", false, kTallies},
        PlanCase{"TasksOfAllServersButOne", kTask, "BackupServerName!=\"vbr-1\"", "",
                 "sessions_kind_creation", "sessions_kind_server_creation,sessions_kind_creation",
                 false, kServerTallies},
        PlanCase{"TasksOfAllJobsButOne", kTask, "JobUid!=\"urn:veeam:Job:7\"", "",
                 "sessions_kind_creation",
                 "sessions_kind_job_result_creation,sessions_kind_creation", false, kJobIdTallies},
        PlanCase{"JobSessionsByResult", kJobSession, "Result==Failed", "",
                 "sessions_kind_result_creation", "sessions_kind_result_creation", false,
                 kTallies}),
    case_name);

// An EndTime range in creation order, the default, between the creation bounds that the end
// tallies give (storage/end_time_range.h): the page walks the creation index, testing the end
// time on each entry, and sorts nothing; the count sums the end tallies. Without the bounds the
// page sorts the matches from the end index.
TEST_F(RecordQueryPlan, AnEndTimeRangeInCreationOrderWalksTheCreationIndexBetweenItsBounds) {
  auto request =
      api::parse_query_request({{"type", kTask}, {"format", "Entities"}, {"filter", kEnded}},
                               *parse_em_time("2025-03-01T00:00:00Z"));
  ASSERT_TRUE(request) << request.error().message;
  RecordQuery query = request->query;
  const RecordQuerySql sorted = record_query_sql(query);
  expect_plan(plan(sorted.select_ids, sorted.params, true), "sessions_kind_end", true);
  query.created_within =
      TimeRange{*parse_em_time("2025-01-31T23:00:00Z"), *parse_em_time("2025-02-14T23:45:00Z")};
  const RecordQuerySql sql = record_query_sql(query);
  expect_plan(plan(sql.select_ids, sql.params, true), "sessions_kind_creation", false);
  expect_plan(plan(sql.select_ids_reversed, sql.params, true), "sessions_kind_creation", false);
  expect_count_plan(plan(sql.count, sql.count_params, false), "sessions_kind_end", kEndTallies);
}

// A page deep into an EndTime range sorted by EndTime walks the end index from the edge of an
// end-tally bucket (storage/deep_page.h), both ways: the edge and the range's other end bound the
// index's range, and the filter's own bounds are tested on each entry.
TEST_F(RecordQueryPlan, ADeepPageOfAnEndTimeRangeWalksTheEndIndexFromAnEdge) {
  auto request = api::parse_query_request(
      {{"type", kTask}, {"format", "Entities"}, {"filter", kEnded}, {"sortDesc", "EndTime"}},
      *parse_em_time("2025-03-01T00:00:00Z"));
  ASSERT_TRUE(request) << request.error().message;
  for (const bool ascending : {false, true}) {
    RecordQuery query = request->query;
    query.past = RecordQuery::Past{*parse_em_time("2025-02-07T00:00:00Z"), ascending,
                                   RecordQuery::Past::Column::end};
    query.count = false;
    const RecordQuerySql sql = record_query_sql(query);
    // One bound a side ranges the index, the tighter of the edge and the range's own; the
    // filter's own two are tested on each entry. SQLite's plan reads the same either way.
    const std::string& where = sql.select_ids;
    EXPECT_NE(where.find("AND t.end_time_ns >= ? AND t.end_time_ns < ?"), std::string::npos)
        << where;
    EXPECT_NE(where.find("+t.end_time_ns >= ?"), std::string::npos) << where;
    EXPECT_NE(where.find("+t.end_time_ns < ?"), std::string::npos) << where;
    for (const std::string* select : {&sql.select_ids, &sql.select_ids_reversed}) {
      const std::vector<std::string> lines = plan(*select, sql.params, true);
      expect_plan(lines, "sessions_kind_end", false);
      EXPECT_NE(lines.front().find("end_time_ns>? AND end_time_ns<?"), std::string::npos)
          << joined(lines);
    }
  }
}

}  // namespace
}  // namespace emarchive::storage
