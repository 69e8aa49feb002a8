#include "storage/record_reader.h"

#include <unordered_map>
#include <utility>

#include "model/href.h"
#include "storage/sqlite_support.h"
#include "storage/table_names.h"

namespace emarchive::storage {
namespace {

// The ids of the records being loaded, bound as one JSON array ("[4,8,15]"), so that a page of
// records is read with one statement per table, each prepared once.
constexpr std::string_view kIdList = "(SELECT value FROM json_each(?))";
// The id of one record (load(), the single-record GET): the same statements with `IN (?)`, which
// SQLite reads as `= ?`. A JSON list costs each statement a parse and a temporary table of ids.
constexpr std::string_view kOneId = "(?)";

Form form_of_column(const SQLite::Column& column) {
  return column.getInt() == form_id(Form::Entity) ? Form::Entity : Form::Reference;
}

}  // namespace

// The statements that read records back, one per table, for the ids that `ids` (kIdList or
// kOneId) selects.
struct RecordReader::LoadStatements {
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
              "v.extra_attributes, v.raw_xml, v.derived "
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

namespace {

// The typed fields of the loaded records whose entity was archived, from their kinds' tables.
template <class BindIds>
void load_fields(std::unordered_map<std::int64_t, Record>& loaded,
                 std::vector<std::unique_ptr<SQLite::Statement>>& statements,
                 const BindIds& bind_ids) {
  std::vector<bool> kinds(all_kinds().size());
  for (const auto& [id, record] : loaded) {
    if (record.entity) kinds[static_cast<std::size_t>(record.kind)] = true;
  }
  for (std::size_t k = 0; k < kinds.size(); ++k) {
    if (!kinds[k]) continue;
    const KindInfo& kind_info = info(static_cast<Kind>(k));
    Use s(*statements[k]);
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
      throw ArchiveFailure(ErrorCode::corrupt, "record " + std::to_string(id) + " has no row in " +
                                                   table_name(info(record.kind).table));
    }
  }
}

}  // namespace

RecordReader::RecordReader(SQLite::Database& db)
    : find_record_(db, "SELECT id FROM records WHERE uid = ?"),
      load_page_(std::make_unique<LoadStatements>(db, kIdList)),
      load_one_(std::make_unique<LoadStatements>(db, kOneId)) {}

RecordReader::~RecordReader() = default;

std::optional<std::int64_t> RecordReader::find(const std::string& uid) {
  Use s(find_record_);
  s->bind(1, uid);
  if (!s->executeStep()) return std::nullopt;
  return s->getColumn(0).getInt64();
}

std::optional<Record> RecordReader::load(std::string_view uid) {
  const std::optional<std::int64_t> id = find(std::string(uid));
  if (!id) return std::nullopt;
  std::vector<Record> records = load(std::vector<std::int64_t>{*id});
  if (records.empty()) return std::nullopt;
  return std::move(records.front());
}

// One statement per table, however many ids: loading a page record by record took six
// statements each.
std::vector<Record> RecordReader::load(const std::vector<std::int64_t>& ids) {
  const bool one = ids.size() == 1;
  LoadStatements& statements = one ? *load_one_ : *load_page_;
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
    const Form form = form_of_column(s.getColumn(1));
    if (!record.form(form)) {
      throw ArchiveFailure(ErrorCode::corrupt,
                           "record " + std::to_string(s.getColumn(0).getInt64()) +
                               " has rows of a form it has no representation of");
    }
    return *record.form(form);
  };
  {
    Use s(statements.representations);
    bind_ids(*s);
    while (s->executeStep()) {
      Record& record = loaded.at(s->getColumn(0).getInt64());
      const Form form = form_of_column(s->getColumn(1));
      Representation& representation = record.form(form).emplace();
      const int derived = s->getColumn(2).getInt();
      representation.type =
          (derived & kDerivedType) ? default_type(record.kind, form) : text_column(s->getColumn(3));
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
      Representation& representation = form_of(*s);
      Link link;
      link.rel = text_column(s->getColumn(2));
      link.type = text_column(s->getColumn(3));
      link.extra_attributes = decode_attributes(s->getColumn(6));
      link.raw_xml = text_column(s->getColumn(7));
      if (const int derived = s->getColumn(8).getInt(); derived != 0) {
        const Record& record = loaded.at(s->getColumn(0).getInt64());
        link.href = default_href(record.kind, record.uid, derived_link_form(derived));
        link.name = representation.name;
      } else {
        link.href = text_column(s->getColumn(4));
        link.name = text_column(s->getColumn(5));
      }
      representation.links.push_back(std::move(link));
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
  load_fields(loaded, statements.fields, bind_ids);
  std::vector<Record> records;
  records.reserve(ids.size());
  for (std::int64_t id : ids) {
    auto it = loaded.find(id);
    if (it == loaded.end() || (!it->second.reference && !it->second.entity)) continue;
    records.push_back(std::move(it->second));
  }
  return records;
}

}  // namespace emarchive::storage
