// The resources kept as observations, served over HTTP from the latest observation: Hrefs at the
// client's origin, a single repository out of the lists, a 404 for what was never observed.

#include "api/observations.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "api/resources.h"
#include "storage/archive.h"
#include "tests/support/failing_archive.h"
#include "tests/support/http_client.h"
#include "tests/support/test_data.h"
#include "tests/support/test_server.h"

namespace emarchive::api {
namespace {

using emarchive::testing::HttpClient;
using emarchive::testing::HttpReply;
using emarchive::testing::TempDir;
using emarchive::testing::TestServer;

constexpr std::string_view kEm = "https://em-west.example.net:9398";
constexpr std::string_view kRepository = "bffeb9f5-1bdd-4bbd-9299-6fcb7c37bdf6";

std::string job_statistics(int failed) {
  return "<JobStatisticsReportFrame xmlns=\"http://www.veeam.com/ent/v1.0\">"
         "<RunningJobs>0</RunningJobs><TotalJobRuns>12</TotalJobRuns>"
         "<FailedJobRuns>" +
         std::to_string(failed) +
         "</FailedJobRuns><MaxDurationBackupJobName>Backup &amp; Co</MaxDurationBackupJobName>"
         "</JobStatisticsReportFrame>";
}

std::string repositories(bool entity) {
  const std::string id(kRepository);
  const std::string self = std::string(kEm) + "/api/repositories/" + id;
  const std::string links = "<Links><Link Rel=\"Up\" Type=\"BackupServerReference\" Href=\"" +
                            std::string(kEm) +
                            "/api/backupServers/ce15a8c7\" Name=\"srv02.tech.local\" /></Links>";
  if (!entity) {
    return "<EntityReferences xmlns=\"http://www.veeam.com/ent/v1.0\"><Ref "
           "Type=\"RepositoryReference\" Href=\"" +
           self + "\" Name=\"Backup Volume 01\" UID=\"urn:veeam:Repository:" + id + "\">" + links +
           "</Ref></EntityReferences>";
  }
  return "<Repositories xmlns=\"http://www.veeam.com/ent/v1.0\"><Repository Type=\"Repository\" "
         "Href=\"" +
         self + "?format=Entity\" Name=\"Backup Volume 01\" UID=\"urn:veeam:Repository:" + id +
         "\">" + links +
         "<Capacity>1079639011328</Capacity><FreeSpace>881812750336</FreeSpace>"
         "<Kind>WindowsLocal</Kind></Repository></Repositories>";
}

class ObservationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto archive = storage::Archive::open(db_);
    ASSERT_TRUE(archive) << archive.error().message;
    auto run = (*archive)->begin_run("ingest", "test", "2026-05-01T00:00:00Z");
    ASSERT_TRUE(run);
    auto observe = [&](std::string resource, std::string document, std::string at) {
      auto outcome =
          (*archive)->observe(storage::Observation{std::move(resource), std::string(kEm),
                                                   std::move(document), std::move(at), ""},
                              *run);
      ASSERT_TRUE(outcome) << outcome.error().message;
    };
    observe("/api/reports/summary/job_statistics", job_statistics(5), "2026-05-01T01:00:00Z");
    observe("/api/reports/summary/job_statistics", job_statistics(2), "2026-05-02T01:00:00Z");
    observe("/api/repositories", repositories(false), "2026-05-02T01:00:00Z");
    observe("/api/repositories?format=Entity", repositories(true), "2026-05-02T01:00:00Z");

    auto pool = std::make_shared<ArchivePool>([db = db_] { return storage::Archive::open(db); });
    ResourceOptions options;
    options.now = [] { return EmTime{0}; };
    server_ = std::make_unique<TestServer>(ServerOptions{}, make_resource_handler(pool, options));
  }

  std::string origin() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

  TempDir dir_;
  std::string db_ = (dir_ / "archive.db").string();
  std::unique_ptr<TestServer> server_;
};

TEST_F(ObservationsTest, AReportIsItsLatestObservation) {
  HttpClient client(server_->port());
  const HttpReply reply = client.get("/api/reports/summary/job_statistics");
  ASSERT_EQ(reply.status, 200u) << reply.body;
  EXPECT_NE(reply.header("Content-Type").find("application/xml"), std::string::npos);
  EXPECT_NE(reply.body.find("<FailedJobRuns>2</FailedJobRuns>"), std::string::npos) << reply.body;
  EXPECT_NE(reply.body.find("<MaxDurationBackupJobName>Backup &amp; Co<"), std::string::npos);
  EXPECT_EQ(reply.body.rfind("<?xml", 0), 0u);
}

