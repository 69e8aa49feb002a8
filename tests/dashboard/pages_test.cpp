// The dashboard's pages from given status and history: what each shows, escaped everywhere.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dashboard/html.h"
#include "dashboard/pages.h"
#include "dashboard/svg_chart.h"

namespace emarchive::dashboard {
namespace {

using storage::HistoryEntry;
using storage::JobDay;
using storage::JobStatus;
using storage::SessionSummary;
using storage::SourceStatus;
using storage::StatusSnapshot;
using storage::VmStatus;

constexpr std::string_view kJob = "urn:veeam:Job:00000000-0000-0000-0000-0000000000b1";
constexpr std::string_view kRun = "urn:veeam:BackupJobSession:00000000-0000-0000-0000-00000000c001";
constexpr std::string_view kTask =
    "urn:veeam:BackupTaskSession:00000000-0000-0000-0000-00000000d001";

EmTime at(std::string_view text) {
  return *parse_em_time(text);
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

SessionSummary session(std::string_view uid, Kind kind, std::string result,
                       std::string_view created, EmTime duration) {
  SessionSummary s;
  s.uid = std::string(uid);
  s.kind = kind;
  s.result = std::move(result);
  s.state = "Stopped";
  s.creation_time = at(created);
  s.end_time = *s.creation_time + duration;
  return s;
}

VmStatus vm(std::string name, std::optional<std::string_view> last_success) {
  VmStatus v;
  v.key = name;
  v.name = std::move(name);
  if (last_success) v.last_success = at(*last_success);
  v.last_task = session(kTask, Kind::BackupTaskSession, "Failed", "2026-03-14T22:05:00Z", kMinute);
  v.job_uid = std::string(kJob);
  v.job_name = "Nightly";
  return v;
}

StatusSnapshot status() {
  StatusSnapshot s;
  JobStatus job;
  job.uid = std::string(kJob);
  job.name = "<b>Nightly & Co</b>";
  job.consecutive_failures = 1;
  s.jobs.push_back(job);
  s.vms = {vm("db01", std::nullopt), vm("web01", "2026-03-15T01:00:00Z"),
           vm("file01", "2026-03-13T01:00:00Z")};
  SourceStatus fresh;
  fresh.origin = "https://em1:9398";
  fresh.last_seen_at = "2026-03-15T11:00:00Z";
  SourceStatus stale;
  stale.origin = "https://em2:9398";
  stale.last_seen_at = "2026-03-10T11:00:00Z";
  s.sources = {fresh, stale};
  return s;
}

OverviewView view() {
  OverviewView v;
  v.now = at("2026-03-15T12:00:00Z");
  v.rpo = 24 * kHour;
  v.days = 7;
  v.first_day = at("2026-03-09T00:00:00Z");
  v.span = {{at("2026-01-01T22:00:00Z"), at("2026-03-14T22:00:00Z")}};
  return v;
}

TEST(DashboardPagesTest, OverviewGridHasACellPerJobAndDayWithTheWorstResult) {
  JobDay day;
  day.job_uid = std::string(kJob);
  day.day = at("2026-03-14T00:00:00Z");
  day.runs = 2;
  day.worst_result = "Failed";
  day.latest = session(kRun, Kind::BackupJobSession, "Success", "2026-03-14T23:00:00Z", kHour);
  const std::string html = overview_page(status(), {day}, {}, view());
  EXPECT_TRUE(contains(html,
                       "<td class=\"cell failed\"><a href=\"/api/backupSessions/"
                       "00000000-0000-0000-0000-00000000c001?format=Entity\""));
  EXPECT_TRUE(contains(html, "2026-03-14 &lt;b&gt;Nightly &amp; Co&lt;/b&gt;: Failed, 2 runs"));
  // Seven days, one of them with runs.
  std::size_t empty = 0;
  for (auto at = html.find("cell none"); at != std::string::npos;
       at = html.find("cell none", at + 1)) {
    ++empty;
  }
  EXPECT_EQ(empty, 6u);
  // The archive reaches further back: a link to the week before; today is shown: none after.
  EXPECT_TRUE(contains(html, "href=\"/?until=2026-03-08&amp;rpo=24#grid\""));
  EXPECT_FALSE(contains(html, "newer"));
  EXPECT_TRUE(contains(html, "the archive reaches back to 2026-01-01"));
}

TEST(DashboardPagesTest, ArchiveTextIsEscapedEverywhere) {
  const std::string html = overview_page(status(), {}, {}, view());
  EXPECT_FALSE(contains(html, "<b>Nightly"));
  EXPECT_TRUE(contains(html, "&lt;b&gt;Nightly &amp; Co&lt;/b&gt;"));
  HistoryEntry failure;
  failure.session =
      session(kTask, Kind::BackupTaskSession, "Failed", "2026-03-14T22:05:00Z", kHour);
  failure.name = "vm\"><script>alert(1)</script>";
  failure.reason = "Disk <full> & \"quoted\"";
  const std::string with_failure = overview_page(status(), {}, {failure}, view());
  EXPECT_FALSE(contains(with_failure, "<script>"));
  EXPECT_TRUE(contains(with_failure, "Disk &lt;full&gt; &amp; &quot;quoted&quot;"));
  // The VM page link carries the name percent-encoded.
  EXPECT_TRUE(contains(with_failure, "/dashboard/vm?key=vm%22%3E%3Cscript%3E"));
}

TEST(DashboardPagesTest, VmsOutsideTheirRpoAreListedNeverBackedUpFirst) {
  const std::string html = overview_page(status(), {}, {}, view());
  const auto db = html.find(">db01</a>");
  const auto file = html.find(">file01</a>");
  ASSERT_NE(db, std::string::npos);
  ASSERT_NE(file, std::string::npos);
  EXPECT_LT(db, file);
  EXPECT_FALSE(contains(html, ">web01</a>"));  // backed up 11 hours ago
  EXPECT_TRUE(contains(html, "2 of 3 VMs have no restore point from the last 24 hours"));

  OverviewView longer = view();
  longer.rpo = 72 * kHour;
  const std::string relaxed = overview_page(status(), {}, {}, longer);
  EXPECT_TRUE(contains(relaxed, "1 of 3 VMs have no restore point from the last 72 hours"));
  EXPECT_FALSE(contains(relaxed, ">file01</a>"));
}

TEST(DashboardPagesTest, AThousandLateVmsAreCountedButTwoHundredListed) {
  StatusSnapshot many = status();
  many.vms.clear();
  for (int i = 0; i < 1000; ++i) many.vms.push_back(vm("vm" + std::to_string(i), std::nullopt));
  const std::string html = overview_page(many, {}, {}, view());
  EXPECT_TRUE(contains(html, "1000 of 1000 VMs have no restore point"));
  EXPECT_TRUE(contains(html, "The 200 longest without one are shown."));
  EXPECT_TRUE(contains(html, ">vm199</a>"));
  EXPECT_FALSE(contains(html, ">vm200</a>"));
}

TEST(DashboardPagesTest, SourcesOlderThanTheRpoAreStale) {
  const std::string html = overview_page(status(), {}, {}, view());
  const auto em1 = html.find("https://em1:9398");
  const auto em2 = html.find("https://em2:9398");
  ASSERT_NE(em1, std::string::npos);
  ASSERT_NE(em2, std::string::npos);
  // The cell after each source's says how fresh it is.
  EXPECT_EQ(html.find("<td class=", em1), html.find("<td class=\"fresh\"", em1));
  EXPECT_EQ(html.find("<td class=", em2), html.find("<td class=\"stale\"", em2));
  EXPECT_TRUE(contains(html, "<span class=\"big\">1</span> of 2 EM sources stale"));
  EXPECT_TRUE(contains(html, "<span class=\"big\">1</span> of 1 jobs failed their latest run"));
}

TEST(DashboardPagesTest, JobPageChartsDurationAndSizeWithLinksToEachRun) {
  JobStatus job = status().jobs[0];
  HistoryEntry run;
  run.session =
      session(kRun, Kind::BackupJobSession, "Warning", "2026-03-14T22:00:00Z", 90 * kMinute);
  run.total_size = 3 * 1024 * 1024;
  run.reason = "One VM was retried";
  HistoryEntry earlier = run;
  earlier.session.creation_time = at("2026-03-13T22:00:00Z");
  earlier.total_size.reset();
  const std::string html = job_page(job, {run, earlier}, 2, at("2026-03-15T12:00:00Z"));
  EXPECT_TRUE(contains(html, "<title>Job &lt;b&gt;Nightly &amp; Co&lt;/b&gt; - emarchive</title>"));
  EXPECT_TRUE(contains(html, "aria-label=\"Runs durations\""));
  EXPECT_TRUE(contains(html, "aria-label=\"Runs sizes\""));
  EXPECT_TRUE(contains(html, "<title>2026-03-14 22:00 Warning, 1 h 30 min</title>"));
  EXPECT_TRUE(contains(html, "<title>2026-03-14 22:00 Warning, 3.0 MB</title>"));
  EXPECT_TRUE(contains(html, "<circle class=\"dot warning\""));
  EXPECT_TRUE(contains(html, "One VM was retried"));
  // Two runs read with a limit of two: there may be more.
  EXPECT_TRUE(contains(html, "/dashboard/job?uid=urn%3Aveeam%3AJob%3A"));
  EXPECT_TRUE(contains(html, "&amp;limit=8\">Show more</a>"));
}

TEST(DashboardPagesTest, VmPageSaysWhetherItIsWithinItsRpo) {
  const VmStatus web = status().vms[1];
  const std::string html = vm_page(web, {}, 365, at("2026-03-15T12:00:00Z"), 24 * kHour);
  EXPECT_TRUE(contains(html, "(within the RPO of 24 h)"));
  EXPECT_TRUE(contains(html, "None archived."));
  EXPECT_FALSE(contains(html, "Show more"));
  const std::string late = vm_page(web, {}, 365, at("2026-03-17T12:00:00Z"), 24 * kHour);
  EXPECT_TRUE(contains(late, "(outside the RPO of 24 h)"));
}

TEST(DashboardPagesTest, FormatsReadAsPeopleWriteThem) {
  EXPECT_EQ(format_duration(45 * kSecond), "45 s");
  EXPECT_EQ(format_duration(12 * kMinute), "12 min");
  EXPECT_EQ(format_duration(3 * kHour + 5 * kMinute), "3 h 05 min");
  EXPECT_EQ(format_duration(2 * kDay + 4 * kHour), "2 d 4 h");
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(1536), "1.5 KB");
  EXPECT_EQ(format_minute(at("2026-03-01T22:05:59.5Z")), "2026-03-01 22:05");
  EXPECT_EQ(em_document_link("urn:veeam:Job:abc"), "/api/jobs/abc?format=Entity");
  EXPECT_EQ(em_document_link("not a uid"), "");
}

TEST(DashboardPagesTest, AChartWithoutPointsSaysSo) {
  EXPECT_EQ(render_chart("x", {}, ChartUnit::bytes),
            "<p class=\"empty\">Nothing to chart yet.</p>\n");
}

}  // namespace
}  // namespace emarchive::dashboard
