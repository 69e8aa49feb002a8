#pragma once
// Internal to storage/'s SQLite backend: storing records (Archive::store and store_page) into
// the normalized rows of docs/SCHEMA.md, with statements prepared once per connection.

#include <SQLiteCpp/SQLiteCpp.h>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/expected.h"
#include "model/record.h"
#include "storage/archive.h"
#include "storage/canonical_documents.h"
#include "storage/chain.h"
#include "storage/link_values.h"
#include "storage/record_reader.h"

namespace emarchive::storage {

struct LinkTarget;  // a record that a Link points to
struct KindStatements;
struct TableStatements;

// Uses `db` and `reader` (for the revision a new one supersedes), which must outlive it; one
// thread at a time, as the connection.
class RecordWriter {
 public:
  // `path` names the database in errors.
  RecordWriter(SQLite::Database& db, RecordReader& reader, std::string path);
  ~RecordWriter();
  RecordWriter(const RecordWriter&) = delete;
  RecordWriter& operator=(const RecordWriter&) = delete;

  // Archive::store(), and with `advance` Archive::store_page(): one BEGIN IMMEDIATE
  // transaction, all or nothing. Errors name the database and the record that failed.
  // `digested`, if given, holds `records` with their digests, which are then not computed again.
  Expected<std::vector<StoreOutcome>> store(std::span<const Record> records, std::int64_t run_id,
                                            std::string_view observed_at, const Bookmark* advance,
                                            const DigestedRecords* digested = nullptr);

 private:
  struct Batch;

  void advance_bookmark(Batch& batch, const Bookmark& advance);
  std::int64_t source_id(Batch& batch, const std::string& origin);
  std::int64_t ensure_record(Kind kind, const std::string& uid,
                             const std::optional<std::string>& name, std::int64_t source);
  std::optional<std::int64_t> known_record(const std::string& uid);
  std::int64_t insert_record(Kind kind, const std::string& uid, std::int64_t source);
  std::optional<std::int64_t> ensure_target(const std::optional<LinkTarget>& target,
                                            std::int64_t source);
  // The record's digests are `digested`'s `index`th, if given, else computed here.
  StoreOutcome store_record(Batch& batch, const Record& record, const DigestedRecords* digested,
                            std::size_t index);
  bool store_form(Batch& batch, const Record& record, std::int64_t id, Form form,
                  const Sha256& digest, std::int64_t source, bool created);
  void supersede(const Record& record, std::int64_t id, Form form, std::int64_t revision);
  void write_representation(const Record& record, Form form, std::int64_t id,
                            const Representation& representation, std::int64_t revision);
  SQLite::Statement& insert_links(std::size_t rows);
  void store_typed_columns(const Record& record, std::int64_t id, std::int64_t source,
                           bool created);
  std::int64_t uid_target(const Record& record, const FieldSpec& field, const std::string& uid,
                          std::int64_t source);
  bool form_exists(std::int64_t id, Form form);

  SQLite::Database& db_;
  RecordReader& reader_;
  std::string path_;
  LinkValues link_values_;
  SQLite::Statement insert_record_;
  SQLite::Statement set_record_source_;
  SQLite::Statement upsert_source_;
  SQLite::Statement count_forms_;
  SQLite::Statement current_revision_;
  SQLite::Statement keep_document_;
  SQLite::Statement delete_links_;
  SQLite::Statement delete_unmodeled_;
  SQLite::Statement upsert_representation_;
  static constexpr std::size_t kLinksPerInsert = 8;
  std::array<std::unique_ptr<SQLite::Statement>, kLinksPerInsert> insert_links_;  // by rows - 1
  std::vector<std::int64_t> link_value_ids_;  // write_representation's, kept for its capacity
  SQLite::Statement insert_unmodeled_;
  SQLite::Statement insert_revision_;
  ChainWriter chain_;  // one entry per transaction, for the revisions it wrote
  SQLite::Statement form_exists_;
  SQLite::Statement advance_bookmark_;
  std::vector<std::unique_ptr<KindStatements>> kinds_;    // by Kind
  std::vector<std::unique_ptr<TableStatements>> tables_;  // by Table
  // The ids store() found or created in its transaction, by UID: the backup server and parent
  // session of a page's records are looked up once per page. Ids of a rolled-back transaction
  // do not exist: store() clears it before it begins.
  std::unordered_map<std::string, std::int64_t> batch_records_;
};

}  // namespace emarchive::storage
