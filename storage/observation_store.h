#pragma once
// Internal to storage/'s SQLite backend: the observations of migrations/004_observations.sql,
// behind Archive::observe and Archive::latest_observation (storage/archive.h has the contract).

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model/expected.h"
#include "storage/archive.h"

namespace emarchive::storage {

class ObservationStore {
 public:
  // `db` must outlive this object; `path` names the database in errors.
  ObservationStore(SQLite::Database& db, std::string path);

  Expected<StoreOutcome> observe(const Observation& observation, std::int64_t run_id);
  Expected<std::optional<Observation>> latest(std::string_view resource);

 private:
  // Stores the counters and repository rows the canonical document holds.
  void normalize(std::int64_t observation_id, std::string_view canonical);

  SQLite::Database& db_;
  std::string path_;
  SQLite::Statement upsert_source_;
  SQLite::Statement current_;
  SQLite::Statement touch_;
  SQLite::Statement insert_;
  SQLite::Statement insert_counter_;
  SQLite::Statement insert_repository_;
  SQLite::Statement latest_;
};

}  // namespace emarchive::storage
