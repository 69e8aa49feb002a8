#include "storage/archive.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>
#include <pugixml.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <map>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <utility>
#include <variant>

#include "migrations/embedded.h"
#include "model/codec.h"
#include "model/em_time.h"
#include "model/href.h"
#include "model/xml_escape.h"
#include "storage/migrator.h"
#include "storage/sha256.h"
#include "storage/table_names.h"

namespace emarchive::storage {
namespace {

constexpr std::array kForms = {Form::Reference, Form::Entity};

// The ids of the records being loaded, bound as one JSON array ("[4,8,15]"), so that a page of
// records is read with one statement per table, each prepared once.
constexpr std::string_view kIdList = "(SELECT value FROM json_each(?))";
// The id of one record (load(), the single-record GET): the same statements with `IN (?)`, which
// SQLite reads as `= ?`. A JSON list costs each statement a parse and a temporary table of ids.
constexpr std::string_view kOneId = "(?)";

// The ids of migrations/001_initial.sql's kinds and the 0/1 of the form columns.
int kind_id(Kind kind) {
  return static_cast<int>(kind) + 1;
}
Kind kind_from_id(int id) {
  return static_cast<Kind>(id - 1);
}
int form_id(Form form) {
  return form == Form::Reference ? 0 : 1;
}

// A record that breaks what storing relies on and parse_document guarantees (a field whose text
// would not read back unchanged, a record without any form or with a UID of another kind), or
// stored rows that cannot be read back. Thrown inside a transaction, which then rolls back,
// and turned into an Error at the Archive's edge like SQLite's own exceptions.
class ArchiveFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Resets a reused statement when leaving scope: a statement left mid-result would keep a read
// snapshot open and hold back WAL checkpoints (and other writers' view) after the call returns.
class Use {
 public:
  explicit Use(SQLite::Statement& statement) : statement_(statement) {}
  ~Use() { statement_.tryReset(); }
  Use(const Use&) = delete;
  Use& operator=(const Use&) = delete;
  SQLite::Statement& operator*() { return statement_; }
  SQLite::Statement* operator->() { return &statement_; }

 private:
  SQLite::Statement& statement_;
};

// A read transaction through statements prepared once. SQLite::Transaction runs BEGIN and COMMIT
// through sqlite3_exec, which parses them again on every call: 7% of `emarchive serve`'s CPU time
// for a single-record GET. Rolls back unless committed, as SQLite::Transaction does.
class ReadTransaction {
 public:
  struct Statements {
    explicit Statements(SQLite::Database& db)
        : begin(db, "BEGIN DEFERRED"), commit(db, "COMMIT"), rollback(db, "ROLLBACK") {}
    SQLite::Statement begin;
    SQLite::Statement commit;
    SQLite::Statement rollback;
  };

  explicit ReadTransaction(Statements& statements) : statements_(statements) {
    run(statements_.begin);
  }
  ~ReadTransaction() {
    if (!done_) Use(statements_.rollback)->tryExecuteStep();
  }
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;

  void commit() {
    run(statements_.commit);
    done_ = true;
  }

 private:
  static void run(SQLite::Statement& statement) { Use(statement)->exec(); }

  Statements& statements_;
  bool done_ = false;
};

void bind_text(SQLite::Statement& statement, int index, const std::optional<std::string>& value) {
  if (value) {
    statement.bind(index, *value);
  } else {
    statement.bind(index);
  }
}

void bind_id(SQLite::Statement& statement, int index, std::optional<std::int64_t> value) {
  if (value) {
    statement.bind(index, *value);
  } else {
    statement.bind(index);
  }
}

void bind_all(SQLite::Statement& statement, const std::vector<SqlValue>& values) {
  int index = 1;
  for (const SqlValue& value : values) {
    std::visit([&](const auto& v) { statement.bind(index++, v); }, value);
  }
}

std::optional<std::string> text_column(const SQLite::Column& column) {
  if (column.isNull()) return std::nullopt;
  return column.getString();
}

// Extra attributes are stored as XML attribute text (a="1" b="x&amp;y"): readable in sqlite3,
// and read back by pugixml. Whitespace characters are escaped too, as attribute value
// normalization would otherwise turn them into spaces.
std::string encode_attributes(const std::vector<Attribute>& attributes) {
  std::string out;
  for (const Attribute& attribute : attributes) {
    if (!out.empty()) out += ' ';
    out += attribute.name;
    out += "=\"";
    xml::append_escaped_attribute(out, attribute.value);
    out += '"';
  }
  return out;
}

std::optional<std::string> encode_optional_attributes(const std::vector<Attribute>& attributes) {
  if (attributes.empty()) return std::nullopt;
  return encode_attributes(attributes);
}

std::vector<Attribute> decode_attributes(const SQLite::Column& column) {
  std::vector<Attribute> attributes;
  if (column.isNull()) return attributes;
  const std::string xml = "<a " + column.getString() + "/>";
  pugi::xml_document document;
  if (!document.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8)) {
    throw ArchiveFailure("stored extra attributes are not valid XML attribute text: " +
                         column.getString());
  }
  for (const pugi::xml_attribute& attribute : document.first_child().attributes()) {
    attributes.push_back({attribute.name(), attribute.value()});
  }
  return attributes;
}

// The Type and Href a representation of this record has unless EM wrote something else; stored
// as a bit of representations.derived instead of the text (migrations/001_initial.sql).
constexpr int kDerivedType = 1;
constexpr int kDerivedHref = 2;

std::string default_type(Kind kind, Form form) {
  return std::string(form == Form::Entity ? info(kind).name : info(kind).reference_type);
}

// A Link's values, each written as absent, or present with its length, so that no two Links
// write the same bytes.
std::string link_key(const Link& link, const std::optional<std::string>& extra_attributes) {
  std::string bytes;
  for (const std::optional<std::string>* value :
       {&link.rel, &link.type, &link.href, &link.name, &extra_attributes, &link.raw_xml}) {
    if (!*value) {
      bytes += '\0';
      continue;
    }
    bytes += '\1';
    bytes += std::to_string((*value)->size());
    bytes += ':';
    bytes += **value;
  }
  return bytes;
}

// What finds a Link's row in link_values again: the first 8 bytes of a SHA-256 of its key.
std::int64_t link_hash(std::string_view key) {
  const Sha256 digest = sha256(key);
  std::uint64_t hash = 0;
  for (int i = 0; i < 8; ++i) hash = (hash << 8) | digest[static_cast<std::size_t>(i)];
  return static_cast<std::int64_t>(hash);
}

// The relation columns of a table that a record's Links can fill: its backup server, and for
// sessions the job and the parent session. Kinds whose entity has the same column as a field
// (JobUid -> job_id) take it from the field whenever the entity was seen.
struct Relation {
  std::string_view column;
  std::span<const Kind> targets;  // the Link Rel="Up" whose Type names one of these
};

constexpr Kind kServerKinds[] = {Kind::BackupServer};
constexpr Kind kJobKinds[] = {Kind::Job};
constexpr Kind kParentKinds[] = {Kind::BackupJobSession, Kind::ReplicaJobSession};
constexpr Relation kSessionRelations[] = {
    {"backup_server_id", kServerKinds}, {"job_id", kJobKinds}, {"parent_id", kParentKinds}};
constexpr Relation kJobRelations[] = {{"backup_server_id", kServerKinds}};

std::span<const Relation> relations(Table table) {
  switch (table) {
    case Table::Sessions:
      return kSessionRelations;
    case Table::Jobs:
      return kJobRelations;
    case Table::BackupServers:
      break;
  }
  return {};
}

bool is_field_column(const KindInfo& kind, std::string_view column) {
  for (const FieldSpec& field : kind.fields) {
    if (field.column == column) return true;
  }
  return false;
}

// A record that a Link points to: its UID (built from the Link's Type and the Href's last
// segment, as EM builds both from the GUID) and the Link's Name.
struct Target {
  Kind kind;
  std::string uid;
  std::optional<std::string> name;
};

std::optional<Target> find_up_link(const Representation& representation,
                                   std::span<const Kind> kinds) {
  for (const Link& link : representation.links) {
    if (link.rel != "Up" || !link.type || !link.href) continue;
    const std::optional<Kind> kind = kind_from_reference_type(*link.type);
    if (!kind) continue;
    for (Kind wanted : kinds) {
      if (*kind != wanted) continue;
      const std::string_view id = href_id(*link.href);
      if (id.empty()) break;
      return Target{*kind, std::string(info(*kind).uid_prefix) + std::string(id), link.name};
    }
  }
  return std::nullopt;
}

std::optional<Target> find_up_link(const Record& record, std::span<const Kind> kinds) {
  for (Form form : {Form::Entity, Form::Reference}) {
    if (!record.form(form)) continue;
    if (auto target = find_up_link(*record.form(form), kinds)) return target;
  }
  return std::nullopt;
}

std::int64_t parse_integer(const FieldSpec& field, const std::string& text) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  // The text must come back unchanged from the stored integer (no "+1", "007", "1.0").
  if (ec != std::errc() || end != text.data() + text.size() || std::to_string(value) != text) {
    throw ArchiveFailure("field " + std::string(field.element) + " \"" + text +
                         "\" is not a canonical 64-bit integer");
  }
  return value;
}

