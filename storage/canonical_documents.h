#pragma once
// The canonical document of a record's form: the form rendered as EM's XML without an origin,
// which is what a revision's SHA-256 is taken of (docs/SCHEMA.md) and what `verify` renders the
// archived rows into again. Storing renders and hashes every form it compares; DigestedRecords
// lets a caller do that on a thread of its own beside the one that stores.

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "model/record.h"
#include "storage/sha256.h"

namespace emarchive::storage {

// `record` must have `form`.
std::string canonical_document(const Record& record, Form form);
Sha256 canonical_digest(const Record& record, Form form);

// Records with the digest of each form they have, computed here from the records themselves, so
// that no digest can disagree with its record. Archive::store takes them as it takes records.
// The thread that reads and parses for import and ingest computes them while the documents it
// reads store new records, which spares the storing thread a tenth of its time
// (ingest/parsed_records.h, docs/BENCHMARKS.md).
class DigestedRecords {
 public:
  DigestedRecords() = default;
  explicit DigestedRecords(std::vector<Record> records);

  std::span<const Record> records() const { return records_; }
  // The digest of records()[index]'s `form`, which it has.
  const Sha256& digest(std::size_t index, Form form) const { return digests_[index][slot(form)]; }

 private:
  static std::size_t slot(Form form) { return form == Form::Entity ? 1 : 0; }

  std::vector<Record> records_;
  std::vector<std::array<Sha256, 2>> digests_;  // by record, then Reference and Entity
};

}  // namespace emarchive::storage
