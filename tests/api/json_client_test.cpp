// EM clients against the simulator over real HTTP, as the open-source clients people run use it:
// JSON by Accept, the logon read by SessionId and the token as base64(SessionId) in the header or
// the cookie, QueryResult pages followed by their links, every collection and record in both
// formats, HEAD, EM's URL habits (letter case, repeated slashes), typos in enum filters, and a
// page of 20,000 records from `emarchive serve` in flat memory.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <pugixml.hpp>

#include "api/base64.h"
#include "model/codec.h"
#include "model/kind.h"
#include "storage/archive.h"
#include "tests/support/cli.h"
#include "tests/support/http_client.h"
#include "tests/support/simulated_em.h"
#include "tests/support/test_data.h"

namespace emarchive {
namespace {

namespace json = boost::json;
using testing::HttpClient;
using testing::HttpReply;

constexpr std::string_view kJson = "application/json; charset=utf-8";
constexpr std::string_view kXml = "application/xml; charset=utf-8";

json::value parse_json(const HttpReply& reply) {
  boost::system::error_code ec;
  json::value value = json::parse(reply.body, ec);
  if (ec) ADD_FAILURE() << "not JSON (" << ec.message() << "): " << reply.body.substr(0, 300);
  return value;
}

// A JSON string's text ("" for anything else, which then fails the comparison it is in).
std::string text(const json::value& value) {
  return value.is_string() ? std::string(value.get_string()) : std::string();
}

// Every UID attribute in an XML document, in document order.
std::vector<std::string> xml_uids(const std::string& body) {
  pugi::xml_document doc;
  if (!doc.load_string(body.c_str())) {
    ADD_FAILURE() << "not XML: " << body.substr(0, 300);
    return {};
  }
  std::vector<std::string> uids;
  for (const pugi::xpath_node& node : doc.select_nodes("//@UID")) {
    uids.emplace_back(node.attribute().value());
  }
  return uids;
}

// The UIDs of the objects of a JSON array.
std::vector<std::string> json_uids(const json::value& array) {
  std::vector<std::string> uids;
  if (!array.is_array()) {
    ADD_FAILURE() << "not an array: " << json::serialize(array).substr(0, 300);
    return uids;
  }
  for (const json::value& item : array.as_array()) {
    uids.emplace_back(item.at("UID").as_string());
  }
  return uids;
}

// A client as the EM clients people run are written: logs on with Accept: application/json,
// reads SessionId from the body, and sends base64(SessionId) with every request.
class JsonClient {
 public:
  explicit JsonClient(std::uint16_t port)
      : http_(port, std::nullopt, std::chrono::seconds(60)),
        origin_("http://127.0.0.1:" + std::to_string(port)) {}

  json::value logon(std::string_view target = "/api/sessionMngr/?v=latest") {
    HttpReply reply =
        http_.post(target, {{"Accept", "application/json"},
                            {"Authorization", testing::basic_authorization("u", "p")}});
    EXPECT_EQ(reply.status, 201u) << reply.error << reply.body;
    EXPECT_EQ(reply.header("Content-Type"), kJson);
    json::value session = parse_json(reply);
    if (!session.is_object()) return session;
    session_id_ = std::string(session.at("SessionId").as_string());
    token_ = api::base64_encode(session_id_);
    return session;
  }

  HttpReply get(std::string_view target, bool as_json = true, std::string_view method = "GET") {
    HttpClient::Headers headers = {{"X-RestSvcSessionId", token_}};
    if (as_json) headers.emplace_back("Accept", "application/json");
    return http_.request(method, target, headers);
  }
  json::value get_json(std::string_view target) {
    HttpReply reply = get(target);
    EXPECT_EQ(reply.status, 200u) << target << ": " << reply.body.substr(0, 300);
    EXPECT_EQ(reply.header("Content-Type"), kJson) << target;
    return parse_json(reply);
  }
  // A served Href as a request target.
  std::string target_of(std::string_view href) const {
    EXPECT_TRUE(href.starts_with(origin_)) << href;
    return std::string(href.substr(origin_.size()));
  }

  HttpClient& http() { return http_; }
  const std::string& session_id() const { return session_id_; }
  const std::string& token() const { return token_; }

