// The SQLite Archive: runs, bookmarks, stubs, gone records and queries here; opening in
// sqlite_open.cpp, storing in record_writer.cpp, loading in record_reader.cpp, observations in
// observation_store.cpp, the archive as it was at an instant in as_of_reader.cpp.

#include <SQLiteCpp/SQLiteCpp.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "storage/archive.h"
#include "storage/as_of_reader.h"
#include "storage/chain.h"
#include "storage/commit_watch.h"
#include "storage/deep_page.h"
#include "storage/deferred_indexes.h"
#include "storage/end_time_range.h"
#include "storage/observation_store.h"
#include "storage/planner_statistics.h"
#include "storage/record_reader.h"
#include "storage/record_writer.h"
#include "storage/size_range.h"
#include "storage/sqlite_open.h"
#include "storage/sqlite_support.h"

namespace emarchive::storage {
namespace {

// The rows of source `s` that are the EM reached at origin ?1: that origin, and every origin
// given the same name (name_source), so that two spellings of one EM's URL share what ingest
// remembers.
constexpr std::string_view kSameSource =
    "(s.origin = ?1 OR s.name = (SELECT n.name FROM sources n WHERE n.origin = ?1))";

class SqliteArchive final : public Archive {
 public:
  SqliteArchive(std::string path, OpenedDatabase opened)
      : path_(std::move(path)),
        db_(std::move(opened.db)),
        schema_version_(opened.schema_version),
        reader_(*db_),
        as_of_(*db_, reader_),
        writer_(*db_, reader_, path_),
        observations_(*db_, path_),
        read_transaction_(*db_),
        begin_run_(*db_, "INSERT INTO runs (command, detail, started_at) VALUES (?, ?, ?)"),
        finish_run_(*db_,
                    "UPDATE runs SET finished_at = ?, documents = ?, rejected = ?, "
                    "records_new = ?, records_updated = ?, records_unchanged = ?, errors = ? "
                    "WHERE id = ?"),
        bookmark_(*db_,
                  "SELECT max(b.creation_time_ns) FROM ingest_bookmarks b "
                  "JOIN sources s ON s.id = b.source_id "
                  "WHERE b.query_type = ?2 AND " +
                      std::string(kSameSource)),
        unfinished_sessions_(
            *db_,
            "SELECT r.uid FROM sessions x "
            "JOIN records r ON r.id = x.record_id "
            "JOIN sources s ON s.id = r.source_id "
            "WHERE x.kind_id = ?3 "
            "AND (x.creation_time_ns IS NULL OR x.creation_time_ns < ?2) "
            "AND (x.state IS NULL "
            "OR x.state COLLATE NOCASE NOT IN ('Stopped', 'Completed')) "
            "AND EXISTS (SELECT 1 FROM representations p WHERE p.record_id = r.id) "
            "AND NOT EXISTS (SELECT 1 FROM ingest_gone g WHERE g.record_id = r.id) AND " +
                std::string(kSameSource) + " ORDER BY x.creation_time_ns, r.uid"),
        stubs_(*db_,
               "SELECT r.uid FROM records r JOIN sources s ON s.id = r.source_id "
               "WHERE r.kind_id = ?2 "
               "AND NOT EXISTS (SELECT 1 FROM representations p WHERE p.record_id = r.id) "
               "AND NOT EXISTS (SELECT 1 FROM ingest_gone g WHERE g.record_id = r.id) AND " +
                   std::string(kSameSource) + " ORDER BY r.uid"),
        mark_gone_(*db_,
                   "INSERT OR REPLACE INTO ingest_gone (record_id, run_id, observed_at) "
                   "SELECT id, ?, ? FROM records WHERE uid = ?"),
        name_source_(
            *db_,
            "INSERT INTO sources (origin, name, first_seen_at, last_seen_at) "
            "VALUES (?, ?, ?, ?3) ON CONFLICT (origin) DO UPDATE SET name = excluded.name"),
        count_revisions_(*db_,
                         "SELECT count(*) FROM revisions v JOIN records r ON r.id = v.record_id "
                         "WHERE r.uid = ? AND v.form = ?"),
        current_revisions_(*db_,
                           "SELECT p.form, p.revision FROM records r "
                           "JOIN representations p ON p.record_id = r.id WHERE r.uid = ?"),
        commit_watch_(*db_) {}

  // Keep the planner's statistics current, so that it keeps choosing the query service's
  // indexes as the archive grows (refresh_statistics), and leave no WAL behind (release_wal).
  ~SqliteArchive() override {
    refresh_statistics();
    release_wal();
  }

