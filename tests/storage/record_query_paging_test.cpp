// Query pages and the columns that make them fast (docs/SCHEMA.md, "Query plans"): a page past
// the middle is read from the other end (storage/record_query.h, page_window) and must hold what
// paging forward holds; a task session's job and job name are its job session's, whenever either
// arrives or changes (migrations/009_task_job_names.sql, 019_task_jobs.sql); stubs are never
// listed.

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "model/em_time.h"
#include "model/query_type.h"
#include "storage/archive.h"
#include "storage/record_query.h"
#include "tests/storage/archive_fixture.h"

namespace emarchive::storage {
namespace {

using namespace emarchive::storage::fixture;

TEST(PageWindow, ReadsPagesPastTheMiddleFromTheOtherEnd) {
  const auto window = [](std::int64_t total, std::int64_t offset, std::int64_t limit) {
    const PageWindow w = page_window(total, offset, limit);
    return std::vector<std::int64_t>{w.reversed, w.offset, w.limit};
  };
  // Forward: the first pages and no limit; at or past the end, nothing to read.
  EXPECT_EQ(window(10, 0, 3), (std::vector<std::int64_t>{0, 0, 3}));
  EXPECT_EQ(window(10, 3, 3), (std::vector<std::int64_t>{0, 3, 3}));
  EXPECT_EQ(window(10, 5, -1), (std::vector<std::int64_t>{0, 5, -1}));
  EXPECT_EQ(window(10, 10, 3), (std::vector<std::int64_t>{0, 10, 0}));
  EXPECT_EQ(window(10, 12, -1), (std::vector<std::int64_t>{0, 12, 0}));
  EXPECT_EQ(window(0, 0, 100), (std::vector<std::int64_t>{0, 0, 0}));
  // Reversed: matches 4-6 are 5-3 from the end; the last page holds only what is left.
  EXPECT_EQ(window(10, 4, 3), (std::vector<std::int64_t>{1, 3, 3}));
  EXPECT_EQ(window(10, 9, 3), (std::vector<std::int64_t>{1, 0, 1}));
  EXPECT_EQ(window(10, 8, 100), (std::vector<std::int64_t>{1, 0, 2}));
}

class RecordQueryPaging : public ArchiveTest {
 protected:
  static std::string guid(int i) { return numbered_guid(i); }

  // `n` records of `kind` (guids first, first + 1, ...) created a day apart, newest first, so
  // that archive order is not creation order.
  // A task session with no job session (no JobSessionUid, no Link to one) and a Link of its own
  // to the fixture's job.
  static Record parentless_task_naming_a_job(const std::string& guid) {
    Record task = full_record(Kind::BackupTaskSession, guid);
    set_field(task, "JobSessionUid", std::nullopt);
    for (Representation* form : {&*task.reference, &*task.entity}) {
      std::erase_if(form->links,
                    [](const Link& l) { return l.type == "BackupJobSessionReference"; });
      form->links.push_back(
          link("Up", "JobReference", path_of(Kind::Job, kJobGuid), "Nightly VMs"));
    }
    return task;
  }

  static std::vector<Record> created_newest_first(Kind kind, int first, int n) {
    std::vector<Record> records;
    for (int i = 0; i < n; ++i) {
      Record record = full_record(kind, guid(first + i));
      set_field(record, "CreationTimeUTC", "2025-06-0" + std::to_string(8 - i) + "T22:00:00Z");
      records.push_back(std::move(record));
    }
    return records;
  }

