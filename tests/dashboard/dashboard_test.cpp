// The dashboard served: its pages over a simulated history, their headers, and how a browser
// logs on to them when the server has users.

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <regex>
#include <string>

#include "api/archive_pool.h"
#include "api/resources.h"
#include "api/server.h"
#include "api/users_file.h"
#include "dashboard/dashboard.h"
#include "storage/archive_status.h"
#include "tests/dashboard/simulated_archive.h"
#include "tests/support/http_client.h"

namespace emarchive::dashboard {
namespace {

using emarchive::testing::basic_authorization;
using emarchive::testing::HttpClient;
using emarchive::testing::HttpReply;

using testing::kNow;

const testing::SimulatedArchive& archive() {
  return testing::simulated_archive();
}

// `serve` with the dashboard over the simulated archive; users when given.
class Served {
 public:
  explicit Served(std::optional<api::UsersFile> users = std::nullopt) {
    const std::string db = archive().path();
    storage::OpenOptions read_only;
    read_only.create = false;
    read_only.read_only = true;
    auto pool = std::make_shared<api::ArchivePool>(
        [db, read_only] { return storage::Archive::open(db, read_only); });
    api::ResourceOptions resources;
    resources.now = [] { return kNow; };
    DashboardOptions pages;
    pages.db = db;
    pages.now = [] { return kNow; };
    api::ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.threads = 2;
    options.users = std::move(users);
    server_ = std::make_unique<api::Server>(std::move(options),
                                            api::make_resource_handler(pool, resources),
                                            make_dashboard_handler(std::move(pages)));
    auto bound = server_->start();
    if (!bound) throw std::runtime_error(bound.error().message);
    port_ = bound->port;
  }
  ~Served() { server_->stop(); }
  std::uint16_t port() const { return port_; }