std::int64_t parse_boolean(const FieldSpec& field, const std::string& text) {
  if (text == "true") return 1;
  if (text == "false") return 0;
  throw ArchiveFailure("field " + std::string(field.element) + " \"" + text +
                       "\" is not \"true\" or \"false\"");
}

std::int64_t parse_time(const FieldSpec& field, const std::string& text) {
  Expected<EmTime> time = parse_em_time(text);
  if (!time)
    throw ArchiveFailure("field " + std::string(field.element) + ": " + time.error().message);
  return *time;
}

std::string render_form(const Record& record, Form form) {
  return form == Form::Entity ? render_entity(record, "") : render_entity_ref(record, "");
}

// INSERT INTO <table> (<columns>, record_id[, kind_id]) with a parameter for each.
std::string insert_row_sql(Table table, const std::string& columns) {
  std::string sql =
      std::string("INSERT INTO ") + table_name(table) + " (" + columns + ", record_id";
  if (table == Table::Sessions) sql += ", kind_id";
  sql += ") VALUES (";
  const std::size_t parameters =
      std::count(columns.begin(), columns.end(), ',') + (table == Table::Sessions ? 3 : 2);
  for (std::size_t i = 0; i < parameters; ++i) sql += i == 0 ? "?" : ", ?";
  return sql + ")";
}

// The statements that depend on a kind: writing the typed columns from an entity, into a row
// that exists or a new one.
struct KindStatements {
  KindStatements(SQLite::Database& db, const KindInfo& kind)
      : update_from_entity(db, update_sql(kind)), insert_from_entity(db, insert_sql(kind)) {}

  // UPDATE <table> SET name, [vm_display_name], relations not among the fields, then each field
  // (Time fields also <column>_ns), WHERE record_id. Root attributes and relations keep their
  // previous value when the documents do not carry them.
  static std::string update_sql(const KindInfo& kind) {
    std::string sql =
        std::string("UPDATE ") + table_name(kind.table) + " SET name = COALESCE(?, name)";
    if (kind.table == Table::Sessions) sql += ", vm_display_name = COALESCE(?, vm_display_name)";
    for (const Relation& relation : relations(kind.table)) {
      if (is_field_column(kind, relation.column)) continue;
      sql += ", " + std::string(relation.column) + " = COALESCE(?, " +
             std::string(relation.column) + ")";
    }
    for (const FieldSpec& field : kind.fields) {
      sql += ", " + std::string(field.column) + " = ?";
      if (field.type == FieldType::Time) sql += ", " + std::string(field.column) + "_ns = ?";
    }
    return sql + " WHERE record_id = ?";
  }

  // The row of a record created in this store: the columns of update_sql in the same order, so
  // that both are bound alike, then record_id (and kind_id for sessions). One statement where a
  // stub row and its update took two, each updating the table's indexes.
  static std::string insert_sql(const KindInfo& kind) {
    std::string columns = "name";
    if (kind.table == Table::Sessions) columns += ", vm_display_name";
    for (const Relation& relation : relations(kind.table)) {
      if (!is_field_column(kind, relation.column)) columns += ", " + std::string(relation.column);
    }
    for (const FieldSpec& field : kind.fields) {
      columns += ", " + std::string(field.column);
      if (field.type == FieldType::Time) columns += ", " + std::string(field.column) + "_ns";
    }
    return insert_row_sql(kind.table, columns);
  }

  SQLite::Statement update_from_entity;
  SQLite::Statement insert_from_entity;
};

// The statements that read records back, one per table, for the ids that `ids` (kIdList or
// kOneId) selects.
struct LoadStatements {
  LoadStatements(SQLite::Database& db, std::string_view ids)
      : records(db,
                "SELECT r.id, r.uid, r.kind_id, s.origin FROM records r "
                "LEFT JOIN sources s ON s.id = r.source_id WHERE r.id IN " +
                    std::string(ids)),
        representations(db,
                        "SELECT record_id, form, derived, type, href, name, "
                        "vm_display_name, extra_attributes, has_links FROM representations "
                        "WHERE record_id IN " +
                            std::string(ids)),
        links(db,
              "SELECT l.record_id, l.form, v.rel, v.type, v.href, v.name, "
              "v.extra_attributes, v.raw_xml "
              "FROM links l JOIN link_values v ON v.id = l.link_value_id "
              "WHERE l.record_id IN " +
                  std::string(ids) + " ORDER BY l.record_id, l.form, l.position"),
        unmodeled(db,
                  "SELECT record_id, form, position, xml FROM unmodeled "
                  "WHERE record_id IN " +
                      std::string(ids) + " ORDER BY record_id, form, position") {
    for (const KindInfo& kind : all_kinds()) {
      fields.push_back(std::make_unique<SQLite::Statement>(db, fields_sql(kind, ids)));
    }
  }