 private:
  HttpClient http_;
  std::string origin_;
  std::string session_id_;
  std::string token_;
};

class JsonClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    em_ = new testing::SimulatedEm(sim::HistoryOptions{.days = 3, .jobs = 4, .vms = 12},
                                   testing::at("2026-06-15T22:30:00Z"));
  }
  static void TearDownTestSuite() {
    delete em_;
    em_ = nullptr;
  }
  static testing::SimulatedEm* em_;
};
testing::SimulatedEm* JsonClientTest::em_ = nullptr;

TEST_F(JsonClientTest, LogsOnBySessionIdReadFromTheJsonBody) {
  JsonClient client(em_->port());
  const json::value session = client.logon();
  EXPECT_EQ(text(session.at("Type")), "LogonSession");
  EXPECT_TRUE(std::regex_match(client.session_id(), std::regex("[0-9a-f-]{36}")));

  // The token EM's documentation shows: base64 of the SessionId, in the header and the cookie.
  HttpReply by_header = client.get("/api/backupSessions");
  ASSERT_EQ(by_header.status, 200u) << by_header.body;
  EXPECT_EQ(by_header.header("Content-Type"), kJson);
  EXPECT_EQ(by_header.body.front(), '{');  // no byte order mark
  EXPECT_TRUE(parse_json(by_header).at("Refs").is_array());
  HttpReply by_cookie = client.http().get(
      "/api/backupSessions",
      {{"Cookie", "X-RestSvcSessionId=" + client.token()}, {"Accept", "application/json"}});
  EXPECT_EQ(by_cookie.status, 200u) << by_cookie.body;

  // The SessionId itself is not the token; the refusal is EM's Error in JSON.
  HttpReply refused = client.http().get(
      "/api/backupSessions",
      {{"X-RestSvcSessionId", client.session_id()}, {"Accept", "application/json"}});
  EXPECT_EQ(refused.status, 401u);
  EXPECT_EQ(refused.header("Content-Type"), kJson);
  const json::value error = parse_json(refused);
  EXPECT_EQ(error.at("StatusCode").as_int64(), 401);
  EXPECT_TRUE(error.at("Message").is_string());

  const json::value sessions = client.get_json("/api/logonSessions");
  const json::array& listed = sessions.at("LogonSessions").as_array();
  EXPECT_TRUE(std::any_of(listed.begin(), listed.end(), [&](const json::value& s) {
    return s.at("SessionId").as_string() == client.session_id();
  }));
  EXPECT_EQ(text(client.get_json("/api/logonSessions/" + client.session_id()).at("SessionId")),
            client.session_id());

  // EM's logon URL habits: without ?v=, and with a doubled slash.
  JsonClient plain(em_->port());
  plain.logon("/api/sessionMngr/");
  EXPECT_EQ(plain.get("/api/jobs").status, 200u);
  JsonClient doubled(em_->port());
  doubled.logon("/api//sessionMngr/?v=latest");
  EXPECT_EQ(doubled.get("/api//jobs").status, 200u);

  HttpReply logoff = client.http().del("/api/logonSessions/" + client.session_id(),
                                       {{"X-RestSvcSessionId", client.token()}});
  EXPECT_EQ(logoff.status, 204u);
  EXPECT_EQ(client.get("/api/backupSessions").status, 401u);
}

