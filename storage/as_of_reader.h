#pragma once
// Internal to storage/'s SQLite backend: the archive as it was at an instant (storage/as_of.h).
// A record's state at an instant is, per form, its latest revision observed at or before it:
// the normalized rows when that is the current revision, else the revision's stored document,
// parsed. Queries read the typed tables for records unchanged since the instant (most of them)
// and, for the few changed after it, rows rebuilt from their state then in temporary tables of
// this connection (as_of_query_sql), so that filters, sorts and counts are the same SQL.

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "model/em_time.h"
#include "model/record.h"
#include "storage/archive.h"
#include "storage/record_reader.h"

namespace emarchive::storage {

// Every call throws as RecordReader's do (a stored document that does not parse is corrupt);
// run them in a read transaction. Registers the SQL function emarchive_time_ns(text) on `db`
// (an xs:dateTime's EmTime, NULL for other text). Uses `db` and
// `reader`, which must outlive it; one thread at a time, as the connection.
class AsOfReader {
 public:
  AsOfReader(SQLite::Database& db, RecordReader& reader);
  ~AsOfReader();
  AsOfReader(const AsOfReader&) = delete;
  AsOfReader& operator=(const AsOfReader&) = delete;

  // The record with this UID at `at`: the forms observed by then; nullopt when none was.
  std::optional<Record> load(std::string_view uid, EmTime at);

  // Fills the temporary tables as_of_query_sql reads: the ids of the records changed after `at`,
  // and the rows of those that existed then, as they were. Kept while neither `at` nor the database
  // changes, so that the pages of one question cost the search for changed records once.
  void prepare(EmTime at);

  // Drops what prepare() kept, so that the next call fills the tables again: for a transaction
  // that rolled back after it, and the tables' rows with it.
  void forget();

  // `records` are those of `ids`, in order, as RecordReader::load gives them: replaces the ones
  // changed after the instant prepare() was last called for by their state then.
  void substitute(const std::vector<std::int64_t>& ids, std::vector<Record>& records) const;

  // The revision of `resource` observed last at or before `at`, from whichever source;
  // last_observed_at is left empty (later observations of it are after `at`).
  std::optional<Observation> observation(std::string_view resource, EmTime at);

 private:
  struct Prepared;

  std::optional<Record> load_id(std::int64_t id, EmTime at);
  void insert_row(std::int64_t id, const Record& record);
  void create_tables();

  SQLite::Database& db_;
  RecordReader& reader_;
  SQLite::Statement find_;
  SQLite::Statement revisions_;
  SQLite::Statement observation_;
  SQLite::Statement data_version_;
  std::unique_ptr<Prepared> prepared_;
  std::map<std::int64_t, Record> changed_;  // by record id: those changed after prepared_->at
};

}  // namespace emarchive::storage