  SqliteArchive(const SqliteArchive&) = delete;
  SqliteArchive& operator=(const SqliteArchive&) = delete;

  int schema_version() override { return schema_version_; }

  // The planner's statistics kept current as the archive grows (storage/planner_statistics.h):
  // PRAGMA optimize for what this connection queried, a whole ANALYZE when the archive has
  // outgrown them.
  void refresh_statistics() {
    try {
      if (statistics_outgrown(*db_)) db_->exec("ANALYZE");
      db_->exec("PRAGMA optimize");
    } catch (const SQLite::Exception&) {
      // A read-only connection cannot write statistics; a writer's close will.
    }
  }

  // Copies what the WAL holds into the database and truncates it to nothing. The WAL grows to
  // about 256 MB while a writer runs (wal_autocheckpoint, sqlite_open.cpp); SQLite keeps that
  // space when another connection is open, or when the disk filled up, so that every later run
  // would fail for want of it. Best effort: a reader in the middle of a read keeps it from
  // finishing, and a read-only connection cannot do it.
  void release_wal() { db_->tryExec("PRAGMA wal_checkpoint(TRUNCATE)"); }

  template <class Result>
  Result released_on_failure(Result result) {
    if (!result) release_wal();
    return result;
  }

  Expected<std::int64_t> begin_run(std::string_view command, std::string_view detail,
                                   std::string_view started_at) override {
    try {
      Use s(begin_run_);
      s->bind(1, std::string(command));
      s->bind(2, std::string(detail));
      s->bind(3, std::string(started_at));
      s->exec();
      return db_->getLastInsertRowid();
    } catch (const std::exception& e) {
      return sqlite_error(path_, "cannot record the run", e);
    }
  }

  Status finish_run(std::int64_t run_id, std::string_view finished_at, const RunCounts& counts,
                    std::string_view errors) override {
    try {
      Use s(finish_run_);
      s->bind(1, std::string(finished_at));
      s->bind(2, counts.documents);
      s->bind(3, counts.rejected);
      s->bind(4, counts.records_new);
      s->bind(5, counts.records_updated);
      s->bind(6, counts.records_unchanged);
      s->bind(7, std::string(errors));
      s->bind(8, run_id);
      if (s->exec() != 1) {
        return Error{path_ + ": cannot finish run " + std::to_string(run_id) + ": no such run",
                     ErrorCode::not_found};
      }
      return Ok{};
    } catch (const std::exception& e) {
      return sqlite_error(path_, "cannot finish the run", e);
    }
  }

  Expected<std::vector<StoreOutcome>> store(std::span<const Record> records, std::int64_t run_id,
                                            std::string_view observed_at) override {
    return released_on_failure(writer_.store(records, run_id, observed_at, nullptr));
  }

  Expected<std::vector<StoreOutcome>> store(const DigestedRecords& records, std::int64_t run_id,
                                            std::string_view observed_at) override {
    return released_on_failure(
        writer_.store(records.records(), run_id, observed_at, nullptr, &records));
  }

  Expected<std::vector<StoreOutcome>> store_page(std::span<const Record> records,
                                                 std::int64_t run_id, std::string_view observed_at,
                                                 const Bookmark& advance) override {
    return released_on_failure(writer_.store(records, run_id, observed_at, &advance));
  }

  Expected<std::vector<StoreOutcome>> store_page(const DigestedRecords& records,
                                                 std::int64_t run_id, std::string_view observed_at,
                                                 const Bookmark& advance) override {
    return released_on_failure(
        writer_.store(records.records(), run_id, observed_at, &advance, &records));
  }

  Expected<std::int64_t> begin_bulk_load(std::uint64_t input_bytes) override {
    try {
      // Building the indexes again reads the whole archive, about 20 CPU s per million task
      // sessions; keeping them up costs some 45 us for each record stored (docs/BENCHMARKS.md),
      // and nothing for a document stored again unchanged. So the load must be large against
      // the archive. The XML is about 1.2 times the database per record; twice the file's size
      // is a load of some 1.7 times the records the archive holds, and a re-import of what the
      // archive already holds (1.2 times) stays below it.
      const std::int64_t archive_bytes = db_->execAndGet("PRAGMA page_count").getInt64() *
                                         db_->execAndGet("PRAGMA page_size").getInt64();
      // Below this, building all the indexes again is no cheaper, and the pages kept up fit in
      // the writer's page cache anyway.
      constexpr std::uint64_t kBulkFrom = std::uint64_t{16} << 20;
      if (input_bytes < kBulkFrom || input_bytes <= 2 * static_cast<std::uint64_t>(archive_bytes)) {
        return std::int64_t{0};
      }
      return defer_query_indexes(*db_);
    } catch (const std::exception& e) {
      return sqlite_error(path_, "cannot start the bulk load", e);
    }
  }

