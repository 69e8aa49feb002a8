#include "storage/deferred_indexes.h"

#include <malloc.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "storage/planner_statistics.h"
#include "storage/session_tallies.h"
#include "storage/sqlite_support.h"

namespace emarchive::storage {
namespace {

using Index = std::pair<std::string, std::string>;  // name, CREATE statement

bool is_tally_trigger(const std::string& name) {
  return std::find(kTallyTriggers.begin(), kTallyTriggers.end(), name) != kTallyTriggers.end();
}

std::vector<Index> read_deferred(SQLite::Database& db) {
  std::vector<Index> deferred;
  SQLite::Statement s(db, "SELECT name, sql FROM deferred_indexes ORDER BY name");
  while (s.executeStep()) deferred.emplace_back(s.getColumn(0).getString(), s.getColumn(1));
  return deferred;
}

// What deferred_indexes holds that build_deferred_indexes is to build: the tallies' triggers
// only if it counts them.
std::vector<Index> to_build(SQLite::Database& db, DeferredTallies tallies) {
  std::vector<Index> deferred = read_deferred(db);
  if (tallies == DeferredTallies::leave) {
    std::erase_if(deferred, [](const Index& i) { return is_tally_trigger(i.first); });
  }
  return deferred;
}

}  // namespace

std::int64_t defer_query_indexes(SQLite::Database& db) {
  // Debian builds SQLite with secure_delete on: dropping an index then overwrites every page of
  // it, each first copied into the statement's journal, in memory (temp_store = MEMORY). A
  // re-import into an archive of 10,000,000 task sessions that dropped them peaked at 630 MB;
  // in sqlite3, dropping two of the indexes of 1,000,000 took 120 MB and 1.4 CPU s, without
  // secure_delete 32 MB and 0.1 s. The freed pages hold index entries, every value of which the
  // tables still hold.
  const PragmaWhile keep_freed_pages(db, "secure_delete", "0");
  SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
  // sql is NULL for the indexes SQLite makes for PRIMARY KEY and UNIQUE constraints.
  // sessions_parent stays: trigger sessions_job_to_tasks (migrations/019_task_jobs.sql)
  // finds a job session's task sessions through it whenever one is stored; without it, each
  // would read the whole table.
  // The tallies' triggers go too: each stored session costs an upsert per tally, and the
  // tallies are counted afresh at the end in one pass.
  SQLite::Statement objects(
      db,
      "SELECT name, sql, type FROM sqlite_master WHERE "
      "(type = 'index' AND tbl_name IN ('sessions', 'jobs', 'backup_servers') "
      "AND sql IS NOT NULL AND name <> 'sessions_parent') OR "
      "(type = 'trigger' AND tbl_name = 'sessions') ORDER BY name");
  std::vector<std::pair<Index, std::string>> found;  // and its type
  while (objects.executeStep()) {
    std::string name = objects.getColumn(0).getString();
    std::string type = objects.getColumn(2).getString();
    if (type == "trigger" && !is_tally_trigger(name)) continue;  // migration 19's stay
    found.push_back({{std::move(name), objects.getColumn(1).getString()}, std::move(type)});
  }
  SQLite::Statement remember(db, "INSERT INTO deferred_indexes (name, sql) VALUES (?, ?)");
  for (const auto& [object, type] : found) {
    remember.bind(1, object.first);
    remember.bind(2, object.second);
    remember.exec();
    remember.reset();
    db.exec((type == "index" ? "DROP INDEX \"" : "DROP TRIGGER \"") + object.first + "\"");
  }
  transaction.commit();
  return static_cast<std::int64_t>(found.size());
}

std::int64_t build_deferred_indexes(SQLite::Database& db, DeferredTallies tallies) {
  // Checked before taking the write lock: every open for writing calls this.
  if (!db.tableExists("deferred_indexes") || to_build(db, tallies).empty()) return 0;
  // CREATE INDEX sorts its table's keys. With temp_store = MEMORY (sqlite_open.cpp) the sort
  // holds the whole index in memory: 140 MB for one of a million sessions' thirteen, over the
  // 64 MB an import may take; so in temporary files. The sort also keeps runs as large as the
  // page cache in memory before it writes them out: beside the writer's full 24 MB cache, an
  // import of a million sessions peaked at 83 MB, at 67 MB with an 8 MB cache. 2 MB meanwhile:
  // its pages are read once, in order.
  const PragmaWhile sort_in_files(db, "temp_store", "FILE");
  const PragmaWhile small_cache(db, "cache_size", "-2048");
  // The sort on two helper threads: when an import ends, its reading thread has stopped and a
  // core is free. Building the sessions' twelve indexes of 1,000,000 task sessions in sqlite3
  // took 9.0 s with none, 8.2 s with one, 7.0 s with two. Their buffers come from malloc arenas
  // of their own: the writer's page cache, which the smaller cache_size above just freed, goes
  // back to the system first, else they would add to what it left resident.
  malloc_trim(0);
  const PragmaWhile sort_on_threads(db, "threads", "2");
  // Each index is built and committed on its own. In one transaction, every page of every index
  // went into the WAL before the first checkpoint, and the WAL's index in shared memory (some 8
  // bytes a page), which counts in the process's memory, with it: importing 1,000,000 task
  // sessions grew the WAL to 386 MB and its index to 736 KB, and ten million would ten times
  // that. Committed one by one, the WAL is checkpointed and starts again after each, and holds
  // the largest index at most: 92 MB and 192 KB. A crash between them leaves the rest in
  // deferred_indexes, built at the next open for writing.
  std::vector<std::string> indexes;
  std::int64_t built = 0;  // indexes and triggers
  for (;;) {
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    // Read again in each transaction: another writer (an import beside this one, or one opening
    // the archive) may have built some since.
    const std::vector<Index> deferred = to_build(db, tallies);
    if (deferred.empty()) break;
    // The indexes first: counting the tallies afresh reads sessions, and then their triggers keep
    // them from there on, so the count and the triggers go in one transaction.
    const auto index = std::find_if(deferred.begin(), deferred.end(),
                                    [](const Index& i) { return !is_tally_trigger(i.first); });
    if (index != deferred.end()) {
      db.exec(index->second);
      SQLite::Statement done(db, "DELETE FROM deferred_indexes WHERE name = ?");
      done.bind(1, index->first);
      done.exec();
      indexes.push_back(index->first);
      ++built;
    } else {
      recount_session_tallies(db);
      for (const Index& trigger : deferred) db.exec(trigger.second);
      db.exec("DELETE FROM deferred_indexes");
      built += static_cast<std::int64_t>(deferred.size());
    }
    transaction.commit();
  }
  // A dropped index's statistics went with it; without them the planner guesses. Where the
  // archive has outgrown its statistics (a first import), it is analyzed whole once, here:
  // analyzing each index built and then the whole archive when the writer closed read each of
  // these indexes twice (over a million task sessions, in sqlite3: 1.8 s one by one, 2.4 s whole).
  if (statistics_outgrown(db)) {
    db.exec("ANALYZE");
  } else {
    for (const std::string& name : indexes) db.exec("ANALYZE \"" + name + "\"");
  }
  return built;
}

}  // namespace emarchive::storage
