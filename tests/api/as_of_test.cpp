// EM as it was (docs/API.md, "EM as it was: --as-of and /asof/"): an archive ingested from the
// simulated EM at several instants answers, served afterwards as of each instant (with
// ResourceOptions::as_of, as `serve --as-of` sets it, and under a /asof/<TIME>/ prefix), exactly
// what its clients were answered at that instant: documents byte for byte in XML and JSON, query
// pages with the same records, order and PagingInfo, 404 for what was not archived yet.

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/archive_pool.h"
#include "api/resources.h"
#include "ingest/em_client.h"
#include "ingest/http_client.h"
#include "ingest/ingester.h"
#include "model/href.h"
#include "storage/archive.h"
#include "tests/support/http_client.h"
#include "tests/support/simulated_em.h"
#include "tests/support/test_data.h"
#include "tests/support/test_server.h"

namespace emarchive::api {
namespace {

using emarchive::testing::at;
using emarchive::testing::SimulatedEm;
using emarchive::testing::TestServer;
using Client = emarchive::testing::HttpClient;

constexpr std::string_view kPublicUrl = "http://archive.test";
const Client::Headers kJson = {{"Accept", "application/json"}};

struct Answer {
  unsigned status = 0;
  std::string body;
  bool operator==(const Answer&) const = default;
};

// What the archive's clients were answered at one instant, by target, in both formats.
struct Seen {
  EmTime instant = 0;
  std::map<std::string, Answer> xml;
  std::map<std::string, Answer> json;
};

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (std::size_t pos = text.find(from); pos != std::string::npos;
       pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

class AsOfServingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto archive = storage::Archive::open(path_);
    ASSERT_TRUE(archive) << archive.error().message;
    archive_ = std::move(*archive);
  }

  // The simulated EM moves to `instant` and the archive ingests from it, observing at `instant`.
  void ingest_at(EmTime instant) {
    if (instant > em_.now()) em_.advance_to(instant);
    ingest::HttpClientOptions http;
    http.base_url = em_.base_url();
    http.sleep = [](std::chrono::milliseconds) {};
    auto client = ingest::HttpClient::create(http);
    ASSERT_TRUE(client) << client.error().message;
    ingest::EmClient session(**client, ingest::Credentials{"sim\\tester", "any password"});
    ingest::IngestOptions options;
    options.page_size = 40;
    options.now = [instant] { return format_em_time(instant); };
    const ingest::IngestResult result =
        ingest::ingest_once(*archive_, session, "simulator", options);
    ASSERT_FALSE(result.fatal_error) << result.fatal_error->message;
    ASSERT_TRUE(result.errors.empty());
  }

  // The archive served as `serve` serves it, with --as-of when `as_of` is set.
  std::unique_ptr<TestServer> serve(std::optional<EmTime> as_of = std::nullopt) {
    storage::OpenOptions read_only;
    read_only.create = false;
    read_only.read_only = true;
    auto pool = std::make_shared<ArchivePool>(
        [path = path_, read_only] { return storage::Archive::open(path, read_only); });
    ResourceOptions resources;
    resources.now = system_now;
    resources.as_of = as_of;
    ServerOptions options;
    options.public_url = std::string(kPublicUrl);
    return std::make_unique<TestServer>(options, make_resource_handler(pool, resources));
  }

  static Answer get(Client& client, const std::string& target, const Client::Headers& headers) {
    const emarchive::testing::HttpReply reply = client.get(target, headers);
    EXPECT_NE(reply.status, 0u) << target << ": " << reply.error;
    return Answer{reply.status, reply.body};
  }

  // What a client of the archive as it is now is answered, for every target.
  Seen see(EmTime instant) {
    Seen seen{instant, {}, {}};
    const auto server = serve();
    Client client(server->port());
    for (const std::string& target : targets_) {
      seen.xml[target] = get(client, target, {});
      seen.json[target] = get(client, target, kJson);
    }
    return seen;
  }

