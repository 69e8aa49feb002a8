// The archive served over HTTP: every resource family, an EM client's whole flow, records stored
// while serving, and a failing archive. Servers run on 127.0.0.1, port 0.

#include "api/resources.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <pugixml.hpp>

#include "api/users_file.h"
#include "ingest/importer.h"
#include "model/codec.h"
#include "model/em_time.h"
#include "model/href.h"
#include "model/xml_compare.h"
#include "model/xml_escape.h"
#include "tests/api/resources_fixture.h"
#include "tests/support/failing_archive.h"
#include "tests/support/http_client.h"
#include "tests/support/test_data.h"
#include "tests/support/test_server.h"

namespace emarchive::api {
namespace {

using namespace emarchive::api::served;
namespace fs = std::filesystem;
using emarchive::testing::HttpClient;
using emarchive::testing::HttpReply;
using emarchive::testing::TempDir;
using emarchive::testing::TestServer;

TEST_F(ResourcesTest, EverySingleRecordDocumentIsServedBackEqual) {
  auto server = serve();
  HttpClient client(server->port());
  int compared = 0;
  std::map<std::pair<std::string, Form>, int> carriers;
  std::vector<std::pair<fs::path, Document>> singles;
  for (const fs::path& file : emarchive::testing::files_under("em")) {
    auto doc = parse_document(emarchive::testing::read_file(file), file.string());
    ASSERT_TRUE(doc) << doc.error().message;
    for (const Record& r : doc->records) {
      if (r.reference) ++carriers[{r.uid, Form::Reference}];
      if (r.entity) ++carriers[{r.uid, Form::Entity}];
    }
    if (doc->type == DocumentType::Entity || doc->type == DocumentType::EntityRef) {
      singles.emplace_back(file, std::move(*doc));
    }
  }
  for (const auto& [file, doc] : singles) {
    const Record& r = doc.records.front();
    const bool entity = doc.type == DocumentType::Entity;
    if (carriers[{r.uid, entity ? Form::Entity : Form::Reference}] != 1) continue;
    const std::string target = "/api/" + std::string(info(r.kind).collection) + "/" +
                               std::string(r.uid.substr(info(r.kind).uid_prefix.size())) +
                               (entity ? "?format=Entity" : "");
    const HttpReply reply = client.get(target);
    ASSERT_EQ(reply.status, 200u) << target << "\n" << reply.body;
    XmlCompareOptions options;
    options.ignore_href_origin = true;
    EXPECT_EQ(xml_difference(emarchive::testing::read_file(file), reply.body, options), "") << file;
    // Hrefs carry the address the client used.
    EXPECT_NE(reply.body.find("http://127.0.0.1:" + std::to_string(server->port()) + "/api/"),
              std::string::npos);
    ++compared;
  }
  EXPECT_GT(compared, 10);
}

// Collections and QueryResult pages: each, imported alone into a fresh archive, is served back by
// the matching collection or query with the same records, each equal to what EM wrote.
TEST(ResourcesServeBack, EveryCollectionAndQueryResultDocument) {
  int compared = 0;
  for (const fs::path& file : emarchive::testing::files_under("em")) {
    const std::string original = emarchive::testing::read_file(file);
    auto doc = parse_document(original, file.string());
    ASSERT_TRUE(doc) << doc.error().message;
    if (doc->type == DocumentType::Entity || doc->type == DocumentType::EntityRef ||
        doc->records.empty()) {
      continue;
    }
    const Kind kind = doc->records.front().kind;
    const bool entities = doc->type == DocumentType::EntityList ||
                          (doc->type == DocumentType::QueryResult && doc->has_entities);
    TempDir dir;
    const std::string db = (dir / "one.db").string();
    {
      auto archive = storage::Archive::open(db);
      ASSERT_TRUE(archive) << archive.error().message;
      auto run = (*archive)->begin_run("test", file.string(), "2024-03-01T00:00:00Z");
      ASSERT_TRUE(run);
      ASSERT_TRUE((*archive)->store(doc->records, *run, "2024-03-01T00:00:00Z")) << file;
    }
    auto pool = std::make_shared<ArchivePool>([db] { return storage::Archive::open(db); });
    ResourceOptions resources;
    resources.now = [] { return EmTime{0}; };
    TestServer server({}, make_resource_handler(pool, resources));
    HttpClient client(server.port());
    const std::string target =
        doc->type == DocumentType::QueryResult
            ? "/api/query?type=" + std::string(info(kind).name) +
                  (entities ? "&format=Entities" : "") + "&pageSize=1000"
            : "/api/" + std::string(info(kind).collection) + (entities ? "?format=Entity" : "");
    const HttpReply reply = client.get(target);
    ASSERT_EQ(reply.status, 200u) << file << "\n" << reply.body;
    auto served = parse_document(reply.body, target);
    ASSERT_TRUE(served) << served.error().message;
    EXPECT_EQ(served->type, doc->type) << file;
    std::map<std::string, const Record*> by_uid;
    for (const Record& r : served->records) by_uid[r.uid] = &r;
    ASSERT_EQ(by_uid.size(), doc->records.size()) << file;
    XmlCompareOptions options;
    options.ignore_href_origin = true;
    for (const Record& r : doc->records) {
      ASSERT_TRUE(by_uid.count(r.uid)) << file << ": " << r.uid << " not served";
      const Record& s = *by_uid[r.uid];
      const std::string want =
          entities ? render_entity(r, r.origin) : render_entity_ref(r, r.origin);
      const std::string got =
          entities ? render_entity(s, s.origin) : render_entity_ref(s, s.origin);
      EXPECT_EQ(xml_difference(want, got, options), "") << file << ": " << r.uid;
    }
    ++compared;
  }
  EXPECT_GT(compared, 20);
}

TEST_F(ResourcesTest, ReferenceIsDerivedFromAnArchivedEntityButAnEntityIsNeverMadeUp) {
  auto server = serve();
  HttpClient client(server->port());
  const Task& t = history_.tasks.front();
  const HttpReply ref = client.get("/api/backupTaskSessions/" + t.guid);
  ASSERT_EQ(ref.status, 200u) << ref.body;
  auto parsed = parse_document(ref.body, "reply");
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->type, DocumentType::EntityRef);
  const Representation& rep = *parsed->records.front().reference;
  EXPECT_EQ(rep.type, "BackupTaskSessionReference");
  EXPECT_EQ(rep.href, "/api/backupTaskSessions/" + t.guid);
  ASSERT_EQ(rep.links.size(), 3u);
  EXPECT_EQ(rep.links[2].rel, "Alternate");
  EXPECT_EQ(rep.links[2].href, "/api/backupTaskSessions/" + t.guid + "?format=Entity");

