#pragma once
// Internal to storage/'s SQLite backend: the rows of link_values, each distinct Link stored once
// however many records carry it (migrations/001_initial.sql).

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "model/record.h"

namespace emarchive::storage {

// Call inside the writer's transaction; throws SQLite::Exception. Uses `db`, which must outlive
// it; one thread at a time, as the connection.
class LinkValues {
 public:
  explicit LinkValues(SQLite::Database& db);

  // The id of the row for `link`, a child of `representation`'s <Links> in the record `kind`
  // and `uid`, added if there is none. A Link to the record itself (its Href is the record's
  // default Href of either form, its Name the representation's, nothing else set) gets the row
  // shared by every such Link with its Rel and Type, whose Href and Name are derived.
  std::int64_t id(const Link& link, Kind kind, std::string_view uid,
                  const Representation& representation);

  // Forgets the ids found or added so far: call before each transaction, as the ids of one that
  // rolled back do not exist.
  void forget() { batch_.clear(); }

 private:
  SQLite::Database& db_;
  std::int64_t stored_id(const Link& link);
  std::int64_t derived_id(const Link& link, int derived);

  SQLite::Statement find_;
  SQLite::Statement insert_;
  SQLite::Statement find_derived_;
  SQLite::Statement insert_derived_;
  // The ids found or added in this transaction, by link_key(): the Up Links that a page's
  // records share are looked up once per page.
  std::unordered_map<std::string, std::int64_t> batch_;
};

}  // namespace emarchive::storage