  Expected<std::int64_t> end_bulk_load() override {
    try {
      return build_deferred_indexes(*db_);
    } catch (const std::exception& e) {
      return sqlite_error(path_, "cannot build the query indexes", e);
    }
  }

  Expected<std::optional<EmTime>> bookmark(std::string_view origin,
                                           std::string_view query_type) override {
    try {
      Use s(bookmark_);
      s->bind(1, std::string(origin));
      s->bind(2, std::string(query_type));
      if (!s->executeStep() || s->getColumn(0).isNull()) return std::optional<EmTime>();
      return std::optional<EmTime>(s->getColumn(0).getInt64());
    } catch (const std::exception& e) {
      return sqlite_error(path_, "cannot read the ingest bookmark of " + std::string(query_type),
                          e);
    }
  }

  Expected<std::vector<std::string>> unfinished_sessions(std::string_view origin, Kind kind,
                                                         EmTime created_before) override {
    try {
      Use s(unfinished_sessions_);
      s->bind(1, std::string(origin));
      s->bind(2, created_before);
      s->bind(3, kind_id(kind));
      return column_strings(*s);
    } catch (const std::exception& e) {
      return sqlite_error(path_, "cannot list the unfinished " + std::string(info(kind).name) + "s",
                          e);
    }
  }

  Expected<std::vector<std::string>> stubs(std::string_view origin, Kind kind) override {
    try {
      Use s(stubs_);
      s->bind(1, std::string(origin));
      s->bind(2, kind_id(kind));
      return column_strings(*s);
    } catch (const std::exception& e) {
      return sqlite_error(path_, "cannot list the " + std::string(info(kind).name) + " stubs", e);
    }
  }

  Status name_source(std::string_view origin, std::string_view name,
                     std::string_view seen_at) override {
    try {
      Use s(name_source_);
      s->bind(1, std::string(origin));
      s->bind(2, std::string(name));
      s->bind(3, std::string(seen_at));
      s->exec();
      return Ok{};
    } catch (const std::exception& e) {
      return sqlite_error(path_, "cannot name the source " + std::string(origin), e);
    }
  }

  Status mark_gone(std::string_view uid, std::int64_t run_id,
                   std::string_view observed_at) override {
    try {
      Use s(mark_gone_);
      s->bind(1, run_id);
      s->bind(2, std::string(observed_at));
      s->bind(3, std::string(uid));
      if (s->exec() != 1) {
        return Error{path_ + ": cannot mark " + std::string(uid) + " gone: unknown",
                     ErrorCode::not_found};
      }
      return Ok{};
    } catch (const std::exception& e) {
      return sqlite_error(path_, "cannot mark " + std::string(uid) + " gone", e);
    }
  }

  Expected<std::optional<Record>> load(std::string_view uid) override {
    try {
      // One read transaction, so that every form comes from the same committed state.
      ReadTransaction transaction(read_transaction_);
      std::optional<Record> record = reader_.load(uid);
      transaction.commit();
      return record;
    } catch (const std::exception& e) {
      return sqlite_error(path_, "cannot load " + std::string(uid), e);
    }
  }

  Expected<std::optional<Record>> load_as_of(std::string_view uid, EmTime at) override {
    try {
      ReadTransaction transaction(read_transaction_);
      std::optional<Record> record = as_of_.load(uid, at);
      transaction.commit();
      return record;
    } catch (const std::exception& e) {
      return sqlite_error(path_, "cannot load " + std::string(uid) + " as of " + format_em_time(at),
                          e);
    }
  }

