#include "storage/record_writer.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include "model/em_time.h"
#include "model/href.h"
#include "storage/sha256.h"
#include "storage/sqlite_support.h"
#include "storage/table_names.h"
#include "storage/typed_row_statements.h"

namespace emarchive::storage {

// A record that a Link points to: its UID (built from the Link's Type and the Href's last
// segment, as EM builds both from the GUID) and the Link's Name.
struct LinkTarget {
  Kind kind;
  std::string uid;
  std::optional<std::string> name;
};

namespace {

constexpr std::array kForms = {Form::Reference, Form::Entity};

std::optional<LinkTarget> find_up_link(const Representation& representation,
                                       std::span<const Kind> kinds) {
  for (const Link& link : representation.links) {
    if (link.rel != "Up" || !link.type || !link.href) continue;
    const std::optional<Kind> kind = kind_from_reference_type(*link.type);
    if (!kind) continue;
    for (Kind wanted : kinds) {
      if (*kind != wanted) continue;
      const std::string_view id = href_id(*link.href);
      if (id.empty()) break;
      return LinkTarget{*kind, std::string(info(*kind).uid_prefix) + std::string(id), link.name};
    }
  }
  return std::nullopt;
}

std::optional<LinkTarget> find_up_link(const Record& record, std::span<const Kind> kinds) {
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
    throw ArchiveFailure(ErrorCode::invalid_input, "field " + std::string(field.element) + " \"" +
                                                       text +
                                                       "\" is not a canonical 64-bit integer");
  }
  return value;
}

std::int64_t parse_boolean(const FieldSpec& field, const std::string& text) {
  if (text == "true") return 1;
  if (text == "false") return 0;
  throw ArchiveFailure(ErrorCode::invalid_input, "field " + std::string(field.element) + " \"" +
                                                     text + "\" is not \"true\" or \"false\"");
}

std::int64_t parse_time(const FieldSpec& field, const std::string& text) {
  Expected<EmTime> time = parse_em_time(text);
  if (!time)
    throw ArchiveFailure(ErrorCode::invalid_input,
                         "field " + std::string(field.element) + ": " + time.error().message);
  return *time;
}

// The last parameters of the typed row's statements: record_id, and for an insert into
// sessions its kind_id.
void bind_row_id(SQLite::Statement& statement, int index, Kind kind, std::int64_t id,
                 bool inserting) {
  statement.bind(index, id);
  if (inserting && info(kind).table == Table::Sessions) statement.bind(index + 1, kind_id(kind));
}

}  // namespace

// What one store() call shares between its records.
struct RecordWriter::Batch {
  std::int64_t run_id;
  std::string observed_at;
  std::map<std::string, std::int64_t, std::less<>> sources;  // origin -> sources.id
};

