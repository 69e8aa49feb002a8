#pragma once
// Internal to storage/'s SQLite backend: the rows of link_values. An Up Link, the parent that
// thousands of records share, is stored once however many records carry it
// (migrations/001_initial.sql); any other Link belongs to its record
// (migrations/015_own_links.sql).

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <optional>
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
  // shared by every such Link with its Rel and Type, whose Href and Name are derived. An Up
  // Link gets the row of any record's equal Up Link, found by its hash. Any other Link: see
  // begin_record().
  std::int64_t id(const Link& link, Kind kind, std::string_view uid,
                  const Representation& representation);

  // Call before the Links of each form of the record `record_id` are written (and before its
  // earlier Links are deleted). id() then gives a Link other than Up an equal row that the
  // record links to already, or one added for this record since, else a new row. `created`:
  // the record is new in this transaction, so it has no rows to look up.
  void begin_record(std::int64_t record_id, bool created);

  // Forgets the ids found or added so far: call before each transaction, as the ids of one that
  // rolled back do not exist.
  void forget() {
    batch_.clear();
    own_.clear();
    own_record_ = 0;
  }

 private:
  SQLite::Database& db_;
  std::int64_t shared_id(const Link& link, std::string key,
                         const std::optional<std::string>& extra);
  std::int64_t own_id(const Link& link, std::string key, const std::optional<std::string>& extra);
  std::int64_t insert(const Link& link, std::int64_t hash, const std::optional<std::string>& extra);
  std::int64_t derived_id(const Link& link, int derived);

  SQLite::Statement find_;
  SQLite::Statement insert_;
  SQLite::Statement find_derived_;
  SQLite::Statement insert_derived_;
  SQLite::Statement find_own_;
  // The shared ids found or added in this transaction, by link_key(): the Up Links that a
  // page's records share are looked up once per page.
  std::unordered_map<std::string, std::int64_t> batch_;
  // The rows of the record begin_record() was last called for, by link_key().
  std::int64_t own_record_ = 0;
  std::unordered_map<std::string, std::int64_t> own_;
};

}  // namespace emarchive::storage
