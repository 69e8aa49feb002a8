// Pages deep into a long answer start their walk at the edge of a tally bucket (storage/
// deep_page.h) and must hold what paging forward holds: in either creation order, read forward
// or from the end, with sessions created in the same instant, on a bucket's edge, before 1970 and
// not at all (known by reference only), with filters that exclude values or bound the creation
// time inside a bucket, and while a bulk load has left the tallies behind. Sorted by EndTime or
// by TotalSize, every session or a range of that field starts at the edge of an end-tally or a
// size-tally bucket alike.

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/em_time.h"
#include "model/query_type.h"
#include "storage/archive.h"
#include "storage/deep_page.h"
#include "storage/record_query.h"
#include "storage/session_tallies.h"
#include "storage/sqlite_support.h"
#include "tests/storage/archive_fixture.h"

namespace emarchive::storage {
namespace {

using namespace emarchive::storage::fixture;

// Bucket 25000 of 2^46 ns starts at this instant.
constexpr const char* kBucketEdge = "2025-09-30T07:50:04.4416Z";
constexpr int kTasks = 2600;
// The job of the job sessions named "Nightly VMs", by UID: two thirds of the task sessions.
const std::string kNightlyJob = "JobUid==\"" + uid(Kind::Job, kJobGuid) + "\"";

class DeepPage : public ArchiveTest {
 protected:
  static std::string guid(int i) { return numbered_guid(i); }

  // The job session of `job` by name, of the fixture's job but "Weekly", which has one of its own.
  static Record job_session(int i, const std::string& job) {
    Record r = full_record(Kind::BackupJobSession, guid(i));
    set_field(r, "JobName", job);
    if (job == "Weekly") set_field(r, "JobUid", uid(Kind::Job, numbered_guid(700)));
    set_field(r, "CreationTimeUTC", "2025-09-01T00:00:00Z");
    return r;
  }

  // Task session i: every 17 minutes from 2025-09-01 (so about 70 a bucket, over 31 days), two
  // or three at a time every tenth, with a Result, a State and a job session that vary with i;
  // running (no end time) if in progress, else ended 0 to 30 hours later, two at a time every
  // tenth.
  static Record task(int i) {
    Record r = full_record(Kind::BackupTaskSession, guid(i));
    const EmTime start = *parse_em_time("2025-09-01T00:00:00Z");
    const EmTime minute = 60'000'000'000;
    const int step = i % 10 == 1 ? i - 1 : i;  // ties: i and i + 1 share an instant
    set_field(r, "CreationTimeUTC", format_em_time(start + step * 17 * minute));
    const int end_step = i % 10 == 5 ? i - 1 : i;
    set_field(r, "EndTimeUTC",
              i % 7 == 0 ? std::nullopt
                         : std::optional(format_em_time(start + end_step * 17 * minute +
                                                        (end_step * 37 % 31) * 60 * minute)));
    const std::vector<std::optional<std::string>> results = {"Success", "Warning",    "Success",
                                                             "Failed",  std::nullopt, "Success"};
    set_field(r, "Result", results[i % results.size()]);
    set_field(r, "State", i % 7 == 0 ? "InProgress" : "Completed");
    set_field(r, "JobSessionUid", uid(Kind::BackupJobSession, guid(9000 + i % 3)));
    // Fields compared by != (counted by complement): one value in two cases, others, an empty
    // one and none.
    const std::vector<std::optional<std::string>> reasons = {"Disk full", "", std::nullopt,
                                                             "DISK FULL", "Timeout"};
    set_field(r, "Reason", reasons[i % reasons.size()]);
    set_field(r, "TotalSize", i % 9 == 0 ? std::nullopt : std::optional(std::to_string(i % 4)));
    r.entity->vm_display_name =
        i % 11 == 0 ? std::nullopt : std::optional("vm-0" + std::to_string(i % 3));
    return r;
  }

