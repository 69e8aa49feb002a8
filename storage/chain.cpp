#include "storage/chain.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <tuple>

#include "storage/sqlite_support.h"

namespace emarchive::storage {
namespace {

constexpr std::string_view kDomain = "emarchive-chain-1";

struct ContextFree {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

void check(int openssl_result) {
  if (openssl_result != 1) throw std::runtime_error("OpenSSL failed to compute a SHA-256 digest");
}

// docs/AUDIT.md: every field is its length as 8 bytes, big-endian, then its bytes.
class FieldHasher {
 public:
  FieldHasher() : context_(EVP_MD_CTX_new()) {
    if (!context_) throw std::runtime_error("OpenSSL cannot allocate a digest context");
    start();
  }
  void start() { check(EVP_DigestInit_ex2(context_.get(), EVP_sha256(), nullptr)); }
  void field(const void* data, std::size_t size) {
    std::array<unsigned char, 8> length{};
    for (std::size_t i = 0; i < length.size(); ++i) {
      length[i] = static_cast<unsigned char>(static_cast<std::uint64_t>(size) >> (56 - 8 * i));
    }
    check(EVP_DigestUpdate(context_.get(), length.data(), length.size()));
    if (size > 0) check(EVP_DigestUpdate(context_.get(), data, size));
  }
  void field(std::string_view text) { field(text.data(), text.size()); }
  void field(std::int64_t number) { field(std::to_string(number)); }
  void field(const Sha256& digest) { field(digest.data(), digest.size()); }
  Sha256 finish() {
    Sha256 digest{};
    unsigned int size = 0;
    check(EVP_DigestFinal_ex(context_.get(), digest.data(), &size));
    if (size != digest.size()) throw std::runtime_error("SHA-256 gave a digest of the wrong size");
    start();
    return digest;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, ContextFree> context_;
};

Sha256 digest_column(const SQLite::Column& column, std::int64_t entry) {
  Sha256 digest{};
  if (column.isNull() || column.getBytes() != static_cast<int>(digest.size())) {
    throw ArchiveFailure(ErrorCode::corrupt,
                         "chain entry " + std::to_string(entry) + " has no SHA-256 digest");
  }
  const auto* bytes = static_cast<const std::uint8_t*>(column.getBlob());
  std::copy(bytes, bytes + digest.size(), digest.begin());
  return digest;
}

}  // namespace

struct ChainContent::Context {
  FieldHasher hasher;
};

ChainContent::ChainContent() : context_(std::make_unique<Context>()) {}
ChainContent::~ChainContent() = default;

void ChainContent::add(std::string_view uid, int form, std::int64_t revision,
                       std::string_view observed_at, const void* sha256, std::size_t sha256_size) {
  FieldHasher& h = context_->hasher;
  h.field(uid);
  h.field(std::int64_t{form});
  h.field(revision);
  h.field(observed_at);
  h.field(sha256, sha256_size);
  ++count_;
}

Sha256 ChainContent::finish() {
  count_ = 0;
  return context_->hasher.finish();
}

Sha256 entry_digest(const std::optional<Sha256>& previous, const ChainEntryFields& fields,
                    const Sha256& content) {
  thread_local FieldHasher h;
  h.field(kDomain);
  if (previous) {
    h.field(*previous);
  } else {
    h.field(std::string_view());
  }
  h.field(fields.id);
  if (fields.run_id) {
    h.field(*fields.run_id);
  } else {
    h.field(std::string_view());
  }
  h.field(fields.created_at);
  h.field(fields.revisions);
  h.field(content);
  return h.finish();
}

ChainWriter::ChainWriter(SQLite::Database& db)
    : head_(db, "SELECT id, digest FROM chain ORDER BY id DESC LIMIT 1"),
      insert_(db,
              "INSERT INTO chain (id, run_id, created_at, revisions, digest, records) "
              "VALUES (?, ?, ?, ?, ?, ?)") {}

void ChainWriter::begin() {
  entry_.reset();
  pending_.clear();
}

std::int64_t ChainWriter::entry() {
  if (entry_) return *entry_;
  Use s(head_);
  if (!s->executeStep()) throw ArchiveFailure(ErrorCode::corrupt, "the chain has no entry");
  const std::int64_t head = s->getColumn(0).getInt64();
  previous_ = digest_column(s->getColumn(1), head);
  entry_ = head + 1;
  return *entry_;
}

void ChainWriter::add(std::int64_t record_id, const std::string& uid, Form form,
                      std::int64_t revision, const Sha256& sha256) {
  pending_.push_back(Pending{record_id, uid, form_id(form), revision, sha256});
}

void ChainWriter::append(std::int64_t run_id, std::string_view created_at, std::int64_t records) {
  if (pending_.empty()) return;
  // A store writes records in the document's order; the digest takes them in the order `verify`
  // reads them back, which a script can reproduce with ORDER BY.
  std::sort(pending_.begin(), pending_.end(), [](const Pending& a, const Pending& b) {
    return std::tie(a.record_id, a.form, a.revision) < std::tie(b.record_id, b.form, b.revision);
  });
  for (const Pending& p : pending_) {
    content_.add(p.uid, p.form, p.revision, created_at, p.sha256.data(), p.sha256.size());
  }
  const ChainEntryFields fields{entry(), run_id, std::string(created_at),
                                static_cast<std::int64_t>(pending_.size())};
  const Sha256 digest = entry_digest(previous_, fields, content_.finish());
  Use s(insert_);
  s->bind(1, fields.id);
  s->bind(2, run_id);
  s->bind(3, fields.created_at);
  s->bind(4, fields.revisions);
  s->bind(5, digest.data(), static_cast<int>(digest.size()));
  s->bind(6, records);
  s->exec();
  pending_.clear();
}

void seal_genesis(SQLite::Database& db) {
  // Two look-ups by key: this runs on every open for writing.
  auto unsealed = [&db] {
    SQLite::Statement s(db,
                        "SELECT 1 FROM chain WHERE id = 1 AND digest IS NULL "
                        "AND NOT EXISTS (SELECT 1 FROM chain WHERE id > 1)");
    return s.executeStep();
  };
  if (!unsealed()) return;
  SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
  if (!unsealed()) return;  // another process sealed it meanwhile
  ChainContent content;
  SQLite::Statement revisions(db,
                              "SELECT r.uid, v.form, v.revision, v.observed_at, v.sha256 "
                              "FROM revisions v JOIN records r ON r.id = v.record_id "
                              "WHERE v.chain_entry = 1 ORDER BY v.record_id, v.form, v.revision");
  while (revisions.executeStep()) {
    const SQLite::Column sha = revisions.getColumn(4);
    content.add(revisions.getColumn(0).getString(), revisions.getColumn(1).getInt(),
                revisions.getColumn(2).getInt64(), revisions.getColumn(3).getString(),
                sha.getBlob(), static_cast<std::size_t>(sha.getBytes()));
  }
  SQLite::Statement entry(db, "SELECT created_at FROM chain WHERE id = 1");
  entry.executeStep();
  const ChainEntryFields fields{1, std::nullopt, entry.getColumn(0).getString(), content.count()};
  const Sha256 digest = entry_digest(std::nullopt, fields, content.finish());
  SQLite::Statement seal(db, "UPDATE chain SET digest = ?, revisions = ? WHERE id = 1");
  seal.bind(1, digest.data(), static_cast<int>(digest.size()));
  seal.bind(2, fields.revisions);
  seal.exec();
  transaction.commit();
}

ChainHead read_head(SQLite::Database& db) {
  SQLite::Statement s(db,
                      "SELECT id, run_id, created_at, digest, "
                      "(SELECT sum(records) FROM chain), (SELECT sum(revisions) FROM chain) "
                      "FROM chain ORDER BY id DESC LIMIT 1");
  if (!s.executeStep()) throw ArchiveFailure(ErrorCode::corrupt, "the chain has no entry");
  ChainHead head;
  head.entry = s.getColumn(0).getInt64();
  if (!s.getColumn(1).isNull()) head.run_id = s.getColumn(1).getInt64();
  head.created_at = s.getColumn(2).getString();
  head.digest = to_hex(digest_column(s.getColumn(3), head.entry));
  head.records = s.getColumn(4).getInt64();
  head.revisions = s.getColumn(5).getInt64();
  return head;
}

}  // namespace emarchive::storage