TEST_F(JsonClientTest, PagesAQueryResultByItsLinks) {
  JsonClient client(em_->port());
  client.logon();
  // Every task session, XML, in one page large enough to be streamed.
  HttpReply all = client.get("/api/query?type=BackupTaskSession&pageSize=5000", false);
  ASSERT_EQ(all.status, 200u) << all.body.substr(0, 300);
  EXPECT_EQ(all.header("Transfer-Encoding"), "chunked");
  std::vector<std::string> expected;
  for (const std::string& uid : xml_uids(all.body)) {
    if (uid.find(":BackupTaskSession:") != std::string::npos) expected.push_back(uid);
  }
  ASSERT_GT(expected.size(), 20u);

  std::vector<std::string> paged;
  std::string target = "/api/query?type=BackupTaskSession&format=Entities&pageSize=7";
  for (int pages = 0; !target.empty() && pages < 1000; ++pages) {
    const json::value page = client.get_json(target);
    const json::value& list = page.at("Entities").at("BackupTaskSessions");
    for (const std::string& uid : json_uids(list.at("BackupTaskSessions"))) paged.push_back(uid);
    EXPECT_TRUE(page.at("Refs").is_null());
    EXPECT_EQ(page.at("PagingInfo").at("PageSize").as_int64(), 7);
    target.clear();
    for (const json::value& link : page.at("PagingInfo").at("Links").as_array()) {
      if (text(link.at("Rel")) == "Next") target = client.target_of(link.at("Href").as_string());
    }
  }
  EXPECT_EQ(paged, expected);

  // The reference form, nested the same way.
  const json::value refs = client.get_json("/api/query?type=BackupTaskSession&pageSize=3");
  EXPECT_EQ(json_uids(refs.at("Refs").at("Refs")).size(), 3u);
  EXPECT_TRUE(refs.at("Entities").is_null());

  // The same streamed page in JSON holds the same records.
  const json::value big = client.get_json("/api/query?type=BackupTaskSession&pageSize=5000");
  EXPECT_EQ(json_uids(big.at("Refs").at("Refs")), expected);
  EXPECT_EQ(big.at("PagingInfo").at("PagesCount").as_int64(), 1);
}

TEST_F(JsonClientTest, ServesEveryCollectionAndRecordInBothFormats) {
  JsonClient client(em_->port());
  client.logon();
  EXPECT_TRUE(client.get_json("/api/").at("Links").is_array());
  EXPECT_EQ(text(client.get_json("/api/querySvc").at("Type")), "QueryService");
  int records_seen = 0;
  for (const KindInfo& kind : all_kinds()) {
    SCOPED_TRACE(std::string(kind.collection));
    const std::string collection = "/api/" + std::string(kind.collection);
    const HttpReply xml_refs = client.get(collection, false);
    ASSERT_EQ(xml_refs.status, 200u);
    EXPECT_EQ(xml_refs.header("Content-Type"), kXml);
    const std::vector<std::string> uids = xml_uids(xml_refs.body);
    EXPECT_EQ(json_uids(client.get_json(collection).at("Refs")), uids);

    const HttpReply xml_entities = client.get(collection + "?format=Entity", false);
    const std::string list(kind.list_element);
    const json::value entities = client.get_json(collection + "?format=Entity");
    EXPECT_EQ(json_uids(entities.at(list)), xml_uids(xml_entities.body));
    if (uids.empty()) continue;

    const std::string record = collection + "/" + uids.front().substr(uids.front().rfind(':') + 1);
    const json::value ref = client.get_json(record);
    EXPECT_EQ(text(ref.at("UID")), uids.front());
    EXPECT_TRUE(ref.at("Links").is_array());
    const json::value entity = client.get_json(record + "?format=Entity");
    EXPECT_EQ(text(entity.at("UID")), uids.front());
    EXPECT_EQ(text(entity.at("Type")), kind.name);
    EXPECT_EQ(xml_uids(client.get(record + "?format=Entity", false).body).front(), uids.front());
    ++records_seen;
  }
  EXPECT_GE(records_seen, 4);
}

TEST_F(JsonClientTest, HeadAnswersWithGetsHeadersAndNoBody) {
  JsonClient client(em_->port());
  client.logon();
  for (const bool as_json : {false, true}) {
    for (const std::string target :
         {"/api/", "/api/backupSessions", "/api/jobs?format=Entity", "/api/logonSessions",
          "/api/query?type=BackupTaskSession&pageSize=4000", "/api/noSuchThing",
          // kept whole in the cache by the GET, then answered from it
          "/api/query?type=BackupTaskSession&format=Entities&pageSize=4"}) {
      SCOPED_TRACE(target + (as_json ? " (JSON)" : " (XML)"));
      const HttpReply get = client.get(target, as_json);
      const HttpReply head = client.get(target, as_json, "HEAD");
      EXPECT_EQ(head.status, get.status);
      EXPECT_EQ(head.header("Content-Type"), get.header("Content-Type"));
      if (get.has_header("Transfer-Encoding")) {
        // Streamed: its length is known only once it is produced, which HEAD does not do.
        EXPECT_EQ(head.header("Transfer-Encoding"), "chunked");
        EXPECT_FALSE(head.has_header("Content-Length"));
      } else {
        EXPECT_EQ(head.header("Content-Length"), std::to_string(get.body.size()));
      }
      EXPECT_TRUE(head.body.empty());
    }
  }
}