  // record_id, then each field, of the records of a kind.
  static std::string fields_sql(const KindInfo& kind, std::string_view ids) {
    std::string sql = "SELECT record_id";
    for (const FieldSpec& field : kind.fields) {
      sql += ", ";
      if (field.type == FieldType::Uid) {
        sql += "(SELECT uid FROM records WHERE id = " + std::string(field.column) + ")";
      } else {
        sql += std::string(field.column);
      }
    }
    return sql + " FROM " + table_name(kind.table) + " WHERE record_id IN " + std::string(ids);
  }

  SQLite::Statement records;
  SQLite::Statement representations;
  SQLite::Statement links;
  SQLite::Statement unmodeled;
  std::vector<std::unique_ptr<SQLite::Statement>> fields;  // by Kind
};

// The statements that depend on a table: creating a stub row, and writing the columns a
// reference's Links and attributes give when no entity of the record has been seen.
struct TableStatements {
  TableStatements(SQLite::Database& db, Table table)
      : insert_stub(db, table == Table::Sessions
                            ? "INSERT INTO sessions (record_id, kind_id, name) VALUES (?, ?, ?)"
                            : std::string("INSERT INTO ") + table_name(table) +
                                  " (record_id, name) VALUES (?, ?)"),
        update_from_reference(db, update_sql(table)),
        insert_from_reference(db, insert_sql(table)) {}

  static std::string update_sql(Table table) {
    std::string sql = std::string("UPDATE ") + table_name(table) + " SET name = COALESCE(?, name)";
    if (table == Table::Sessions) sql += ", vm_display_name = COALESCE(?, vm_display_name)";
    for (const Relation& relation : relations(table)) {
      sql += ", " + std::string(relation.column) + " = COALESCE(?, " +
             std::string(relation.column) + ")";
    }
    return sql + " WHERE record_id = ?";
  }

  // As KindStatements::insert_sql, for a record created from its reference alone.
  static std::string insert_sql(Table table) {
    std::string columns = "name";
    if (table == Table::Sessions) columns += ", vm_display_name";
    for (const Relation& relation : relations(table))
      columns += ", " + std::string(relation.column);
    return insert_row_sql(table, columns);
  }

  SQLite::Statement insert_stub;
  SQLite::Statement update_from_reference;
  SQLite::Statement insert_from_reference;
};

class SqliteArchive final : public Archive {
 public:
  SqliteArchive(std::string path, std::unique_ptr<SQLite::Database> db, int schema_version)
      : path_(std::move(path)),
        db_(std::move(db)),
        schema_version_(schema_version),
        find_record_(*db_, "SELECT id FROM records WHERE uid = ?"),
        insert_record_(*db_, "INSERT INTO records (kind_id, uid, source_id) VALUES (?, ?, ?)"),
        set_record_source_(*db_, "UPDATE records SET source_id = ? WHERE id = ?"),
        upsert_source_(*db_,
                       "INSERT INTO sources (origin, first_seen_at, last_seen_at) VALUES (?, ?, ?) "
                       "ON CONFLICT (origin) DO UPDATE SET last_seen_at = excluded.last_seen_at "
                       "RETURNING id"),
        count_forms_(*db_, "SELECT count(*) FROM representations WHERE record_id = ?"),
        current_revision_(*db_,
                          "SELECT p.revision, v.sha256 FROM representations p "
                          "JOIN revisions v ON v.record_id = p.record_id AND v.form = p.form "
                          "AND v.revision = p.revision WHERE p.record_id = ? AND p.form = ?"),
        keep_document_(*db_,
                       "UPDATE revisions SET document = ? "
                       "WHERE record_id = ? AND form = ? AND revision = ?"),
        delete_links_(*db_, "DELETE FROM links WHERE record_id = ? AND form = ?"),
        delete_unmodeled_(*db_, "DELETE FROM unmodeled WHERE record_id = ? AND form = ?"),
        upsert_representation_(
            *db_,
            "INSERT INTO representations (record_id, form, derived, type, href, name, "
            "vm_display_name, extra_attributes, has_links, revision) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (record_id, form) DO UPDATE SET derived = excluded.derived, "
            "type = excluded.type, "
            "href = excluded.href, name = excluded.name, "
            "vm_display_name = excluded.vm_display_name, "
            "extra_attributes = excluded.extra_attributes, has_links = excluded.has_links, "
            "revision = excluded.revision"),
        find_link_value_(*db_,
                         "SELECT id, rel, type, href, name, extra_attributes, raw_xml "
                         "FROM link_values WHERE hash = ?"),
        insert_link_value_(*db_,
                           "INSERT INTO link_values (hash, rel, type, href, name, "
                           "extra_attributes, raw_xml) VALUES (?, ?, ?, ?, ?, ?, ?)"),
        insert_unmodeled_(*db_,
                          "INSERT INTO unmodeled (record_id, form, position, xml) "
                          "VALUES (?, ?, ?, ?)"),
        insert_revision_(*db_,
                         "INSERT INTO revisions (record_id, form, revision, observed_at, run_id, "
                         "source_id, sha256) VALUES (?, ?, ?, ?, ?, ?, ?)"),
        form_exists_(*db_, "SELECT 1 FROM representations WHERE record_id = ? AND form = ?"),
        load_page_(*db_, kIdList),
        load_one_(*db_, kOneId),
        read_transaction_(*db_),
        count_revisions_(*db_,
                         "SELECT count(*) FROM revisions v JOIN records r ON r.id = v.record_id "
                         "WHERE r.uid = ? AND v.form = ?"),
        begin_run_(*db_, "INSERT INTO runs (command, detail, started_at) VALUES (?, ?, ?)"),
        finish_run_(*db_,
                    "UPDATE runs SET finished_at = ?, documents = ?, rejected = ?, "
                    "records_new = ?, records_updated = ?, records_unchanged = ?, errors = ? "
                    "WHERE id = ?") {
    for (const KindInfo& kind : all_kinds()) {
      kinds_.push_back(std::make_unique<KindStatements>(*db_, kind));
    }
    for (Table table : {Table::Sessions, Table::Jobs, Table::BackupServers}) {
      tables_.push_back(std::make_unique<TableStatements>(*db_, table));
    }
  }

  // As SQLite advises for long-lived connections: refresh the planner's statistics where they
  // went stale, so that it keeps choosing the query service's indexes as the archive grows.
  // The limit keeps this to milliseconds on a large archive.
  ~SqliteArchive() override { db_->tryExec("PRAGMA analysis_limit = 1000; PRAGMA optimize;"); }

  SqliteArchive(const SqliteArchive&) = delete;
  SqliteArchive& operator=(const SqliteArchive&) = delete;

  int schema_version() override { return schema_version_; }

  Expected<std::int64_t> begin_run(std::string_view command, std::string_view detail,
                                   std::string_view started_at) override {
    try {
      Use s(begin_run_);
      s->bind(1, std::string(command));
      s->bind(2, std::string(detail));
      s->bind(3, std::string(started_at));
      s->exec();
      return db_->getLastInsertRowid();
    } catch (const std::exception& e) {
      return failure("cannot record the run", e);
    }
  }