  // kTasks task sessions, and: four created and ended on a bucket's edge, three created and
  // ended before 1970, one ended but with no creation time, three known by reference only (no
  // time at all), in batches as an import stores them.
  std::vector<Record> history() {
    std::vector<Record> records;
    for (int i = 0; i < kTasks; ++i) records.push_back(task(i));
    for (int i = 0; i < 4; ++i) {
      Record r = task(kTasks + i);
      set_field(r, "CreationTimeUTC", kBucketEdge);
      set_field(r, "EndTimeUTC", kBucketEdge);
      records.push_back(r);
    }
    for (int i = 0; i < 3; ++i) {
      Record r = task(kTasks + 10 + i);
      set_field(r, "CreationTimeUTC", "1969-12-2" + std::to_string(i) + "T12:00:00Z");
      set_field(r, "EndTimeUTC", "1969-12-2" + std::to_string(i) + "T13:00:00Z");
      records.push_back(r);
    }
    Record undated = task(kTasks + 30);
    set_field(undated, "CreationTimeUTC", std::nullopt);
    set_field(undated, "EndTimeUTC", "2025-09-10T00:00:00Z");
    records.push_back(undated);
    for (int i = 0; i < 3; ++i) {
      Record r = task(kTasks + 20 + i);
      r.entity.reset();
      records.push_back(r);
    }
    records.push_back(job_session(9000, "Nightly VMs"));
    records.push_back(job_session(9001, "Weekly"));
    records.push_back(job_session(9002, "Nightly VMs"));
    return records;
  }

  // The UIDs of the records `ids`, in that order.
  static std::vector<std::string> uids_of(SQLite::Database& db,
                                          const std::vector<std::int64_t>& ids) {
    SQLite::Statement uid(db, "SELECT uid FROM records WHERE id = ?");
    std::vector<std::string> out;
    for (const std::int64_t id : ids) {
      uid.bind(1, id);
      if (uid.executeStep()) out.push_back(uid.getColumn(0).getString());
      uid.reset();
    }
    return out;
  }

  void store_in_batches(const std::vector<Record>& records) {
    for (std::size_t first = 0; first < records.size(); first += 500) {
      const std::size_t end = std::min(records.size(), first + 500);
      store(std::vector<Record>(records.begin() + first, records.begin() + end));
    }
  }

  // `sort_field` nullptr: the default order.
  static RecordQuery query_of(const std::string& filter, const char* sort_field, bool descending,
                              bool entities_only) {
    RecordQuery query;
    query.kind = Kind::BackupTaskSession;
    query.filter = compiled_filter(query.kind, filter);
    if (sort_field) {
      query.sort.field = find_query_field(*find_query_type("BackupTaskSession"), sort_field);
    }
    query.sort.descending = descending;
    query.entities_only = entities_only;
    return query;
  }

  // A filter in the orders (sort field, descending) it is read in.
  struct Ordered {
    std::vector<std::string> filters;
    std::vector<std::pair<const char*, bool>> orders;
  };

