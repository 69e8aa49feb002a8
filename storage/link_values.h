#pragma once
// Internal to storage/'s SQLite backend: the rows of link_values, each distinct Link stored once
// however many records carry it (migrations/001_initial.sql).

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <string>
#include <unordered_map>

#include "model/record.h"

namespace emarchive::storage {

// Call inside the writer's transaction; throws SQLite::Exception. Uses `db`, which must outlive
// it; one thread at a time, as the connection.
class LinkValues {
 public:
  explicit LinkValues(SQLite::Database& db);

  // The id of this Link's row, added if no stored Link has the same values.
  std::int64_t id(const Link& link);

  // Forgets the ids found or added so far: call before each transaction, as the ids of one that
  // rolled back do not exist.
  void forget() { batch_.clear(); }

 private:
  SQLite::Database& db_;
  SQLite::Statement find_;
  SQLite::Statement insert_;
  // The ids found or added in this transaction, by link_key(): the Up Links that a page's
  // records share are looked up once per page.
  std::unordered_map<std::string, std::int64_t> batch_;
};

}  // namespace emarchive::storage