  // The job and backup server are known only from links: neither form was archived.
  EXPECT_EQ(client.get("/api/jobs/" + job_guid(0)).status, 404u);
  EXPECT_EQ(client.get("/api/jobs/" + job_guid(0) + "?format=Entity").status, 404u);
  const HttpReply missing = client.get("/api/backupTaskSessions/" + guid(9, 9));
  EXPECT_EQ(missing.status, 404u);
  EXPECT_NE(missing.body.find("<Error"), std::string::npos);
  EXPECT_NE(missing.body.find("StatusCode=\"404\""), std::string::npos);
}

TEST_F(ResourcesTest, CollectionsListEverythingByCreationTimeInBothForms) {
  auto server = serve();
  HttpClient client(server->port());
  const auto all = history_.uids([](const Task&) { return true; });
  const HttpReply refs = client.get("/api/backupTaskSessions");
  ASSERT_EQ(refs.status, 200u);
  std::vector<std::string> got = uids_in(refs.body);
  // The reference documents under tests/data/em hold more task sessions; ours come in order.
  std::vector<std::string> ours;
  for (const std::string& uid : got) {
    if (std::find(all.begin(), all.end(), uid) != all.end()) ours.push_back(uid);
  }
  EXPECT_EQ(ours, all);
  EXPECT_NE(refs.body.find("<EntityReferences"), std::string::npos);

  const HttpReply entities = client.get("/api/backupTaskSessions?format=Entity");
  ASSERT_EQ(entities.status, 200u);
  EXPECT_NE(entities.body.find("<BackupTaskSessions"), std::string::npos);
  std::vector<std::string> our_entities;
  for (const std::string& uid : uids_in(entities.body)) {
    if (std::find(all.begin(), all.end(), uid) != all.end()) our_entities.push_back(uid);
  }
  EXPECT_EQ(our_entities, all);
}

TEST_F(ResourcesTest, ChildCollectionsHoldTheirChildren) {
  auto server = serve();
  HttpClient client(server->port());
  const auto of_session_1 =
      history_.uids([](const Task& t) { return t.job_session_guid == session_guid(1); });
  const HttpReply reply = client.get("/api/backupSessions/" + session_guid(1) + "/taskSessions");
  ASSERT_EQ(reply.status, 200u) << reply.body;
  EXPECT_EQ(uids_in(reply.body), of_session_1);
  const HttpReply of_job = client.get("/api/jobs/" + job_guid(0) + "/backupSessions");
  // The job itself was never archived, only its sessions, which point to it: it is known (a
  // stub), so its sessions are served. A parent never seen is a 404.
  ASSERT_EQ(of_job.status, 200u) << of_job.body;
  EXPECT_FALSE(uids_in(of_job.body).empty());
  EXPECT_EQ(client.get("/api/backupSessions/" + guid(9, 1) + "/taskSessions").status, 404u);
  EXPECT_EQ(client.get("/api/jobs/" + guid(9, 1) + "/backupSessions").status, 404u);
}

TEST_F(ResourcesTest, TheListWindowReproducesEmsThirtyDays) {
  ResourceOptions resources;
  resources.list_window_days = 30;
  resources.now = [] { return *parse_em_time("2024-02-20T00:00:00Z"); };
  auto server = serve({}, resources);
  HttpClient client(server->port());
  const EmTime since = *parse_em_time("2024-01-21T00:00:00Z");
  const auto recent = history_.uids([&](const Task& t) { return t.created >= since; });
  std::vector<std::string> ours;
  const auto all = history_.uids([](const Task&) { return true; });
  for (const std::string& uid : uids_in(client.get("/api/backupTaskSessions").body)) {
    if (std::find(all.begin(), all.end(), uid) != all.end()) ours.push_back(uid);
  }
  EXPECT_EQ(ours, recent);
  // The query service still reaches everything.
  const HttpReply q =
      client.get("/api/query?type=BackupTaskSession&pageSize=1000&filter=" +
                 encode("CreationTime<2024-03-01T00:00:00Z;CreationTime>2023-12-31T00:00:00Z"));
  ASSERT_EQ(q.status, 200u) << q.body;
  std::vector<std::string> queried;
  for (const std::string& uid : uids_in(q.body)) {
    if (std::find(all.begin(), all.end(), uid) != all.end()) queried.push_back(uid);
  }
  EXPECT_EQ(queried, all);
}

TEST_F(ResourcesTest, AnEmClientsWholeFlowWithLogonRequired) {
  auto users =
      UsersFile::parse(*make_users_line("auditor", "s3cret pass", kMinPbkdf2Iterations), "users");
  ASSERT_TRUE(users) << users.error().message;
  ServerOptions options;
  options.users = std::move(*users);
  auto server = serve(std::move(options));
  HttpClient client(server->port());
  const std::string origin = "http://127.0.0.1:" + std::to_string(server->port());
  auto rest = [&](const std::string& href) {
    EXPECT_TRUE(href.starts_with(origin)) << href;
    return href.substr(origin.size());
  };
  auto link = [](const std::string& body, const char* rel, const char* type) -> std::string {
    pugi::xml_document doc;
    doc.load_string(body.c_str());
    for (pugi::xpath_node n : doc.select_nodes("//*[local-name()='Link']")) {
      if (std::string(n.node().attribute("Rel").value()) == rel &&
          (!type || std::string(n.node().attribute("Type").value()) == type)) {
        return n.node().attribute("Href").value();
      }
    }
    return "";
  };

  const HttpReply root = client.get("/api/");
  ASSERT_EQ(root.status, 200u);
  EXPECT_EQ(client.get("/api/backupTaskSessions").status, 401u);

  const HttpReply logon = client.post(
      rest(link(root.body, "Create", "LogonSession")),
      {{"Authorization", emarchive::testing::basic_authorization("auditor", "s3cret pass")}});
  ASSERT_EQ(logon.status, 201u) << logon.body;
  const std::string token = logon.header("X-RestSvcSessionId");
  ASSERT_FALSE(token.empty());
  const HttpClient::Headers auth = {{"X-RestSvcSessionId", token}};

  const std::string query_svc = link(logon.body, "Down", "QueryService");
  ASSERT_FALSE(query_svc.empty()) << logon.body;
  const HttpReply svc = client.get(rest(query_svc), auth);
  ASSERT_EQ(svc.status, 200u) << svc.body;
  std::string next = rest(link(svc.body, "Down", "BackupTaskSessionList"));
  ASSERT_FALSE(next.empty()) << svc.body;

  std::set<std::string> seen;
  int pages = 0;
  while (!next.empty() && pages < 50) {
    const HttpReply page = client.get(next, auth);
    ASSERT_EQ(page.status, 200u) << next << "\n" << page.body;
    for (const std::string& uid : uids_in(page.body)) EXPECT_TRUE(seen.insert(uid).second) << uid;
    const std::string href = link(page.body, "Next", nullptr);
    next = href.empty() ? "" : rest(href);
    ++pages;
  }
  EXPECT_GE(seen.size(), history_.tasks.size());
  for (const Task& t : history_.tasks)
    EXPECT_TRUE(seen.count("urn:veeam:BackupTaskSession:" + t.guid));

  // Follow a record's Links: its job session, and back down to its task sessions.
  const Task& t = history_.tasks[3];
  const HttpReply task = client.get("/api/backupTaskSessions/" + t.guid, auth);
  ASSERT_EQ(task.status, 200u);
  const HttpReply parent =
      client.get(rest(link(task.body, "Up", "BackupJobSessionReference")), auth);
  ASSERT_EQ(parent.status, 200u) << parent.body;
  const HttpReply children =
      client.get(rest(link(parent.body, "Down", "BackupTaskSessionReferenceList")), auth);
  ASSERT_EQ(children.status, 200u) << children.body;
  EXPECT_EQ(uids_in(children.body).size(), 10u);

  const HttpReply logoff = client.del(rest(link(logon.body, "Delete", nullptr)), auth);
  EXPECT_EQ(logoff.status, 204u);
  EXPECT_EQ(client.get("/api/backupTaskSessions", auth).status, 401u);
}

TEST_F(ResourcesTest, RecordsStoredWhileServingAppearWithoutARestart) {
  auto server = serve();
  HttpClient client(server->port());
  Task t = history_.tasks.front();
  t.guid = guid(4, 999);
  const std::string target = "/api/backupTaskSessions/" + t.guid + "?format=Entity";
  EXPECT_EQ(client.get(target).status, 404u);
  {
    auto writer = storage::Archive::open(db_);
    ASSERT_TRUE(writer);
    auto doc = parse_document(task_entity(t), "new");
    ASSERT_TRUE(doc);
    auto run = (*writer)->begin_run("test", "", "2024-03-02T00:00:00Z");
    ASSERT_TRUE(run);
    ASSERT_TRUE((*writer)->store(doc->records, *run, "2024-03-02T00:00:00Z"));
  }
  EXPECT_EQ(client.get(target).status, 200u);
}

// The archive failing under a request: a busy archive is a 503 with Retry-After, a damaged or
// unreadable one a 500 whose body leaves out the database file (which goes to the server's log
// with the full message), and the server answers the next request.
TEST_F(ResourcesTest, AFailingArchiveIsA503WhenBusyElseA500WithoutThePathAndTheServerGoesOn) {
  struct Case {
    ErrorCode code;
    unsigned status;
  };
  for (const Case& c :
       {Case{ErrorCode::busy, 503u}, Case{ErrorCode::corrupt, 500u}, Case{ErrorCode::io, 500u}}) {
    SCOPED_TRACE(c.status);
    emarchive::testing::ArchiveFailurePlan plan;
    plan.call = emarchive::testing::ArchiveCall::Load;
    plan.code = c.code;
    plan.message = db_ + ": cannot load a record: database is locked, malformed or unreadable";
    auto pool = failing_pool(db_, plan);
    ResourceOptions resources;
    resources.now = [] { return *parse_em_time("2024-02-10T00:00:00Z"); };
    std::vector<std::string> log;
    std::mutex log_mutex;
    resources.error_log = [&](std::string_view line) {
      std::lock_guard lock(log_mutex);
      log.emplace_back(line);
    };
    TestServer server({}, make_resource_handler(pool, resources));
    HttpClient client(server.port());
    const std::string target = "/api/backupTaskSessions/" + history_.tasks.front().guid;

    const HttpReply failed = client.get(target);
    EXPECT_EQ(failed.status, c.status) << failed.body;
    EXPECT_NE(failed.body.find("<Error "), std::string::npos) << failed.body;
    EXPECT_NE(failed.body.find("StatusCode=\"" + std::to_string(c.status) + "\""),
              std::string::npos)
        << failed.body;
    EXPECT_EQ(failed.body.find(db_), std::string::npos) << failed.body;
    EXPECT_EQ(failed.body.find("archive.db"), std::string::npos) << failed.body;
    if (c.code == ErrorCode::busy) {
      EXPECT_EQ(failed.header("Retry-After"), "1");
    } else {
      EXPECT_FALSE(failed.has_header("Retry-After"));
    }
    {
      std::lock_guard lock(log_mutex);
      ASSERT_EQ(log.size(), 1u);
      EXPECT_EQ(log.front(), plan.message);
    }

    EXPECT_EQ(client.get(target).status, 200u);
  }
}

}  // namespace
}  // namespace emarchive::api
