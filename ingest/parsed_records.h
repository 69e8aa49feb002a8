#pragma once
// Records parsed on one thread and stored on another: import's files (ingest/importer.cpp) and
// ingest's query-service pages (ingest/page_walk.h) are read and parsed on a thread of their
// own while the caller's thread stores the document before.

#include <atomic>
#include <cstdint>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "model/expected.h"
#include "model/record.h"
#include "storage/archive.h"
#include "storage/canonical_documents.h"

namespace emarchive::ingest {

// A document's records as the storing thread takes them: with the digests of their canonical
// documents when the reading thread computed them.
using ParsedRecords = std::variant<std::vector<Record>, storage::DigestedRecords>;

// Which thread renders and hashes the records' canonical documents: the reading thread, or the
// Archive's store on the storing thread. Storing a new record costs more than parsing it, and
// rendering and hashing took a tenth of the storing thread's time (perf, docs/BENCHMARKS.md), so
// the reading thread takes them. A document stored unchanged costs the storing thread less than
// parsing costs the reading thread: a re-import of a million unchanged task sessions with the
// reading thread hashing took 17.4 s instead of 13.5. So the storing thread says after each
// document whether it stored any record, and the reading thread hashes the next one only if so.
class ReaderHashing {
 public:
  // On the reading thread: the next document's records, with their digests while the documents
  // before it stored something.
  ParsedRecords prepare(std::vector<Record> records) const;
  // On the storing thread, after each document: what storing it came to.
  void stored(std::span<const storage::StoreOutcome> outcomes);

 private:
  std::atomic<bool> reader_{true};
};

// Stores `records` as Archive::store does, or as Archive::store_page with `advance` when given.
Expected<std::vector<storage::StoreOutcome>> store_parsed(storage::Archive& archive,
                                                          const ParsedRecords& records,
                                                          std::int64_t run_id,
                                                          std::string_view observed_at,
                                                          const storage::Bookmark* advance);

}  // namespace emarchive::ingest
