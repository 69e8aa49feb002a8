#include "storage/record_batches.h"

#include <algorithm>
#include <optional>
#include <string>

#include "model/em_time.h"

namespace emarchive::storage {
namespace {

// What the archive stored as the session's creation_time_ns: its entity's CreationTimeUTC,
// parsed; none for a session known by reference only.
std::optional<EmTime> creation_time(const Record& record) {
  const std::optional<std::string> text = record.field("CreationTimeUTC");
  if (!text) return std::nullopt;
  const Expected<EmTime> time = parse_em_time(*text);
  return time ? std::optional<EmTime>(*time) : std::nullopt;
}

}  // namespace

RecordBatches::RecordBatches(RecordQuery query, std::int64_t total)
    : query_(std::move(query)), remaining_(std::max<std::int64_t>(total - query_.offset, 0)) {
  if (query_.limit >= 0) remaining_ = std::min(remaining_, query_.limit);
}

Expected<std::vector<Record>> RecordBatches::next(Archive& archive, std::int64_t size) {
  if (done()) return std::vector<Record>{};
  query_.limit = std::min(remaining_, size);
  auto page = archive.query(query_);
  if (!page) return page.error();
  const auto n = static_cast<std::int64_t>(page->records.size());
  const bool short_batch = n < query_.limit;
  move_past(page->records);
  remaining_ -= n;
  if (short_batch && remaining_ > 0 && !to_undated()) remaining_ = 0;
  return std::move(page->records);
}

// The first batch is read at the query's offset (from the other end when that is nearer, which
// needs the count); the next ones, in creation order, from the creation time of the batch
// before's last record on, skipping the records of that instant it held.
void RecordBatches::move_past(const std::vector<Record>& batch) {
  query_.count = false;
  const auto n = static_cast<std::int64_t>(batch.size());
  if (batch.empty()) return;
  if (!ordered_by_creation(query_)) {
    query_.offset += n;
    return;
  }
  const std::optional<EmTime> last = creation_time(batch.back());
  // Sessions without a creation time sort first ascending and last descending; no bound selects
  // them but the one to_undated() sets.
  const bool same_bound = query_.resume ? query_.resume->creation_time == last : !last;
  if (same_bound) {
    query_.offset += n;
    return;
  }
  std::int64_t at_last = 0;
  for (auto r = batch.rbegin(); r != batch.rend() && creation_time(*r) == last; ++r) ++at_last;
  query_.resume = RecordQuery::Resume{last};
  query_.offset = at_last;
}

// In descending creation order the sessions without a creation time come after every dated one,
// which the bound of move_past() leaves out: when the dated ones run out, the batches go on with
// those. False when they already have.
bool RecordBatches::to_undated() {
  if (!query_.sort.descending || !query_.resume || !query_.resume->creation_time) return false;
  query_.resume = RecordQuery::Resume{};
  query_.offset = 0;
  return true;
}

}  // namespace emarchive::storage