  std::vector<std::string> uids(Kind kind, const std::string& filter) {
    RecordQuery query;
    query.kind = kind;
    query.filter = compiled_filter(kind, filter);
    return page(query).first;
  }
};

// 23 task sessions, created at 7 instants (ties broken by archive order), with three results and
// names; one known by reference only, one a stub (their job session is one too).
TEST_F(RecordQueryPaging, PagesReadFromTheEndHoldWhatPagingForwardHolds) {
  std::vector<Record> tasks;
  for (int i = 0; i < 23; ++i) {
    Record task = full_record(Kind::BackupTaskSession, guid(i));
    set_field(task, "CreationTimeUTC", "2025-06-0" + std::to_string(1 + i * 5 % 7) + "T00:00:00Z");
    set_field(task, "Result", i % 3 == 0 ? "Failed" : i % 3 == 1 ? "Warning" : "Success");
    task.entity->name = task.reference->name = "vm-" + std::to_string(i % 4);
    tasks.push_back(task);
  }
  tasks[5].entity.reset();
  store(tasks);
  Record stub_parent = full_record(Kind::BackupJobSession, guid(90));
  stub_parent.entity.reset();
  stub_parent.reference->links.push_back(
      link("Up", "BackupJobSessionReference", path_of(Kind::BackupJobSession, guid(91)), "x"));
  store({stub_parent});

  const std::vector<std::string> filters = {"", "Result==Failed", "Result!=Success",
                                            "Name==\"vm-1\",Result==Warning"};
  const std::vector<const char*> sorts = {nullptr, "CreationTime", "Result", "Name"};
  std::size_t reversed_pages = 0;
  for (const bool entities_only : {false, true}) {
    for (const bool as_of : {false, true}) {
      for (const std::string& filter : filters) {
        for (const char* sort : sorts) {
          for (const bool descending : {false, true}) {
            RecordQuery query;
            query.kind = Kind::BackupTaskSession;
            query.filter = compiled_filter(query.kind, filter);
            if (sort)
              query.sort.field = find_query_field(*find_query_type("BackupTaskSession"), sort);
            query.sort.descending = descending;
            query.entities_only = entities_only;
            if (as_of) query.as_of = at("2026-06-01T00:00:00Z");
            const auto [all, total] = page(query);
            ASSERT_EQ(static_cast<std::int64_t>(all.size()), total);
            for (const std::int64_t limit : {1, 4, 100}) {
              for (std::int64_t offset = 0; offset <= total; ++offset) {
                query.offset = offset;
                query.limit = limit;
                const auto [uids, count] = page(query);
                EXPECT_EQ(count, total);
                const auto end = std::min<std::int64_t>(offset + limit, total);
                EXPECT_EQ(uids, std::vector<std::string>(all.begin() + offset, all.begin() + end))
                    << filter << " sort " << (sort ? sort : "default")
                    << (descending ? " desc" : "") << (entities_only ? " entities" : "")
                    << (as_of ? " as of" : "") << " offset " << offset << " limit " << limit;
                reversed_pages += page_window(total, offset, limit).reversed;
              }
            }
          }
        }
      }
    }
  }
  EXPECT_GT(reversed_pages, 0u);
  // The stub and the reference-only session where they belong.
  EXPECT_EQ(uids(Kind::BackupTaskSession, "").size(), 23u);
  RecordQuery entities;
  entities.kind = Kind::BackupTaskSession;
  entities.entities_only = true;
  EXPECT_EQ(page(entities).second, 22);
  EXPECT_EQ(uids(Kind::BackupJobSession, ""), std::vector{stub_parent.uid});
}

// The job name of a task session is its job session's: the job session may come after its task
// sessions (EM lists them so), change its job name, and a task session may change its job session.
TEST_F(RecordQueryPaging, TaskSessionsFollowTheirJobSessionsJobName) {
  const std::string other_guid = guid(50);
  Record first = full_record(Kind::BackupTaskSession, guid(1));
  store({first});  // its job session is a stub: no job name yet
  EXPECT_EQ(uids(Kind::BackupTaskSession, "JobName==\"Nightly VMs\""), std::vector<std::string>{});

  Record job_session = full_record(Kind::BackupJobSession, kJobSessionGuid);
  set_field(job_session, "JobName", "Nightly VMs");
  store({job_session});
  Record second = full_record(Kind::BackupTaskSession, guid(2));
  store({second});  // after its job session
  EXPECT_EQ(uids(Kind::BackupTaskSession, "JobName==\"nightly vms\""),
            (std::vector{first.uid, second.uid}));

  set_field(job_session, "JobName", "Renamed");
  store({job_session});
  EXPECT_EQ(uids(Kind::BackupTaskSession, "JobName==\"Nightly VMs\""), std::vector<std::string>{});
  EXPECT_EQ(uids(Kind::BackupTaskSession, "JobName==Renamed;Result!=Other"),
            (std::vector{first.uid, second.uid}));

  Record other = full_record(Kind::BackupJobSession, other_guid);
  set_field(other, "JobName", "Other job");
  store({other});
  set_field(second, "JobSessionUid", uid(Kind::BackupJobSession, other_guid));
  set_field(second, "State", "Working");  // a new revision
  store({second});
  EXPECT_EQ(uids(Kind::BackupTaskSession, "JobName==Renamed"), std::vector{first.uid});
  EXPECT_EQ(uids(Kind::BackupTaskSession, "JobName==\"Other job\""), std::vector{second.uid});

  // Every task session's is its job session's.
  SQLite::Database db = sql();
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM sessions t LEFT JOIN sessions p "
                          "ON p.record_id = t.parent_id "
                          "WHERE t.kind_id = 2 AND t.job_name IS NOT p.job_name")
                .getInt(),
            0);
}

