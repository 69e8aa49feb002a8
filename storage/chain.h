#pragma once
// Internal to storage/'s SQLite backend: the tamper-evident chain over revisions (table chain,
// migrations/005_chain.sql). The digest is defined byte for byte in docs/AUDIT.md; this file is
// its one implementation, used by the writer (ChainWriter), by opening (seal_genesis), by
// Archive::chain_head() (read_head) and by `verify` (storage/verifier.cpp).

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/record.h"
#include "storage/archive.h"
#include "storage/sha256.h"

namespace emarchive::storage {

// The content digest of one entry: fed the entry's revisions in the order of records.id, form,
// revision. Not copyable (it owns an OpenSSL context).
class ChainContent {
 public:
  ChainContent();
  ~ChainContent();
  ChainContent(const ChainContent&) = delete;
  ChainContent& operator=(const ChainContent&) = delete;

  void add(std::string_view uid, int form, std::int64_t revision, std::string_view observed_at,
           const void* sha256, std::size_t sha256_size);
  std::int64_t count() const { return count_; }
  // The digest of what was added since the last finish() (or construction), and starts over.
  Sha256 finish();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
  std::int64_t count_ = 0;
};

// What an entry's digest commits to besides its content.
struct ChainEntryFields {
  std::int64_t id = 0;
  std::optional<std::int64_t> run_id;
  std::string created_at;
  std::int64_t revisions = 0;
};

// The digest of entry `fields.id`, whose predecessor has digest `previous` (nullopt for entry 1).
Sha256 entry_digest(const std::optional<Sha256>& previous, const ChainEntryFields& fields,
                    const Sha256& content);

// Appends one entry per store() transaction, for the revisions it wrote. Uses `db`, which must
// outlive it; one thread at a time. Every call throws SQLite::Exception, or ArchiveFailure
// (corrupt) when the head cannot be read; the caller's transaction then rolls back.
class ChainWriter {
 public:
  explicit ChainWriter(SQLite::Database& db);

  // Forgets what a transaction that rolled back had added; call at the start of each one.
  void begin();
  // The entry the revisions of this transaction go into (the head is read once a transaction,
  // on the first call).
  std::int64_t entry();
  void add(std::int64_t record_id, const std::string& uid, Form form, std::int64_t revision,
           const Sha256& sha256);
  // Appends the entry, when anything was added; `created_at` is the revisions' observed_at,
  // `records` how many records had no revision before this transaction.
  void append(std::int64_t run_id, std::string_view created_at, std::int64_t records);

 private:
  struct Pending {
    std::int64_t record_id;
    std::string uid;
    int form;
    std::int64_t revision;
    Sha256 sha256;
  };

  SQLite::Statement head_;
  SQLite::Statement insert_;
  std::optional<std::int64_t> entry_;
  Sha256 previous_{};
  std::vector<Pending> pending_;
  ChainContent content_;
};

// Computes the genesis entry's digest if the migration to version 5 left it without one (and no
// entry follows it), in its own write transaction. Throws SQLite::Exception.
void seal_genesis(SQLite::Database& db);

// The newest entry, with the archive's record and revision counts as the chain keeps them (the
// sums of its entries' `records` and `revisions`, which `verify` checks); in the caller's read
// transaction. Throws SQLite::Exception, or ArchiveFailure (corrupt) for a chain without entries
// or a head without a digest.
ChainHead read_head(SQLite::Database& db);

}  // namespace emarchive::storage
