#pragma once
// Questions asked of the archive: the query service (`/api/query`), the collections and
// `emarchive query`. A filter is compiled once against its query type (model/query_type.h) into
// SQL with parameters; no value a client sends ever becomes SQL text.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "model/em_time.h"
#include "model/expected.h"
#include "model/query_filter.h"
#include "model/query_type.h"
#include "model/record.h"

namespace emarchive::storage {

using SqlValue = std::variant<std::int64_t, std::string>;

// A filter the session tallies count (storage/session_tallies.h): an AND of bounds on
// CreationTime and at most one term each on Result, State, the backup server and JobName (not
// both the server and the JobName). A term on Result, State or JobName is one value
// (==), several (==, joined by OR), or values excluded (!=, joined by AND), on one field at most;
// a server is one BackupServerUid== or BackupServerName==. No value of those is empty. Or,
// beside CreationTime bounds alone, one != of a field the tallies do not hold but an index of
// the sessions leads with (`other_than`), whose value may be empty; or one =="" of a text field
// whose blank values the tallies hold (`blank`).
struct TallyTerms {
  struct Server {
    bool by_name = false;
    std::string value;  // the name, or the canonical UID
  };
  struct Values {
    std::vector<std::string> values;  // compared as the query service compares text
    bool excluded = false;            // the field has none of them (and has a value)
  };
  std::optional<Values> result;
  std::optional<Values> state;
  std::optional<Server> server;
  std::optional<Values> job_name;
  std::optional<std::string> job_uid;  // the job's canonical UID
  std::optional<EmTime> from;          // creation_time_ns >= from
  std::optional<EmTime> until;         // creation_time_ns < until
  // The sessions whose column of kBlankColumns is NULL, or '' (`empty`), which
  // session_blank_tallies counts.
  struct Blank {
    std::string_view column;
    bool empty = false;
  };
  std::optional<Blank> blank;
  // A field with a value it must not have, counted as the sessions the other terms match, less
  // those with the value and those without the field, which the field's index finds by seeking
  // where no tally counts them.
  struct OtherThan {
    // SQL of the sessions (t): the field has the value; empty where a tally counts them (a
    // server, a job, an empty value).
    std::string equal;
    std::vector<SqlValue> params;  // of `equal`
    // SQL of the sessions (t), each counted apart: the field has no value (disjoint parts, as
    // SQLite reads all of an index for an OR of two seeks under count(*)); none for a UID, nor
    // where `blanks` counts them.
    std::vector<std::string> absent;
    // The blank values the blank tallies count: the field NULL, and '' where that is the value.
    std::vector<Blank> blanks;
    // A server or a job, which the tallies hold: they count those with the value.
    std::optional<Server> server;
    std::optional<std::string> job_uid;
  };
  std::optional<OtherThan> other_than;
};

// A range of 64-bit values, [from, until): of instants (a TimeRange) or of sizes in bytes; a side
// without a bound is open.
struct ValueRange {
  std::optional<std::int64_t> from;
  std::optional<std::int64_t> until;
};
using TimeRange = ValueRange;

// Appends " AND <column> >= ?" and " AND <column> < ?" to `sql` for each side of `range` that has
// a bound, and the bounds to `params`.
void append_range(std::string_view column, const ValueRange& range, std::string& sql,
                  std::vector<SqlValue>& params);

// A WHERE clause over the alias of RecordQuery's SQL (t = the kind's table), with its
// parameters in order.
struct CompiledFilter {
  std::string sql;
  std::vector<SqlValue> params;
  // Every record the filter matches has its entity archived (it compares a field only the entity
  // form gives), so the query need not check that the record is more than a stub.
  bool implies_entity = false;
  // Every record it matches has some form archived (it compares a column a stub leaves NULL),
  // so the query need not check that the record is no stub.
  bool implies_archived = false;
  // The fields every match has one value of (compared with == at the top level, alone or under
  // AND): sorting by one of them changes nothing, and storage orders by the rest.
  std::vector<const QueryField*> pinned;
  // Set when the session tallies can count the filter's matches of a session kind.
  std::optional<TallyTerms> tally;
  // Set when the filter is nothing but bounds on a session's EndTime: the range its matches
  // ended in, which the end tallies count and bound (storage/end_time_range.h).
  std::optional<TimeRange> end_range;
  // Set when the filter is nothing but bounds on a session's TotalSize: the range of its matches'
  // sizes, which the size tallies count (storage/size_range.h).
  std::optional<ValueRange> size_range;
};

// Resolves field names (case-insensitively) against `type` and checks every value against the
// field's type. Errors say where and what, in the filter parser's style: "filter: at character
// 9: unknown field 'Reslt' for type BackupJobSession (fields: UID, Name, ...)", "... 'Done' is
// not a Result (None, Success, Warning, Failed)", "... '2025-13-01' is not a time: ...".
// Relative times (now-7d, model/query_filter.h) are resolved against `now`: callers read the
// clock once per request and pass it to every compilation the request makes.
Expected<CompiledFilter> compile_filter(const QueryType& type, const FilterNode& filter,
                                        EmTime now);

struct Sort {
  const QueryField* field = nullptr;  // from the query type; nullptr = the default order
  bool descending = false;
};

struct RecordQuery {
  Kind kind = Kind::BackupJobSession;
  std::optional<CompiledFilter> filter;
  Sort sort;  // default order: creation time for sessions, name for jobs and servers; ties by
              // archive order, so pages never overlap or skip
  // Collections (docs/ARCHITECTURE.md, "API surface"):
  std::optional<std::string> parent_uid;  // sessions whose parent session has this UID
  std::optional<std::string> job_uid;     // sessions of the job with this UID
  std::vector<std::string> job_types;     // only sessions of these JobTypes (agents, nas)
  std::optional<EmTime> created_since;    // only sessions created at or after (list windows)
  // Only records whose entity form was archived (entity lists); otherwise every record with at
  // least one archived form (stubs known only from links are never listed).
  bool entities_only = false;
  // As the archive knew it at this instant (storage/as_of.h): filtered, sorted and counted on
  // each record's state then; records first observed later are not there.
  std::optional<EmTime> as_of;
  std::int64_t offset = 0;
  std::int64_t limit = -1;  // -1: no limit
  // Where a long answer read in batches resumes (api/resources.cpp): only the sessions at or
  // past this creation time in the query's order (>= ascending, <= descending), or, without
  // one, only the sessions that have no creation time; `offset` then skips those of them
  // already read. Each batch so starts where the one before ended instead of walking every
  // record before it. Only for a query that ordered_by_creation().
  struct Resume {
    std::optional<EmTime> creation_time;
  };
  std::optional<Resume> resume;
  // Only the matches past an instant in creation order, for a page deep into a long answer
  // (storage/deep_page.h): `ascending`, those created at or after `at`, which in ascending order
  // come after every other (the matches without a creation time come first); else those created
  // before `at`, which in descending order come after those created at or after it and before
  // the matches without a creation time, which are left out. The tallies count the first as
  // they count a CreationTime bound. `column` end: past an instant in end-time order instead
  // (end_ordered()); `column` size: past a TotalSize in size order (size_ordered()), `at` a size.
  // The matches without an end time, or without a size, come first in ascending order and are
  // left out as those without a creation time are.
  struct Past {
    enum class Column { creation, end, size };
    std::int64_t at = 0;  // an instant (EmTime), or a size
    bool ascending = true;
    Column column = Column::creation;
  };
  std::optional<Past> past;
  // Bounds on the creation time that every match of an EndTime range has (end_ranged() queries,
  // storage/end_time_range.h): read in creation order, the page walks the creation index between
  // them instead of sorting every match. They leave every answer as it is.
  std::optional<TimeRange> created_within;
  // For a size_ranged() query in creation order, how its page is read (storage/size_range.h
  // chooses by the count): as SQLite plans it; by walking the creation index and testing each
  // session's TotalSize on its entry; or by reading the range from the size index and sorting
  // its matches. It leaves every answer as it is.
  enum class SizeRangeRead { as_planned, walk_creation, sort_matches };
  SizeRangeRead size_range_read = SizeRangeRead::as_planned;
  // false: the matches are not counted (RecordPage::total is -1) and the page is read forward
  // from `offset`; for the batches of an answer whose count is already known.
  bool count = true;
};

// Whether `query` lists sessions in creation order (the default order, or sorted by
// CreationTime, or by a field its filter pins), so that it can be resumed (RecordQuery::resume).
bool ordered_by_creation(const RecordQuery& query);

// Whether `query` lists sessions sorted by EndTime (and then in archive order).
bool ordered_by_end(const RecordQuery& query);

// Whether `query` lists sessions sorted by TotalSize (and then in archive order).
bool ordered_by_size(const RecordQuery& query);

struct RecordPage {
  std::vector<Record> records;
  std::int64_t total = 0;  // how many records match, over all pages; -1 when not counted
};

// The SELECT that answers `query` (ids of the page, ordered) and its count, with parameters.
// Exposed for Archive implementations and their tests.
struct RecordQuerySql {
  std::string select_ids;
  // The same matches in the opposite order, to read a page near the end (page_window).
  std::string select_ids_reversed;
  std::string count;
  std::vector<SqlValue> params;  // shared by the selects, then LIMIT and OFFSET
  std::vector<SqlValue> count_params;
  // For a query tallied(): how many of its matches have no creation time (and so are in no
  // tally), or NULL while the tallies are not current; with `params`. Empty for other queries.
  std::string undated_count;
};
RecordQuerySql record_query_sql(const RecordQuery& query);

// Whether the session tallies count the matches of `query` (storage/session_tallies.h): a
// session kind, filtered (if at all) by what they count, and no collection's restriction.
bool tallied(const RecordQuery& query);

// Whether `query` asks for sessions by an EndTime range alone (CompiledFilter::end_range), as
// they are now, with no collection's restriction: the end tallies may bound its matches'
// creation times, resumed or not, and count its matches, unless it is resumed
// (storage/end_time_range.h).
bool end_ranged(const RecordQuery& query);

// Whether `query` asks for sessions by a TotalSize range alone (CompiledFilter::size_range), as
// they are now, with no collection's restriction, and is not resumed: the size tallies may count
// its matches (storage/size_range.h).
bool size_ranged(const RecordQuery& query);

// Whether `query` asks for sessions sorted by TotalSize (and then in archive order), as they are
// now, with no collection's restriction, filtered by a TotalSize range alone or not at all: the
// size tallies may place a page deep into it (storage/size_range.h).
bool size_ordered(const RecordQuery& query);

// The same of EndTime: sessions sorted by it, as they are now, with no collection's restriction,
// filtered by an EndTime range alone or not at all: the end tallies may place a page deep into it
// (storage/end_time_range.h).
bool end_ordered(const RecordQuery& query);

// The tallies of the matches of `query` by bucket of creation time: rows (bucket, n), several a
// bucket and in no order (grouped and sorted by the caller: the tallies' keys start with the
// Result or the server, so SQLite would sort every row to group them), whose sum over a bucket
// is the number of matches created in it, or more where the filter's CreationTime bounds cut
// through the bucket. Only for a query tallied(). The tallies may not be current (a bulk load
// set them aside): the rows are then an estimate to start from, not a count.
struct BucketTalliesSql {
  std::string sql;
  std::vector<SqlValue> params;
};
BucketTalliesSql bucket_tallies_sql(const RecordQuery& query);

// How to read the page at `offset` of `limit` (-1: no limit) among `total` matches. An OFFSET
// walks every match before it, so a page past the middle is read from the other end with the
// smaller offset counted from there: select_ids_reversed with this LIMIT and OFFSET gives the
// page's ids last first. A last page then costs what a first page costs. A page at or past the
// end holds no match: limit 0, nothing to read.
struct PageWindow {
  bool reversed = false;
  std::int64_t offset = 0;
  std::int64_t limit = -1;
};
PageWindow page_window(std::int64_t total, std::int64_t offset, std::int64_t limit);

}  // namespace emarchive::storage