// The job of a task session is its job session's, as its job name: EM filters task sessions on
// JobUid, which they do not carry.
TEST_F(RecordQueryPaging, TaskSessionsFollowTheirJobSessionsJob) {
  const std::string job = std::string(uid(Kind::Job, kJobGuid));
  const std::string other_job = std::string(uid(Kind::Job, guid(70)));
  const auto per_job = [&](const std::string& uid, const std::string& more = "") {
    return uids(Kind::BackupTaskSession, "JobUid==\"" + uid + "\"" + more);
  };
  Record first = full_record(Kind::BackupTaskSession, guid(1));
  store({first});  // its job session is a stub: no job yet
  EXPECT_EQ(per_job(job), std::vector<std::string>{});

  Record job_session = full_record(Kind::BackupJobSession, kJobSessionGuid);
  store({job_session});
  Record second = full_record(Kind::BackupTaskSession, guid(2));
  set_field(second, "Result", "Failed");
  store({second});  // after its job session
  EXPECT_EQ(per_job(job), (std::vector{first.uid, second.uid}));
  EXPECT_EQ(per_job(job, ";Result==failed"), std::vector{second.uid});
  EXPECT_EQ(per_job(job, ";Result!=Failed"), std::vector{first.uid});

  // The job session moves to another job (a new revision of it says so).
  set_field(job_session, "JobUid", other_job);
  store({job_session});
  EXPECT_EQ(per_job(job), std::vector<std::string>{});
  EXPECT_EQ(per_job(other_job), (std::vector{first.uid, second.uid}));

  // A task session moves to another job session, of the first job.
  const std::string other_guid = guid(50);
  store({full_record(Kind::BackupJobSession, other_guid)});
  set_field(second, "JobSessionUid", uid(Kind::BackupJobSession, other_guid));
  store({second});
  EXPECT_EQ(per_job(job), std::vector{second.uid});
  EXPECT_EQ(per_job(other_job), std::vector{first.uid});
  // A job's sessions are listed without its task sessions (GET /api/jobs/{id}/backupSessions).
  RecordQuery listed;
  listed.kind = Kind::BackupJobSession;
  listed.job_uid = job;
  EXPECT_EQ(page(listed).first, std::vector{std::string(uid(Kind::BackupJobSession, other_guid))});

  SQLite::Database db = sql();
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM sessions t LEFT JOIN sessions p "
                          "ON p.record_id = t.parent_id "
                          "WHERE t.kind_id = 2 AND t.job_id IS NOT p.job_id")
                .getInt(),
            0);
}

