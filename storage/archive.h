#pragma once
// The archive: the normalized schema of docs/SCHEMA.md behind an interface that names no
// database engine, so that ingest/ and api/ depend on this header alone. Archive::open opens the
// SQLite backend (storage/sqlite_archive.cpp and the files it coordinates).
//
// Contract: every function reports database failures as an Error naming the database file, with
// a code the caller can act on: busy (locked by another connection past the busy timeout; trying
// again can succeed), corrupt (damaged, not a database, rows that cannot be read back), io (disk
// full, permissions, cannot open), invalid_input (a record that cannot be stored, a schema too
// new or too old to read), not_found (finish_run's run, mark_gone's record), internal (anything
// else). The engine's exceptions never leave storage/. An Archive is one connection: use it from
// one thread at a time; open one Archive per thread to read in parallel (readers run beside the
// single writer).

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/em_time.h"
#include "model/expected.h"
#include "model/record.h"
#include "storage/canonical_documents.h"
#include "storage/record_query.h"

namespace emarchive::storage {

struct OpenOptions {
  bool create = true;      // create the file if missing (else opening a missing file is an error)
  bool read_only = false;  // no migrations are run; an out-of-date schema is an error
  int busy_timeout_ms = 5000;
  // Read-only connections that now and then read across the archive (the dashboard's pages,
  // /metrics) keep a small page cache: what they read next time is mostly other pages.
  bool scans = false;
};

// What storing one record did.
enum class StoreOutcome {
  New,        // no document of this record had been archived before
  Updated,    // a form changed, or a form not seen before was added: new revision(s)
  Unchanged,  // every form was byte-for-byte what the archive already served
};

struct RunCounts {
  std::int64_t documents = 0;  // documents read
  std::int64_t rejected = 0;   // documents rejected
  std::int64_t records_new = 0;
  std::int64_t records_updated = 0;
  std::int64_t records_unchanged = 0;
};

// Where an ingest of one query type from one EM source has got to (docs/ARCHITECTURE.md,
// "Ingest semantics"): the creation time of the newest record stored.
struct Bookmark {
  std::string origin;      // the EM source, "https://em.example:9398"
  std::string query_type;  // "BackupTaskSession"
  EmTime creation_time = 0;
};

// One answer EM gave for one of the resources kept as observations (kObservedResources in
// storage/observation_document.h; docs/SCHEMA.md, "Observations").
struct Observation {
  std::string resource;  // what EM was asked: "/api/reports/summary/overview"
  std::string source;    // the EM it came from, as Record::origin: "https://em.example:9398"
  // observe(): EM's XML as received. latest_observation(): the canonical document
  // (canonical_document()), Hrefs without origin; with_href_origin() serves it.
  std::string document;
  std::string observed_at;       // xs:dateTime: when EM gave it (first gave it, when read back)
  std::string last_observed_at;  // latest_observation() only: when EM last gave it
};

// The newest entry of the chain of revisions (docs/AUDIT.md), which commits to every revision
// archived: what `emarchive attest` prints, to be kept outside the archive.
struct ChainHead {
  std::string digest;                  // SHA-256, 64 lowercase hex digits
  std::int64_t entry = 0;              // 1 = the genesis
  std::optional<std::int64_t> run_id;  // the run that wrote it; nullopt for the genesis
  std::string created_at;              // xs:dateTime: when its revisions were observed
  std::int64_t records = 0;            // records archived (stubs left out)
  std::int64_t revisions = 0;          // revisions archived
};

// Turns off what the database engine keeps that no one reads, at a cost on every statement: with
// SQLite, its memory statistics: a process-wide mutex taken on every allocation and free, which
// the threads of `serve` contended for, and which took 3% of an import's CPU time (perf). Call
// it before any Archive is opened in the process (afterwards it may do nothing); not
// thread-safe.
void prepare_database_engine();

// Adds what storing some records did to `counts`' records_new, records_updated and
// records_unchanged.
void count_outcomes(RunCounts& counts, std::span<const StoreOutcome> outcomes);

// The current revision of each form of a record (Archive::current_revisions).
struct CurrentRevisions {
  std::int64_t reference = 0;
  std::int64_t entity = 0;
  bool operator==(const CurrentRevisions&) const = default;
};

class Archive {
 public:
  // Opens the database at `path`, configures it (WAL, foreign keys, busy timeout) and applies
  // pending migrations, each in one transaction with its version bump. A database whose schema is
  // newer than this binary's is refused with a message saying both versions.
  static Expected<std::unique_ptr<Archive>> open(const std::string& path,
                                                 const OpenOptions& options = {});
  virtual ~Archive() = default;

