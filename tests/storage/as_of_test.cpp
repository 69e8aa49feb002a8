// The archive as it was at an instant (storage/as_of.h): the instants people type, a record as
// its revisions observed by then, records first observed later absent, queries filtered, sorted
// and counted on each record's state then, and observations as their revision then.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "model/query_type.h"
#include "storage/as_of.h"
#include "tests/storage/archive_fixture.h"

namespace emarchive::storage {
namespace {

using fixture::ArchiveTest;
using fixture::compiled_filter;
using fixture::full_record;
using fixture::set_field;

EmTime time_of(std::string_view text) {
  auto t = parse_em_time(text);
  EXPECT_TRUE(t) << t.error().message;
  return t ? *t : 0;
}

TEST(ParseAsOfTimeTest, TakesDateTimesAndNowMinusADuration) {
  const EmTime now = time_of("2026-06-08T12:00:00Z");
  struct Case {
    std::string_view text;
    std::string_view expected;  // "" for an error
  };
  const std::vector<Case> cases = {
      {"2026-06-01T00:00:00Z", "2026-06-01T00:00:00Z"},
      {"2026-06-01T02:00:00+02:00", "2026-06-01T00:00:00Z"},
      {"2026-06-01T00:00:00.5Z", "2026-06-01T00:00:00.5Z"},
      {"2026-06-01T00:00:00", "2026-06-01T00:00:00Z"},
      {"now", "2026-06-08T12:00:00Z"},
      {"now-7d", "2026-06-01T12:00:00Z"},
      {"now-1w", "2026-06-01T12:00:00Z"},
      {"now-12h", "2026-06-08T00:00:00Z"},
      {"now-30m", "2026-06-08T11:30:00Z"},
      {"now-45s", "2026-06-08T11:59:15Z"},
      {"yesterday", ""},
      {"now-7", ""},
      {"now+7d", "2026-06-15T12:00:00Z"},
      {"now-d", ""},
      {"now--7d", ""},
      {"now-7y", ""},
      {"now-99999999999999999d", ""},
      {"2026-13-01T00:00:00Z", ""},
      {"2026-06-01", ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.text));
    const Expected<EmTime> parsed = parse_as_of_time(c.text, now);
    if (c.expected.empty()) {
      ASSERT_FALSE(parsed);
      EXPECT_NE(parsed.error().message.find(std::string(c.text)), std::string::npos)
          << parsed.error().message;
    } else {
      ASSERT_TRUE(parsed) << parsed.error().message;
      EXPECT_EQ(format_em_time(*parsed), c.expected);
    }
  }
}

class AsOfTest : public ArchiveTest {
 protected:
  // The record as parsing EM's documents gives it (a superseded revision is read back so):
  // full_record has what no parsed document has, unmodeled elements past the last child.
  static Record as_parsed(const Record& record) {
    Record parsed = record;
    for (const Form form : {Form::Reference, Form::Entity}) {
      const std::string xml =
          form == Form::Entity ? render_entity(record, "") : render_entity_ref(record, "");
      auto document = parse_document(xml, "test");
      EXPECT_TRUE(document) << document.error().message;
      if (document) parsed.form(form) = document->records.at(0).form(form);
    }
    return parsed;
  }

  // A job session as first seen (Working) and as seen once it finished.
  static Record working(std::string_view guid, std::string_view created) {
    Record record = full_record(Kind::BackupJobSession, guid);
    set_field(record, "CreationTimeUTC", std::string(created));
    set_field(record, "State", "Working");
    set_field(record, "Result", "None");
    return as_parsed(record);
  }
  static Record finished(Record record) {
    set_field(record, "State", "Stopped");
    set_field(record, "Result", "Success");
    return record;
  }

  std::optional<Record> load_as_of(std::string_view uid, std::string_view at) {
    auto record = archive_->load_as_of(uid, time_of(at));
    EXPECT_TRUE(record) << record.error().message;
    return record ? *record : std::nullopt;
  }

  // The UIDs `filter` selects of the job sessions at `at`, newest first, and their total.
  std::pair<std::vector<std::string>, std::int64_t> select(std::string_view filter,
                                                           std::string_view at,
                                                           bool entities_only = false) {
    RecordQuery query;
    query.kind = Kind::BackupJobSession;
    query.filter = compiled_filter(query.kind, filter, time_of(at));
    query.sort = Sort{find_query_field(*find_query_type("BackupJobSession"), "CreationTime"), true};
    query.entities_only = entities_only;
    query.as_of = time_of(at);
    std::pair<std::vector<std::string>, std::int64_t> out;
    auto page = archive_->query(query);
    EXPECT_TRUE(page) << page.error().message;
    if (!page) return out;
    for (const Record& record : page->records) out.first.push_back(record.uid);
    out.second = page->total;
    return out;
  }

