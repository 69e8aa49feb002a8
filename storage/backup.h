#pragma once
// A consistent copy of an archive, made while other processes read and write it (`emarchive
// backup`): the state of one instant, whatever commits meanwhile, checked before it is reported.

#include <cstdint>
#include <string>

#include "model/expected.h"

namespace emarchive::storage {

struct BackupResult {
  std::int64_t bytes = 0;    // size of the copy
  std::int64_t records = 0;  // records in the copy (stubs included)
  int schema_version = 0;
};

// Copies the archive at `from` into `to`, a file that must not exist yet; it is created readable
// by its owner only. The copy is the archive as of one read transaction (writers go on meanwhile,
// as the archive's WAL mode allows) and is compacted. Then it is checked: SQLite's integrity check
// passes and its schema version is the source's. On failure `to` is removed and the Error names
// the file and what failed (ErrorCode io for a file that exists or cannot be written, corrupt for
// a copy that fails its check, busy when the source stays locked past its busy timeout).
Expected<BackupResult> backup_archive(const std::string& from, const std::string& to);

}  // namespace emarchive::storage
