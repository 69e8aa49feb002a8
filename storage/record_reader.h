#pragma once
// Internal to storage/'s SQLite backend: reading archived records back from their normalized
// rows, with statements prepared once per connection.

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/record.h"

namespace emarchive::storage {

// Every call throws SQLite::Exception, or ArchiveFailure (corrupt) for rows that cannot be read
// back; the caller runs it in the transaction that makes its reads agree (a ReadTransaction, or
// the writer's). Uses `db`, which must outlive it; one thread at a time, as the connection.
class RecordReader {
 public:
  explicit RecordReader(SQLite::Database& db);
  ~RecordReader();
  RecordReader(const RecordReader&) = delete;
  RecordReader& operator=(const RecordReader&) = delete;

  // The id of the record with this UID (archived or a stub); nullopt when unknown.
  std::optional<std::int64_t> find(const std::string& uid);

  // The latest state of the record with this UID, every archived form; nullopt when unknown or
  // only a stub.
  std::optional<Record> load(std::string_view uid);

  // The records with these ids, in this order, each with every archived form; stubs (and ids of
  // no record) are left out.
  std::vector<Record> load(const std::vector<std::int64_t>& ids);

 private:
  struct LoadStatements;

  SQLite::Statement find_record_;
  std::unique_ptr<LoadStatements> load_page_;  // a page of records, their ids as one JSON array
  std::unique_ptr<LoadStatements> load_one_;   // one record
};

}  // namespace emarchive::storage
