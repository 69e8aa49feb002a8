#include "storage/migrator.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <optional>
#include <string>

#include "storage/sqlite_support.h"

namespace emarchive::storage {

int user_version(SQLite::Database& db) {
  return db.execAndGet("PRAGMA user_version").getInt();
}

Status validate(std::span<const migrations::Migration> list) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    const int expected = static_cast<int>(i) + 1;
    if (list[i].version != expected) {
      return Error{"migration " + std::string(list[i].file) + " has version " +
                   std::to_string(list[i].version) + " where version " + std::to_string(expected) +
                   " was expected: migrations must be numbered 1, 2, 3, ... without gaps"};
    }
  }
  return Ok{};
}

Status migrate(SQLite::Database& db, std::span<const migrations::Migration> list,
               std::string_view db_name) {
  if (Status valid = validate(list); !valid) return valid;
  const int newest = static_cast<int>(list.size());
  auto too_new = [&](int current) {
    return Error{std::string(db_name) + ": the database has schema version " +
                     std::to_string(current) + ", newer than the newest this emarchive knows (" +
                     std::to_string(newest) + "); use a newer emarchive to open it",
                 ErrorCode::invalid_input};
  };
  try {
    // Up to date is the common case; it takes no lock.
    const int current = user_version(db);
    if (current > newest) return too_new(current);
    if (current == newest) return Ok{};
  } catch (const SQLite::Exception& e) {
    return Error{std::string(db_name) + ": cannot read the schema version: " + e.what(),
                 error_code_of(e)};
  }
  // Migrations drop and build indexes over the whole archive. With the archive's temp_store =
  // MEMORY, CREATE INDEX sorts all its keys in memory, and DROP INDEX under Debian's
  // secure_delete copies every page it frees into the statement journal, in memory too: migration
  // 11 took 1.2 GB over 10,000,000 task sessions (docs/BENCHMARKS.md). The pages freed hold
  // index entries and old row versions whose values the tables still hold. The sort also keeps
  // runs as large as the page cache in memory before it writes them out: beside the writer's full
  // 24 MB cache, a first form of migration 19 peaked at 68 MB over 10,000,000 task sessions, and
  // at 64 MB over 1,000,000, where an 8 MB cache took it to 44 MB in the same time (a 2 MB one:
  // 38 MB, but 50% longer, as the UPDATE of every task session reads its job session's row).
  std::optional<PragmaWhile> sort_in_files;
  std::optional<PragmaWhile> keep_freed_pages;
  std::optional<PragmaWhile> small_cache;
  try {
    sort_in_files.emplace(db, "temp_store", "FILE");
    keep_freed_pages.emplace(db, "secure_delete", "0");
    small_cache.emplace(db, "cache_size", "-8192");
  } catch (const SQLite::Exception& e) {
    return Error{std::string(db_name) + ": cannot start a migration: " + e.what(),
                 error_code_of(e)};
  }
  for (;;) {
    const migrations::Migration* m = nullptr;
    try {
      SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
      // Read again under the write lock: another process may have migrated meanwhile.
      const int current = user_version(db);
      if (current > newest) return too_new(current);
      if (current == newest) return Ok{};
      m = &list[static_cast<std::size_t>(current)];
      db.exec(std::string(m->sql));
      db.exec("PRAGMA user_version = " + std::to_string(m->version));
      transaction.commit();
    } catch (const SQLite::Exception& e) {
      if (!m) {
        return Error{std::string(db_name) + ": cannot start a migration: " + e.what(),
                     error_code_of(e)};
      }
      return Error{std::string(db_name) + ": migration " + std::string(m->file) +
                       " to schema version " + std::to_string(m->version) + " failed: " + e.what() +
                       "; the database stays at schema version " + std::to_string(m->version - 1),
                   error_code_of(e)};
    }
  }
}

}  // namespace emarchive::storage
