#pragma once
// `emarchive import`: EM XML documents on disk into the archive.
//
// Each file is one document, parsed and stored in its own transaction: a rejected document
// leaves nothing behind and the rest of the input still goes in. One thread reads and parses
// while another stores the one before: memory stays bounded by about twice the largest single
// document, however many files there are.

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storage/archive.h"

namespace emarchive::ingest {

struct ImportOptions {
  // Called with each message for the user (a rejected document, a summary); one line each.
  std::function<void(std::string_view)> log = [](std::string_view) {};
  // Called after each document with the counts so far (for a progress line); may be empty.
  std::function<void(const storage::RunCounts&)> progress;
  // The current time as xs:dateTime text, for run and revision timestamps. Required.
  std::function<std::string()> now;
};

struct ImportResult {
  storage::RunCounts counts;
  // Set when the archive itself failed (not a document): the import stopped there.
  std::string fatal_error;
};

// Imports every path: a file is read whatever its name; a directory is walked recursively in
// name order, taking its files whose name ends in ".xml" (symbolic links to directories are not
// followed). A path that cannot be read counts as a rejected document, as does a named path that
// is not a regular file (a FIFO, a device); one met in a directory is skipped, with a message. The
// run is recorded in the archive with its counts and every rejection message.
ImportResult import_paths(storage::Archive& archive, std::span<const std::string> paths,
                          const ImportOptions& options);

}  // namespace emarchive::ingest
