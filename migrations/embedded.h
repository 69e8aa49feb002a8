#pragma once
// The schema migrations from migrations/*.sql, compiled into the binary.

#include <string_view>
#include <vector>

namespace emarchive::migrations {

struct Migration {
  int version;            // the schema version after this migration (the file's number)
  std::string_view file;  // file name, for messages
  std::string_view sql;   // the whole script, run inside one transaction
};

// Every migration, in ascending version order, without gaps.
const std::vector<Migration>& all();

}  // namespace emarchive::migrations
