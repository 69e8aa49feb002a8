#include "storage/verifier.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <utility>

#include "storage/canonical_documents.h"
#include "storage/chain.h"
#include "storage/record_reader.h"
#include "storage/session_tallies.h"
#include "storage/sha256.h"
#include "storage/sqlite_open.h"
#include "storage/sqlite_support.h"

namespace emarchive::storage {
namespace {

constexpr std::size_t kRecordsPerLoad = 256;  // records re-rendered per RecordReader::load
constexpr std::int64_t kProgressEvery = 4096;

std::string form_name(int form) {
  return form == form_id(Form::Entity) ? "entity" : "reference";
}

std::optional<Sha256> blob_digest(const SQLite::Column& column) {
  Sha256 digest{};
  if (column.isNull() || column.getBytes() != static_cast<int>(digest.size())) return std::nullopt;
  std::memcpy(digest.data(), column.getBlob(), digest.size());
  return digest;
}

std::string hex_or_none(const std::optional<Sha256>& digest) {
  return digest ? to_hex(*digest) : "no valid SHA-256";
}

std::optional<Sha256> parse_hex(std::string_view hex) {
  Sha256 digest{};
  if (hex.size() != digest.size() * 2) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < digest.size(); ++i) {
    const int high = nibble(hex[2 * i]);
    const int low = nibble(hex[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    digest[i] = static_cast<std::uint8_t>(high * 16 + low);
  }
  return digest;
}

// One pass of checks over one open connection, inside the caller's read transaction.
class Verifier {
 public:
  Verifier(SQLite::Database& db, const VerifyOptions& options, std::optional<Sha256> expect)
      : db_(db), options_(options), expect_(expect), reader_(db) {}

  VerifyReport run() {
    check_sqlite();
    check_tallies();
    check_representations();
    check_revisions_and_chain();
    check_chain_records();
    if (expect_ && !report_.expected_head_entry) {
      problem({}, {}, 0,
              "no entry of the chain recomputed from the revisions as they are now has the "
              "expected head " +
                  to_hex(*expect_) +
                  ": something archived at or before that head was altered or removed (or the "
                  "head is not this archive's)");
    }
    return std::move(report_);
  }

 private:
  void problem(std::string uid, std::string form, std::int64_t revision, std::string what) {
    ++report_.problem_count;
    if (report_.problems.size() < options_.max_listed) {
      report_.problems.push_back({std::move(uid), std::move(form), revision, std::move(what)});
    }
  }

  void progress(std::string_view step, std::int64_t done, std::int64_t total) {
    if (options_.progress && (done % kProgressEvery == 0 || done == total)) {
      options_.progress(step, done, total);
    }
  }

  // The kept counts of sessions (storage/session_tallies.h) must be what counting the sessions
  // gives now: the query service's counts read them, and an altered tally would make a count
  // wrong without any record's rows differing. Not while they are not current: a bulk load that
  // did not end leaves their triggers in deferred_indexes, and counts read the index then.
  void check_tallies() {
    if (tallies_set_aside(db_)) return;
    report_.tallies_checked = true;
    const auto tallies = session_tally_counts();
    const SessionGroups groups(db_);
    std::int64_t done = 0;
    progress("session tallies", done, std::ssize(tallies));
    for (const TallyCount& tally : tallies) {
      // The keys whose row differs either way: kept with other counts, kept where nothing
      // counts, counted but not kept. A key whose sessions all moved elsewhere keeps its row at
      // 0: a kept row is compared where any of its counts is not 0 (each of
      // session_blank_tallies' columns counts apart from `n`). Bounds that the triggers only
      // widen must still hold what a count gives: narrower, they would leave matches out of a
      // page. The sessions are counted once for both.
      const std::string exact = tally.key + ", " + tally.exact;
      std::string counted;
      for (std::size_t from = 0; from < tally.exact.size();) {
        const std::size_t comma = std::min(tally.exact.find(", ", from), tally.exact.size());
        counted +=
            (counted.empty() ? "" : " OR ") + tally.exact.substr(from, comma - from) + " <> 0";
        from = comma + 2;
      }
      const std::string narrowed = tally.narrower.empty()
                                       ? "0"
                                       : "(SELECT count(*) FROM " + tally.table +
                                             " k JOIN counted c USING (" + tally.key + ") WHERE " +
                                             tally.narrower + ")";
      SQLite::Statement check(
          db_, "WITH counted (" + tally.key + ", " + tally.columns + ") AS MATERIALIZED (" +
                   tally.count + "), kept AS (SELECT " + exact + " FROM " + tally.table +
                   " WHERE " + counted + "), fresh AS (SELECT " + exact +
                   " FROM counted) SELECT (SELECT count(*) FROM (SELECT " + tally.key +
                   " FROM (SELECT * FROM kept EXCEPT SELECT * FROM fresh) UNION SELECT " +
                   tally.key + " FROM (SELECT * FROM fresh EXCEPT SELECT * FROM kept))), " +
                   narrowed);
      check.executeStep();
      if (const std::int64_t keys = check.getColumn(0).getInt64(); keys > 0) {
        problem({}, {}, 0,
                "table " + tally.table + " differs from a count of the sessions for " +
                    std::to_string(keys) + (keys == 1 ? " key" : " keys") +
                    ": the query service's counts are wrong");
      }
      if (const std::int64_t keys = check.getColumn(1).getInt64(); keys > 0) {
        problem({}, {}, 0,
                "table " + tally.table + " holds bounds narrower than the sessions' for " +
                    std::to_string(keys) + (keys == 1 ? " key" : " keys") +
                    ": the query service's pages are wrong");
      }
      progress("session tallies", ++done, std::ssize(tallies));
    }
  }

  void check_sqlite() {
    SQLite::Statement integrity(db_, "PRAGMA integrity_check(100)");
    while (integrity.executeStep()) {
      const std::string line = integrity.getColumn(0).getString();
      if (line != "ok") problem({}, {}, 0, "SQLite's integrity_check: " + line);
    }
    SQLite::Statement keys(db_, "PRAGMA foreign_key_check");
    while (keys.executeStep()) {
      problem(
          {}, {}, 0,
          "SQLite's foreign_key_check: a row of table " + keys.getColumn(0).getString() +
              (keys.getColumn(1).isNull() ? "" : " (rowid " + keys.getColumn(1).getString() + ")") +
              " refers to a missing row of table " + keys.getColumn(2).getString());
    }
  }

  struct Current {
    std::int64_t record_id;
    std::string uid;
    int form;
    std::int64_t revision;
    std::optional<Sha256> sha256;  // of that revision; nullopt when the row is missing or bad
    bool revision_exists;
  };

  // Every current representation, re-rendered from its rows, against its revision's SHA-256.
  void check_representations() {
    const std::int64_t total = db_.execAndGet("SELECT count(*) FROM representations").getInt64();
    SQLite::Statement s(
        db_,
        "SELECT p.record_id, r.uid, p.form, p.revision, v.sha256, v.record_id IS NOT NULL, "
        "(SELECT count(*) FROM revisions c WHERE c.record_id = p.record_id AND c.form = p.form) "
        "FROM representations p LEFT JOIN records r ON r.id = p.record_id "
        "LEFT JOIN revisions v ON v.record_id = p.record_id AND v.form = p.form "
        "AND v.revision = p.revision ORDER BY p.record_id, p.form");
    std::vector<Current> batch;
    std::vector<std::int64_t> ids;
    while (s.executeStep()) {
      Current c{s.getColumn(0).getInt64(),
                s.getColumn(1).isNull() ? "record id " + s.getColumn(0).getString()
                                        : s.getColumn(1).getString(),
                s.getColumn(2).getInt(),
                s.getColumn(3).getInt64(),
                blob_digest(s.getColumn(4)),
                s.getColumn(5).getInt() == 1};
      const std::int64_t count = s.getColumn(6).getInt64();
      if (count != c.revision) {
        problem(c.uid, form_name(c.form), c.revision,
                "the current revision is " + std::to_string(c.revision) + " but " +
                    std::to_string(count) + " revisions are archived: revision rows were " +
                    (count < c.revision ? "deleted" : "added"));
      }
      if (ids.empty() || ids.back() != c.record_id) {
        if (ids.size() == kRecordsPerLoad) render_and_compare(batch, ids);
        ids.push_back(c.record_id);
      }
      batch.push_back(std::move(c));
      ++report_.representations;
      progress("current representations", report_.representations, total);
    }
    render_and_compare(batch, ids);
  }

  void render_and_compare(std::vector<Current>& batch, std::vector<std::int64_t>& ids) {
    std::map<std::string, Record, std::less<>> records;  // by UID
    try {
      for (Record& record : reader_.load(ids)) records.emplace(record.uid, std::move(record));
    } catch (const std::exception&) {
      records.clear();
      // Find the record that cannot be read back, and read the others one by one.
      for (std::int64_t id : ids) {
        const auto it = std::find_if(batch.begin(), batch.end(),
                                     [id](const Current& c) { return c.record_id == id; });
        try {
          for (Record& record : reader_.load(std::vector<std::int64_t>{id})) {
            records.emplace(record.uid, std::move(record));
          }
        } catch (const std::exception& e) {
          problem(it->uid, {}, 0, std::string("its rows cannot be read back: ") + e.what());
        }
      }
    }
    report_.records += static_cast<std::int64_t>(records.size());
    for (const Current& c : batch) {
      const auto it = records.find(c.uid);
      if (it == records.end()) continue;
      const Form form = c.form == form_id(Form::Entity) ? Form::Entity : Form::Reference;
      if (!it->second.form(form)) continue;
      const Sha256 rendered = canonical_digest(it->second, form);
      if (!c.revision_exists) {
        problem(c.uid, form_name(c.form), c.revision,
                "the current revision " + std::to_string(c.revision) + " has no revision row");
      } else if (!c.sha256 || *c.sha256 != rendered) {
        problem(c.uid, form_name(c.form), c.revision,
                "the archived rows re-render to sha256 " + to_hex(rendered) + ", revision " +
                    std::to_string(c.revision) + " says " + hex_or_none(c.sha256));
      }
    }
    batch.clear();
    ids.clear();
  }

  struct Entry {
    ChainEntryFields fields;
    std::int64_t stored_revisions = 0;
    std::optional<Sha256> stored;
  };

  // Every revision (superseded documents against their SHA-256) and, entry by entry, the chain.
  void check_revisions_and_chain() {
    const std::int64_t total = db_.execAndGet("SELECT count(*) FROM revisions").getInt64();
    SQLite::Statement entries(db_,
                              "SELECT id, run_id, created_at, revisions, digest FROM chain "
                              "ORDER BY id");
    revisions_ = std::make_unique<SQLite::Statement>(
        db_,
        "SELECT v.chain_entry, r.uid, v.record_id, v.form, v.revision, v.observed_at, v.sha256, "
        "v.document, p.revision FROM revisions v "
        "LEFT JOIN records r ON r.id = v.record_id "
        "LEFT JOIN representations p ON p.record_id = v.record_id AND p.form = v.form "
        "ORDER BY v.chain_entry, v.record_id, v.form, v.revision");
    has_revision_ = revisions_->executeStep();
    std::optional<Sha256> stored_previous;
    std::optional<Sha256> recomputed_previous;
    std::int64_t next_id = 1;
    while (entries.executeStep()) {
      Entry e;
      e.fields.id = entries.getColumn(0).getInt64();
      if (!entries.getColumn(1).isNull()) e.fields.run_id = entries.getColumn(1).getInt64();
      e.fields.created_at = entries.getColumn(2).getString();
      e.stored_revisions = entries.getColumn(3).getInt64();
      e.stored = blob_digest(entries.getColumn(4));
      if (e.fields.id != next_id) {
        problem({}, {}, 0,
                "chain entries " + std::to_string(next_id) + " to " +
                    std::to_string(e.fields.id - 1) + " are missing");
      }
      next_id = e.fields.id + 1;
      consume_unchained_before(e.fields.id, total);
      while (has_revision_ && !revisions_->getColumn(0).isNull() &&
             revisions_->getColumn(0).getInt64() == e.fields.id) {
        check_revision(true, total);
      }
      e.fields.revisions = content_.count();
      const Sha256 content = content_.finish();
      const Sha256 linked = entry_digest(stored_previous, e.fields, content);
      const Sha256 recomputed = entry_digest(recomputed_previous, e.fields, content);
      if (e.stored_revisions != e.fields.revisions) {
        problem({}, {}, 0,
                "chain entry " + std::to_string(e.fields.id) + " says it covers " +
                    std::to_string(e.stored_revisions) + " revisions, " +
                    std::to_string(e.fields.revisions) + " are chained in it");
      }
      if (!e.stored || *e.stored != linked) {
        problem({}, {}, 0,
                "chain entry " + std::to_string(e.fields.id) + " recomputes to " + to_hex(linked) +
                    ", the chain says " + hex_or_none(e.stored));
      }
      if (expect_ && recomputed == *expect_) report_.expected_head_entry = e.fields.id;
      stored_previous = e.stored;
      recomputed_previous = recomputed;
      ++report_.chain_entries;
      report_.head = e.stored ? to_hex(*e.stored) : "";
      report_.head_entry = e.fields.id;
    }
    if (report_.chain_entries == 0) problem({}, {}, 0, "the chain has no entry");
    consume_unchained_before(std::numeric_limits<std::int64_t>::max(), total);
  }

  // Each entry's count of the records it archived for the first time, whose sums the head
  // reports (chain_head()): a record is first archived in the entry of its earliest revision, as
  // migrations/016_chain_records.sql counted the entries before it.
  void check_chain_records() {
    SQLite::Statement differing(
        db_,
        "SELECT c.id, c.records, coalesce(f.n, 0) FROM chain c LEFT JOIN "
        "(SELECT entry, count(*) AS n FROM "
        "(SELECT min(chain_entry) AS entry FROM revisions GROUP BY record_id) GROUP BY entry) f "
        "ON f.entry = c.id WHERE c.records <> coalesce(f.n, 0) ORDER BY c.id");
    while (differing.executeStep()) {
      problem({}, {}, 0,
              "chain entry " + differing.getColumn(0).getString() + " says it archived " +
                  differing.getColumn(1).getString() +
                  " records for the first time, its "
                  "revisions make " +
                  differing.getColumn(2).getString() + ": the record count of the head is wrong");
    }
  }

  // Revisions chained in no entry the chain has (no entry number, or one the chain lacks) that
  // come before entry `id` in chain order.
  void consume_unchained_before(std::int64_t id, std::int64_t total) {
    while (has_revision_ &&
           (revisions_->getColumn(0).isNull() || revisions_->getColumn(0).getInt64() < id)) {
      check_revision(false, total);
    }
  }

  // The revision under the cursor, which then moves on; `chained` when it belongs to the entry
  // being recomputed.
  void check_revision(bool chained, std::int64_t total) {
    SQLite::Statement& v = *revisions_;
    const std::string uid = v.getColumn(1).isNull() ? "record id " + v.getColumn(2).getString()
                                                    : v.getColumn(1).getString();
    const int form = v.getColumn(3).getInt();
    const std::int64_t revision = v.getColumn(4).getInt64();
    const SQLite::Column sha = v.getColumn(6);
    if (chained) {
      content_.add(uid, form, revision, v.getColumn(5).getString(), sha.getBlob(),
                   static_cast<std::size_t>(sha.getBytes()));
    } else {
      problem(uid, form_name(form), revision,
              v.getColumn(0).isNull() ? "the revision is in no chain entry"
                                      : "the revision is chained in entry " +
                                            v.getColumn(0).getString() + ", which the chain lacks");
    }
    const std::optional<Sha256> stated = blob_digest(sha);
    if (v.getColumn(8).isNull()) {
      problem(uid, form_name(form), revision, "the revision's record has no such representation");
    } else if (const std::int64_t current = v.getColumn(8).getInt64(); revision > current) {
      problem(uid, form_name(form), revision,
              "the revision is newer than the current revision " + std::to_string(current));
    } else if (revision < current) {
      ++report_.documents;
      const SQLite::Column document = v.getColumn(7);
      if (document.isNull()) {
        problem(uid, form_name(form), revision, "the superseded revision has no stored document");
      } else {
        const Sha256 actual =
            sha256(std::string_view(static_cast<const char*>(document.getBlob()),
                                    static_cast<std::size_t>(document.getBytes())));
        if (!stated || actual != *stated) {
          problem(uid, form_name(form), revision,
                  "the stored document hashes to sha256 " + to_hex(actual) +
                      ", the revision says " + hex_or_none(stated));
        }
      }
    }
    ++report_.revisions;
    progress("revisions and chain", report_.revisions, total);
    has_revision_ = v.executeStep();
  }

  SQLite::Database& db_;
  const VerifyOptions& options_;
  const std::optional<Sha256> expect_;
  RecordReader reader_;
  VerifyReport report_;
  std::unique_ptr<SQLite::Statement> revisions_;
  bool has_revision_ = false;
  ChainContent content_;
};

}  // namespace

Expected<VerifyReport> verify_archive(const std::string& path, const VerifyOptions& options) {
  std::optional<Sha256> expect;
  if (options.expect_head) {
    expect = parse_hex(*options.expect_head);
    if (!expect) {
      return Error{"the expected head '" + *options.expect_head +
                       "' is not a SHA-256 digest (64 hex digits)",
                   ErrorCode::invalid_input};
    }
  }
  OpenOptions open;
  open.create = false;
  open.read_only = true;
  Expected<OpenedDatabase> opened = open_database(path, open);
  if (!opened) return opened.error();
  SQLite::Database& db = *opened->db;
  try {
    // Counting the session tallies groups every session by its key through a sort; with
    // temp_store = MEMORY (sqlite_open.cpp) the sort held them all: verify of 10,000,000 task
    // sessions peaked at 1,334 MB, of 1,000,000 at 155 MB (35 MB in files). In files the sort
    // keeps runs the size of the page cache in memory. Set before the transaction, as SQLite
    // requires; a read-only connection keeps no statement journal that memory would help.
    const PragmaWhile sort_in_files(db, "temp_store", "FILE");
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::DEFERRED);
    VerifyReport report = Verifier(db, options, expect).run();
    transaction.commit();
    return report;
  } catch (const std::exception& e) {
    // The archive is damaged beyond reading it whole: that is what verify reports.
    VerifyReport report;
    report.problem_count = 1;
    report.problems.push_back({{}, {}, 0, std::string("the archive cannot be read: ") + e.what()});
    return report;
  }
}

}  // namespace emarchive::storage
