#pragma once
// Internal to storage/'s SQLite backend: opening an archive's database and configuring the
// connection (docs/SCHEMA.md).

#include <SQLiteCpp/SQLiteCpp.h>

#include <memory>
#include <string>

#include "model/expected.h"
#include "storage/archive.h"

namespace emarchive::storage {

struct OpenedDatabase {
  std::unique_ptr<SQLite::Database> db;
  int schema_version = 0;
};

// Opens the database at `path` as `options` say, configures the connection (foreign keys,
// memory temp store, cache, WAL with synchronous NORMAL when writable), applies pending
// migrations (or, read-only, insists that none is pending), and checks that its kinds table says
// what model/kind.cpp says. Errors name `path`, with the ErrorCode of what failed (a database
// locked past the busy timeout: busy; not a database: corrupt; a schema too new or too old to
// read: invalid_input). Does not throw.
Expected<OpenedDatabase> open_database(const std::string& path, const OpenOptions& options);

// Configures `db`, a further connection to an archive that open_database() opened, as it
// configures its own (foreign keys, temp store, cache, WAL), with none of its checks, migrations
// or rebuilds of deferred indexes: for the benchmark's copy beside an open bulk load
// (bench/sqlite_floor.h). Throws SQLite::Exception.
void configure_connection(SQLite::Database& db, const OpenOptions& options);

}  // namespace emarchive::storage
