#pragma once
// A storage::Archive that fails on cue, for tests of what ingest/, import and api/ do when the
// archive fails halfway (locked by another writer, damaged, a full disk): it wraps a real Archive
// and answers one chosen call with an Error of a chosen code instead of passing it on.

#include <memory>
#include <string>

#include "storage/archive.h"

namespace emarchive::testing {

// The Archive functions a failure can be aimed at; Any counts every call.
enum class ArchiveCall {
  Any,
  BeginRun,
  FinishRun,
  Store,
  StorePage,
  BeginBulkLoad,
  EndBulkLoad,
  Bookmark,
  UnfinishedSessions,
  Stubs,
  NameSource,
  MarkGone,
  Load,
  Query,
  RevisionCount,
  CurrentRevisions,
  Changed,
  Observe,
  LatestObservation,
  LoadAsOf,
  ObservationAsOf,
  ChainHead,
};

struct ArchiveFailurePlan {
  ArchiveCall call = ArchiveCall::Any;
  int nth = 1;  // the nth call of `call` fails (1: the first); the calls before and after pass
  ErrorCode code = ErrorCode::io;
  // The failed call's Error message; a real one names the database file, so tests can check
  // where it goes.
  std::string message = "injected archive failure";
};

// Passes every call to `inner` but the planned one, which reaches nothing and returns
// Error{plan.message, plan.code}. Not thread-safe, as an Archive.
class FailingArchive final : public storage::Archive {
 public:
  FailingArchive(std::unique_ptr<storage::Archive> inner, ArchiveFailurePlan plan);

  // Whether the planned call has come (and failed).
  bool failed() const { return failed_; }

  int schema_version() override;
  Expected<std::int64_t> begin_run(std::string_view command, std::string_view detail,
                                   std::string_view started_at) override;
  Status finish_run(std::int64_t run_id, std::string_view finished_at,
                    const storage::RunCounts& counts, std::string_view errors) override;
  Expected<std::vector<storage::StoreOutcome>> store(std::span<const Record> records,
                                                     std::int64_t run_id,
                                                     std::string_view observed_at) override;
  Expected<std::vector<storage::StoreOutcome>> store(const storage::DigestedRecords& records,
                                                     std::int64_t run_id,
                                                     std::string_view observed_at) override;
  Expected<std::vector<storage::StoreOutcome>> store_page(
      std::span<const Record> records, std::int64_t run_id, std::string_view observed_at,
      const storage::Bookmark& advance) override;
  Expected<std::vector<storage::StoreOutcome>> store_page(
      const storage::DigestedRecords& records, std::int64_t run_id, std::string_view observed_at,
      const storage::Bookmark& advance) override;
  Expected<std::int64_t> begin_bulk_load(std::uint64_t input_bytes) override;
  Expected<std::int64_t> end_bulk_load() override;
  Expected<std::optional<EmTime>> bookmark(std::string_view origin,
                                           std::string_view query_type) override;
  Expected<std::vector<std::string>> unfinished_sessions(std::string_view origin, Kind kind,
                                                         EmTime created_before) override;
  Expected<std::vector<std::string>> stubs(std::string_view origin, Kind kind) override;
  Status name_source(std::string_view origin, std::string_view name,
                     std::string_view seen_at) override;
  Status mark_gone(std::string_view uid, std::int64_t run_id,
                   std::string_view observed_at) override;
  Expected<std::optional<Record>> load(std::string_view uid) override;
  Expected<std::optional<Record>> load_as_of(std::string_view uid, EmTime at) override;
  Expected<storage::RecordPage> query(const storage::RecordQuery& query) override;
  Expected<std::int64_t> revision_count(std::string_view uid, Form form) override;
  Expected<storage::CurrentRevisions> current_revisions(std::string_view uid) override;
  Expected<bool> changed() override;
  Expected<storage::StoreOutcome> observe(const storage::Observation& observation,
                                          std::int64_t run_id) override;
  Expected<std::optional<storage::Observation>> latest_observation(
      std::string_view resource) override;
  Expected<std::optional<storage::Observation>> observation_as_of(std::string_view resource,
                                                                  EmTime at) override;
  Expected<storage::ChainHead> chain_head() override;

 private:
  // Counts this call; the planned failure if it is the planned one.
  std::optional<Error> fail(ArchiveCall call);

  std::unique_ptr<storage::Archive> inner_;
  ArchiveFailurePlan plan_;
  int calls_ = 0;  // of plan_.call so far
  bool failed_ = false;
};

}  // namespace emarchive::testing
