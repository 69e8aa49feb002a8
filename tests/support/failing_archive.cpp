#include "tests/support/failing_archive.h"

#include <utility>

namespace emarchive::testing {

FailingArchive::FailingArchive(std::unique_ptr<storage::Archive> inner, ArchiveFailurePlan plan)
    : inner_(std::move(inner)), plan_(std::move(plan)) {}

std::optional<Error> FailingArchive::fail(ArchiveCall call) {
  if (plan_.call != ArchiveCall::Any && plan_.call != call) return std::nullopt;
  if (++calls_ != plan_.nth) return std::nullopt;
  failed_ = true;
  return Error{plan_.message, plan_.code};
}

int FailingArchive::schema_version() {
  return inner_->schema_version();
}

Expected<std::int64_t> FailingArchive::begin_run(std::string_view command, std::string_view detail,
                                                 std::string_view started_at) {
  if (auto error = fail(ArchiveCall::BeginRun)) return *error;
  return inner_->begin_run(command, detail, started_at);
}

Status FailingArchive::finish_run(std::int64_t run_id, std::string_view finished_at,
                                  const storage::RunCounts& counts, std::string_view errors) {
  if (auto error = fail(ArchiveCall::FinishRun)) return *error;
  return inner_->finish_run(run_id, finished_at, counts, errors);
}

Expected<std::vector<storage::StoreOutcome>> FailingArchive::store(std::span<const Record> records,
                                                                   std::int64_t run_id,
                                                                   std::string_view observed_at) {
  if (auto error = fail(ArchiveCall::Store)) return *error;
  return inner_->store(records, run_id, observed_at);
}

Expected<std::vector<storage::StoreOutcome>> FailingArchive::store(
    const storage::DigestedRecords& records, std::int64_t run_id, std::string_view observed_at) {
  if (auto error = fail(ArchiveCall::Store)) return *error;
  return inner_->store(records, run_id, observed_at);
}

Expected<std::vector<storage::StoreOutcome>> FailingArchive::store_page(
    std::span<const Record> records, std::int64_t run_id, std::string_view observed_at,
    const storage::Bookmark& advance) {
  if (auto error = fail(ArchiveCall::StorePage)) return *error;
  return inner_->store_page(records, run_id, observed_at, advance);
}

Expected<std::vector<storage::StoreOutcome>> FailingArchive::store_page(
    const storage::DigestedRecords& records, std::int64_t run_id, std::string_view observed_at,
    const storage::Bookmark& advance) {
  if (auto error = fail(ArchiveCall::StorePage)) return *error;
  return inner_->store_page(records, run_id, observed_at, advance);
}

Expected<std::int64_t> FailingArchive::begin_bulk_load(std::uint64_t input_bytes) {
  if (auto error = fail(ArchiveCall::BeginBulkLoad)) return *error;
  return inner_->begin_bulk_load(input_bytes);
}

Expected<std::int64_t> FailingArchive::end_bulk_load() {
  if (auto error = fail(ArchiveCall::EndBulkLoad)) return *error;
  return inner_->end_bulk_load();
}

Expected<std::optional<EmTime>> FailingArchive::bookmark(std::string_view origin,
                                                         std::string_view query_type) {
  if (auto error = fail(ArchiveCall::Bookmark)) return *error;
  return inner_->bookmark(origin, query_type);
}

Expected<std::vector<std::string>> FailingArchive::unfinished_sessions(std::string_view origin,
                                                                       Kind kind,
                                                                       EmTime created_before) {
  if (auto error = fail(ArchiveCall::UnfinishedSessions)) return *error;
  return inner_->unfinished_sessions(origin, kind, created_before);
}

Expected<std::vector<std::string>> FailingArchive::stubs(std::string_view origin, Kind kind) {
  if (auto error = fail(ArchiveCall::Stubs)) return *error;
  return inner_->stubs(origin, kind);
}

Status FailingArchive::name_source(std::string_view origin, std::string_view name,
                                   std::string_view seen_at) {
  if (auto error = fail(ArchiveCall::NameSource)) return *error;
  return inner_->name_source(origin, name, seen_at);
}

Status FailingArchive::mark_gone(std::string_view uid, std::int64_t run_id,
                                 std::string_view observed_at) {
  if (auto error = fail(ArchiveCall::MarkGone)) return *error;
  return inner_->mark_gone(uid, run_id, observed_at);
}

Expected<std::optional<Record>> FailingArchive::load(std::string_view uid) {
  if (auto error = fail(ArchiveCall::Load)) return *error;
  return inner_->load(uid);
}

Expected<storage::RecordPage> FailingArchive::query(const storage::RecordQuery& query) {
  if (auto error = fail(ArchiveCall::Query)) return *error;
  return inner_->query(query);
}

Expected<std::int64_t> FailingArchive::revision_count(std::string_view uid, Form form) {
  if (auto error = fail(ArchiveCall::RevisionCount)) return *error;
  return inner_->revision_count(uid, form);
}

Expected<storage::CurrentRevisions> FailingArchive::current_revisions(std::string_view uid) {
  if (auto error = fail(ArchiveCall::CurrentRevisions)) return *error;
  return inner_->current_revisions(uid);
}

Expected<bool> FailingArchive::changed() {
  if (auto error = fail(ArchiveCall::Changed)) return *error;
  return inner_->changed();
}

Expected<storage::StoreOutcome> FailingArchive::observe(const storage::Observation& observation,
                                                        std::int64_t run_id) {
  if (auto error = fail(ArchiveCall::Observe)) return *error;
  return inner_->observe(observation, run_id);
}

Expected<std::optional<storage::Observation>> FailingArchive::latest_observation(
    std::string_view resource) {
  if (auto error = fail(ArchiveCall::LatestObservation)) return *error;
  return inner_->latest_observation(resource);
}

Expected<std::optional<Record>> FailingArchive::load_as_of(std::string_view uid, EmTime at) {
  if (auto error = fail(ArchiveCall::LoadAsOf)) return *error;
  return inner_->load_as_of(uid, at);
}

Expected<std::optional<storage::Observation>> FailingArchive::observation_as_of(
    std::string_view resource, EmTime at) {
  if (auto error = fail(ArchiveCall::ObservationAsOf)) return *error;
  return inner_->observation_as_of(resource, at);
}

Expected<storage::ChainHead> FailingArchive::chain_head() {
  if (auto error = fail(ArchiveCall::ChainHead)) return *error;
  return inner_->chain_head();
}

}  // namespace emarchive::testing
