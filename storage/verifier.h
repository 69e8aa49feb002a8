#pragma once
// `emarchive verify`: proves that an archive still holds what was archived (docs/AUDIT.md). It
// re-renders every current representation from the normalized rows and compares its SHA-256
// with its revision's, checks every superseded revision's stored document against its SHA-256,
// recomputes the chain of revisions entry by entry, and runs SQLite's integrity and foreign-key
// checks, all in one read transaction, streaming the records.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/expected.h"

namespace emarchive::storage {

// One thing found altered or broken.
struct VerifyProblem {
  std::string uid;            // the record it concerns; "" when it is not one record's
  std::string form;           // "reference" or "entity"; "" when not one representation's
  std::int64_t revision = 0;  // the revision it concerns; 0 when none
  std::string what;           // what differs, in a sentence
};

struct VerifyOptions {
  // A head digest kept outside the archive (`emarchive attest`), 64 hex digits: verify also
  // proves that recomputing the chain from the revisions as they are now reaches it.
  std::optional<std::string> expect_head;
  // Called now and then with what is being checked and how far it got (done of total).
  std::function<void(std::string_view step, std::int64_t done, std::int64_t total)> progress;
  std::size_t max_listed = 1000;  // problems kept in VerifyReport::problems; the rest are counted
};

struct VerifyReport {
  std::int64_t records = 0;          // archived records re-rendered
  std::int64_t representations = 0;  // current representations compared with their revision
  std::int64_t revisions = 0;        // revisions read
  std::int64_t documents = 0;        // superseded revisions' documents compared with their hash
  std::int64_t chain_entries = 0;    // entries recomputed
  // The session tallies were compared with a count of the sessions; false while an unfinished
  // bulk load has set them aside (counts read the index then, not them).
  bool tallies_checked = false;
  std::string head;                  // the stored head's digest, hex ("" without a head)
  std::int64_t head_entry = 0;
  // With expect_head: the entry whose recomputed digest is that head; nullopt when none is.
  std::optional<std::int64_t> expected_head_entry;
  std::vector<VerifyProblem> problems;  // the first max_listed, in the order found
  std::int64_t problem_count = 0;       // all of them
  bool ok() const { return problem_count == 0; }
};

// Verifies the archive at `path`, opened read-only (writers may go on meanwhile; the report is of
// the state of one instant). An archive that cannot be opened (missing, not a database, a schema
// this emarchive does not read) or an expect_head that is not 64 hex digits is an Error
// (invalid_input for the latter); anything found while reading, the damage SQLite reports
// included, is a problem in the report.
Expected<VerifyReport> verify_archive(const std::string& path, const VerifyOptions& options);

}  // namespace emarchive::storage