RecordWriter::RecordWriter(SQLite::Database& db, RecordReader& reader, std::string path)
    : db_(db),
      reader_(reader),
      path_(std::move(path)),
      link_values_(db),
      insert_record_(db, "INSERT INTO records (kind_id, uid, source_id) VALUES (?, ?, ?)"),
      set_record_source_(db, "UPDATE records SET source_id = ? WHERE id = ?"),
      upsert_source_(db,
                     "INSERT INTO sources (origin, first_seen_at, last_seen_at) VALUES (?, ?, ?) "
                     "ON CONFLICT (origin) DO UPDATE SET last_seen_at = excluded.last_seen_at "
                     "RETURNING id"),
      count_forms_(db, "SELECT count(*) FROM representations WHERE record_id = ?"),
      current_revision_(db,
                        "SELECT p.revision, v.sha256 FROM representations p "
                        "JOIN revisions v ON v.record_id = p.record_id AND v.form = p.form "
                        "AND v.revision = p.revision WHERE p.record_id = ? AND p.form = ?"),
      keep_document_(db,
                     "UPDATE revisions SET document = ? "
                     "WHERE record_id = ? AND form = ? AND revision = ?"),
      delete_links_(db, "DELETE FROM links WHERE record_id = ? AND form = ?"),
      delete_unmodeled_(db, "DELETE FROM unmodeled WHERE record_id = ? AND form = ?"),
      upsert_representation_(
          db,
          "INSERT INTO representations (record_id, form, derived, type, href, name, "
          "vm_display_name, extra_attributes, has_links, revision) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
          "ON CONFLICT (record_id, form) DO UPDATE SET derived = excluded.derived, "
          "type = excluded.type, "
          "href = excluded.href, name = excluded.name, "
          "vm_display_name = excluded.vm_display_name, "
          "extra_attributes = excluded.extra_attributes, has_links = excluded.has_links, "
          "revision = excluded.revision"),
      insert_unmodeled_(db,
                        "INSERT INTO unmodeled (record_id, form, position, xml) "
                        "VALUES (?, ?, ?, ?)"),
      insert_revision_(db,
                       "INSERT INTO revisions (record_id, form, revision, observed_at, run_id, "
                       "source_id, sha256, chain_entry) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
      chain_(db),
      form_exists_(db, "SELECT 1 FROM representations WHERE record_id = ? AND form = ?"),
      advance_bookmark_(db,
                        "INSERT INTO ingest_bookmarks "
                        "(source_id, query_type, creation_time_ns, run_id, updated_at) "
                        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (source_id, query_type) DO UPDATE SET "
                        "creation_time_ns = excluded.creation_time_ns, run_id = excluded.run_id, "
                        "updated_at = excluded.updated_at "
                        "WHERE excluded.creation_time_ns > creation_time_ns") {
  for (const KindInfo& kind : all_kinds()) {
    kinds_.push_back(std::make_unique<KindStatements>(db_, kind));
  }
  for (Table table : {Table::Sessions, Table::Jobs, Table::BackupServers}) {
    tables_.push_back(std::make_unique<TableStatements>(db_, table));
  }
}

RecordWriter::~RecordWriter() = default;

// One transaction: every record, and the bookmark when `advance` is given.
Expected<std::vector<StoreOutcome>> RecordWriter::store(std::span<const Record> records,
                                                        std::int64_t run_id,
                                                        std::string_view observed_at,
                                                        const Bookmark* advance,
                                                        const DigestedRecords* digested) {
  const Record* current = nullptr;
  batch_records_.clear();
  link_values_.forget();
  chain_.begin();
  try {
    SQLite::Transaction transaction(db_, SQLite::TransactionBehavior::IMMEDIATE);
    Batch batch{run_id, std::string(observed_at), {}};
    std::vector<StoreOutcome> outcomes;
    outcomes.reserve(records.size());
    for (std::size_t i = 0; i < records.size(); ++i) {
      current = &records[i];
      outcomes.push_back(store_record(batch, records[i], digested, i));
    }
    current = nullptr;
    if (advance) advance_bookmark(batch, *advance);
    chain_.append(batch.run_id, batch.observed_at,
                  std::count(outcomes.begin(), outcomes.end(), StoreOutcome::New));
    transaction.commit();
    return outcomes;
  } catch (const std::exception& e) {
    return sqlite_error(path_, current ? "cannot store " + current->uid : "cannot store", e);
  }
}

void RecordWriter::advance_bookmark(Batch& batch, const Bookmark& advance) {
  Use s(advance_bookmark_);
  s->bind(1, source_id(batch, advance.origin));
  s->bind(2, advance.query_type);
  s->bind(3, advance.creation_time);
  s->bind(4, batch.run_id);
  s->bind(5, batch.observed_at);
  s->exec();
}

std::int64_t RecordWriter::source_id(Batch& batch, const std::string& origin) {
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

// The id of the record with this UID, created as a stub (named `name`) if it is not known.
std::int64_t RecordWriter::ensure_record(Kind kind, const std::string& uid,
                                         const std::optional<std::string>& name,
                                         std::int64_t source) {
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
std::optional<std::int64_t> RecordWriter::known_record(const std::string& uid) {
  if (auto it = batch_records_.find(uid); it != batch_records_.end()) return it->second;
  std::optional<std::int64_t> id = reader_.find(uid);
  if (id) batch_records_.emplace(uid, *id);
  return id;
}

// A new row of records, without the row of its typed table, which the caller inserts.
std::int64_t RecordWriter::insert_record(Kind kind, const std::string& uid, std::int64_t source) {
  Use s(insert_record_);
  s->bind(1, kind_id(kind));
  s->bind(2, uid);
  s->bind(3, source);
  s->exec();
  const std::int64_t id = db_.getLastInsertRowid();
  batch_records_.emplace(uid, id);
  return id;
}

std::optional<std::int64_t> RecordWriter::ensure_target(const std::optional<LinkTarget>& target,
                                                        std::int64_t source) {
  if (!target) return std::nullopt;
  return ensure_record(target->kind, target->uid, target->name, source);
}

StoreOutcome RecordWriter::store_record(Batch& batch, const Record& record,
                                        const DigestedRecords* digested, std::size_t index) {
  if (!record.reference && !record.entity) {
    throw ArchiveFailure(ErrorCode::invalid_input, "the record has no representation to store");
  }
  if (kind_from_uid(record.uid) != record.kind) {
    throw ArchiveFailure(ErrorCode::invalid_input, "the UID does not start with " +
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
    if (!record.form(form)) continue;
    const Sha256 digest = digested ? digested->digest(index, form) : canonical_digest(record, form);
    changed |= store_form(batch, record, id, form, digest, source, created);
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

// Stores one form as a new revision unless its canonical document, whose digest is `digest`,
// is the archived one. Returns whether it did.
bool RecordWriter::store_form(Batch& batch, const Record& record, std::int64_t id, Form form,
                              const Sha256& digest, std::int64_t source, bool created) {
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
  link_values_.begin_record(id, created);
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
  s->bind(8, chain_.entry());
  s->exec();
  chain_.add(id, record.uid, form, revision + 1, digest);
  return true;
}

// Keeps the current revision's canonical document in its revision row, as the normalized rows
// that rebuild it are about to be replaced, and deletes those rows.
void RecordWriter::supersede(const Record& record, std::int64_t id, Form form,
                             std::int64_t revision) {
  Record previous{record.kind, record.uid, "", std::nullopt, std::nullopt};
  previous.form(form) = std::move(reader_.load(std::vector<std::int64_t>{id}).at(0).form(form));
  {
    Use s(keep_document_);
    s->bind(1, canonical_document(previous, form));
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

void RecordWriter::write_representation(const Record& record, Form form, std::int64_t id,
                                        const Representation& representation,
                                        std::int64_t revision) {
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
    bind_text(*s, 8, encode_attributes(representation.extra_attributes));
    s->bind(9, representation.has_links ? 1 : 0);
    s->bind(10, revision);
    s->exec();
  }
  link_value_ids_.clear();
  for (const Link& link : representation.links) {
    link_value_ids_.push_back(link_values_.id(link, record.kind, record.uid, representation));
  }
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
SQLite::Statement& RecordWriter::insert_links(std::size_t rows) {
  std::unique_ptr<SQLite::Statement>& statement = insert_links_[rows - 1];
  if (!statement) {
    std::string sql = "INSERT INTO links (record_id, form, position, link_value_id) VALUES ";
    for (std::size_t i = 0; i < rows; ++i) sql += i == 0 ? "(?, ?, ?, ?)" : ", (?, ?, ?, ?)";
    statement = std::make_unique<SQLite::Statement>(db_, sql);
  }
  return *statement;
}

// Brings the typed columns in line with a record that has changed, inserting its row if it was
// `created` in this store. The entity is their source whenever it is known; a reference alone
// gives the name and the relations its Links name, as long as no entity has been archived.
void RecordWriter::store_typed_columns(const Record& record, std::int64_t id, std::int64_t source,
                                       bool created) {
  const KindInfo& kind = info(record.kind);
  const Representation* root = record.entity ? &*record.entity : &*record.reference;
  const std::optional<std::string> name = record.name();
  std::optional<std::string> vm_display_name = root->vm_display_name;
  if (!vm_display_name && record.reference) vm_display_name = record.reference->vm_display_name;

  if (!record.entity) {
    if (!created && form_exists(id, Form::Entity)) return;
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
    throw ArchiveFailure(ErrorCode::invalid_input,
                         "the entity has " + std::to_string(fields.size()) + " fields where " +
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

// The record a Uid field names, created as a stub if needed. A stub made this way is named
// by the Up Link to the same record, else by the field's sibling (JobUid's JobName). The
// field's text is kept exactly as the stub's UID; one that does not start with a known kind's
// prefix (the parser only insists it is not empty) makes a stub of the kind the field names.
std::int64_t RecordWriter::uid_target(const Record& record, const FieldSpec& field,
                                      const std::string& uid, std::int64_t source) {
  const Kind kind = kind_from_uid(uid).value_or(*field.target);
  std::optional<std::string> name;
  if (std::optional<LinkTarget> link = find_up_link(record, std::span(&kind, 1));
      link && link->uid == uid) {
    name = link->name;
  } else if (field.element.ends_with("Uid")) {
    std::string sibling(field.element.substr(0, field.element.size() - 3));
    name = record.field(sibling + "Name");
  }
  return ensure_record(kind, uid, name, source);
}

bool RecordWriter::form_exists(std::int64_t id, Form form) {
  Use s(form_exists_);
  s->bind(1, id);
  s->bind(2, form_id(form));
  return s->executeStep();
}

}  // namespace emarchive::storage
