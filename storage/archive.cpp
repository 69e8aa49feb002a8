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

}  // namespace emarchive::storage