  // The schema version of the open database (PRAGMA user_version).
  virtual int schema_version() = 0;

  // Records a run of a command ("import", "ingest") started now; returns its id.
  virtual Expected<std::int64_t> begin_run(std::string_view command, std::string_view detail,
                                           std::string_view started_at) = 0;
  // Closes a run with its counts and the errors met (one per line, "" for none).
  virtual Status finish_run(std::int64_t run_id, std::string_view finished_at,
                            const RunCounts& counts, std::string_view errors) = 0;

  // Stores the records of one document in one transaction: all of them or none. Each record is
  // upserted by UID; each form present in it is compared with the archived one and, if it differs
  // or is new, becomes a new revision (observed_at, run, origin's source, SHA-256 of the form's
  // canonical document). Jobs, backup servers and parent sessions that the records point to (by
  // UID field or by Link) are created as stubs when not yet archived. Returns one outcome per
  // record, in order.
  virtual Expected<std::vector<StoreOutcome>> store(std::span<const Record> records,
                                                    std::int64_t run_id,
                                                    std::string_view observed_at) = 0;
  // As store(records.records(), ...), with the digests `records` computed already.
  virtual Expected<std::vector<StoreOutcome>> store(const DigestedRecords& records,
                                                    std::int64_t run_id,
                                                    std::string_view observed_at) = 0;

  // As store(), and in the same transaction moves the bookmark of (advance.origin,
  // advance.query_type) forward to advance.creation_time; a bookmark never moves back.
  virtual Expected<std::vector<StoreOutcome>> store_page(std::span<const Record> records,
                                                         std::int64_t run_id,
                                                         std::string_view observed_at,
                                                         const Bookmark& advance) = 0;
  // As store_page(records.records(), ...), with the digests `records` computed already.
  virtual Expected<std::vector<StoreOutcome>> store_page(const DigestedRecords& records,
                                                         std::int64_t run_id,
                                                         std::string_view observed_at,
                                                         const Bookmark& advance) = 0;

  // Starts a bulk load of about `input_bytes` of EM documents: when that is 16 MiB or more and
  // over twice the archive's file size, drops the indexes that only queries read (of sessions,
  // jobs and backup servers) and the triggers that keep the session tallies, until
  // end_bulk_load() builds them again and counts the tallies afresh, which then costs less than
  // keeping them up record by record. Returns how many indexes and triggers it dropped (0: the
  // load is too small to gain). Queries stay correct meanwhile, only slower. An archive left so
  // by a process that stopped early has them built again when it is next opened for writing.
  virtual Expected<std::int64_t> begin_bulk_load(std::uint64_t input_bytes) = 0;
  // Builds the indexes and triggers begin_bulk_load() dropped, counts the session tallies
  // afresh and refreshes the indexes' statistics; returns how many. Call it whether or not the
  // load succeeded.
  virtual Expected<std::int64_t> end_bulk_load() = 0;

  // The creation time the ingest of `query_type` from `origin` has reached; nullopt before the
  // first page was stored.
  virtual Expected<std::optional<EmTime>> bookmark(std::string_view origin,
                                                   std::string_view query_type) = 0;

  // Names the EM source reached at `origin` (recorded now, `seen_at`, if new): `ingest` calls
  // it before each run with the name from its configuration. Every origin given the same name is
  // one EM: bookmark(), unfinished_sessions() and stubs() for any of them answer for all, so
  // that an EM reached by another spelling of its URL carries on where it was. An origin given a
  // new name leaves its old one.
  virtual Status name_source(std::string_view origin, std::string_view name,
                             std::string_view seen_at) = 0;

