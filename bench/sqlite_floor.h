#pragma once
// The SQLite floor of an import (scripts/bench, section 1): what SQLite alone costs to hold the
// rows an import stored, with no parsing, no rendering or hashing, and no statement per record.

#include <string>

namespace emarchive::bench {

// Creates the archive `db` (which must not exist) and holds the rows of the archive `from` (at
// the same schema version) as `emarchive import` would have stored them, by SQL alone: the
// archive opened, a bulk load begun and ended, and the archive closed through storage::Archive,
// as import does; in between, on a second connection, every row of the records, their
// representations, Links, unmodeled elements, typed rows and revisions, with the runs, sources
// and chain entries they name, copied by INSERT ... SELECT, a transaction per table. Prints
// records=, load_seconds= (open, copy), end_seconds= (end of the bulk load, close) and seconds=.
// Returns 1 with a message naming the archive on stderr if either archive cannot be opened or a
// copy fails, and then removes what it created.
int sqlite_floor(const std::string& from, const std::string& db);

}  // namespace emarchive::bench