TEST_F(JsonClientTest, TakesNamesInAnyLetterCaseAndRepeatedSlashes) {
  JsonClient client(em_->port());
  client.logon();
  const std::string session = [&] {
    const auto uids = xml_uids(client.get("/api/backupSessions", false).body);
    return uids.empty() ? std::string() : uids.front().substr(uids.front().rfind(':') + 1);
  }();
  ASSERT_FALSE(session.empty());
  const std::pair<std::string, std::string> same[] = {
      {"/api/Jobs?format=Entity", "/api/jobs?format=Entity"},
      {"/api/QuerySvc", "/api/querySvc"},
      {"/API//backupsessions//", "/api/backupSessions"},
      {"/api/BackupSessions/" + session + "/TaskSessions",
       "/api/backupSessions/" + session + "/taskSessions"},
      {"/api//logonSessions", "/api/logonSessions"},
  };
  for (const auto& [odd, canonical] : same) {
    const HttpReply a = client.get(odd), b = client.get(canonical);
    EXPECT_EQ(a.status, 200u) << odd << ": " << a.body;
    EXPECT_EQ(a.body, b.body) << odd;
  }
  // The query service's parameters repeat in the paging links as sent; the records are the same.
  const json::value odd = client.get_json("/api/Query?type=backupjobsession&format=entities");
  const json::value canonical = client.get_json("/api/query?type=BackupJobSession&format=Entities");
  EXPECT_EQ(odd.at("Entities"), canonical.at("Entities"));
}

TEST_F(JsonClientTest, AnEnumValueNeitherDocumentedNorArchivedIs400) {
  JsonClient client(em_->port());
  client.logon();
  struct Case {
    std::string filter;  // percent-encoded
    std::string message;
  };
  const Case refused[] = {
      {"Result%3D%3DFailled",
       "filter: at character 1: 'Failled' is not a Result (allowed: None, Success, Warning, "
       "Failed, or a value archived records have)"},
      {"Result%3D%3DFailed%3BState!%3DStoped", "at character 16: 'Stoped' is not a State"},
      {"JobType%3D%3DBackupp", "'Backupp' is not a JobType (allowed: Backup, BackupCopy"},
  };
  for (const Case& c : refused) {
    const HttpReply reply = client.get("/api/query?type=BackupJobSession&filter=" + c.filter);
    EXPECT_EQ(reply.status, 400u) << c.filter;
    const json::value error = parse_json(reply);
    EXPECT_NE(std::string(error.at("Message").as_string()).find(c.message), std::string::npos)
        << error.at("Message");
  }
  // Documented values in any case, and values the archive holds (a newer EM's), are allowed.
  for (const std::string filter :
       {"Result%3D%3Dfailed", "State%3D%3DSTOPPED", "JobType%3D%3DNasBackup"}) {
    EXPECT_EQ(client.get("/api/query?type=BackupJobSession&filter=" + filter).status, 200u)
        << filter;
  }

  testing::TempDir dir;
  const std::string session =
      testing::read_file(testing::data_dir() / "em/backup_job_session/entity.xml");
  const std::regex state("<State>[A-Za-z]+</State>");
  ASSERT_TRUE(std::regex_search(session, state));
  auto doc = parse_document(std::regex_replace(session, state, "<State>WaitingTape</State>"),
                            "WaitingTape session");
  ASSERT_TRUE(doc) << doc.error().message;
  {
    auto archive = storage::Archive::open(em_->db_path().string(), {});
    ASSERT_TRUE(archive) << archive.error().message;
    auto run = (*archive)->begin_run("test", "", "2026-06-15T22:30:00Z");
    ASSERT_TRUE(run);
    ASSERT_TRUE((*archive)->store(doc->records, *run, "2026-06-15T22:30:00Z"));
  }
  const json::value waiting =
      client.get_json("/api/query?type=BackupJobSession&filter=State%3D%3DWaitingTape");
  EXPECT_EQ(json_uids(waiting.at("Refs").at("Refs")).size(), 1u);
}