  Status finish_run(std::int64_t run_id, std::string_view finished_at, const RunCounts& counts,
                    std::string_view errors) override {
    try {
      Use s(finish_run_);
      s->bind(1, std::string(finished_at));
      s->bind(2, counts.documents);
      s->bind(3, counts.rejected);
      s->bind(4, counts.records_new);
      s->bind(5, counts.records_updated);
      s->bind(6, counts.records_unchanged);
      s->bind(7, std::string(errors));
      s->bind(8, run_id);
      if (s->exec() != 1) {
        return Error{path_ + ": cannot finish run " + std::to_string(run_id) + ": no such run"};
      }
      return Ok{};
    } catch (const std::exception& e) {
      return failure("cannot finish the run", e);
    }
  }

  Expected<std::vector<StoreOutcome>> store(std::span<const Record> records, std::int64_t run_id,
                                            std::string_view observed_at) override {
    return store_batch(records, run_id, observed_at, nullptr);
  }

  Expected<std::vector<StoreOutcome>> store_page(std::span<const Record> records,
                                                 std::int64_t run_id, std::string_view observed_at,
                                                 const Bookmark& advance) override {
    return store_batch(records, run_id, observed_at, &advance);
  }

  Expected<std::optional<EmTime>> bookmark(std::string_view origin,
                                           std::string_view query_type) override {
    try {
      SQLite::Statement s(*db_,
                          "SELECT b.creation_time_ns FROM ingest_bookmarks b "
                          "JOIN sources s ON s.id = b.source_id "
                          "WHERE s.origin = ? AND b.query_type = ?");
      s.bind(1, std::string(origin));
      s.bind(2, std::string(query_type));
      if (!s.executeStep()) return std::optional<EmTime>();
      return std::optional<EmTime>(s.getColumn(0).getInt64());
    } catch (const std::exception& e) {
      return failure("cannot read the ingest bookmark of " + std::string(query_type), e);
    }
  }

  Expected<std::vector<std::string>> unfinished_sessions(std::string_view origin, Kind kind,
                                                         EmTime created_before) override {
    try {
      SQLite::Statement s(*db_,
                          "SELECT r.uid FROM sessions x "
                          "JOIN records r ON r.id = x.record_id "
                          "JOIN sources s ON s.id = r.source_id "
                          "WHERE x.kind_id = ? AND s.origin = ? "
                          "AND (x.creation_time_ns IS NULL OR x.creation_time_ns < ?) "
                          "AND (x.state IS NULL "
                          "OR x.state COLLATE NOCASE NOT IN ('Stopped', 'Completed')) "
                          "AND EXISTS (SELECT 1 FROM representations p WHERE p.record_id = r.id) "
                          "AND NOT EXISTS (SELECT 1 FROM ingest_gone g WHERE g.record_id = r.id) "
                          "ORDER BY x.creation_time_ns, r.uid");
      s.bind(1, kind_id(kind));
      s.bind(2, std::string(origin));
      s.bind(3, created_before);
      return column_strings(s);
    } catch (const std::exception& e) {
      return failure("cannot list the unfinished " + std::string(info(kind).name) + "s", e);
    }
  }

  Expected<std::vector<std::string>> stubs(std::string_view origin, Kind kind) override {
    try {
      SQLite::Statement s(
          *db_,
          "SELECT r.uid FROM records r JOIN sources s ON s.id = r.source_id "
          "WHERE r.kind_id = ? AND s.origin = ? "
          "AND NOT EXISTS (SELECT 1 FROM representations p WHERE p.record_id = r.id) "
          "AND NOT EXISTS (SELECT 1 FROM ingest_gone g WHERE g.record_id = r.id) "
          "ORDER BY r.uid");
      s.bind(1, kind_id(kind));
      s.bind(2, std::string(origin));
      return column_strings(s);
    } catch (const std::exception& e) {
      return failure("cannot list the " + std::string(info(kind).name) + " stubs", e);
    }
  }

  Status mark_gone(std::string_view uid, std::int64_t run_id,
                   std::string_view observed_at) override {
    try {
      SQLite::Statement s(*db_,
                          "INSERT OR REPLACE INTO ingest_gone (record_id, run_id, observed_at) "
                          "SELECT id, ?, ? FROM records WHERE uid = ?");
      s.bind(1, run_id);
      s.bind(2, std::string(observed_at));
      s.bind(3, std::string(uid));
      if (s.exec() != 1)
        return Error{path_ + ": cannot mark " + std::string(uid) + " gone: unknown"};
      return Ok{};
    } catch (const std::exception& e) {
      return failure("cannot mark " + std::string(uid) + " gone", e);
    }
  }

  Expected<std::optional<Record>> load(std::string_view uid) override {
    try {
      // One read transaction, so that every form comes from the same committed state.
      ReadTransaction transaction(read_transaction_);
      std::optional<Record> record = load_record(uid);
      transaction.commit();
      return record;
    } catch (const std::exception& e) {
      return failure("cannot load " + std::string(uid), e);
    }
  }

