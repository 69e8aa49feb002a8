#include "storage/archive.h"

namespace emarchive::storage {

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

Expected<std::int64_t> count_matches(Archive& archive, RecordQuery query) {
  query.offset = 0;
  query.limit = 0;
  auto page = archive.query(query);
  if (!page) return page.error();
  return page->total;
}

}  // namespace emarchive::storage