  // Collections in both forms, a child collection, query pages (filtered, sorted by an enum,
  // a later page, a streamed one), the observed resources, and every job session of the history in both forms,
  // those first archived at a later instant included.
  void choose_targets(EmTime last) {
    targets_ = {
        "/api/backupSessions",
        "/api/backupSessions?format=Entity",
        "/api/backupTaskSessions?format=Entity",
        "/api/jobs?format=Entity",
        "/api/query?type=BackupJobSession&format=Entities&sortDesc=CreationTime&pageSize=7&page=1",
        "/api/"
        "query?type=BackupTaskSession&filter=State%3D%3DWorking&format=Refs&pageSize=50&page=1",
        "/api/query?type=BackupTaskSession&format=Entities&sortAsc=Result&pageSize=5&page=2",
        "/api/query?type=BackupJobSession&filter=Result%3D%3DSuccess&pageSize=500&page=1",
        // Streamed (more than 1000 a page).
        "/api/query?type=BackupTaskSession&format=Entities&pageSize=1001&page=1",
        "/api/reports/summary/overview",
        "/api/repositories?format=Entity",
    };
    for (const Record& record : em_.history_at(last)) {
      if (record.kind != Kind::BackupJobSession) continue;
      const std::string path =
          "/api/backupSessions/" + record.uid.substr(record.uid.rfind(':') + 1);
      sessions_.push_back(path);
      targets_.push_back(path);
      targets_.push_back(path + "?format=Entity");
      targets_.push_back(path + "/taskSessions?format=Entity");
    }
  }