 private:
  std::unique_ptr<api::Server> server_;
  std::uint16_t port_ = 0;
};

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// The first match of `pattern`'s group 1 in `text`, or "".
std::string first(const std::string& text, const std::string& pattern) {
  std::smatch match;
  return std::regex_search(text, match, std::regex(pattern)) ? match[1].str() : "";
}

TEST(DashboardTest, OverviewShowsEveryJobWithItsDaysAndCarriesAContentSecurityPolicy) {
  Served served;
  HttpClient client(served.port());
  const HttpReply page = client.get("/");
  ASSERT_EQ(page.status, 200u) << page.body;
  EXPECT_EQ(page.header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(page.header("Content-Security-Policy"), kContentSecurityPolicy);
  EXPECT_EQ(page.header("X-Content-Type-Options"), "nosniff");
  EXPECT_FALSE(contains(page.body, "<script"));

  auto status = storage::ArchiveStatus::open(archive().path());
  ASSERT_TRUE(status) << status.error().message;
  auto snapshot = (*status)->snapshot();
  ASSERT_TRUE(snapshot) << snapshot.error().message;
  ASSERT_EQ(snapshot->jobs.size(), 3u);
  for (const storage::JobStatus& job : snapshot->jobs) {
    EXPECT_TRUE(contains(page.body, ">" + job.name + "</a></th>")) << job.name;
  }
  // Ten days of nightly runs, each a cell linking to its EM document.
  EXPECT_TRUE(contains(page.body, "<td class=\"cell success\"><a href=\"/api/backupSessions/"));
  EXPECT_TRUE(contains(page.body, "the archive reaches back to 2026-03-05"));

  const HttpReply css = client.get("/dashboard/style.css");
  EXPECT_EQ(css.status, 200u);
  EXPECT_EQ(css.header("Content-Type"), "text/css; charset=utf-8");
}

TEST(DashboardTest, JobAndVmPagesChartTheirHistoryWithLinksToEmDocuments) {
  Served served;
  HttpClient client(served.port());
  const HttpReply overview = client.get("/?rpo=1");  // every VM is outside an RPO of 1 hour
  ASSERT_EQ(overview.status, 200u) << overview.body;
  const std::string job_link = first(overview.body, "href=\"(/dashboard/job\\?uid=[^\"]+)\"");
  const std::string vm_link = first(overview.body, "href=\"(/dashboard/vm\\?key=[^\"]+)\"");
  ASSERT_FALSE(job_link.empty());
  ASSERT_FALSE(vm_link.empty());

  const HttpReply job = client.get(std::regex_replace(job_link, std::regex("&amp;"), "&"));
  ASSERT_EQ(job.status, 200u) << job.body;
  EXPECT_TRUE(contains(job.body, "<svg class=\"chart\""));
  EXPECT_TRUE(contains(job.body, "<circle class=\"dot "));
  // The job may back up or replicate.
  const std::string document =
      first(job.body, "<td><a class=\"doc\" href=\"(/api/[a-zA-Z]+Sessions/[^\"]+)\"");
  ASSERT_FALSE(document.empty()) << job.body;
  const HttpReply xml = client.get(std::regex_replace(document, std::regex("&amp;"), "&"));
  EXPECT_EQ(xml.status, 200u);
  EXPECT_TRUE(contains(xml.body, "JobSession xmlns")) << xml.body;

  const HttpReply vm = client.get(std::regex_replace(vm_link, std::regex("&amp;"), "&"));
  ASSERT_EQ(vm.status, 200u) << vm.body;
  EXPECT_TRUE(contains(vm.body, "href=\"/api/backupTaskSessions/"));
  EXPECT_TRUE(contains(vm.body, "(outside the RPO of 24 h)") ||
              contains(vm.body, "(within the RPO of 24 h)"));
}

TEST(DashboardTest, WhatCannotBeShownIsSaidOnAPage) {
  Served served;
  HttpClient client(served.port());
  const HttpReply missing = client.get("/dashboard/job?uid=urn:veeam:Job:nope");
  EXPECT_EQ(missing.status, 404u);
  EXPECT_TRUE(contains(missing.body, "No job with UID urn:veeam:Job:nope is archived."));
  EXPECT_EQ(client.get("/nowhere").status, 404u);
  // The pages show the archive now: under an /asof/ prefix they would pass for the past.
  const HttpReply past = client.get("/asof/2026-01-01T00:00:00Z/");
  EXPECT_EQ(past.status, 404u);
  EXPECT_TRUE(contains(past.body, "serves /api/ only")) << past.body;
  const HttpReply bad = client.get("/?rpo=soon");
  EXPECT_EQ(bad.status, 400u);
  EXPECT_TRUE(contains(bad.body, "rpo must be a whole number of hours"));
  EXPECT_EQ(client.get("/?until=yesterday").status, 400u);
  const HttpReply post = client.request("POST", "/");
  EXPECT_EQ(post.status, 405u);
  EXPECT_EQ(post.header("Allow"), "GET, HEAD");
}

TEST(DashboardTest, WithUsersABrowserLogsOnWithBasicAndKeepsATokenCookie) {
  auto line = api::make_users_line("alice", "wonderland-12", api::kMinPbkdf2Iterations);
  ASSERT_TRUE(line) << line.error().message;
  auto users = api::UsersFile::parse(*line + "\n", "users");
  ASSERT_TRUE(users) << users.error().message;
  Served served(std::move(*users));
  HttpClient client(served.port());

  const HttpReply challenge = client.get("/");
  EXPECT_EQ(challenge.status, 401u);
  EXPECT_TRUE(contains(challenge.header("WWW-Authenticate"), "Basic"));
  EXPECT_EQ(client.get("/", {{"Authorization", basic_authorization("alice", "wrong")}}).status,
            401u);

  const HttpReply page =
      client.get("/", {{"Authorization", basic_authorization("alice", "wonderland-12")}});
  ASSERT_EQ(page.status, 200u) << page.body;
  const std::string cookie = page.header("Set-Cookie");
  EXPECT_TRUE(contains(cookie, "; Path=/; HttpOnly; SameSite=Strict")) << cookie;
  const std::string token = cookie.substr(0, cookie.find(';'));
  ASSERT_TRUE(token.starts_with("X-RestSvcSessionId=")) << cookie;

  // The cookie alone admits the browser to the pages and to the documents they link to.
  const HttpReply again = client.get("/dashboard/style.css", {{"Cookie", token}});
  EXPECT_EQ(again.status, 200u);
  EXPECT_FALSE(again.has_header("Set-Cookie"));
  EXPECT_EQ(client.get("/api/jobs", {{"Cookie", token}}).status, 200u);
}

}  // namespace
}  // namespace emarchive::dashboard