// Replica task sessions take their replica job session's job the same way.
TEST_F(RecordQueryPaging, ReplicaTaskSessionsFollowTheirJobSessionsJob) {
  const std::string filter = "JobUid==\"" + std::string(uid(Kind::Job, kJobGuid)) + "\"";
  Record before = full_record(Kind::ReplicaTaskSession, guid(3));
  set_field(before, "Result", "Failed");
  store({before});
  EXPECT_EQ(uids(Kind::ReplicaTaskSession, filter), std::vector<std::string>{});
  store({full_record(Kind::ReplicaJobSession, kJobSessionGuid)});
  const Record after = full_record(Kind::ReplicaTaskSession, guid(4));
  store({after});
  EXPECT_EQ(uids(Kind::ReplicaTaskSession, filter), (std::vector{before.uid, after.uid}));
  EXPECT_EQ(uids(Kind::ReplicaTaskSession, filter + ";Result==Failed"), std::vector{before.uid});
  EXPECT_EQ(uids(Kind::BackupTaskSession, filter), std::vector<std::string>{});
}

// A task session without a job session has no job, whatever Links of its own name one.
TEST_F(RecordQueryPaging, ATaskSessionWithoutAJobSessionHasNoJob) {
  store({parentless_task_naming_a_job(guid(90))});
  EXPECT_EQ(
      uids(Kind::BackupTaskSession, "JobUid==\"" + std::string(uid(Kind::Job, kJobGuid)) + "\""),
      std::vector<std::string>{});
}

// Archives of schema version 18 hold no job on task sessions: migration 19 copies it, and the
// job's task sessions are one range of an index in creation order.
TEST_F(RecordQueryPaging, MigrationNineteenCopiesJobsOntoTaskSessions) {
  std::vector<Record> records = created_newest_first(Kind::BackupTaskSession, 80, 3);
  records.insert(records.begin(), full_record(Kind::BackupJobSession, kJobSessionGuid));
  // Version 18 kept the job that a task session's own Links named when it had no job session.
  records.push_back(parentless_task_naming_a_job(guid(90)));
  store(records);
  reopen_from_version(18, [](SQLite::Database& db) {
    undo_migration_19(db);
    db.exec("UPDATE sessions SET job_id = (SELECT id FROM records WHERE uid = '" +
            uid(Kind::Job, kJobGuid) + "') WHERE parent_id IS NULL AND kind_id = 2");
  });
  ASSERT_TRUE(archive_);

  SQLite::Database db = sql();
  EXPECT_EQ(db.execAndGet("SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master "
                          "WHERE type = 'trigger' AND name LIKE 'sessions_%job%' "
                          "AND name NOT LIKE '%tally%' ORDER BY name)")
                .getString(),
            "sessions_job_to_tasks sessions_task_job_insert sessions_task_job_update");
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM sessions WHERE kind_id = 2 AND job_id = "
                          "(SELECT id FROM records WHERE uid = '" +
                          std::string(uid(Kind::Job, kJobGuid)) + "')")
                .getInt(),
            3);
  EXPECT_EQ(
      uids(Kind::BackupTaskSession, "JobUid==\"" + std::string(uid(Kind::Job, kJobGuid)) + "\""),
      (std::vector{records[3].uid, records[2].uid, records[1].uid}));
  // A later job session's job still reaches its task sessions: the triggers are version 19's.
  Record job_session = records[0];
  set_field(job_session, "JobUid", std::string(uid(Kind::Job, guid(70))));
  store({job_session});
  EXPECT_EQ(
      uids(Kind::BackupTaskSession, "JobUid==\"" + std::string(uid(Kind::Job, guid(70))) + "\""),
      (std::vector{records[3].uid, records[2].uid, records[1].uid}));
}