  Expected<RecordPage> query(const RecordQuery& asked) override {
    try {
      // The count and the page from the same committed state, so that they agree.
      ReadTransaction transaction(read_transaction_);
      // An EndTime range in creation order walks the creation index between bounds that the
      // tallies put on its matches' creation times, read in the same state.
      std::optional<RecordQuery> bounded;
      if (std::optional<TimeRange> within = creation_bounds(*db_, asked)) {
        bounded = asked;
        bounded->created_within = within;
      }
      const RecordQuery& query = bounded ? *bounded : asked;
      const RecordQuerySql sql = record_query_sql(query);
      if (query.as_of) as_of_.prepare(*query.as_of);
      RecordPage page;
      PageWindow window{false, query.offset, query.limit};
      if (query.count) {
        // Prepared per call: the SQL depends on the filter.
        SQLite::Statement count(*db_, sql.count);
        bind_all(count, sql.count_params);
        count.executeStep();
        page.total = count.getColumn(0).getInt64();
        window = page_window(page.total, query.offset, query.limit);
      } else {
        page.total = -1;
      }
      std::vector<std::int64_t> ids;
      // A page at or past the end of the matches is empty: not read, as finding that no row
      // matches can take a walk of the whole kind's index.
      if (window.limit != 0) {
        const RecordQuery::SizeRangeRead read = size_range_read(*db_, query, page.total, window);
        if (read != RecordQuery::SizeRangeRead::as_planned) {
          RecordQuery chosen = query;
          chosen.size_range_read = read;
          ids = read_page(*db_, chosen, record_query_sql(chosen), page.total, window);
        } else {
          ids = read_page(*db_, query, sql, page.total, window);
        }
      }
      // The query selects archived records only, so none is left out as a stub.
      page.records = reader_.load(ids);
      if (query.as_of) as_of_.substitute(ids, page.records);
      transaction.commit();
      return page;
    } catch (const std::exception& e) {
      as_of_.forget();
      return sqlite_error(path_, "cannot query " + std::string(info(asked.kind).name), e);
    }
  }

  Expected<StoreOutcome> observe(const Observation& observation, std::int64_t run_id) override {
    return observations_.observe(observation, run_id);
  }

  Expected<std::optional<Observation>> latest_observation(std::string_view resource) override {
    return observations_.latest(resource);
  }

  Expected<std::optional<Observation>> observation_as_of(std::string_view resource,
                                                         EmTime at) override {
    try {
      return as_of_.observation(resource, at);
    } catch (const std::exception& e) {
      return sqlite_error(path_, "cannot read the observation of " + std::string(resource), e);
    }
  }

  Expected<ChainHead> chain_head() override {
    try {
      // The counts and the head from one committed state.
      ReadTransaction transaction(read_transaction_);
      ChainHead head = read_head(*db_);
      transaction.commit();
      return head;
    } catch (const std::exception& e) {
      return sqlite_error(path_, "cannot read the chain's head", e);
    }
  }

  Expected<std::int64_t> revision_count(std::string_view uid, Form form) override {
    try {
      Use s(count_revisions_);
      s->bind(1, std::string(uid));
      s->bind(2, form_id(form));
      s->executeStep();
      return s->getColumn(0).getInt64();
    } catch (const std::exception& e) {
      return sqlite_error(path_, "cannot count the revisions of " + std::string(uid), e);
    }
  }

  Expected<CurrentRevisions> current_revisions(std::string_view uid) override {
    try {
      CurrentRevisions current;
      Use s(current_revisions_);
      s->bind(1, std::string(uid));
      while (s->executeStep()) {
        const std::int64_t revision = s->getColumn(1).getInt64();
        if (s->getColumn(0).getInt() == form_id(Form::Entity)) {
          current.entity = revision;
        } else {
          current.reference = revision;
        }
      }
      return current;
    } catch (const std::exception& e) {
      return sqlite_error(path_, "cannot read the current revisions of " + std::string(uid), e);
    }
  }

  Expected<bool> changed() override {
    try {
      return commit_watch_.changed();
    } catch (const std::exception& e) {
      return sqlite_error(path_, "cannot read the archive's data version", e);
    }
  }

 private:
  std::string path_;
  std::unique_ptr<SQLite::Database> db_;
  int schema_version_;
  RecordReader reader_;
  AsOfReader as_of_;
  RecordWriter writer_;
  ObservationStore observations_;
  ReadTransaction::Statements read_transaction_;
  // Single-statement reads run without a ReadTransaction: one statement reads one committed
  // state by itself.
  SQLite::Statement begin_run_;
  SQLite::Statement finish_run_;
  SQLite::Statement bookmark_;
  SQLite::Statement unfinished_sessions_;
  SQLite::Statement stubs_;
  SQLite::Statement mark_gone_;
  SQLite::Statement name_source_;
  SQLite::Statement count_revisions_;
  SQLite::Statement current_revisions_;
  CommitWatch commit_watch_;
};

}  // namespace

Expected<std::unique_ptr<Archive>> Archive::open(const std::string& path,
                                                 const OpenOptions& options) {
  Expected<OpenedDatabase> opened = open_database(path, options);
  if (!opened) return opened.error();
  try {
    return std::unique_ptr<Archive>(std::make_unique<SqliteArchive>(path, std::move(*opened)));
  } catch (const std::exception& e) {
    return sqlite_error(path, "cannot open the archive", e);
  }
}

}  // namespace emarchive::storage