  // Every filter the creation tallies count in both creation orders (and the default), every
  // session and EndTime ranges in both end orders, every session and TotalSize ranges in both
  // size orders (four sizes, many ties, some sessions without one), each page at offsets around
  // the seek's threshold, the middle and the end, against the whole answer read at once. Returns
  // how many of the pages read_deep_page() read, of the creation, end and size orders: about a
  // tenth of them (those whose window starts 1,000 matches or more into the order it reads in).
  std::vector<int> expect_deep_pages_hold_what_paging_forward_holds() {
    const std::string edge = std::string("\"") + kBucketEdge + "\"";
    const std::vector<std::string> filters = {
        "",
        "Result==Success",
        "Result!=Failed",
        "State==Completed;Result!=Warning",
        "JobName==\"Nightly VMs\"",
        "JobName!=Weekly",
        "JobName!=\"nightly vms\";Result==Warning",
        kNightlyJob,
        kNightlyJob + ";Result!=Warning",
        "CreationTime>=\"2025-09-03T05:00:00Z\";CreationTime<\"2025-09-29T13:00:00Z\"",
        std::string("CreationTime>\"") + kBucketEdge + "\";Result==Success",
        "CreationTime<\"2025-09-20T00:00:00Z\"",
        "VmDisplayName!=vm-01",
        "Reason!=\"disk full\";Result==Success",
        "TotalSize!=2;CreationTime<\"2025-09-20T00:00:00Z\"",
        "JobSessionUid!=\"" + uid(Kind::BackupJobSession, guid(9001)) + "\"",
        "Reason==\"\"",
        "Reason==\"\";CreationTime>=\"2025-09-03T05:00:00Z\"",
        "Reason!=\"\"",
    };
    const std::vector<Ordered> all_ordered = {
        {filters, {{nullptr, false}, {"CreationTime", false}, {"CreationTime", true}}},
        {{"", "EndTime>=\"2025-09-01T06:00:00Z\";EndTime<\"2025-10-02T13:00:00Z\"",
          "EndTime>\"2025-09-02\"", "EndTime<=" + edge, "EndTime>=" + edge,
          "EndTime>" + edge + ";EndTime<\"2025-10-02\"", "EndTime<\"2025-09-20T00:00:00Z\"",
          "EndTime>=\"1969-12-21\";EndTime<\"2025-10-01\""},
         {{"EndTime", false}, {"EndTime", true}}},
        {{"", "TotalSize>=1", "TotalSize<3", "TotalSize>=1;TotalSize<3"},
         {{"TotalSize", false}, {"TotalSize", true}}},
    };
    SQLite::Database db = sql();
    std::vector<int> deep;
    for (const Ordered& ordered : all_ordered) {
      deep.push_back(0);
      for (const std::string& filter : ordered.filters) {
        for (const bool entities_only : {false, true}) {
          for (const auto& [sort_field, descending] : ordered.orders) {
            RecordQuery query = query_of(filter, sort_field, descending, entities_only);
            const auto [all, total] = page(query);
            const auto n = static_cast<std::int64_t>(all.size());
            EXPECT_EQ(n, total) << filter;
            for (const std::int64_t offset :
                 {std::int64_t{999}, std::int64_t{1000}, std::int64_t{1001}, std::int64_t{1234},
                  n / 2 - 50, n / 2, n - 1300, n - 1001, n - 1000, n - 101, n - 100, n - 3, n}) {
              if (offset < 0) continue;
              for (const std::int64_t limit : {1, 100}) {
                query.offset = offset;
                query.limit = limit;
                const auto [uids, count] = page(query);
                EXPECT_EQ(count, total);
                const auto first = std::min(offset, n);
                const auto end = std::min(offset + limit, n);
                EXPECT_EQ(uids, std::vector<std::string>(all.begin() + first, all.begin() + end))
                    << filter << " by " << (sort_field ? sort_field : "default order")
                    << (descending ? " desc" : "") << (entities_only ? " entities" : "")
                    << " offset " << offset << " limit " << limit;
                deep.back() += read_deep_page(db, query, record_query_sql(query), total,
                                              page_window(total, offset, limit))
                                   .has_value();
              }
            }
          }
        }
      }
    }
    return deep;
  }
};

TEST_F(DeepPage, HoldsWhatPagingForwardHolds) {
  store_in_batches(history());
  const std::vector<int> deep = expect_deep_pages_hold_what_paging_forward_holds();
  EXPECT_GT(deep[0], 100);
  EXPECT_GT(deep[1], 20);
  EXPECT_GT(deep[2], 20);
}

TEST_F(DeepPage, ReadsFromTheBucketTheTalliesPutThePageIn) {
  store_in_batches(history());
  SQLite::Database db = sql();
  // The middle of every task session by creation time, read forward and descending: the walk
  // starts at the edge of the page's bucket, so the page is read, not left to an OFFSET.
  RecordQuery query = query_of("", "CreationTime", true, true);
  const std::int64_t total = kTasks + 4 + 3 + 1;
  const PageWindow window = page_window(total, total / 2 - 100, 100);
  ASSERT_FALSE(window.reversed);
  const auto ids = read_deep_page(db, query, record_query_sql(query), total, window);
  ASSERT_TRUE(ids);
  EXPECT_EQ(ids->size(), 100u);
  // Near the start the OFFSET is as quick, and queries the tallies do not count are left to it.
  EXPECT_FALSE(
      read_deep_page(db, query, record_query_sql(query), total, page_window(total, 500, 100)));
  RecordQuery per_vm = query_of("VmDisplayName==vm-01", "CreationTime", true, true);
  EXPECT_FALSE(read_deep_page(db, per_vm, record_query_sql(per_vm), total, window));
  // A window read forward (not one page_window() makes) that reaches the sessions without a
  // creation time, last in descending order: left to the OFFSET, which lists them.
  RecordQuery any_form = query_of("", "CreationTime", true, false);
  const std::int64_t with_undated = total + 3;
  EXPECT_FALSE(read_deep_page(db, any_form, record_query_sql(any_form), with_undated,
                              PageWindow{false, with_undated - 50, 100}));
  EXPECT_TRUE(read_deep_page(db, any_form, record_query_sql(any_form), with_undated,
                             PageWindow{false, with_undated - 150, 100}));
}

TEST_F(DeepPage, AnEndTimeRangeSortedByItReadsFromAnEndBucket) {
  // The history and 800 task sessions more, created from 2025-10-02 on: some 2,900 end in range.
  std::vector<Record> records = history();
  for (int i = 0; i < 800; ++i) records.push_back(task(kTasks + 100 + i));
  store_in_batches(records);
  SQLite::Database db = sql();
  const std::string range = R"(EndTime>="2025-09-01T06:00:00Z";EndTime<"2025-10-20")";
  for (const bool descending : {false, true}) {
    RecordQuery query = query_of(range, "EndTime", descending, true);
    const RecordQuerySql sql = record_query_sql(query);
    const auto [all, total] = page(query);
    ASSERT_GT(total, 2600);
    // The middle page, read forward, and one past it, read from the end, start at an edge; a
    // page near the start is left to the OFFSET.
    for (const std::int64_t offset : {total / 2 - 100, total - 1200}) {
      const PageWindow window = page_window(total, offset, 100);
      std::optional<std::vector<std::int64_t>> ids = read_deep_page(db, query, sql, total, window);
      ASSERT_TRUE(ids) << offset << (descending ? " descending" : "");
      // In the order the window reads them.
      if (window.reversed) std::reverse(ids->begin(), ids->end());
      EXPECT_EQ(uids_of(db, *ids),
                std::vector<std::string>(all.begin() + offset, all.begin() + offset + 100));
    }
    EXPECT_FALSE(read_deep_page(db, query, sql, total, page_window(total, 500, 100)));
    // Other queries are in no order the end tallies keep: the range in creation order, with
    // another field, and a single end time (sorting by it is the default order).
    for (const auto& [filter, sort_field] :
         {std::pair<std::string, const char*>{range, "CreationTime"},
          {range + ";Result==Success", "EndTime"},
          {R"(EndTime=="2025-09-10T00:00:00Z")", "EndTime"}}) {
      const RecordQuery other = query_of(filter, sort_field, descending, true);
      EXPECT_FALSE(read_deep_page(db, other, record_query_sql(other), total,
                                  page_window(total, total / 2 - 100, 100)))
          << filter;
    }
  }
  // A bulk load sets the tallies aside: the page is read from the first match.
  auto deferred = archive_->begin_bulk_load(std::uint64_t{1} << 40);
  ASSERT_TRUE(deferred) << deferred.error().message;
  const RecordQuery query = query_of(range, "EndTime", false, true);
  const std::int64_t total = page(query).second;
  EXPECT_FALSE(read_deep_page(db, query, record_query_sql(query), total,
                              page_window(total, total / 2 - 100, 100)));
  ASSERT_TRUE(archive_->end_bulk_load());
}

TEST_F(DeepPage, TalliesOfAFilterThatExcludesValuesAreItsMatchesInEachBucket) {
  // The kind's tallies less a job's, and tallies that exclude a Result, less the sessions
  // without the field (some have no Result here), the tallies less the sessions with a value of
  // another field or without it (counted by complement), and the blank tallies of an empty value:
  // each bucket's sum is its matches, so a deep page needs no count of the matches before its
  // bucket.
  store_in_batches(history());
  SQLite::Database db = sql();
  // A bound on the creation time at a bucket's start cuts through no bucket.
  const std::vector<std::string> filters = {
      "JobName!=Weekly",
      "JobName!=\"nightly vms\";Result==Warning",
      "Result!=Failed",
      "State==Completed;Result!=Warning",
      kNightlyJob + ";Result!=Success",
      std::string("Result!=Success;CreationTime>=\"") + kBucketEdge + "\"",
      "VmDisplayName!=VM-02",
      std::string("Reason!=\"\";CreationTime<\"") + kBucketEdge + "\"",
      "TotalSize!=0",
      "Reason==\"\"",
      "VmDisplayName!=\"\"",
      std::string("JobSessionUid!=\"") + uid(Kind::BackupJobSession, guid(9000)) +
          "\";CreationTime<\"" + kBucketEdge + "\""};
  for (const std::string& filter : filters) {
    const RecordQuery query = query_of(filter, "CreationTime", false, true);
    const BucketTalliesSql tallies = bucket_tallies_sql(query);
    SQLite::Statement estimate(db, tallies.sql);
    bind_all(estimate, tallies.params);
    std::map<std::int64_t, std::int64_t> estimated;  // bucket, n
    while (estimate.executeStep()) {
      estimated[estimate.getColumn(0).getInt64()] += estimate.getColumn(1).getInt64();
    }
    std::erase_if(estimated, [](const auto& bucket) { return bucket.second == 0; });
    const RecordQuerySql all = record_query_sql(query);
    SQLite::Statement matches(
        db, "SELECT s.creation_time_ns >> " + std::to_string(kTallyBucketShift) +
                ", count(*) FROM sessions s WHERE s.record_id IN (" +
                all.select_ids.substr(0, all.select_ids.find(" ORDER BY ")) +
                ") AND s.creation_time_ns IS NOT NULL GROUP BY 1");  // what a tally can hold
    bind_all(matches, all.params);
    std::map<std::int64_t, std::int64_t> counted;
    while (matches.executeStep()) {
      counted[matches.getColumn(0).getInt64()] = matches.getColumn(1).getInt64();
    }
    EXPECT_FALSE(counted.empty()) << filter;
    EXPECT_EQ(estimated, counted) << filter;
  }
}

TEST_F(DeepPage, PagesStayRightWhileABulkLoadLeavesTheTalliesBehind) {
  // Half the history counted in the tallies, then a bulk load of the rest: the tallies hold
  // less than the archive until the load ends.
  const std::vector<Record> records = history();
  const auto half = static_cast<std::ptrdiff_t>(records.size() / 2);
  store_in_batches(std::vector<Record>(records.begin(), records.begin() + half));
  auto deferred = archive_->begin_bulk_load(std::uint64_t{1} << 40);
  ASSERT_TRUE(deferred) << deferred.error().message;
  store_in_batches(std::vector<Record>(records.begin() + half, records.end()));
  expect_deep_pages_hold_what_paging_forward_holds();
  ASSERT_TRUE(archive_->end_bulk_load());
  const std::vector<int> deep = expect_deep_pages_hold_what_paging_forward_holds();
  EXPECT_GT(deep[0], 100);
  EXPECT_GT(deep[1], 20);
  EXPECT_GT(deep[2], 20);
}

}  // namespace
}  // namespace emarchive::storage
