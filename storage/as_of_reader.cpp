#include "storage/as_of_reader.h"

#include <sqlite3.h>

#include <charconv>
#include <string>

#include "model/codec.h"
#include "model/kind.h"
#include "storage/sqlite_support.h"
#include "storage/table_names.h"

namespace emarchive::storage {
namespace {

// emarchive_time_ns(text): observation times are the writer's clock as text, with as many
// digits of fraction as it wrote ("...T12:00:00Z", "...T12:00:00.250000Z"), which do not sort
// as text; their EmTime does.
void time_ns(sqlite3_context* context, int, sqlite3_value** arguments) {
  if (sqlite3_value_type(arguments[0]) != SQLITE_TEXT) {
    sqlite3_result_null(context);
    return;
  }
  const std::string_view text(reinterpret_cast<const char*>(sqlite3_value_text(arguments[0])),
                              static_cast<std::size_t>(sqlite3_value_bytes(arguments[0])));
  const Expected<EmTime> time = parse_em_time(text);
  if (time) {
    sqlite3_result_int64(context, *time);
  } else {
    sqlite3_result_null(context);
  }
}

SQLite::Database& with_time_function(SQLite::Database& db) {
  db.createFunction("emarchive_time_ns", 1, true, nullptr, time_ns);
  return db;
}

void bind_optional(SQLite::Statement& s, int index, const std::optional<std::string>& text) {
  if (text) {
    s.bind(index, *text);
  } else {
    s.bind(index);
  }
}

void bind_optional(SQLite::Statement& s, int index, const std::optional<std::int64_t>& value) {
  if (value) {
    s.bind(index, *value);
  } else {
    s.bind(index);
  }
}

// A field's typed value as the writer stores it (storage/record_writer.cpp); nullopt for text
// that does not convert, which a parsed document never holds.
std::optional<std::int64_t> typed_value(FieldType type, const std::string& text) {
  if (type == FieldType::Boolean) {
    if (text == "true") return 1;
    if (text == "false") return 0;
    return std::nullopt;
  }
  if (type == FieldType::Time) {
    const Expected<EmTime> time = parse_em_time(text);
    return time ? std::optional<std::int64_t>(*time) : std::nullopt;
  }
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

struct AsOfReader::Prepared {
  EmTime at;
  std::int64_t data_version;  // PRAGMA data_version: moves when another connection commits
  int total_changes;          // moves when this one writes
};

AsOfReader::AsOfReader(SQLite::Database& db, RecordReader& reader)
    : db_(with_time_function(db)),
      reader_(reader),
      find_(db, "SELECT id FROM records WHERE uid = ?"),
      revisions_(db,
                 "SELECT form, revision, document FROM revisions "
                 "WHERE record_id = ? AND emarchive_time_ns(observed_at) <= ? "
                 "ORDER BY form, revision"),
      observation_(db,
                   "SELECT o.document, o.observed_at, s.origin "
                   "FROM observations o JOIN sources s ON s.id = o.source_id "
                   "WHERE o.resource = ? AND o.observed_ns <= ? "
                   "ORDER BY o.observed_ns DESC, o.id DESC LIMIT 1"),
      data_version_(db, "PRAGMA data_version") {}

AsOfReader::~AsOfReader() = default;

std::optional<Record> AsOfReader::load(std::string_view uid, EmTime at) {
  std::optional<std::int64_t> id;
  {
    Use s(find_);
    s->bind(1, std::string(uid));
    if (s->executeStep()) id = s->getColumn(0).getInt64();
  }
  if (!id) return std::nullopt;
  return load_id(*id, at);
}

std::optional<Record> AsOfReader::load_id(std::int64_t id, EmTime at) {
  // Per form, the last revision observed by `at`: its document, or nullopt for the current one.
  std::optional<std::optional<std::string>> documents[2];
  std::int64_t numbers[2] = {0, 0};
  {
    Use s(revisions_);
    s->bind(1, id);
    s->bind(2, at);
    while (s->executeStep()) {
      const int form = s->getColumn(0).getInt();
      if (form != 0 && form != 1) continue;
      numbers[form] = s->getColumn(1).getInt64();
      const SQLite::Column document = s->getColumn(2);
      documents[form] =
          document.isNull() ? std::nullopt : std::optional<std::string>(document.getString());
    }
  }
  if (!documents[0] && !documents[1]) return std::nullopt;
  std::vector<Record> current = reader_.load(std::vector<std::int64_t>{id});
  if (current.empty()) return std::nullopt;
  Record record{current[0].kind, current[0].uid, current[0].origin, std::nullopt, std::nullopt};
  for (const Form form : {Form::Reference, Form::Entity}) {
    const auto& document = documents[form_id(form)];
    if (!document) continue;
    if (!*document) {
      record.form(form) = std::move(current[0].form(form));
      continue;
    }
    const std::string source = record.uid + " revision " + std::to_string(numbers[form_id(form)]);
    Expected<Document> parsed = parse_document(**document, source);
    if (!parsed || parsed->records.empty() || !parsed->records[0].form(form)) {
      throw ArchiveFailure(ErrorCode::corrupt,
                           "the stored document of " + source + " does not read back" +
                               (parsed ? std::string() : ": " + parsed.error().message));
    }
    record.form(form) = std::move(parsed->records[0].form(form));
  }
  return record;
}

// Again after every forget(): a transaction that rolled back took the tables with it.
void AsOfReader::create_tables() {
  for (const Table table : {Table::Sessions, Table::Jobs, Table::BackupServers}) {
    const std::string name = table_name(table);
    db_.exec("CREATE TEMP TABLE IF NOT EXISTS asof_" + name + " AS SELECT * FROM main." + name +
             " WHERE 0");
  }
  for (const char* name : {"asof_changed", "asof_entities"}) {
    db_.exec(std::string("CREATE TEMP TABLE IF NOT EXISTS ") + name +
             " (record_id INTEGER PRIMARY KEY)");
  }
}

void AsOfReader::prepare(EmTime at) {
  std::int64_t version = 0;
  {
    Use s(data_version_);
    s->executeStep();
    version = s->getColumn(0).getInt64();
  }
  if (prepared_ && prepared_->at == at && prepared_->data_version == version &&
      prepared_->total_changes == db_.getTotalChanges()) {
    return;
  }
  forget();
  create_tables();
  db_.exec(
      "DELETE FROM temp.asof_sessions; DELETE FROM temp.asof_jobs; "
      "DELETE FROM temp.asof_backup_servers; DELETE FROM temp.asof_changed; "
      "DELETE FROM temp.asof_entities");
  // Without an index on the observation time this reads every revision's key and time once per
  // instant and database change; records changed after an instant are few.
  {
    SQLite::Statement changed(db_,
                              "INSERT INTO temp.asof_changed SELECT DISTINCT record_id "
                              "FROM revisions WHERE emarchive_time_ns(observed_at) > ?");
    changed.bind(1, at);
    changed.exec();
  }
  std::vector<std::int64_t> ids;
  {
    SQLite::Statement changed(db_, "SELECT record_id FROM temp.asof_changed");
    while (changed.executeStep()) ids.push_back(changed.getColumn(0).getInt64());
  }
  for (const std::int64_t id : ids) {
    std::optional<Record> record = load_id(id, at);
    // Not observed yet at `at`: left out of the typed table, and nothing takes its place.
    if (!record) continue;
    insert_row(id, *record);
    changed_.emplace(id, std::move(*record));
  }
  prepared_ = std::make_unique<Prepared>(Prepared{at, version, db_.getTotalChanges()});
}

// The record's row as the writer would have left it at the instant: the relations (job, parent,
// backup server) of its current row, which do not change between revisions, and the name and
// field columns of its state then (NULL fields when only its reference had been observed).
void AsOfReader::insert_row(std::int64_t id, const Record& record) {
  const KindInfo& kind = info(record.kind);
  const std::string table = std::string("temp.asof_") + table_name(kind.table);
  {
    SQLite::Statement copy(db_, "INSERT INTO " + table + " SELECT * FROM main." +
                                    table_name(kind.table) + " WHERE record_id = ?");
    copy.bind(1, id);
    copy.exec();
  }
  std::string sql = "UPDATE " + table + " SET name = ?";
  if (kind.table == Table::Sessions) sql += ", vm_display_name = ?";
  for (const FieldSpec& field : kind.fields) {
    if (field.type == FieldType::Uid) continue;
    sql += ", " + std::string(field.column) + " = ?";
    if (field.type == FieldType::Time) sql += ", " + std::string(field.column) + "_ns = ?";
  }
  SQLite::Statement update(db_, sql + " WHERE record_id = ?");
  int index = 1;
  bind_optional(update, index++, record.name());
  const Representation& root = record.entity ? *record.entity : *record.reference;
  if (kind.table == Table::Sessions) {
    std::optional<std::string> vm_display_name = root.vm_display_name;
    if (!vm_display_name && record.reference) vm_display_name = record.reference->vm_display_name;
    bind_optional(update, index++, vm_display_name);
  }
  for (std::size_t i = 0; i < kind.fields.size(); ++i) {
    const FieldSpec& field = kind.fields[i];
    if (field.type == FieldType::Uid) continue;
    std::optional<std::string> text;
    if (record.entity && i < record.entity->fields.size()) text = record.entity->fields[i];
    if (field.type == FieldType::Text || field.type == FieldType::Time) {
      bind_optional(update, index++, text);
    }
    if (field.type != FieldType::Text) {
      bind_optional(update, index++,
                    text ? typed_value(field.type, *text) : std::optional<std::int64_t>());
    }
  }
  update.bind(index, id);
  update.exec();
  if (record.entity) {
    SQLite::Statement entity(db_, "INSERT INTO temp.asof_entities (record_id) VALUES (?)");
    entity.bind(1, id);
    entity.exec();
  }
}

void AsOfReader::forget() {
  prepared_.reset();
  changed_.clear();
}

void AsOfReader::substitute(const std::vector<std::int64_t>& ids,
                            std::vector<Record>& records) const {
  for (std::size_t i = 0; i < ids.size() && i < records.size(); ++i) {
    const auto then = changed_.find(ids[i]);
    if (then != changed_.end()) records[i] = then->second;
  }
}

std::optional<Observation> AsOfReader::observation(std::string_view resource, EmTime at) {
  Use s(observation_);
  s->bind(1, std::string(resource));
  s->bind(2, at);
  if (!s->executeStep()) return std::nullopt;
  Observation observation;
  observation.resource = resource;
  observation.document = s->getColumn(0).getString();
  observation.observed_at = s->getColumn(1).getString();
  observation.source = s->getColumn(2).getString();
  return observation;
}

}  // namespace emarchive::storage
