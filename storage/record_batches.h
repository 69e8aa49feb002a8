#pragma once
// A query's matches read in batches, for answers too long to hold at once: the streamed
// collections and query pages of `serve`, and the output of `emarchive query`. Each batch is a
// read of its own, so a writer storing meanwhile can shift records across them, as between
// pages. In creation order each batch resumes from the creation time of the batch before's last
// record (RecordQuery::resume) instead of walking every record before it, as an OFFSET does:
// over a million task sessions in batches of 500, 11.2 s instead of 31.7 s (docs/BENCHMARKS.md).

#include <cstdint>
#include <vector>

#include "model/expected.h"
#include "model/record.h"
#include "storage/archive.h"
#include "storage/record_query.h"

namespace emarchive::storage {

class RecordBatches {
 public:
  // `query`'s matches from its offset on, up to its limit (-1: all), of `total`: how many it
  // matches over all its pages (count_matches()).
  RecordBatches(RecordQuery query, std::int64_t total);

  // Whether every match has been read (or the matches ran out before: deleted meanwhile).
  bool done() const { return remaining_ <= 0; }

  // The next batch, at most `size` records, from `archive`: any connection to the archive, a
  // different one each time if need be.
  Expected<std::vector<Record>> next(Archive& archive, std::int64_t size);

 private:
  void move_past(const std::vector<Record>& batch);
  bool to_undated();

  RecordQuery query_;  // where the next batch starts
  std::int64_t remaining_;
};

}  // namespace emarchive::storage