  static constexpr std::string_view kA = "aaaaaaaa-0000-4000-8000-000000000001";
  static constexpr std::string_view kB = "bbbbbbbb-0000-4000-8000-000000000002";
  static constexpr std::string_view kC = "cccccccc-0000-4000-8000-000000000003";
};

TEST_F(AsOfTest, ARecordIsItsRevisionsObservedByThen) {
  const Record first = working(kA, "2026-01-01T00:00:00Z");
  const Record later = finished(first);
  // Observation times as the writers' clocks write them: with and without a fraction.
  store({first}, "2026-01-01T00:00:00.250000Z");
  store({later}, "2026-01-02T00:00:00Z");

  EXPECT_EQ(load_as_of(first.uid, "2026-01-01T00:00:00Z"), std::nullopt);
  EXPECT_EQ(load_as_of(first.uid, "2026-01-01T00:00:00.25Z"), first);
  EXPECT_EQ(load_as_of(first.uid, "2026-01-01T23:59:59Z"), first);
  EXPECT_EQ(load_as_of(first.uid, "2026-01-02T00:00:00Z"), later);
  EXPECT_EQ(load_as_of(first.uid, "2030-01-01T00:00:00Z"), load(first.uid));
  EXPECT_EQ(load_as_of("urn:veeam:BackupJobSession:unknown", "2030-01-01T00:00:00Z"), std::nullopt);
}

TEST_F(AsOfTest, AFormObservedLaterIsNotThereYet) {
  Record reference_only = working(kA, "2026-01-01T00:00:00Z");
  reference_only.entity.reset();
  store({reference_only}, "2026-01-01T00:00:00Z");
  const Record both = working(kA, "2026-01-01T00:00:00Z");
  store({both}, "2026-01-02T00:00:00Z");

  EXPECT_EQ(load_as_of(both.uid, "2026-01-01T12:00:00Z"), reference_only);
  // Entity lists leave it out until its entity was observed, other lists do not.
  EXPECT_EQ(select("", "2026-01-01T12:00:00Z", true).second, 0);
  EXPECT_EQ(select("", "2026-01-01T12:00:00Z").second, 1);
  EXPECT_EQ(select("", "2026-01-02T12:00:00Z", true).second, 1);
}

TEST_F(AsOfTest, QueriesFilterSortAndCountEachRecordAsItWasThen) {
  const Record a = working(kA, "2026-01-01T01:00:00Z");
  const Record b = finished(working(kB, "2026-01-01T00:00:00Z"));
  store({a, b}, "2026-01-01T02:00:00Z");
  store({finished(a), working(kC, "2026-01-02T01:00:00Z")}, "2026-01-02T02:00:00Z");

  const std::string ua = a.uid, ub = b.uid, uc = fixture::uid(Kind::BackupJobSession, kC);
  const auto then = "2026-01-01T12:00:00Z";
  EXPECT_EQ(select("", then), std::make_pair(std::vector<std::string>{ua, ub}, std::int64_t{2}));
  EXPECT_EQ(select("State==Working", then),
            std::make_pair(std::vector<std::string>{ua}, std::int64_t{1}));
  EXPECT_EQ(select("Result==Success", then),
            std::make_pair(std::vector<std::string>{ub}, std::int64_t{1}));

  const auto now = "2026-01-03T00:00:00Z";
  EXPECT_EQ(select("", now), std::make_pair(std::vector<std::string>{uc, ua, ub}, std::int64_t{3}));
  EXPECT_EQ(select("State==Working", now),
            std::make_pair(std::vector<std::string>{uc}, std::int64_t{1}));
  EXPECT_EQ(select("Result==Success", now),
            std::make_pair(std::vector<std::string>{ua, ub}, std::int64_t{2}));

  // The page holds each record as it was: A still Working.
  RecordQuery working_then;
  working_then.kind = Kind::BackupJobSession;
  working_then.as_of = time_of(then);
  auto page = archive_->query(working_then);
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->records.size(), 2u);
  EXPECT_EQ(page->records[1], a);
  // Asked again after B changed, B is still as it was then.
  Record b_failed = b;
  set_field(b_failed, "Result", "Failed");
  store({b_failed}, "2026-01-02T03:00:00Z");
  EXPECT_EQ(select("Result==Success", then),
            std::make_pair(std::vector<std::string>{ub}, std::int64_t{1}));
}

TEST_F(AsOfTest, AnObservationIsItsRevisionObservedByThen) {
  const auto overview = [](int failed) {
    return "<OverviewReportFrame xmlns=\"http://www.veeam.com/ent/v1.0\"><FailedVmLastestStates>" +
           std::to_string(failed) + "</FailedVmLastestStates></OverviewReportFrame>";
  };
  const std::string resource = "/api/reports/summary/overview";
  for (const auto& [failed, at] :
       {std::pair{1, "2026-01-01T00:00:00Z"}, std::pair{2, "2026-01-02T00:00:00Z"}}) {
    auto stored = archive_->observe(
        Observation{resource, std::string(fixture::kOrigin), overview(failed), at, ""}, run_);
    ASSERT_TRUE(stored) << stored.error().message;
  }
  auto before = archive_->observation_as_of(resource, time_of("2025-12-31T00:00:00Z"));
  ASSERT_TRUE(before) << before.error().message;
  EXPECT_EQ(*before, std::nullopt);
  auto then = archive_->observation_as_of(resource, time_of("2026-01-01T12:00:00Z"));
  ASSERT_TRUE(then && *then);
  EXPECT_NE((*then)->document.find(">1<"), std::string::npos) << (*then)->document;
  EXPECT_EQ((*then)->observed_at, "2026-01-01T00:00:00Z");
  auto now = archive_->observation_as_of(resource, time_of("2026-01-03T00:00:00Z"));
  ASSERT_TRUE(now && *now);
  EXPECT_NE((*now)->document.find(">2<"), std::string::npos) << (*now)->document;
}

}  // namespace
}  // namespace emarchive::storage
