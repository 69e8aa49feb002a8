#include "storage/deferred_indexes.h"

#include <string>
#include <utility>
#include <vector>

namespace emarchive::storage {
namespace {

using Index = std::pair<std::string, std::string>;  // name, CREATE statement

std::vector<Index> read_deferred(SQLite::Database& db) {
  std::vector<Index> deferred;
  SQLite::Statement s(db, "SELECT name, sql FROM deferred_indexes ORDER BY name");
  while (s.executeStep()) deferred.emplace_back(s.getColumn(0).getString(), s.getColumn(1));
  return deferred;
}

// Sets a pragma of the connection for the life of the object, then puts back what it was.
class PragmaWhile {
 public:
  PragmaWhile(SQLite::Database& db, const std::string& name, const std::string& value)
      : db_(db), name_(name), previous_(db.execAndGet("PRAGMA " + name).getString()) {
    db_.exec("PRAGMA " + name_ + " = " + value);
  }
  ~PragmaWhile() { db_.tryExec("PRAGMA " + name_ + " = " + previous_); }
  PragmaWhile(const PragmaWhile&) = delete;
  PragmaWhile& operator=(const PragmaWhile&) = delete;

 private:
  SQLite::Database& db_;
  std::string name_;
  std::string previous_;
};

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
  // sessions_parent stays: trigger sessions_job_name_to_tasks (migrations/009_task_job_names.sql)
  // finds a job session's task sessions through it whenever one is stored; without it, each
  // would read the whole table.
  SQLite::Statement indexes(db,
                            "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                            "AND tbl_name IN ('sessions', 'jobs', 'backup_servers') "
                            "AND sql IS NOT NULL AND name <> 'sessions_parent' ORDER BY name");
  std::vector<Index> found;
  while (indexes.executeStep()) {
    found.emplace_back(indexes.getColumn(0).getString(), indexes.getColumn(1).getString());
  }
  SQLite::Statement remember(db, "INSERT INTO deferred_indexes (name, sql) VALUES (?, ?)");
  for (const auto& [name, sql] : found) {
    remember.bind(1, name);
    remember.bind(2, sql);
    remember.exec();
    remember.reset();
    db.exec("DROP INDEX \"" + name + "\"");
  }
  transaction.commit();
  return static_cast<std::int64_t>(found.size());
}

std::int64_t build_deferred_indexes(SQLite::Database& db) {
  if (!db.tableExists("deferred_indexes")) return 0;
  std::vector<Index> deferred = read_deferred(db);
  if (deferred.empty()) return 0;
  // CREATE INDEX sorts its table's keys. With temp_store = MEMORY (sqlite_open.cpp) the sort
  // holds the whole index in memory: 140 MB for one of a million sessions' thirteen, over the
  // 64 MB an import may take; so in temporary files. The sort also keeps runs as large as the
  // page cache in memory before it writes them out: beside the writer's full 24 MB cache, an
  // import of a million sessions peaked at 83 MB, at 67 MB with an 8 MB cache. 2 MB meanwhile:
  // its pages are read once, in order.
  const PragmaWhile sort_in_files(db, "temp_store", "FILE");
  const PragmaWhile small_cache(db, "cache_size", "-2048");
  SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
  // Read again inside the transaction: another writer (an import beside this one, or one opening
  // the archive) may have built them since.
  deferred = read_deferred(db);
  for (const auto& [name, sql] : deferred) db.exec(sql);
  db.exec("DELETE FROM deferred_indexes");
  transaction.commit();
  // A dropped index's statistics went with it; without them the planner guesses.
  for (const auto& [name, sql] : deferred) db.exec("ANALYZE \"" + name + "\"");
  return static_cast<std::int64_t>(deferred.size());
}

}  // namespace emarchive::storage
