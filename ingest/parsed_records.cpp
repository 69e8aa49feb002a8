#include "ingest/parsed_records.h"

#include <algorithm>
#include <utility>

namespace emarchive::ingest {

ParsedRecords ReaderHashing::prepare(std::vector<Record> records) const {
  if (!reader_.load(std::memory_order_relaxed)) return records;
  return storage::DigestedRecords(std::move(records));
}

void ReaderHashing::stored(std::span<const storage::StoreOutcome> outcomes) {
  reader_.store(std::any_of(outcomes.begin(), outcomes.end(),
                            [](storage::StoreOutcome outcome) {
                              return outcome != storage::StoreOutcome::Unchanged;
                            }),
                std::memory_order_relaxed);
}

Expected<std::vector<storage::StoreOutcome>> store_parsed(storage::Archive& archive,
                                                          const ParsedRecords& records,
                                                          std::int64_t run_id,
                                                          std::string_view observed_at,
                                                          const storage::Bookmark* advance) {
  return std::visit(
      [&](const auto& parsed) {
        return advance ? archive.store_page(parsed, run_id, observed_at, *advance)
                       : archive.store(parsed, run_id, observed_at);
      },
      records);
}

}  // namespace emarchive::ingest