  Expected<RecordPage> query(const RecordQuery& query) override {
    try {
      const RecordQuerySql sql = record_query_sql(query);
      // The count and the page from the same committed state, so that they agree.
      SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::DEFERRED);
      RecordPage page;
      // Prepared per call: the SQL depends on the filter.
      SQLite::Statement count(*db_, sql.count);
      bind_all(count, sql.params);
      count.executeStep();
      page.total = count.getColumn(0).getInt64();
      std::vector<std::int64_t> ids;
      {
        SQLite::Statement select(*db_, sql.select_ids);
        bind_all(select, sql.params);
        const int next = static_cast<int>(sql.params.size()) + 1;
        select.bind(next, query.limit);
        select.bind(next + 1, query.offset);
        while (select.executeStep()) ids.push_back(select.getColumn(0).getInt64());
      }
      // The query selects archived records only, so none is left out as a stub.
      page.records = load_records(ids);
      transaction.commit();
      return page;
    } catch (const std::exception& e) {
      return failure("cannot query " + std::string(info(query.kind).name), e);
    }
  }

  Expected<std::int64_t> revision_count(std::string_view uid, Form form) override {
    try {
      Use s(count_revisions_);
      s->bind(1, std::string(uid));
      s->bind(2, form_id(form));
      s->executeStep();
      return s->getColumn(0).getInt64();
    } catch (const std::exception& e) {
      return failure("cannot count the revisions of " + std::string(uid), e);
    }
  }

 private:
  // What one store() call shares between its records.
  struct Batch {
    std::int64_t run_id;
    std::string observed_at;
    std::map<std::string, std::int64_t, std::less<>> sources;  // origin -> sources.id
  };

  // One transaction: every record, and the bookmark when `advance` is given.
  Expected<std::vector<StoreOutcome>> store_batch(std::span<const Record> records,
                                                  std::int64_t run_id, std::string_view observed_at,
                                                  const Bookmark* advance) {
    const Record* current = nullptr;
    batch_records_.clear();
    batch_link_values_.clear();
    try {
      SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
      Batch batch{run_id, std::string(observed_at), {}};
      std::vector<StoreOutcome> outcomes;
      outcomes.reserve(records.size());
      for (const Record& record : records) {
        current = &record;
        outcomes.push_back(store_record(batch, record));
      }
      current = nullptr;
      if (advance) advance_bookmark(batch, *advance);
      transaction.commit();
      return outcomes;
    } catch (const std::exception& e) {
      return failure(current ? "cannot store " + current->uid : std::string("cannot store"), e);
    }
  }

  void advance_bookmark(Batch& batch, const Bookmark& advance) {
    SQLite::Statement s(*db_,
                        "INSERT INTO ingest_bookmarks "
                        "(source_id, query_type, creation_time_ns, run_id, updated_at) "
                        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (source_id, query_type) DO UPDATE SET "
                        "creation_time_ns = excluded.creation_time_ns, run_id = excluded.run_id, "
                        "updated_at = excluded.updated_at "
                        "WHERE excluded.creation_time_ns > creation_time_ns");
    s.bind(1, source_id(batch, advance.origin));
    s.bind(2, advance.query_type);
    s.bind(3, advance.creation_time);
    s.bind(4, batch.run_id);
    s.bind(5, batch.observed_at);
    s.exec();
  }

  static std::vector<std::string> column_strings(SQLite::Statement& s) {
    std::vector<std::string> values;
    while (s.executeStep()) values.push_back(s.getColumn(0).getString());
    return values;
  }

  Error failure(const std::string& what, const std::exception& e) const {
    return Error{path_ + ": " + what + ": " + e.what()};
  }

  std::int64_t source_id(Batch& batch, const std::string& origin) {
    if (auto it = batch.sources.find(origin); it != batch.sources.end()) return it->second;
    Use s(upsert_source_);
    s->bind(1, origin);
    s->bind(2, batch.observed_at);
    s->bind(3, batch.observed_at);
    s->executeStep();
    const std::int64_t id = s->getColumn(0).getInt64();
    batch.sources.emplace(origin, id);
    return id;
  }

  std::optional<std::int64_t> find_record(const std::string& uid) {
    Use s(find_record_);
    s->bind(1, uid);
    if (!s->executeStep()) return std::nullopt;
    return s->getColumn(0).getInt64();
  }

  // The id of the record with this UID, created as a stub (named `name`) if it is not known.
  std::int64_t ensure_record(Kind kind, const std::string& uid,
                             const std::optional<std::string>& name, std::int64_t source) {
    if (std::optional<std::int64_t> id = known_record(uid)) return *id;
    const std::int64_t id = insert_record(kind, uid, source);
    const Table table = info(kind).table;
    Use s(tables_[static_cast<std::size_t>(table)]->insert_stub);
    int index = 1;
    s->bind(index++, id);
    if (table == Table::Sessions) s->bind(index++, kind_id(kind));
    bind_text(*s, index, name);
    s->exec();
    return id;
  }

  // The id of the record with this UID if it is known, else nullopt.
  std::optional<std::int64_t> known_record(const std::string& uid) {
    if (auto it = batch_records_.find(uid); it != batch_records_.end()) return it->second;
    std::optional<std::int64_t> id = find_record(uid);
    if (id) batch_records_.emplace(uid, *id);
    return id;
  }

  // A new row of records, without the row of its typed table, which the caller inserts.
  std::int64_t insert_record(Kind kind, const std::string& uid, std::int64_t source) {
    Use s(insert_record_);
    s->bind(1, kind_id(kind));
    s->bind(2, uid);
    s->bind(3, source);
    s->exec();
    const std::int64_t id = db_->getLastInsertRowid();
    batch_records_.emplace(uid, id);
    return id;
  }

  std::optional<std::int64_t> ensure_target(const std::optional<Target>& target,
                                            std::int64_t source) {
    if (!target) return std::nullopt;
    return ensure_record(target->kind, target->uid, target->name, source);
  }

  StoreOutcome store_record(Batch& batch, const Record& record) {
    if (!record.reference && !record.entity) {
      throw ArchiveFailure("the record has no representation to store");
    }
    if (kind_from_uid(record.uid) != record.kind) {
      throw ArchiveFailure("the UID does not start with " +
                           std::string(info(record.kind).uid_prefix));
    }
    const std::int64_t source = source_id(batch, record.origin);
    // A record created just now has no forms, no revisions, no typed row yet (written whole
    // below), and this source already.
    const std::optional<std::int64_t> known = known_record(record.uid);
    const bool created = !known;
    const std::int64_t id = created ? insert_record(record.kind, record.uid, source) : *known;
    bool had_documents = false;
    if (!created) {
      Use s(count_forms_);
      s->bind(1, id);
      s->executeStep();
      had_documents = s->getColumn(0).getInt64() > 0;
    }
    bool changed = false;
    for (Form form : kForms) {
      if (record.form(form)) changed |= store_form(batch, record, id, form, source, created);
    }
    if (!changed) return StoreOutcome::Unchanged;
    store_typed_columns(record, id, source, created);
    if (!created) {
      Use s(set_record_source_);
      s->bind(1, source);
      s->bind(2, id);
      s->exec();
    }
    return had_documents ? StoreOutcome::Updated : StoreOutcome::New;
  }

  // Stores one form as a new revision unless its canonical document is the archived one.
  // Returns whether it did.
  bool store_form(Batch& batch, const Record& record, std::int64_t id, Form form,
                  std::int64_t source, bool created) {
    const std::string document = render_form(record, form);
    const Sha256 digest = sha256(document);
    std::int64_t revision = 0;
    if (!created) {
      Use s(current_revision_);
      s->bind(1, id);
      s->bind(2, form_id(form));
      if (s->executeStep()) {
        revision = s->getColumn(0).getInt64();
        const SQLite::Column stored = s->getColumn(1);
        if (stored.getBytes() == static_cast<int>(digest.size()) &&
            std::equal(digest.begin(), digest.end(),
                       static_cast<const std::uint8_t*>(stored.getBlob()))) {
          return false;
        }
      }
    }
    if (revision > 0) supersede(record, id, form, revision);
    write_representation(record, form, id, *record.form(form), revision + 1);
    Use s(insert_revision_);
    s->bind(1, id);
    s->bind(2, form_id(form));
    s->bind(3, revision + 1);
    s->bind(4, batch.observed_at);
    s->bind(5, batch.run_id);
    s->bind(6, source);
    s->bind(7, digest.data(), static_cast<int>(digest.size()));
    s->exec();
    return true;
  }

  // Keeps the current revision's canonical document in its revision row, as the normalized rows
  // that rebuild it are about to be replaced, and deletes those rows.
  void supersede(const Record& record, std::int64_t id, Form form, std::int64_t revision) {
    Record previous{record.kind, record.uid, "", std::nullopt, std::nullopt};
    previous.form(form) = std::move(load_records({id}).at(0).form(form));
    {
      Use s(keep_document_);
      s->bind(1, render_form(previous, form));
      s->bind(2, id);
      s->bind(3, form_id(form));
      s->bind(4, revision);
      s->exec();
    }
    for (SQLite::Statement* statement : {&delete_links_, &delete_unmodeled_}) {
      Use s(*statement);
      s->bind(1, id);
      s->bind(2, form_id(form));
      s->exec();
    }
  }

  void write_representation(const Record& record, Form form, std::int64_t id,
                            const Representation& representation, std::int64_t revision) {
    {
      int derived = 0;
      std::optional<std::string> type = representation.type;
      if (type == default_type(record.kind, form)) {
        derived |= kDerivedType;
        type.reset();
      }
      std::optional<std::string> href = representation.href;
      if (href == default_href(record.kind, record.uid, form)) {
        derived |= kDerivedHref;
        href.reset();
      }
      Use s(upsert_representation_);
      s->bind(1, id);
      s->bind(2, form_id(form));
      s->bind(3, derived);
      bind_text(*s, 4, type);
      bind_text(*s, 5, href);
      bind_text(*s, 6, representation.name);
      bind_text(*s, 7, representation.vm_display_name);
      bind_text(*s, 8, encode_optional_attributes(representation.extra_attributes));
      s->bind(9, representation.has_links ? 1 : 0);
      s->bind(10, revision);
      s->exec();
    }
    link_value_ids_.clear();
    for (const Link& link : representation.links) link_value_ids_.push_back(link_value(link));
    // Up to kLinksPerInsert rows a statement: a record's Links (four for a task session) took
    // one statement each.
    for (std::size_t first = 0; first < link_value_ids_.size(); first += kLinksPerInsert) {
      const std::size_t rows = std::min(kLinksPerInsert, link_value_ids_.size() - first);
      Use s(insert_links(rows));
      int index = 1;
      for (std::size_t i = first; i < first + rows; ++i) {
        s->bind(index++, id);
        s->bind(index++, form_id(form));
        s->bind(index++, static_cast<std::int64_t>(i));
        s->bind(index++, link_value_ids_[i]);
      }
      s->exec();
    }
    for (const Unmodeled& element : representation.unmodeled) {
      Use s(insert_unmodeled_);
      s->bind(1, id);
      s->bind(2, form_id(form));
      s->bind(3, static_cast<std::int64_t>(element.position));
      s->bind(4, element.xml);
      s->exec();
    }
  }

  // The statement inserting `rows` rows of links, prepared on first use.
  SQLite::Statement& insert_links(std::size_t rows) {
    std::unique_ptr<SQLite::Statement>& statement = insert_links_[rows - 1];
    if (!statement) {
      std::string sql = "INSERT INTO links (record_id, form, position, link_value_id) VALUES ";
      for (std::size_t i = 0; i < rows; ++i) sql += i == 0 ? "(?, ?, ?, ?)" : ", (?, ?, ?, ?)";
      statement = std::make_unique<SQLite::Statement>(*db_, sql);
    }
    return *statement;
  }

  // The id of this Link's row in link_values, added if no stored Link has the same values.
  std::int64_t link_value(const Link& link) {
    const std::optional<std::string> extra = encode_optional_attributes(link.extra_attributes);
    std::string key = link_key(link, extra);
    if (auto it = batch_link_values_.find(key); it != batch_link_values_.end()) return it->second;
    const std::int64_t hash = link_hash(key);
    {
      Use s(find_link_value_);
      s->bind(1, hash);
      while (s->executeStep()) {
        if (text_column(s->getColumn(1)) == link.rel && text_column(s->getColumn(2)) == link.type &&
            text_column(s->getColumn(3)) == link.href &&
            text_column(s->getColumn(4)) == link.name && text_column(s->getColumn(5)) == extra &&
            text_column(s->getColumn(6)) == link.raw_xml) {
          const std::int64_t id = s->getColumn(0).getInt64();
          batch_link_values_.emplace(std::move(key), id);
          return id;
        }
      }
    }
    Use s(insert_link_value_);
    s->bind(1, hash);
    bind_text(*s, 2, link.rel);
    bind_text(*s, 3, link.type);
    bind_text(*s, 4, link.href);
    bind_text(*s, 5, link.name);
    bind_text(*s, 6, extra);
    bind_text(*s, 7, link.raw_xml);
    s->exec();
    const std::int64_t id = db_->getLastInsertRowid();
    batch_link_values_.emplace(std::move(key), id);
    return id;
  }

  // Brings the typed columns in line with a record that has changed, inserting its row if it was
  // `created` in this store. The entity is their source whenever it is known; a reference alone
  // gives the name and the relations its Links name, as long as no entity has been archived.
  void store_typed_columns(const Record& record, std::int64_t id, std::int64_t source,
                           bool created) {
    const KindInfo& kind = info(record.kind);
    const Representation* root = record.entity ? &*record.entity : &*record.reference;
    const std::optional<std::string> name = record.name();
    std::optional<std::string> vm_display_name = root->vm_display_name;
    if (!vm_display_name && record.reference) vm_display_name = record.reference->vm_display_name;

    if (!record.entity) {
      if (!created && load_form_exists(id, Form::Entity)) return;
      TableStatements& statements = *tables_[static_cast<std::size_t>(kind.table)];
      Use s(created ? statements.insert_from_reference : statements.update_from_reference);
      int index = 1;
      bind_text(*s, index++, name);
      if (kind.table == Table::Sessions) bind_text(*s, index++, vm_display_name);
      for (const Relation& relation : relations(kind.table)) {
        bind_id(*s, index++, ensure_target(find_up_link(record, relation.targets), source));
      }
      bind_row_id(*s, index, record.kind, id, created);
      s->exec();
      return;
    }

    KindStatements& statements = *kinds_[static_cast<std::size_t>(record.kind)];
    Use s(created ? statements.insert_from_entity : statements.update_from_entity);
    int index = 1;
    bind_text(*s, index++, name);
    if (kind.table == Table::Sessions) bind_text(*s, index++, vm_display_name);
    for (const Relation& relation : relations(kind.table)) {
      if (is_field_column(kind, relation.column)) continue;
      bind_id(*s, index++, ensure_target(find_up_link(record, relation.targets), source));
    }
    const std::vector<std::optional<std::string>>& fields = record.entity->fields;
    if (fields.size() != kind.fields.size()) {
      throw ArchiveFailure("the entity has " + std::to_string(fields.size()) + " fields where " +
                           std::string(kind.name) + " has " + std::to_string(kind.fields.size()));
    }
    for (std::size_t i = 0; i < kind.fields.size(); ++i) {
      const FieldSpec& field = kind.fields[i];
      const std::optional<std::string>& text = fields[i];
      switch (field.type) {
        case FieldType::Text:
          bind_text(*s, index++, text);
          break;
        case FieldType::Integer:
          bind_id(*s, index++, text ? std::optional(parse_integer(field, *text)) : std::nullopt);
          break;
        case FieldType::Boolean:
          bind_id(*s, index++, text ? std::optional(parse_boolean(field, *text)) : std::nullopt);
          break;
        case FieldType::Time:
          bind_text(*s, index++, text);
          bind_id(*s, index++, text ? std::optional(parse_time(field, *text)) : std::nullopt);
          break;
        case FieldType::Uid:
          bind_id(*s, index++,
                  text ? std::optional(uid_target(record, field, *text, source)) : std::nullopt);
          break;
      }
    }
    bind_row_id(*s, index, record.kind, id, created);
    s->exec();
  }

  // The last parameters of the typed row's statements: record_id, and for an insert into
  // sessions its kind_id.
  static void bind_row_id(SQLite::Statement& statement, int index, Kind kind, std::int64_t id,
                          bool inserting) {
    statement.bind(index, id);
    if (inserting && info(kind).table == Table::Sessions) statement.bind(index + 1, kind_id(kind));
  }

  // The record a Uid field names, created as a stub if needed. A stub made this way is named
  // by the Up Link to the same record, else by the field's sibling (JobUid's JobName). The
  // field's text is kept exactly as the stub's UID; one that does not start with a known kind's
  // prefix (the parser only insists it is not empty) makes a stub of the kind the field names.
  std::int64_t uid_target(const Record& record, const FieldSpec& field, const std::string& uid,
                          std::int64_t source) {
    const Kind kind = kind_from_uid(uid).value_or(*field.target);
    std::optional<std::string> name;
    if (std::optional<Target> link = find_up_link(record, std::span(&kind, 1));
        link && link->uid == uid) {
      name = link->name;
    } else if (field.element.ends_with("Uid")) {
      std::string sibling(field.element.substr(0, field.element.size() - 3));
      name = record.field(sibling + "Name");
    }
    return ensure_record(kind, uid, name, source);
  }

  bool load_form_exists(std::int64_t id, Form form) {
    Use s(form_exists_);
    s->bind(1, id);
    s->bind(2, form_id(form));
    return s->executeStep();
  }

  std::optional<Record> load_record(std::string_view uid) {
    const std::optional<std::int64_t> id = find_record(std::string(uid));
    if (!id) return std::nullopt;
    std::vector<Record> records = load_records({*id});
    if (records.empty()) return std::nullopt;
    return std::move(records.front());
  }

  // The records with these ids, in this order, each with every archived form; stubs (and ids of
  // no record) are left out. One statement per table, however many ids: loading a page record
  // by record took six statements each.
  std::vector<Record> load_records(const std::vector<std::int64_t>& ids) {
    const bool one = ids.size() == 1;
    LoadStatements& statements = one ? load_one_ : load_page_;
    std::string list;
    if (!one) {
      list = "[";
      for (std::int64_t id : ids) {
        if (list.size() > 1) list += ',';
        list += std::to_string(id);
      }
      list += ']';
    }
    const auto bind_ids = [&](SQLite::Statement& s) {
      if (one) {
        s.bind(1, ids.front());
      } else {
        s.bind(1, list);
      }
    };
    std::unordered_map<std::int64_t, Record> loaded;
    {
      Use s(statements.records);
      bind_ids(*s);
      while (s->executeStep()) {
        Record& record = loaded[s->getColumn(0).getInt64()];
        record.uid = s->getColumn(1).getString();
        record.kind = kind_from_id(s->getColumn(2).getInt());
        record.origin = s->getColumn(3).isNull() ? "" : s->getColumn(3).getString();
      }
    }
    const auto form_of = [&](SQLite::Statement& s) -> Representation& {
      Record& record = loaded.at(s.getColumn(0).getInt64());
      const Form form =
          s.getColumn(1).getInt() == form_id(Form::Entity) ? Form::Entity : Form::Reference;
      if (!record.form(form)) {
        throw ArchiveFailure("record " + std::to_string(s.getColumn(0).getInt64()) +
                             " has rows of a form it has no representation of");
      }
      return *record.form(form);
    };
    {
      Use s(statements.representations);
      bind_ids(*s);
      while (s->executeStep()) {
        Record& record = loaded.at(s->getColumn(0).getInt64());
        const Form form =
            s->getColumn(1).getInt() == form_id(Form::Entity) ? Form::Entity : Form::Reference;
        Representation& representation = record.form(form).emplace();
        const int derived = s->getColumn(2).getInt();
        representation.type = (derived & kDerivedType) ? default_type(record.kind, form)
                                                       : text_column(s->getColumn(3));
        representation.href = (derived & kDerivedHref) ? default_href(record.kind, record.uid, form)
                                                       : text_column(s->getColumn(4));
        representation.name = text_column(s->getColumn(5));
        representation.vm_display_name = text_column(s->getColumn(6));
        representation.extra_attributes = decode_attributes(s->getColumn(7));
        representation.has_links = s->getColumn(8).getInt() != 0;
      }
    }
    {
      Use s(statements.links);
      bind_ids(*s);
      while (s->executeStep()) {
        Link link;
        link.rel = text_column(s->getColumn(2));
        link.type = text_column(s->getColumn(3));
        link.href = text_column(s->getColumn(4));
        link.name = text_column(s->getColumn(5));
        link.extra_attributes = decode_attributes(s->getColumn(6));
        link.raw_xml = text_column(s->getColumn(7));
        form_of(*s).links.push_back(std::move(link));
      }
    }
    {
      Use s(statements.unmodeled);
      bind_ids(*s);
      while (s->executeStep()) {
        form_of(*s).unmodeled.push_back(
            {static_cast<std::size_t>(s->getColumn(2).getInt64()), s->getColumn(3).getString()});
      }
    }
    load_fields(loaded, statements, bind_ids);
    std::vector<Record> records;
    records.reserve(ids.size());
    for (std::int64_t id : ids) {
      auto it = loaded.find(id);
      if (it == loaded.end() || (!it->second.reference && !it->second.entity)) continue;
      records.push_back(std::move(it->second));
    }
    return records;
  }

  // The typed fields of the loaded records whose entity was archived, from their kinds' tables.
  template <class BindIds>
  void load_fields(std::unordered_map<std::int64_t, Record>& loaded, LoadStatements& statements,
                   const BindIds& bind_ids) {
    std::vector<bool> kinds(all_kinds().size());
    for (const auto& [id, record] : loaded) {
      if (record.entity) kinds[static_cast<std::size_t>(record.kind)] = true;
    }
    for (std::size_t k = 0; k < kinds.size(); ++k) {
      if (!kinds[k]) continue;
      const KindInfo& kind_info = info(static_cast<Kind>(k));
      Use s(*statements.fields[k]);
      bind_ids(*s);
      while (s->executeStep()) {
        Record& record = loaded.at(s->getColumn(0).getInt64());
        // Another kind's table never has a row for it; an entity of this kind always has one.
        if (!record.entity || static_cast<std::size_t>(record.kind) != k) continue;
        std::vector<std::optional<std::string>>& fields = record.entity->fields;
        for (std::size_t i = 0; i < kind_info.fields.size(); ++i) {
          const SQLite::Column column = s->getColumn(static_cast<int>(i) + 1);
          if (column.isNull()) {
            fields.emplace_back();
            continue;
          }
          switch (kind_info.fields[i].type) {
            case FieldType::Integer:
              fields.emplace_back(std::to_string(column.getInt64()));
              break;
            case FieldType::Boolean:
              fields.emplace_back(column.getInt64() != 0 ? "true" : "false");
              break;
            case FieldType::Text:
            case FieldType::Time:
            case FieldType::Uid:
              fields.emplace_back(column.getString());
              break;
          }
        }
      }
    }
    for (const auto& [id, record] : loaded) {
      if (record.entity && record.entity->fields.size() != info(record.kind).fields.size()) {
        throw ArchiveFailure("record " + std::to_string(id) + " has no row in " +
                             table_name(info(record.kind).table));
      }
    }
  }

  std::string path_;
  std::unique_ptr<SQLite::Database> db_;
  int schema_version_;
  SQLite::Statement find_record_;
  SQLite::Statement insert_record_;
  SQLite::Statement set_record_source_;
  SQLite::Statement upsert_source_;
  SQLite::Statement count_forms_;
  SQLite::Statement current_revision_;
  SQLite::Statement keep_document_;
  SQLite::Statement delete_links_;
  SQLite::Statement delete_unmodeled_;
  SQLite::Statement upsert_representation_;
  SQLite::Statement find_link_value_;
  SQLite::Statement insert_link_value_;
  static constexpr std::size_t kLinksPerInsert = 8;
  std::array<std::unique_ptr<SQLite::Statement>, kLinksPerInsert> insert_links_;  // by rows - 1
  std::vector<std::int64_t> link_value_ids_;  // write_representation's, kept for its capacity
  SQLite::Statement insert_unmodeled_;
  SQLite::Statement insert_revision_;
  SQLite::Statement form_exists_;
  LoadStatements load_page_;  // a page of records, their ids as one JSON array
  LoadStatements load_one_;   // one record
  ReadTransaction::Statements read_transaction_;
  SQLite::Statement count_revisions_;
  SQLite::Statement begin_run_;
  SQLite::Statement finish_run_;
  std::vector<std::unique_ptr<KindStatements>> kinds_;    // by Kind
  std::vector<std::unique_ptr<TableStatements>> tables_;  // by Table
  // The ids store() found or created in its transaction, by UID and by link_key(): the backup
  // server, parent session and shared Up Links of a page's records are looked up once per page.
  // Ids of a rolled-back transaction do not exist: store() clears both before it begins.
  std::unordered_map<std::string, std::int64_t> batch_records_;
  std::unordered_map<std::string, std::int64_t> batch_link_values_;
};