  const EmTime first_ = at("2026-11-27T21:30:00Z");  // in the nightly window: sessions run
  const std::vector<EmTime> instants_ = {first_, first_ + kHour, first_ + 4 * kHour};
  SimulatedEm em_{sim::HistoryOptions{.seed = 20261128, .days = 2, .jobs = 5, .vms = 16}, first_};
  emarchive::testing::TempDir dir_;
  const std::string path_ = (dir_ / "archive.db").string();
  std::unique_ptr<storage::Archive> archive_;
  std::vector<std::string> targets_;
  std::vector<std::string> sessions_;
};

TEST_F(AsOfServingTest, AnswersWhatClientsSawAtEachInstant) {
  choose_targets(instants_.back());
  std::vector<Seen> seen;
  for (const EmTime instant : instants_) {
    ingest_at(instant);
    seen.push_back(see(instant));
  }

  // What makes the comparison worth something: a session Working at the first instant and
  // finished at the last, and one first archived after the first instant.
  std::optional<std::string> finished_later, archived_later;
  for (const std::string& session : sessions_) {
    const Answer& then = seen.front().xml.at(session + "?format=Entity");
    const Answer& last = seen.back().xml.at(session + "?format=Entity");
    if (then.body.find("<State>Working</State>") != std::string::npos &&
        last.body.find("<State>Stopped</State>") != std::string::npos) {
      finished_later = session;
    }
    if (then.status == 404 && last.status == 200) archived_later = session;
  }
  ASSERT_TRUE(finished_later) << "no session ran over the first instant";
  ASSERT_TRUE(archived_later) << "no session was first archived after the first instant";

  const auto now = serve();
  Client prefixed(now->port());
  for (const Seen& then : seen) {
    const std::string time = format_em_time(then.instant);
    SCOPED_TRACE("as of " + time);
    const auto past = serve(then.instant);
    Client client(past->port());
    const std::string prefix = "/asof/" + time;
    const std::string prefixed_url = std::string(kPublicUrl) + prefix;
    for (const std::string& target : targets_) {
      EXPECT_EQ(get(client, target, {}), then.xml.at(target)) << target;
      EXPECT_EQ(get(client, target, kJson), then.json.at(target)) << target;
      Answer expected = then.xml.at(target);
      expected.body = replace_all(expected.body, kPublicUrl, prefixed_url);
      EXPECT_EQ(get(prefixed, prefix + target, {}), expected) << prefix << target;
    }
    for (const std::string& target : {targets_[0], targets_[4]}) {
      Answer expected = then.json.at(target);
      expected.body = replace_all(expected.body, kPublicUrl, prefixed_url);
      EXPECT_EQ(get(prefixed, prefix + target, kJson), expected) << prefix << target << " (JSON)";
    }
  }

  const std::string first = "/asof/" + format_em_time(instants_.front());
  const Answer working = get(prefixed, first + *finished_later + "?format=Entity", {});
  EXPECT_NE(working.body.find("<State>Working</State>"), std::string::npos) << working.body;
  EXPECT_EQ(get(prefixed, first + *archived_later, {}).status, 404u);
  EXPECT_EQ(get(prefixed, *archived_later, {}).status, 200u);
}

class AsOfPrefixTest : public AsOfServingTest {
 protected:
  void SetUp() override {
    AsOfServingTest::SetUp();
    ingest_at(first_);
  }
};

TEST_F(AsOfPrefixTest, TakesPercentEncodedColonsAndOffsets) {
  const auto server = serve();
  Client client(server->port());
  const Answer reference = get(client, "/asof/2026-11-27T21:30:00Z/api/backupSessions", {});
  ASSERT_EQ(reference.status, 200u) << reference.body;
  const Answer encoded = get(client, "/asof/2026-11-27T21%3A30%3A00Z/api/backupSessions", {});
  EXPECT_EQ(encoded, reference);
  const Answer offset = get(client, "/asof/2026-11-27T22:30:00+01:00/api/backupSessions", {});
  EXPECT_EQ(offset.status, 200u);
  EXPECT_EQ(replace_all(offset.body, "22:30:00+01:00", "21:30:00Z"), reference.body);
  EXPECT_NE(offset.body.find("http://archive.test/asof/2026-11-27T22:30:00+01:00/api/"),
            std::string::npos);
}

TEST_F(AsOfPrefixTest, ABadInstantIsA400NamingIt) {
  const auto server = serve();
  Client client(server->port());
  for (const std::string time : {"yesterday", "2026-13-01T00:00:00Z", "now-7x"}) {
    const Answer answer = get(client, "/asof/" + time + "/api/backupSessions", {});
    EXPECT_EQ(answer.status, 400u) << time;
    EXPECT_NE(answer.body.find(time), std::string::npos) << answer.body;
  }
  EXPECT_EQ(get(client, "/asof/2026-11-27T21:30:00Z/other", {}).status, 404u);
}

TEST_F(AsOfPrefixTest, LogonAndLogonSessionsWorkUnderThePrefix) {
  const auto server = serve();
  Client client(server->port());
  const std::string prefix = "/asof/2026-11-27T21:30:00Z";
  const emarchive::testing::HttpReply logon = client.post(
      prefix + "/api/sessionMngr/?v=latest", {{"Authorization", "Basic dXNlcjpwYXNzd29yZA=="}});
  ASSERT_EQ(logon.status, 201u) << logon.body;
  EXPECT_NE(logon.body.find("http://archive.test" + prefix + "/api/logonSessions/"),
            std::string::npos)
      << logon.body;
  EXPECT_NE(logon.header("Set-Cookie").find("; Path=/;"), std::string::npos)
      << "a cookie for /api only is not sent under the prefix";
  const std::string token = logon.header("X-RestSvcSessionId");
  ASSERT_FALSE(token.empty());
  const emarchive::testing::HttpReply sessions =
      client.get(prefix + "/api/logonSessions", {{"X-RestSvcSessionId", token}});
  EXPECT_EQ(sessions.status, 200u) << sessions.body;
  const emarchive::testing::HttpReply entry = client.get(prefix + "/api/");
  EXPECT_NE(entry.body.find("http://archive.test" + prefix + "/api/"), std::string::npos)
      << entry.body;
}

}  // namespace
}  // namespace emarchive::api
