// Counts from the session tallies (storage/session_tallies.h, migrations 012, 013 and 020)
// are the counts of what a query lists, however the sessions arrive and change: task sessions
// before their job session, a job session renamed or moved to another job, a Result or a creation
// time changed, sessions before 1970 and on a bucket's edge, stubs and sessions known by reference
// only. The tallies the triggers keep equal the tallies counted afresh; a bulk load and the
// migrations count them afresh.

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "model/query_filter.h"
#include "model/query_type.h"
#include "storage/archive.h"
#include "storage/deferred_indexes.h"
#include "storage/record_query.h"
#include "storage/session_tallies.h"
#include "storage/verifier.h"
#include "tests/storage/archive_fixture.h"

namespace emarchive::storage {
namespace {

using namespace emarchive::storage::fixture;

// Bucket 25000 of 2^46 ns starts at this instant; the session just before it is in bucket 24999.
constexpr const char* kBucketEdge = "2025-09-30T07:50:04.4416Z";
constexpr const char* kBeforeEdge = "2025-09-30T07:50:04.441599999Z";

// Backup servers 0 and 1 share a name (in two cases), 2 has its own, and -1, the fixture's, is
// known by reference only.
std::string server_guid(int server) {
  return server < 0 ? std::string(kServerGuid) : numbered_guid(800 + server);
}
std::string server_uid(int server) {
  return uid(Kind::BackupServer, server_guid(server));
}

// Jobs 0 and 1 (the fixture's) have job sessions from the start, job 2 only after a change.
std::string job_guid(int job) {
  return job == 1 ? std::string(kJobGuid) : numbered_guid(700 + job);
}
std::string job_uid(int job) {
  return uid(Kind::Job, job_guid(job));
}
std::string upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

// Filters the tallies count, and some they do not: all are counted alike, whichever way.
const std::vector<std::string> kTallied = {
    "",
    "Result==Failed",
    "Result==fAILED",
    "Result==Warning",
    "Result==Success",
    "Result==None",
    "JobName==\"Nightly VMs\"",
    "JobName==\"nightly vms\";Result==Failed",
    "JobName==Weekly",
    "JobName==Weekly;Result==Success",
    "JobName==Nobody",
    "CreationTime>=\"2025-06-03\"",
    "CreationTime<\"2025-06-05\"",
    "CreationTime>=\"2025-06-02\";CreationTime<\"2025-06-09 12:00:00\";Result==Failed",
    "CreationTime>=\"2025-06-01\";CreationTime<\"2025-06-30\";JobName==\"Nightly VMs\"",
    std::string("CreationTime>\"") + kBucketEdge + "\"",
    std::string("CreationTime>=\"") + kBucketEdge + "\"",
    std::string("CreationTime<\"") + kBucketEdge + "\"",
    std::string("CreationTime<=\"") + kBucketEdge + "\"",
    std::string("CreationTime>\"") + kBeforeEdge + "\"",
    std::string("CreationTime<=\"") + kBeforeEdge + "\";CreationTime>=\"2025-06-05\"",
    "CreationTime>=\"1969-12-01\";CreationTime<\"1970-01-02\"",
    "CreationTime<\"1970-01-01\"",
    "Result==Success;CreationTime>=now-300d",
    "State==Completed",
    "State==cOMPLETED;Result==Success",
    "State==InProgress",
    "State==Working",
    "State==Stopped;CreationTime>=\"2025-06-03\"",
    "State==InProgress;Result==None;CreationTime<\"2025-06-05\"",
    std::string("State==Completed;CreationTime>=\"") + kBucketEdge + "\"",
    "BackupServerUid==\"" + server_uid(0) + "\"",
    "BackupServerUid==\"" + server_uid(-1) + "\";CreationTime<\"" + kBucketEdge + "\"",
    "BackupServerName==vbr-one",
    "BackupServerName==\"VBR-TWO\";Result==Failed",
    "BackupServerName==vbr-one;Result==Success;CreationTime>=\"2025-06-03\"",
    "BackupServerName==nobody",
    "Result!=Success",
    "Result!=fAILED;Result!=None",
    "Result!=Success;CreationTime>=\"2025-06-03\";CreationTime<\"2025-06-07\"",
    std::string("Result!=Warning;CreationTime<=\"") + kBucketEdge + "\"",
    "State!=Completed",
    "State!=Completed;Result==Failed",
    "State!=InProgress;State!=Pending;(Result==Success,Result==None)",
    "JobName!=Weekly",
    "JobName!=\"nightly vms\";Result==Failed",
    "BackupServerName==vbr-one;Result!=Success",
    "BackupServerUid==\"" + server_uid(-1) + "\";Result!=Failed;CreationTime<\"2025-06-06\"",
    "Result==Failed,Result==Warning",
    "Result==Failed,Result==fAILED,Result==None",
    "(Result==Failed,Result==Warning);State==Completed;CreationTime>=\"2025-06-02\"",
    "State==Completed,State==Pending",
    "JobName==Weekly,JobName==\"NIGHTLY VMS\"",
    "(JobName==Weekly,JobName==Nobody);Result!=Success",
    "BackupServerName==vbr-two;(Result==Warning,Result==Success)",
    "JobName==Weekly;State==Completed",
    "JobName==\"nightly vms\";State==Working;Result==Warning",
    "(State==Completed,State==Pending);JobName==Weekly",
    "JobName==Weekly;State!=Working",
    "BackupServerName==vbr-one;State==Completed",
    "BackupServerUid==\"" + server_uid(0) + "\";State!=Completed;CreationTime>=\"2025-06-03\"",
    "JobUid==\"" + job_uid(1) + "\"",
    "JobUid==\"" + job_uid(0) + "\";Result==Failed",
    "JobUid==\"" + job_uid(1) + "\";State==Completed;CreationTime>=\"2025-06-03\"",
    "JobUid==\"" + job_uid(0) + "\";Result!=Success",
    "JobUid==\"" + job_uid(1) + "\";(Result==Failed,Result==Warning);CreationTime<\"" +
        kBucketEdge + "\"",
    "JobUid==\"" + job_uid(2) + "\";State!=Working",
    "JobUid==\"URN:VEEAM:JOB:" + upper(job_guid(0)) + "\"",
    "JobUid==\"" + job_uid(3) + "\"",
    // != of a field the tallies do not hold, or hold for == only, alone or in a time range:
    // counted by complement.
    "BackupServerName!=\"VBR-TWO\";CreationTime>=\"2025-06-03\"",
    "BackupServerUid!=\"" + server_uid(-1) + "\";CreationTime<\"" + kBucketEdge + "\"",
    "UID!=\"" + uid(Kind::BackupJobSession, numbered_guid(900)) + "\"",
    "Name!=\"\"",
    "BackupServerName!=vbr-one",
    "BackupServerUid!=\"urn:veeam:BackupServer:" + numbered_guid(899) + "\"",
    "JobUid!=\"" + job_uid(1) + "\"",
    "JobUid!=\"" + job_uid(0) + "\";CreationTime<\"" + kBucketEdge + "\"",
    "UID!=\"" + uid(Kind::BackupTaskSession, numbered_guid(3)) + "\"",
    "Name!=\"Record " + numbered_guid(5).substr(0, 8) + "\"",
    "EndTime!=\"2025-06-05T01:04:29.56Z\";CreationTime>=\"2025-06-02\"",
};
const std::vector<std::string> kNotTallied = {
    // Bounds that leave no bucket wholly inside, an empty value, two excluding terms, two
    // fields under OR, a field both equal and excluded, an AND under OR, two fields the tallies
    // do not hold together, two fields they do not hold excluded, a field no index leads with,
    // a != counted by complement beside terms other than CreationTime bounds.
    "CreationTime>=\"2025-06-04\";CreationTime<\"2025-06-04 06:00:00\"",
    std::string("CreationTime==\"") + kBucketEdge + "\"",
    "Result!=\"\"",
    "Result==Success,Result==Failed;State==Completed",
    "Result!=Success;State!=Completed",
    "Result==Failed,State==Completed",
    "Result==Failed;Result!=Warning",
    "JobName==Weekly;BackupServerName==vbr-two",
    "BackupServerName!=vbr-one;Result!=Success",
    "Name!=x;JobUid!=\"" + job_uid(1) + "\"",
    "Duration!=3600",
    "BackupServerName!=\"VBR-TWO\";Result==Failed;CreationTime>=\"2025-06-03\"",
    "BackupServerName==vbr-one;BackupServerUid!=\"" + server_uid(0) + "\"",
    "BackupServerUid!=\"" + server_uid(-1) + "\";State==Completed",
    "JobName==Weekly;JobUid!=\"" + job_uid(2) + "\"",
    "UID!=\"" + uid(Kind::BackupJobSession, numbered_guid(900)) + "\";Result==Success",
    "Name!=\"\";JobName==\"nightly vms\"",
    "JobUid==\"" + job_uid(1) + "\",JobUid==\"" + job_uid(0) + "\"",
    "JobUid==\"" + job_uid(0) + "\";JobName==Weekly",
    "JobUid==\"" + job_uid(1) + "\";BackupServerName==vbr-one",
};

class SessionTallies : public ArchiveTest {
 protected:
  static std::string guid(int i) { return numbered_guid(i); }

