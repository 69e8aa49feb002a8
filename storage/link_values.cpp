#include "storage/link_values.h"

#include <initializer_list>
#include <optional>
#include <string_view>
#include <utility>

#include "model/href.h"
#include "storage/sha256.h"
#include "storage/sqlite_support.h"

namespace emarchive::storage {
namespace {

// A Link's values (rel, type, href, name, extra attributes, raw XML), each written as absent,
// or present with its length, so that no two Links write the same bytes.
std::string values_key(std::initializer_list<const std::optional<std::string>*> values) {
  std::string bytes;
  for (const std::optional<std::string>* value : values) {
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

std::string link_key(const Link& link, const std::optional<std::string>& extra_attributes) {
  return values_key(
      {&link.rel, &link.type, &link.href, &link.name, &extra_attributes, &link.raw_xml});
}

// What finds a Link's row in link_values again: the first 8 bytes of a SHA-256 of its key.
std::int64_t link_hash(std::string_view key) {
  const Sha256 digest = sha256(key);
  std::uint64_t hash = 0;
  for (int i = 0; i < 8; ++i) hash = (hash << 8) | digest[static_cast<std::size_t>(i)];
  return static_cast<std::int64_t>(hash);
}

// Which of a record's own Hrefs `link` carries with the representation's Name, as
// link_values.derived says (migrations/007_derived_links.sql); 0 when it is not such a Link.
int self_link(const Link& link, Kind kind, std::string_view uid,
              const Representation& representation) {
  if (!link.href || link.raw_xml || !link.extra_attributes.empty() ||
      link.name != representation.name || !link.href->starts_with("/api/")) {
    return 0;
  }
  for (Form form : {Form::Reference, Form::Entity}) {
    if (*link.href == default_href(kind, uid, form)) return derived_link_value(form);
  }
  return 0;
}

}  // namespace

LinkValues::LinkValues(SQLite::Database& db)
    : db_(db),
      // `hash <> 0` lets SQLite use link_values_hash, which holds only the shared rows.
      find_(db,
            "SELECT id, rel, type, href, name, extra_attributes, raw_xml "
            "FROM link_values WHERE hash = ? AND hash <> 0 AND derived = 0"),
      insert_(db,
              "INSERT INTO link_values (hash, rel, type, href, name, "
              "extra_attributes, raw_xml) VALUES (?, ?, ?, ?, ?, ?, ?)"),
      find_derived_(db,
                    "SELECT id FROM link_values "
                    "WHERE rel IS ? AND type IS ? AND derived = ? AND derived <> 0"),
      insert_derived_(db, "INSERT INTO link_values (hash, rel, type, derived) VALUES (0, ?, ?, ?)"),
      find_own_(db,
                "SELECT v.id, v.rel, v.type, v.href, v.name, v.extra_attributes, v.raw_xml "
                "FROM links l JOIN link_values v ON v.id = l.link_value_id "
                "WHERE l.record_id = ? AND v.derived = 0 AND v.rel IS NOT 'Up'") {}

std::int64_t LinkValues::id(const Link& link, Kind kind, std::string_view uid,
                            const Representation& representation) {
  if (const int derived = self_link(link, kind, uid, representation)) {
    return derived_id(link, derived);
  }
  std::optional<std::string> extra = encode_attributes(link.extra_attributes);
  std::string key = link_key(link, extra);
  // Only an Up Link, a parent, repeats across records: the job session or backup server of
  // thousands of task sessions. Every other Link names something of its own record (its
  // restore point, its task list, its actions), so looking it up among all records' Links
  // costs a hash index entry with a random key for each: the larger the archive, the more
  // of those reads and writes miss the page cache.
  return link.rel == "Up" ? shared_id(link, std::move(key), extra)
                          : own_id(link, std::move(key), extra);
}

void LinkValues::begin_record(std::int64_t record_id, bool created) {
  if (record_id == own_record_) return;
  own_.clear();
  own_record_ = record_id;
  if (created) return;
  Use s(find_own_);
  s->bind(1, record_id);
  while (s->executeStep()) {
    const std::optional<std::string> values[] = {
        text_column(s->getColumn(1)), text_column(s->getColumn(2)), text_column(s->getColumn(3)),
        text_column(s->getColumn(4)), text_column(s->getColumn(5)), text_column(s->getColumn(6))};
    own_.emplace(
        values_key({&values[0], &values[1], &values[2], &values[3], &values[4], &values[5]}),
        s->getColumn(0).getInt64());
  }
}

std::int64_t LinkValues::derived_id(const Link& link, int derived) {
  // Marked apart from link_key()'s, which starts with \0 or \1.
  std::string key = link_key(link, std::nullopt);
  key.insert(0, {'\2', static_cast<char>('0' + derived)});
  if (auto it = batch_.find(key); it != batch_.end()) return it->second;
  std::int64_t id = 0;
  {
    Use s(find_derived_);
    bind_text(*s, 1, link.rel);
    bind_text(*s, 2, link.type);
    s->bind(3, derived);
    if (s->executeStep()) id = s->getColumn(0).getInt64();
  }
  if (id == 0) {
    Use s(insert_derived_);
    bind_text(*s, 1, link.rel);
    bind_text(*s, 2, link.type);
    s->bind(3, derived);
    s->exec();
    id = db_.getLastInsertRowid();
  }
  batch_.emplace(std::move(key), id);
  return id;
}

std::int64_t LinkValues::shared_id(const Link& link, std::string key,
                                   const std::optional<std::string>& extra) {
  if (auto it = batch_.find(key); it != batch_.end()) return it->second;
  const std::int64_t hash = link_hash(key);
  std::int64_t id = 0;
  {
    Use s(find_);
    s->bind(1, hash);
    while (id == 0 && s->executeStep()) {
      if (text_column(s->getColumn(1)) == link.rel && text_column(s->getColumn(2)) == link.type &&
          text_column(s->getColumn(3)) == link.href && text_column(s->getColumn(4)) == link.name &&
          text_column(s->getColumn(5)) == extra && text_column(s->getColumn(6)) == link.raw_xml) {
        id = s->getColumn(0).getInt64();
      }
    }
  }
  if (id == 0) id = insert(link, hash, extra);
  batch_.emplace(std::move(key), id);
  return id;
}

std::int64_t LinkValues::own_id(const Link& link, std::string key,
                                const std::optional<std::string>& extra) {
  if (auto it = own_.find(key); it != own_.end()) return it->second;
  // Hash 0: not in link_values_hash, never looked up by it.
  const std::int64_t id = insert(link, 0, extra);
  // The record's other form, or a second equal Link, shares it.
  own_.emplace(std::move(key), id);
  return id;
}

std::int64_t LinkValues::insert(const Link& link, std::int64_t hash,
                                const std::optional<std::string>& extra) {
  Use s(insert_);
  s->bind(1, hash);
  bind_text(*s, 2, link.rel);
  bind_text(*s, 3, link.type);
  bind_text(*s, 4, link.href);
  bind_text(*s, 5, link.name);
  bind_text(*s, 6, extra);
  bind_text(*s, 7, link.raw_xml);
  s->exec();
  return db_.getLastInsertRowid();
}

}  // namespace emarchive::storage