// The kinds table must say what model/kind.cpp says: the views and the derived Types and Hrefs
// of representations depend on it.
void check_kinds(SQLite::Database& db) {
  SQLite::Statement s(db, "SELECT id, name, reference_type, collection, uid_prefix FROM kinds");
  std::size_t matched = 0;
  while (s.executeStep()) {
    const int id = s.getColumn(0).getInt();
    if (id < 1 || id > static_cast<int>(all_kinds().size())) continue;
    const KindInfo& kind = info(kind_from_id(id));
    if (kind.name != s.getColumn(1).getString() ||
        kind.reference_type != s.getColumn(2).getString() ||
        kind.collection != s.getColumn(3).getString() ||
        kind.uid_prefix != s.getColumn(4).getString()) {
      throw std::runtime_error("table kinds describes kind " + std::to_string(id) + " (" +
                               s.getColumn(1).getString() + ") unlike this emarchive (" +
                               std::string(kind.name) + ")");
    }
    ++matched;
  }
  if (matched != all_kinds().size()) {
    throw std::runtime_error("table kinds lacks kinds this emarchive archives");
  }
}

}  // namespace

void count_outcomes(RunCounts& counts, std::span<const StoreOutcome> outcomes) {
  for (StoreOutcome outcome : outcomes) {
    switch (outcome) {
      case StoreOutcome::New:
        ++counts.records_new;
        break;
      case StoreOutcome::Updated:
        ++counts.records_updated;
        break;
      case StoreOutcome::Unchanged:
        ++counts.records_unchanged;
        break;
    }
  }
}