  static Record job_session(int i, const std::string& job, const std::string& created,
                            const std::string& result, const std::string& state = "Stopped",
                            int job_record = 1) {
    Record r = full_record(Kind::BackupJobSession, guid(i));
    set_field(r, "JobName", job);
    set_field(r, "JobUid", job_uid(job_record));
    set_field(r, "CreationTimeUTC", created);
    set_field(r, "Result", result);
    set_field(r, "State", state);
    return r;
  }

  static Record server(int s, const std::string& name) {
    Record r = full_record(Kind::BackupServer, server_guid(s));
    r.reference->name = name;
    r.entity->name = name;
    return r;
  }

  static Record task(int i, int job_session, const std::string& created,
                     const std::optional<std::string>& result,
                     const std::optional<std::string>& state = "Completed", int server = -1) {
    Record r = full_record(Kind::BackupTaskSession, guid(i));
    for (Representation* form : {&*r.reference, &*r.entity}) {
      for (Link& link : form->links) {
        if (link.type == "BackupServerReference") {
          link.href = path_of(Kind::BackupServer, server_guid(server));
        }
      }
    }
    set_field(r, "JobSessionUid", uid(Kind::BackupJobSession, guid(job_session)));
    set_field(r, "CreationTimeUTC", created);
    set_field(r, "Result", result);
    set_field(r, "State", state);
    return r;
  }

