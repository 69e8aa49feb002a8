#include "storage/observation_store.h"

#include <pugixml.hpp>

#include <charconv>
#include <cstring>
#include <utility>

#include "model/em_time.h"
#include "storage/observation_document.h"
#include "storage/sha256.h"
#include "storage/sqlite_support.h"

namespace emarchive::storage {
namespace {

std::string_view local_name(const char* name) {
  const char* colon = std::strchr(name, ':');
  return colon ? colon + 1 : name;
}

pugi::xml_node child(pugi::xml_node parent, std::string_view name) {
  for (pugi::xml_node c : parent.children()) {
    if (c.type() == pugi::node_element && local_name(c.name()) == name) return c;
  }
  return {};
}

// The element's text as an integer, when all of it is one.
std::optional<std::int64_t> integer_text(pugi::xml_node element) {
  if (!element || element.first_child() != element.last_child()) return std::nullopt;
  if (element.first_child() && element.first_child().type() != pugi::node_pcdata) {
    return std::nullopt;
  }
  const std::string_view text = element.child_value();
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

// A size in bytes: EM writes -1 when it cannot tell, stored as NULL.
void bind_size(SQLite::Statement& s, int index, std::optional<std::int64_t> size) {
  if (size && *size >= 0) {
    s.bind(index, *size);
  } else {
    s.bind(index);
  }
}

EmTime observed_ns(std::string_view observed_at) {
  Expected<EmTime> time = parse_em_time(observed_at);
  if (!time) {
    throw ArchiveFailure(ErrorCode::invalid_input,
                         "observed_at '" + std::string(observed_at) + "' is not an xs:dateTime");
  }
  return *time;
}

}  // namespace

ObservationStore::ObservationStore(SQLite::Database& db, std::string path)
    : db_(db),
      path_(std::move(path)),
      upsert_source_(db,
                     "INSERT INTO sources (origin, first_seen_at, last_seen_at) VALUES (?, ?, ?) "
                     "ON CONFLICT (origin) DO UPDATE SET last_seen_at = excluded.last_seen_at "
                     "RETURNING id"),
      current_(db,
               "SELECT id, revision, sha256 FROM observations "
               "WHERE resource = ? AND source_id = ? ORDER BY revision DESC LIMIT 1"),
      touch_(db,
             "UPDATE observations SET last_observed_at = ?, last_observed_ns = ? "
             "WHERE id = ? AND last_observed_ns < ?"),
      insert_(db,
              "INSERT INTO observations (resource, source_id, revision, observed_at, observed_ns, "
              "last_observed_at, last_observed_ns, run_id, sha256, document) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
      insert_counter_(db,
                      "INSERT OR REPLACE INTO observed_counters (observation_id, name, value) "
                      "VALUES (?, ?, ?)"),
      insert_repository_(
          db,
          "INSERT INTO observed_repositories (observation_id, position, uid, name, "
          "capacity, free_space, backup_size, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
      latest_(db,
              "SELECT o.document, o.observed_at, o.last_observed_at, s.origin "
              "FROM observations o JOIN sources s ON s.id = o.source_id "
              "WHERE o.resource = ? ORDER BY o.last_observed_ns DESC, o.id DESC LIMIT 1") {}

Expected<StoreOutcome> ObservationStore::observe(const Observation& observation,
                                                 std::int64_t run_id) {
  Expected<CanonicalDocument> canonical =
      canonical_document(observation.document, observation.resource);
  if (!canonical) return canonical.error();
  try {
    const EmTime now_ns = observed_ns(observation.observed_at);
    const Sha256 digest = sha256(canonical->text);
    SQLite::Transaction transaction(db_, SQLite::TransactionBehavior::IMMEDIATE);
    std::int64_t source = 0;
    {
      Use s(upsert_source_);
      s->bind(1, observation.source);
      s->bind(2, observation.observed_at);
      s->bind(3, observation.observed_at);
      s->executeStep();
      source = s->getColumn(0).getInt64();
    }
    std::optional<std::int64_t> current_id;
    std::int64_t revision = 0;
    bool same = false;
    {
      Use s(current_);
      s->bind(1, observation.resource);
      s->bind(2, source);
      if (s->executeStep()) {
        current_id = s->getColumn(0).getInt64();
        revision = s->getColumn(1).getInt64();
        const SQLite::Column stored = s->getColumn(2);
        same = stored.getBytes() == static_cast<int>(digest.size()) &&
               std::memcmp(stored.getBlob(), digest.data(), digest.size()) == 0;
      }
    }
    if (same) {
      Use s(touch_);
      s->bind(1, observation.observed_at);
      s->bind(2, now_ns);
      s->bind(3, *current_id);
      s->bind(4, now_ns);
      s->exec();
      transaction.commit();
      return StoreOutcome::Unchanged;
    }
    {
      Use s(insert_);
      s->bind(1, observation.resource);
      s->bind(2, source);
      s->bind(3, revision + 1);
      s->bind(4, observation.observed_at);
      s->bind(5, now_ns);
      s->bind(6, observation.observed_at);
      s->bind(7, now_ns);
      s->bind(8, run_id);
      s->bind(9, digest.data(), static_cast<int>(digest.size()));
      s->bind(10, canonical->text);
      s->exec();
    }
    normalize(db_.getLastInsertRowid(), canonical->text);
    transaction.commit();
    return current_id ? StoreOutcome::Updated : StoreOutcome::New;
  } catch (const std::exception& e) {
    return sqlite_error(path_, "cannot store the observation of " + observation.resource, e);
  }
}

void ObservationStore::normalize(std::int64_t observation_id, std::string_view canonical) {
  pugi::xml_document document;
  if (!document.load_buffer(canonical.data(), canonical.size())) return;
  const pugi::xml_node root = document.document_element();
  const std::string_view root_name = local_name(root.name());
  std::int64_t position = 0;
  auto repository = [&](const char* uid, std::string_view name, pugi::xml_node element,
                        bool with_backup_size, const char* kind) {
    Use s(insert_repository_);
    s->bind(1, observation_id);
    s->bind(2, position++);
    if (uid) {
      s->bind(3, uid);
    } else {
      s->bind(3);
    }
    s->bind(4, std::string(name));
    bind_size(*s, 5, integer_text(child(element, "Capacity")));
    bind_size(*s, 6, integer_text(child(element, "FreeSpace")));
    if (with_backup_size) {
      bind_size(*s, 7, integer_text(child(element, "BackupSize")));
    } else {
      s->bind(7);
    }
    if (kind) {
      s->bind(8, kind);
    } else {
      s->bind(8);
    }
    s->exec();
  };
  if (root_name == "RepositoryReportFrame") {
    for (pugi::xml_node period : root.children()) {
      if (local_name(period.name()) != "Period") continue;
      repository(nullptr, child(period, "Name").child_value(), period, true, nullptr);
    }
  } else if (root_name == "Repositories") {
    for (pugi::xml_node entity : root.children()) {
      if (local_name(entity.name()) != "Repository") continue;
      const pugi::xml_node kind = child(entity, "Kind");
      repository(entity.attribute("UID").value(), entity.attribute("Name").value(), entity, false,
                 kind ? kind.child_value() : nullptr);
    }
  } else if (root_name.ends_with("ReportFrame")) {
    for (pugi::xml_node counter : root.children()) {
      if (counter.type() != pugi::node_element) continue;
      const std::optional<std::int64_t> value = integer_text(counter);
      if (!value) continue;
      Use s(insert_counter_);
      s->bind(1, observation_id);
      s->bind(2, std::string(local_name(counter.name())));
      s->bind(3, *value);
      s->exec();
    }
  }
}

Expected<std::optional<Observation>> ObservationStore::latest(std::string_view resource) {
  try {
    Use s(latest_);
    s->bind(1, std::string(resource));
    if (!s->executeStep()) return std::optional<Observation>();
    Observation observation;
    observation.resource = resource;
    observation.document = s->getColumn(0).getString();
    observation.observed_at = s->getColumn(1).getString();
    observation.last_observed_at = s->getColumn(2).getString();
    observation.source = s->getColumn(3).getString();
    return std::optional<Observation>(std::move(observation));
  } catch (const std::exception& e) {
    return sqlite_error(path_, "cannot read the observation of " + std::string(resource), e);
  }
}

}  // namespace emarchive::storage