void disable_sqlite_memory_statistics() {
  // SQLITE_MISUSE once SQLite is initialised: the statistics then stay on, which is only slower.
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

Expected<std::unique_ptr<Archive>> Archive::open(const std::string& path,
                                                 const OpenOptions& options) {
  try {
    int flags = options.read_only ? SQLite::OPEN_READONLY : SQLite::OPEN_READWRITE;
    if (options.create && !options.read_only) flags |= SQLite::OPEN_CREATE;
    auto db = std::make_unique<SQLite::Database>(path, flags, options.busy_timeout_ms);
    db->exec("PRAGMA foreign_keys = ON");
    // Statements that may abort halfway inside a transaction (updates of tables with foreign
    // keys, upserts) keep a statement journal; in a temporary file it cost an import two thirds
    // of its system time (about 34 small writes per record). It holds the pages one statement
    // changed, so memory is the right place.
    db->exec("PRAGMA temp_store = MEMORY");
    // SQLite's default page cache (2 MB) is far smaller than the indexes an import or a query
    // touches: records' UID index and link_values' hash index take random GUIDs and hashes, so
    // an import of 100,000 task sessions ran at half the rate of one of 20,000, re-reading pages
    // from the OS. The cache fills only as pages are used; 32 MB keeps an import's peak RSS
    // well below 100 MB (docs/BENCHMARKS.md).
    db->exec("PRAGMA cache_size = -32768");
    // A checkpoint copies every page in the WAL back into the database file. A store dirties
    // thousands of pages of indexes with random keys (records' UIDs, Link hashes, the sessions'
    // indexes), so at SQLite's default of 1,000 pages every commit of an import checkpointed, and
    // a third of its CPU time was system time writing pages. At 16,384 pages a page that several
    // commits change reaches the database once: 30% less system time importing 200,000 task
    // sessions. The cost: the WAL file grows to about 64 MB while the archive is open to write.
    db->exec("PRAGMA wal_autocheckpoint = 16384");
    const std::span<const migrations::Migration> list = migrations::all();
    if (options.read_only) {
      const int version = user_version(*db);
      if (version != static_cast<int>(list.size())) {
        return Error{path + ": the database has schema version " + std::to_string(version) +
                     ", this emarchive reads version " + std::to_string(list.size()) +
                     (version < static_cast<int>(list.size())
                          ? "; open it once for writing to upgrade it"
                          : "; use a newer emarchive to open it")};
      }
    } else {
      // WAL lets readers run beside the writer; with it, NORMAL syncs at checkpoints only and
      // still never corrupts the database, losing at most the last commits on power loss.
      // Switching a new file to WAL needs an exclusive lock, and SQLite answers SQLITE_BUSY at
      // once, without its busy handler, when another process is opening the same new file: retry
      // until the busy timeout. Migrations are transactions, so repeating them is safe.
      const auto deadline =
          std::chrono::steady_clock::now() + std::chrono::milliseconds(options.busy_timeout_ms);
      while (true) {
        try {
          db->exec("PRAGMA journal_mode = WAL");
          db->exec("PRAGMA synchronous = NORMAL");
          break;
        } catch (const SQLite::Exception& e) {
          if (e.getErrorCode() != SQLITE_BUSY || std::chrono::steady_clock::now() > deadline) throw;
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
      }
      if (Status migrated = migrate(*db, list, path); !migrated) return migrated.error();
    }
    check_kinds(*db);
    const int version = user_version(*db);
    return std::unique_ptr<Archive>(std::make_unique<SqliteArchive>(path, std::move(db), version));
  } catch (const std::exception& e) {
    return Error{path + ": cannot open the archive: " + e.what()};
  }
}

}  // namespace emarchive::storage
