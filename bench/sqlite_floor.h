#pragma once
// The SQLite floor of an import (scripts/bench, section 1): what SQLite alone costs to hold the
// rows an import stored, with no parsing, no rendering or hashing, and no statement per record.

#include <string>

namespace emarchive::bench {

// Creates the archive `db` (which must not exist), starts a bulk load as `emarchive import` does
// (the query indexes and the tallies' triggers set aside), copies every row of the records, their
// representations, Links, unmodeled elements, typed rows and revisions, with the runs, sources and
// chain entries they name, from the archive `from` by one INSERT ... SELECT per table, each in a
// transaction of its own; then ends the bulk load (indexes built, tallies counted, statistics).
// Prints records=, load_seconds=, end_seconds= and seconds= lines. Returns 1 with a message on
// stderr if either archive cannot be opened or a copy fails.
int sqlite_floor(const std::string& from, const std::string& db);

}  // namespace emarchive::bench
