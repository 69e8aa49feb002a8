// Observations (Archive::observe, latest_observation): a revision only when EM's answer changed,
// the counters and repository space normalized, the document kept whole.

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "storage/archive.h"
#include "storage/observation_document.h"
#include "tests/support/test_data.h"

namespace emarchive::storage {
namespace {

constexpr std::string_view kEm = "https://em.test.local:9398";

std::string overview(int failed) {
  return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
         "<OverviewReportFrame xmlns=\"http://www.veeam.com/ent/v1.0\">\n"
         "  <BackupServers>2</BackupServers>\n  <ProxyServers>4</ProxyServers>\n"
         "  <RunningJobs>0</RunningJobs>\n  "
         "<SuccessfulVmLastestStates>18</SuccessfulVmLastestStates>\n"
         "  <FailedVmLastestStates>" +
         std::to_string(failed) +
         "</FailedVmLastestStates>\n  <FutureCounter note=\"x\">7</FutureCounter>\n"
         "</OverviewReportFrame>\n";
}

const std::string kRepositoryReport =
    "<RepositoryReportFrame xmlns=\"http://www.veeam.com/ent/v1.0\" "
    "CapacityPlanningReportLink=\"Workspace/ViewReport.aspx?definition=6&amp;ShowParams=1\">"
    "<Period><Name>Backup Volume 01</Name><Capacity>1079639011328</Capacity>"
    "<FreeSpace>881812750336</FreeSpace><BackupSize>197826260992</BackupSize></Period>"
    "<Period><Name>NetApp SnapShot</Name><Capacity>-1</Capacity><FreeSpace>-1</FreeSpace>"
    "<BackupSize>0</BackupSize></Period></RepositoryReportFrame>";

const std::string kRepositories =
    "<Repositories xmlns=\"http://www.veeam.com/ent/v1.0\">"
    "<Repository Type=\"Repository\" "
    "Href=\"https://em.test.local:9398/api/repositories/bffeb9f5?format=Entity\" "
    "Name=\"Backup Volume 01\" UID=\"urn:veeam:Repository:bffeb9f5\"><Links>"
    "<Link Rel=\"Up\" Type=\"BackupServerReference\" "
    "Href=\"https://em.test.local:9398/api/backupServers/ce15\" Name=\"srv02\" /></Links>"
    "<Capacity>1079639011328</Capacity><FreeSpace>881812750336</FreeSpace>"
    "<Kind>WindowsLocal</Kind><Unknown a=\"1\"> </Unknown></Repository></Repositories>";

class ObservationStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Archive::open(path_);
    ASSERT_TRUE(opened) << opened.error().message;
    archive_ = std::move(*opened);
    auto run = archive_->begin_run("ingest", "test", "2026-03-01T00:00:00Z");
    ASSERT_TRUE(run);
    run_ = *run;
  }

  StoreOutcome observe(std::string_view resource, const std::string& document, std::string_view at,
                       std::string_view source = kEm) {
    auto outcome = archive_->observe(
        Observation{std::string(resource), std::string(source), document, std::string(at), ""},
        run_);
    EXPECT_TRUE(outcome) << outcome.error().message;
    return outcome ? *outcome : StoreOutcome::Unchanged;
  }

  std::int64_t count(const std::string& sql) {
    SQLite::Database db(path_, SQLite::OPEN_READONLY);
    return db.execAndGet(sql).getInt64();
  }

  // Each row `sql` yields, its columns joined by '|', NULL as "NULL".
  std::vector<std::string> rows(const std::string& sql) {
    SQLite::Database db(path_, SQLite::OPEN_READONLY);
    SQLite::Statement s(db, sql);
    std::vector<std::string> rows;
    while (s.executeStep()) {
      std::string row;
      for (int i = 0; i < s.getColumnCount(); ++i) {
        row += (i ? "|" : "") + (s.getColumn(i).isNull() ? "NULL" : s.getColumn(i).getString());
      }
      rows.push_back(row);
    }
    return rows;
  }

  testing::TempDir dir_;
  std::string path_ = (dir_ / "archive.db").string();
  std::unique_ptr<Archive> archive_;
  std::int64_t run_ = 0;
};

TEST_F(ObservationStoreTest, ANewRevisionOnlyWhenTheAnswerChanged) {
  const std::string_view overview_path = "/api/reports/summary/overview";
  EXPECT_EQ(observe(overview_path, overview(0), "2026-03-01T01:00:00Z"), StoreOutcome::New);
  // The same document, indented otherwise and with a declaration: the same answer.
  std::string same = overview(0);
  same.erase(0, same.find('\n') + 1);
  EXPECT_EQ(observe(overview_path, same, "2026-03-01T02:00:00Z"), StoreOutcome::Unchanged);
  EXPECT_EQ(observe(overview_path, overview(3), "2026-03-01T03:00:00Z"), StoreOutcome::Updated);
  EXPECT_EQ(count("SELECT count(*) FROM observations"), 2);

  auto latest = archive_->latest_observation(overview_path);
  ASSERT_TRUE(latest && *latest);
  EXPECT_EQ((*latest)->observed_at, "2026-03-01T03:00:00Z");
  EXPECT_NE((*latest)->document.find("<FailedVmLastestStates>3<"), std::string::npos);
  EXPECT_EQ((*latest)->source, kEm);

  // The first revision was confirmed until the second came.
  EXPECT_EQ(count("SELECT count(*) FROM observations WHERE revision = 1 AND "
                  "last_observed_at = '2026-03-01T02:00:00Z'"),
            1);
}