// Archives of schema version 8 hold no job name on task sessions: migration 9 copies it.
TEST_F(RecordQueryPaging, MigrationNineCopiesJobNamesOntoTaskSessions) {
  Record job_session = full_record(Kind::BackupJobSession, kJobSessionGuid);
  set_field(job_session, "JobName", "Nightly VMs");
  const Record task = full_record(Kind::BackupTaskSession, guid(1));
  store({job_session, task});
  reopen_from_version(8, undo_migrations_to_version_8);
  ASSERT_TRUE(archive_);
  EXPECT_EQ(uids(Kind::BackupTaskSession, "JobName==\"Nightly VMs\""), std::vector{task.uid});
}

// Archives of schema version 13 find a job's sessions through sessions_job (job_id) and sort
// them; migration 14 replaces it by an index that holds them in creation order.
TEST_F(RecordQueryPaging, MigrationFourteenHoldsAJobsSessionsInCreationOrder) {
  const std::vector<Record> sessions = created_newest_first(Kind::BackupJobSession, 40, 4);
  store(sessions);
  reopen_from_version(13, undo_migration_14);
  ASSERT_TRUE(archive_);

  SQLite::Database db = sql();
  EXPECT_EQ(
      db.execAndGet("SELECT count(*) FROM sqlite_master WHERE name = 'sessions_job'").getInt(), 0);
  // Migration 19's index of a job's sessions by kind has replaced migration 14's since.
  SQLite::Statement explain(db,
                            "EXPLAIN QUERY PLAN SELECT record_id FROM sessions WHERE job_id = 1 "
                            "AND kind_id = 1 ORDER BY creation_time_ns DESC LIMIT 1");
  std::string plan;
  while (explain.executeStep()) plan += explain.getColumn(3).getString() + "\n";
  EXPECT_NE(plan.find("sessions_job_kind_creation"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;

  const std::string job = std::string(uid(Kind::Job, kJobGuid));
  const std::vector<std::string> in_order = {sessions[3].uid, sessions[2].uid, sessions[1].uid,
                                             sessions[0].uid};
  EXPECT_EQ(uids(Kind::BackupJobSession, "JobUid==\"" + job + "\""), in_order);
  RecordQuery listed;  // GET /api/jobs/{id}/backupSessions
  listed.kind = Kind::BackupJobSession;
  listed.job_uid = job;
  EXPECT_EQ(page(listed).first, in_order);
}

// Archives of schema version 16 have no index of Reason or TotalSize; migration 17 adds them,
// and filters and sorts on those fields answer the same from them.
TEST_F(RecordQueryPaging, MigrationSeventeenIndexesReasonAndTotalSize) {
  std::vector<Record> tasks = created_newest_first(Kind::BackupTaskSession, 60, 4);
  for (int i = 0; i < 4; ++i) {
    set_field(tasks[i], "Reason", i % 2 ? "Disk full" : "");
    set_field(tasks[i], "TotalSize", std::to_string((i + 1) * 1000));
  }
  store(tasks);
  reopen_from_version(16, undo_migration_17);
  ASSERT_TRUE(archive_);

  SQLite::Database db = sql();
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM sqlite_master WHERE name IN "
                          "('sessions_kind_reason_creation', 'sessions_kind_size_creation')")
                .getInt(),
            2);
  EXPECT_EQ(uids(Kind::BackupTaskSession, "Reason==\"DISK FULL\""),
            (std::vector{tasks[3].uid, tasks[1].uid}));
  EXPECT_EQ(uids(Kind::BackupTaskSession, "TotalSize>1500"),
            (std::vector{tasks[3].uid, tasks[2].uid, tasks[1].uid}));
  RecordQuery by_size;
  by_size.kind = Kind::BackupTaskSession;
  by_size.filter = compiled_filter(Kind::BackupTaskSession, "TotalSize<3500");
  by_size.sort.field = find_query_field(*find_query_type("BackupTaskSession"), "TotalSize");
  by_size.sort.descending = true;
  EXPECT_EQ(page(by_size).first, (std::vector{tasks[2].uid, tasks[1].uid, tasks[0].uid}));
}

}  // namespace
}  // namespace emarchive::storage