// Clients that find the reports by following EM's links start at the summary's index.
TEST_F(ObservationsTest, TheSummaryIndexLinksEveryReportServed) {
  HttpClient client(server_->port());
  const HttpReply index = client.get("/api/reports/Summary");
  ASSERT_EQ(index.status, 200u) << index.body;
  EXPECT_NE(index.body.find("<SummaryReport xmlns=\"http://www.veeam.com/ent/v1.0\""),
            std::string::npos)
      << index.body;
  for (std::string_view report : {"overview", "vms_overview", "job_statistics", "repository"}) {
    const std::string href = origin() + "/api/reports/summary/" + std::string(report);
    EXPECT_NE(index.body.find("Rel=\"Down\" Type=\"ReportFrame\" Href=\"" + href + "\""),
              std::string::npos)
        << report << "\n"
        << index.body;
  }
  const HttpReply followed = client.get("/api/reports/summary/job_statistics");
  EXPECT_EQ(followed.status, 200u);
}

TEST_F(ObservationsTest, HrefsPointAtTheClientsOriginInBothForms) {
  HttpClient client(server_->port());
  const HttpReply refs = client.get("/api/repositories");
  ASSERT_EQ(refs.status, 200u) << refs.body;
  EXPECT_NE(refs.body.find("<EntityReferences"), std::string::npos);
  EXPECT_NE(
      refs.body.find("Href=\"" + origin() + "/api/repositories/" + std::string(kRepository) + "\""),
      std::string::npos)
      << refs.body;
  EXPECT_EQ(refs.body.find("em-west.example.net"), std::string::npos) << refs.body;

  const HttpReply entities = client.get("/api/repositories?format=Entity");
  ASSERT_EQ(entities.status, 200u) << entities.body;
  EXPECT_NE(entities.body.find("<Repositories"), std::string::npos);
  EXPECT_NE(entities.body.find("<FreeSpace>881812750336</FreeSpace>"), std::string::npos);
  EXPECT_NE(entities.body.find("Href=\"" + origin() + "/api/backupServers/ce15a8c7\""),
            std::string::npos);
}

TEST_F(ObservationsTest, ASingleRepositoryComesOutOfTheLatestList) {
  HttpClient client(server_->port());
  const std::string target = "/api/repositories/" + std::string(kRepository);
  const HttpReply ref = client.get(target);
  ASSERT_EQ(ref.status, 200u) << ref.body;
  EXPECT_NE(ref.body.find("<EntityRef xmlns=\"http://www.veeam.com/ent/v1.0\""), std::string::npos)
      << ref.body;
  EXPECT_NE(ref.body.find("Type=\"RepositoryReference\""), std::string::npos);

  const HttpReply entity = client.get(target + "?format=Entity");
  ASSERT_EQ(entity.status, 200u) << entity.body;
  EXPECT_NE(entity.body.find("<Repository xmlns=\"http://www.veeam.com/ent/v1.0\""),
            std::string::npos)
      << entity.body;
  EXPECT_NE(entity.body.find("<Kind>WindowsLocal</Kind>"), std::string::npos);

  EXPECT_EQ(client.get("/api/repositories/00000000-0000-0000-0000-000000000000").status, 404u);
}

TEST_F(ObservationsTest, NeverObservedIsA404SayingSo) {
  HttpClient client(server_->port());
  for (const char* target : {"/api/reports/summary/overview", "/api/nas/jobs",
                             "/api/agents/discoveredComputers", "/api/agents/jobs?format=Entity"}) {
    const HttpReply reply = client.get(target);
    EXPECT_EQ(reply.status, 404u) << target;
    EXPECT_NE(reply.body.find("never observed"), std::string::npos) << target << reply.body;
  }
}

TEST_F(ObservationsTest, PathsMatchInAnyLetterCase) {
  HttpClient client(server_->port());
  EXPECT_EQ(client.get("/api/Reports/Summary/Job_Statistics").status, 200u);
  EXPECT_EQ(client.get("/api/REPOSITORIES?format=Entity").status, 200u);
}

TEST(ObservationsFailureTest, AnArchiveFailureIsA500WithoutThePath) {
  TempDir dir;
  const std::string db = (dir / "archive.db").string();
  ASSERT_TRUE(storage::Archive::open(db));
  auto pool = std::make_shared<ArchivePool>([db]() -> Expected<std::unique_ptr<storage::Archive>> {
    auto archive = storage::Archive::open(db);
    if (!archive) return archive.error();
    return std::unique_ptr<storage::Archive>(std::make_unique<testing::FailingArchive>(
        std::move(*archive), testing::ArchiveFailurePlan{testing::ArchiveCall::LatestObservation, 1,
                                                         ErrorCode::io, db + ": disk I/O error"}));
  });
  ResourceOptions options;
  options.now = [] { return EmTime{0}; };
  std::vector<std::string> log;
  options.error_log = [&](std::string_view line) { log.emplace_back(line); };
  TestServer server(ServerOptions{}, make_resource_handler(pool, options));
  HttpClient client(server.port());
  const HttpReply reply = client.get("/api/reports/summary/overview");
  EXPECT_EQ(reply.status, 500u) << reply.body;
  EXPECT_EQ(reply.body.find(db), std::string::npos) << reply.body;
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].find("disk I/O error"), std::string::npos);
}

}  // namespace
}  // namespace emarchive::api