  // UIDs of the sessions of `kind` last stored from `origin` in a state that is not final (a
  // State other than Stopped or Completed, compared case-insensitively; unknown states are not
  // final), created before `created_before` (or with no creation time), oldest first, leaving out
  // those marked gone.
  virtual Expected<std::vector<std::string>> unfinished_sessions(std::string_view origin, Kind kind,
                                                                 EmTime created_before) = 0;

  // UIDs of the records of `kind` known from `origin` only because an archived record points to
  // them (stubs), leaving out those marked gone.
  virtual Expected<std::vector<std::string>> stubs(std::string_view origin, Kind kind) = 0;

  // Notes that EM answered 404 for this record: unfinished_sessions() and stubs() leave it out
  // from now on, and its last archived state stays.
  virtual Status mark_gone(std::string_view uid, std::int64_t run_id,
                           std::string_view observed_at) = 0;

  // The latest archived state of the record with this UID: every form that was archived, as it
  // was parsed. nullopt when no document of it was archived (unknown, or only a stub).
  virtual Expected<std::optional<Record>> load(std::string_view uid) = 0;

  // The record with this UID as the archive knew it at `at` (storage/as_of.h): each form as its
  // latest revision observed at or before `at`; nullopt when no form of it had been observed by
  // then. A stored document that no longer parses is corrupt.
  virtual Expected<std::optional<Record>> load_as_of(std::string_view uid, EmTime at) = 0;

  // The records `query` selects, in its order, from its offset up to its limit, each as load()
  // returns it (load_as_of() with query.as_of), with the number of records that match over all
  // pages; read in one transaction.
  virtual Expected<RecordPage> query(const RecordQuery& query) = 0;

  // Number of revisions archived for this UID's form (0 if none).
  virtual Expected<std::int64_t> revision_count(std::string_view uid, Form form) = 0;

  // The numbers of the current revisions of both forms of this UID (each 0 when that form was
  // never archived), read with one statement and so from one committed state. Revisions are
  // numbered from 1 without gaps: each equals revision_count() of its form.
  virtual Expected<CurrentRevisions> current_revisions(std::string_view uid) = 0;

  // Whether any connection (of this process or another, this one's included) committed to the
  // archive since the last call on this Archive; true on the first call. Reads no rows, and in
  // WAL mode costs no system call (storage/commit_watch.h).
  virtual Expected<bool> changed() = 0;

  // Stores what EM answered for `observation.resource`, in one transaction: a new revision (with
  // observed_at, the run and the source, the SHA-256 of the canonical document, and the counters
  // and repository space it holds, normalized) when it differs from the latest revision of that
  // resource from that source, else only the time it was last observed moves. New: the first
  // from that source; Updated: a new revision; Unchanged. A document that is not XML in EM's
  // namespace is invalid_input with a message that starts with the resource and says why; an
  // observed_at that is not an xs:dateTime is invalid_input too.
  virtual Expected<StoreOutcome> observe(const Observation& observation, std::int64_t run_id) = 0;

  // The revision of `resource` observed last, from whichever source; nullopt when it was never
  // observed.
  virtual Expected<std::optional<Observation>> latest_observation(std::string_view resource) = 0;

  // The revision of `resource` observed last at or before `at`, from whichever source, with
  // last_observed_at empty; nullopt when none was observed by then.
  virtual Expected<std::optional<Observation>> observation_as_of(std::string_view resource,
                                                                 EmTime at) = 0;
  // The head of the chain, read in one transaction; corrupt when the chain has no entry or its
  // head no digest.
  virtual Expected<ChainHead> chain_head() = 0;
};

// How many records `query` matches over all its pages (its offset and limit aside): the count a
// query reads anyway, without reading any record.
Expected<std::int64_t> count_matches(Archive& archive, RecordQuery query);

}  // namespace emarchive::storage