TEST_F(JsonClientTest, PythonsJsonModuleReadsWhatIsServed) {
  if (std::system("python3 -c 'import json' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "python3 is not installed";
  }
  JsonClient client(em_->port());
  client.logon();
  testing::TempDir dir;
  int n = 0;
  for (const std::string target :
       {"/api/", "/api/logonSessions", "/api/backupTaskSessions?format=Entity", "/api/jobs",
        "/api/query?type=BackupTaskSession&format=Entities&pageSize=3000", "/api/noSuchThing"}) {
    const auto file = dir / ("body" + std::to_string(n++) + ".json");
    std::ofstream(file, std::ios::binary) << client.get(target).body;
    // json.loads of a decoded str: the strictest reading (it refuses a byte order mark).
    const std::string command =
        "python3 -c 'import json,sys; json.loads(open(sys.argv[1], encoding=\"utf-8\").read())' " +
        testing::shell_quote(file.string());
    EXPECT_EQ(std::system(command.c_str()), 0) << target;
  }
}

// --- A page of any size, in flat memory -----------------------------------------------------

// Peak resident memory of process `pid` in kB (VmHWM), or -1.
long peak_rss_kb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmHWM:")) return std::atol(line.c_str() + 6);
  }
  return -1;
}

TEST(LargePageTest, ServesTwentyThousandRecordsInFlatMemory) {
  // About 24,000 task sessions.
  testing::SimulatedEm em(sim::HistoryOptions{.days = 75, .jobs = 8, .vms = 400},
                          testing::at("2026-06-15T22:30:00Z"));
  testing::CliProcess serve(
      {"serve", "--db", em.db_path().string(), "--listen", "127.0.0.1:0", "--threads", "1"});
  std::smatch m;
  const std::string started = serve.wait_for_line("emarchive serve:");
  ASSERT_TRUE(std::regex_search(started, m, std::regex(R"(127\.0\.0\.1:(\d+)/api/)")))
      << serve.output();
  HttpClient client(static_cast<std::uint16_t>(std::stoi(m[1])), std::nullopt,
                    std::chrono::seconds(120));

  // Warm up with the same records in pages of 2,000 (streamed too): SQLite's page cache (32 MB
  // per connection, bounded by configuration) fills as every record is read once, and the
  // server's buffers reach their size.
  const std::string query = "/api/query?type=BackupTaskSession&format=Entities&pageSize=";
  for (int page = 1; page <= 10; ++page) {
    ASSERT_EQ(client.get(query + "2000&page=" + std::to_string(page)).status, 200u);
    ASSERT_EQ(
        client.get(query + "2000&page=" + std::to_string(page), {{"Accept", "application/json"}})
            .status,
        200u);
  }
  const long before = peak_rss_kb(serve.pid());
  ASSERT_GT(before, 0);

  const HttpReply xml = client.get(query + "20000");
  ASSERT_EQ(xml.status, 200u) << xml.error;
  const HttpReply as_json = client.get(query + "20000", {{"Accept", "application/json"}});
  ASSERT_EQ(as_json.status, 200u) << as_json.error;
  const long after = peak_rss_kb(serve.pid());

  // Both whole pages are over 25 MB; the server's peak grew by far less than one of them.
  const std::size_t records = xml_uids(xml.body).size();
  EXPECT_GE(records, 20000u);
  EXPECT_GT(xml.body.size(), 25'000'000u);
  EXPECT_GT(as_json.body.size(), 25'000'000u);
  EXPECT_EQ(json_uids(json::parse(as_json.body)
                          .at("Entities")
                          .at("BackupTaskSessions")
                          .at("BackupTaskSessions"))
                .size(),
            20000u);
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer keeps freed memory in quarantine (256 MB by default) to catch use after
  // free, so peak RSS grows with what was freed: flat memory is measured in the normal build.
  (void)before;
  (void)after;
#else
  EXPECT_LT(after - before, 4 * 1024)
      << "peak RSS before " << before << " kB, after " << after << " kB";
#endif
}

}  // namespace
}  // namespace emarchive
