#pragma once
// Brings a database's schema up to date with a list of migrations (normally migrations::all()).
// Internal to storage/: Archive::open runs it; tests run it with lists of their own.

#include <span>
#include <string_view>

#include "migrations/embedded.h"
#include "model/expected.h"

namespace SQLite {
class Database;
}

namespace emarchive::storage {

// The schema version recorded in the database (PRAGMA user_version; 0 for a new database).
// Throws SQLite::Exception like any SQLiteCpp call.
int user_version(SQLite::Database& db);

// Checks that `list` is usable: versions 1, 2, 3, ... in order, without gaps or repeats.
Status validate(std::span<const migrations::Migration> list);

// Applies, in order, each migration of `list` whose version is above the database's, each in its
// own BEGIN IMMEDIATE transaction together with `PRAGMA user_version = <version>`, so a failing
// migration (an SQL error, or a deferred foreign key it leaves broken) leaves the database at the
// version before it; earlier migrations of the same call stay applied. Refuses a database whose
// version is above the newest in `list`. Errors name `db_name` (the file) and the versions
// involved. Does not throw. Call with foreign keys enforced and no transaction open.
Status migrate(SQLite::Database& db, std::span<const migrations::Migration> list,
               std::string_view db_name);

}  // namespace emarchive::storage