TEST_F(ObservationStoreTest, CountersAreRowsPerRevision) {
  observe("/api/reports/summary/overview", overview(0), "2026-03-01T01:00:00Z");
  observe("/api/reports/summary/overview", overview(5), "2026-03-02T01:00:00Z");
  EXPECT_EQ(rows("SELECT o.observed_at, c.value FROM observed_counters c "
                 "JOIN observations o ON o.id = c.observation_id "
                 "WHERE o.resource = '/api/reports/summary/overview' "
                 "AND c.name = 'FailedVmLastestStates' ORDER BY o.observed_ns"),
            (std::vector<std::string>{"2026-03-01T01:00:00Z|0", "2026-03-02T01:00:00Z|5"}));
  // A counter emarchive does not know is a counter too.
  EXPECT_EQ(count("SELECT count(*) FROM observed_counters WHERE name = 'FutureCounter'"), 2);
}

TEST_F(ObservationStoreTest, RepositorySpaceFromTheReportAndTheEntityList) {
  observe("/api/reports/summary/repository", kRepositoryReport, "2026-03-01T01:00:00Z");
  observe("/api/repositories?format=Entity", kRepositories, "2026-03-01T01:00:00Z");
  EXPECT_EQ(rows("SELECT o.resource, r.name, coalesce(r.uid, '-'), r.capacity, r.free_space, "
                 "r.backup_size, coalesce(r.kind, '-') FROM observed_repositories r "
                 "JOIN observations o ON o.id = r.observation_id ORDER BY o.resource, r.position"),
            (std::vector<std::string>{
                "/api/reports/summary/repository|Backup Volume 01|-|1079639011328|"
                "881812750336|197826260992|-",
                "/api/reports/summary/repository|NetApp SnapShot|-|NULL|NULL|0|-",
                "/api/repositories?format=Entity|Backup Volume 01|"
                "urn:veeam:Repository:bffeb9f5|1079639011328|881812750336|NULL|"
                "WindowsLocal",
            }));
}

TEST_F(ObservationStoreTest, TheDocumentIsKeptWholeAndServedWithAnyOrigin) {
  observe("/api/repositories?format=Entity", kRepositories, "2026-03-01T01:00:00Z");
  auto latest = archive_->latest_observation("/api/repositories?format=Entity");
  ASSERT_TRUE(latest && *latest);
  const std::string served = with_href_origin((*latest)->document, "http://127.0.0.1:9399");
  EXPECT_NE(served.find("Href=\"http://127.0.0.1:9399/api/repositories/bffeb9f5?format=Entity\""),
            std::string::npos);
  EXPECT_NE(served.find("Href=\"http://127.0.0.1:9399/api/backupServers/ce15\""),
            std::string::npos);
  // What emarchive does not model stays, a value of spaces included.
  EXPECT_NE(served.find("<Unknown a=\"1\"> </Unknown>"), std::string::npos);
  EXPECT_EQ(served.find("em.test.local"), std::string::npos);
}

TEST_F(ObservationStoreTest, TheSameAnswerFromAnotherAddressIsUnchanged) {
  std::string elsewhere = kRepositories;
  for (std::size_t at; (at = elsewhere.find("https://em.test.local:9398")) != std::string::npos;) {
    elsewhere.replace(at, 26, "http://em:9399");
  }
  EXPECT_EQ(observe("/api/repositories?format=Entity", kRepositories, "2026-03-01T01:00:00Z"),
            StoreOutcome::New);
  EXPECT_EQ(observe("/api/repositories?format=Entity", elsewhere, "2026-03-01T02:00:00Z"),
            StoreOutcome::Unchanged);
}

TEST_F(ObservationStoreTest, NeverObservedIsNullopt) {
  auto latest = archive_->latest_observation("/api/nas/jobs");
  ASSERT_TRUE(latest);
  EXPECT_FALSE(*latest);
}

TEST_F(ObservationStoreTest, ADocumentOutsideEmsNamespaceIsRefused) {
  for (const std::string bad :
       {"<OverviewReportFrame><A>1</A></OverviewReportFrame>",
        "<OverviewReportFrame xmlns=\"http://www.veeam.com/ent/v1.0\">", "not xml"}) {
    auto outcome = archive_->observe(Observation{"/api/reports/summary/overview", std::string(kEm),
                                                 bad, "2026-03-01T01:00:00Z", ""},
                                     run_);
    ASSERT_FALSE(outcome) << bad;
    EXPECT_EQ(outcome.error().code, ErrorCode::invalid_input);
    EXPECT_NE(outcome.error().message.find("/api/reports/summary/overview"), std::string::npos);
  }
  EXPECT_EQ(count("SELECT count(*) FROM observations"), 0);
}

}  // namespace
}  // namespace emarchive::storage