  // Every filter on both session kinds, listing entities or any archived form: the total the
  // count gives is the number of records the query lists, and the count's SQL reads the tallies
  // for the filters of kTallied only (whether they are current is decided when it runs).
  void expect_counts_match_lists() {
    for (const Kind kind : {Kind::BackupTaskSession, Kind::BackupJobSession}) {
      for (const bool tallied : {true, false}) {
        for (const std::string& text : tallied ? kTallied : kNotTallied) {
          for (const bool entities_only : {false, true}) {
            expect_count_matches_list(kind, text, entities_only, tallied);
          }
        }
      }
    }
  }

  void expect_count_matches_list(Kind kind, const std::string& text, bool entities_only,
                                 bool tallied) {
    const std::string what =
        std::string(info(kind).name) + " " + text + (entities_only ? " (entities)" : "");
    RecordQuery query;
    query.kind = kind;
    query.entities_only = entities_only;
    if (!text.empty()) {
      auto filter = parse_filter(text);
      ASSERT_TRUE(filter) << filter.error().message;
      auto compiled = compile_filter(*find_query_type(info(kind).name), *filter, at(kNow));
      ASSERT_TRUE(compiled) << text << ": " << compiled.error().message;
      query.filter = *compiled;
    }
    EXPECT_EQ(record_query_sql(query).count.find("tallies") != std::string::npos, tallied) << what;
    auto page = archive_->query(query);
    ASSERT_TRUE(page) << page.error().message;
    EXPECT_EQ(page->total, static_cast<std::int64_t>(page->records.size())) << what;
  }

  // The tallies as (table, kind, server, job name or job, state, result, in lower case, bucket, n),
  // leaving out those at 0.
  using Tally = std::tuple<std::string, int, std::string, std::string, std::string, std::int64_t,
                           std::int64_t>;
  std::vector<Tally> tallies(SQLite::Database& db) {
    SQLite::Statement s(db,
                        "SELECT 'all', kind_id, '', lower(state), lower(result), bucket, n "
                        "FROM session_tallies WHERE n <> 0 UNION ALL SELECT 'server', kind_id, "
                        "backup_server_id, lower(state), lower(result), bucket, n "
                        "FROM session_server_tallies WHERE n <> 0 UNION ALL SELECT 'job', kind_id, "
                        "lower(job_name), lower(state), lower(result), bucket, n "
                        "FROM session_job_tallies WHERE n <> 0 UNION ALL SELECT 'job id', "
                        "kind_id, job_id, lower(state), lower(result), bucket, n "
                        "FROM session_job_id_tallies WHERE n <> 0 ORDER BY 1, 2, 3, 4, 5, 6");
    std::vector<Tally> out;
    while (s.executeStep()) {
      out.emplace_back(s.getColumn(0).getString(), s.getColumn(1).getInt(),
                       s.getColumn(2).getString(), s.getColumn(3).getString(),
                       s.getColumn(4).getString(), s.getColumn(5).getInt64(),
                       s.getColumn(6).getInt64());
    }
    return out;
  }

  // `verify` finds no problem: it holds the tallies to a count of the sessions, grouped and
  // compared without regard to case, unless a bulk load has set them aside.
  void expect_verified(bool tallies_checked = true) {
    auto report = verify_archive(path_, {});
    ASSERT_TRUE(report) << report.error().message;
    for (const VerifyProblem& p : report->problems) ADD_FAILURE() << p.uid << ": " << p.what;
    EXPECT_EQ(report->tallies_checked, tallies_checked);
  }

  // What the triggers kept equals a count afresh.
  void expect_tallies_current() {
    SQLite::Database db = sql();
    const std::vector<Tally> kept = tallies(db);
    EXPECT_FALSE(kept.empty());
    SQLite::Transaction transaction(db);
    for (std::string_view trigger : kTallyTriggers) {
      db.exec("DROP TRIGGER " + std::string(trigger));  // rolled back below
    }
    recount_session_tallies(db);
    EXPECT_EQ(tallies(db), kept);
  }

  // Job sessions of two job names (one written in two cases), the first's of job 1, the
  // second's of job 0, and task sessions over ten days in June 2025, around a bucket's edge and
  // before 1970, with every Result and State, none, and an empty one. Some task sessions come
  // before their job session, one by reference only, and one job session is a stub.
  void store_history() {
    std::vector<Record> tasks;
    const std::vector<std::optional<std::string>> results = {
        "Success", "Warning", "Failed", "FAILED", "None", std::nullopt, ""};
    const std::vector<std::optional<std::string>> states = {"Completed", "InProgress", "completed",
                                                            "Pending",   std::nullopt, ""};
    for (int i = 0; i < 60; ++i) {
      const std::string day =
          "2025-06-" + std::string(i / 6 < 9 ? "0" : "") + std::to_string(1 + i / 6);
      tasks.push_back(task(i, 900 + i % 3, day + "T0" + std::to_string(i % 10) + ":30:00Z",
                           i % 7 == 0 ? results[2] : results[i % results.size()],
                           states[i % states.size()], i % 4 - 1));
    }
    tasks.push_back(task(60, 900, kBucketEdge, "Success"));
    tasks.push_back(task(61, 901, kBeforeEdge, "Failed"));
    tasks.push_back(task(62, 902, "1969-12-31T23:00:00Z", "Warning"));
    tasks.push_back(task(63, 903, "1969-12-15T00:00:00Z", "Success"));  // its job: a stub
    Record by_reference = task(64, 900, "2025-06-05T00:00:00Z", "Success");
    by_reference.entity.reset();
    tasks.push_back(by_reference);
    store(std::vector<Record>(tasks.begin(), tasks.begin() + 30));
    store({server(0, "vbr-one"), server(1, "VBR-One"), server(2, "vbr-two")});
    store({job_session(900, "Nightly VMs", "2025-06-01T00:00:00Z", "Failed"),
           job_session(901, "NIGHTLY VMS", "2025-06-02T00:00:00Z", "Success"),
           job_session(902, "Weekly", "1969-12-31T22:00:00Z", "Warning", "Working", 0)});
    store(std::vector<Record>(tasks.begin() + 30, tasks.end()));
  }
};

TEST_F(SessionTallies, CountsEqualWhatTheQueryListsAsSessionsArriveAndChange) {
  store_history();
  expect_counts_match_lists();
  expect_tallies_current();

  // Changes: a job session renamed, moved to another job and finished (its task sessions
  // follow), Results, States, servers and creation times changed (across a bucket's edge), a task
  // session moved to another job, a server renamed.
  store({job_session(902, "Nightly VMs", "1969-12-31T22:00:00Z", "Failed", "Stopped", 2),
         server(2, "vbr-one")});
  store({task(3, 900, "2025-06-01T03:30:00Z", "Success"), task(60, 900, kBeforeEdge, "Warning"),
         task(61, 902, kBucketEdge, std::nullopt, std::nullopt),
         task(10, 901, "1969-12-31T23:59:59.999999999Z", "Failed"),
         task(11, 902, "2025-06-02T01:30:00Z", "Success", "Completed"),
         task(21, 900, "2025-06-04T01:30:00Z", "Failed", "Completed"),
         task(22, 901, "2025-06-04T02:30:00Z", "Success", "InProgress", 2),
         task(23, 902, "2025-06-04T03:30:00Z", std::nullopt, "Pending", 0)});
  expect_counts_match_lists();
  expect_tallies_current();
  expect_verified();
}

// emarchive never deletes a session, but sqlite3 may: a task session and a job session deleted
// leave every tally equal to a count afresh, the per-job ones too.
TEST_F(SessionTallies, ASessionDeletedLeavesItsTallies) {
  store_history();
  sql().exec("DELETE FROM sessions WHERE record_id IN (SELECT id FROM records WHERE uid IN ('" +
             uid(Kind::BackupTaskSession, guid(5)) + "', '" +
             uid(Kind::BackupJobSession, guid(902)) + "'))");
  expect_tallies_current();
  EXPECT_EQ(sql()
                .execAndGet("SELECT coalesce(sum(n), 0) FROM session_job_id_tallies WHERE kind_id "
                            "= 1 AND job_id = (SELECT id FROM records WHERE uid = '" +
                            job_uid(0) + "')")
                .getInt(),
            0);
}

TEST_F(SessionTallies, ABulkLoadCountsThemAfreshAndCountsReadTheIndexMeanwhile) {
  auto deferred = archive_->begin_bulk_load(std::uint64_t{1} << 40);
  ASSERT_TRUE(deferred) << deferred.error().message;
  EXPECT_GT(*deferred, static_cast<std::int64_t>(kTallyTriggers.size()));
  store_history();
  EXPECT_EQ(sql().execAndGet("SELECT count(*) FROM session_tallies").getInt(), 0);
  expect_verified(false);  // the tallies are not current, and nothing reads them
  expect_counts_match_lists();
  ASSERT_TRUE(archive_->end_bulk_load());
  expect_counts_match_lists();
  expect_tallies_current();
  expect_verified();
}

// An archive of schema version 11 has no tallies: opened for writing, it counts them.
TEST_F(SessionTallies, TheMigrationCountsTheArchivesSessions) {
  store_history();
  reopen_from_version(11, undo_migrations_to_version_11);
  ASSERT_TRUE(archive_);
  EXPECT_EQ(sql().execAndGet("SELECT count(*) FROM deferred_indexes").getInt(), 0);
  expect_counts_match_lists();
  expect_tallies_current();
  expect_verified();
}

// Version 12's tallies per server and per job have no State: opened for writing, the archive
// gets version 13's and counts them, whether the old triggers were in place or a bulk load that
// stopped early had left them in deferred_indexes (counting into the old tables would fail).
TEST_F(SessionTallies, TheMigrationTo13CountsTheStateOfEachServerAndJob) {
  for (void (*undo)(SQLite::Database&) :
       {undo_migrations_to_version_12, undo_migrations_to_version_12_load_stopped}) {
    store_history();
    reopen_from_version(12, undo);
    ASSERT_TRUE(archive_);
    EXPECT_EQ(sql().execAndGet("SELECT count(*) FROM deferred_indexes").getInt(), 0);
    EXPECT_GT(sql()
                  .execAndGet("SELECT count(*) FROM session_job_tallies WHERE state = 'Working'")
                  .getInt(),
              0);
    expect_counts_match_lists();
    expect_tallies_current();
    expect_verified();
  }
}

// Version 19 has no tallies per job: opened for writing, the archive gets them, with the tally
// triggers that keep them, and counts every tally afresh, whether migration 13's triggers were
// in place or a bulk load that stopped early had left them in deferred_indexes.
TEST_F(SessionTallies, TheMigrationTo20CountsEachJobsSessionsAndKeepsThemCounted) {
  expect_migrated_from<undo_migration_20>(
      19, [&] { store_history(); },
      [&] {
        EXPECT_GT(sql().execAndGet("SELECT count(*) FROM session_job_id_tallies").getInt(), 0);
        expect_counts_match_lists();
        expect_tallies_current();
        // The triggers in place keep the new table: a job session moved to another job takes its
        // task sessions' tallies along.
        store({job_session(902, "Weekly", "1969-12-31T22:00:00Z", "Failed", "Stopped", 2)});
        expect_counts_match_lists();
        expect_tallies_current();
        expect_verified();
      });
}

}  // namespace
}  // namespace emarchive::storage
