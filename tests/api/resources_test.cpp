// The archive served over HTTP: every resource family, the query service's grammar and paging,
// an EM client's whole flow, and bad requests. Servers run on 127.0.0.1, port 0.

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
#include "tests/support/failing_archive.h"
#include "tests/support/http_client.h"
#include "tests/support/test_data.h"
#include "tests/support/test_server.h"

namespace emarchive::api {
namespace {

namespace fs = std::filesystem;
using emarchive::testing::HttpClient;
using emarchive::testing::HttpReply;
using emarchive::testing::TempDir;
using emarchive::testing::TestServer;

constexpr const char* kOrigin = "https://em-west.example.net:9398";

// A synthetic history whose answers the tests compute on their own: 3 job sessions of 2 jobs
// on 2 backup servers, each with task sessions of varied results, sizes and times.
struct Task {
  std::string guid;
  std::string vm;
  std::string job_session_guid;
  int job = 0;
  int server = 0;
  EmTime created = 0;
  std::string created_text;
  std::string state;
  std::string result;
  std::string reason;
  std::int64_t size = 0;
};

std::string guid(int kind, int n) {
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%08x-1111-4222-8333-%012x", 0x5e000000 + kind, n);
  return buffer;
}

std::string job_guid(int job) {
  return guid(1, job);
}
std::string server_guid(int server) {
  return guid(2, server);
}
std::string session_guid(int session) {
  return guid(3, session);
}
std::string job_name(int job) {
  return job == 0 ? "Finance VMs" : "Lab \"Dev\" & Test";
}
std::string server_name(int server) {
  return server == 0 ? "vbr-a.example.net" : "vbr-b.example.net";
}

std::string escape(std::string_view text) {
  std::string out;
  xml::append_escaped_attribute(out, text);
  return out;
}

std::string job_session_entity(int session, int job, int server, const std::string& created) {
  const std::string g = session_guid(session);
  const std::string href = std::string(kOrigin) + "/api/backupSessions/" + g;
  const std::string name =
      escape(job_name(job)) + "@" + created.substr(0, 10) + " " + created.substr(11, 8);
  return "<BackupJobSession xmlns=\"http://www.veeam.com/ent/v1.0\" Type=\"BackupJobSession\" "
         "Href=\"" +
         href + "?format=Entity\" Name=\"" + name + "\" UID=\"urn:veeam:BackupJobSession:" + g +
         "\"><Links>"
         "<Link Rel=\"Up\" Type=\"BackupServerReference\" Href=\"" +
         kOrigin + "/api/backupServers/" + server_guid(server) + "\" Name=\"" +
         server_name(server) +
         "\" />"
         "<Link Rel=\"Up\" Type=\"JobReference\" Href=\"" +
         kOrigin + "/api/jobs/" + job_guid(job) + "\" Name=\"" + escape(job_name(job)) +
         "\" />"
         "<Link Rel=\"Alternate\" Type=\"BackupJobSessionReference\" Href=\"" +
         href + "\" Name=\"" + name +
         "\" />"
         "<Link Rel=\"Down\" Type=\"BackupTaskSessionReferenceList\" Href=\"" +
         href + "/taskSessions\" Name=\"" + name +
         "\" />"
         "</Links><JobUid>urn:veeam:Job:" +
         job_guid(job) + "</JobUid><JobName>" + escape(job_name(job)) +
         "</JobName><JobType>Backup</JobType><CreationTimeUTC>" + created +
         "</CreationTimeUTC><EndTimeUTC>" + created.substr(0, 11) +
         "23:59:59Z</EndTimeUTC>"
         "<State>Stopped</State><Result>Warning</Result><Progress>100</Progress><IsRetry>false</"
         "IsRetry>"
         "</BackupJobSession>";
}

std::string task_entity(const Task& t) {
  const std::string href = std::string(kOrigin) + "/api/backupTaskSessions/" + t.guid;
  const std::string name =
      t.vm + "@" + t.created_text.substr(0, 10) + " " + t.created_text.substr(11, 8);
  const std::string reason =
      t.reason.empty() ? "<Reason />" : "<Reason>" + escape(t.reason) + "</Reason>";
  return "<BackupTaskSession xmlns=\"http://www.veeam.com/ent/v1.0\" Type=\"BackupTaskSession\" "
         "Href=\"" +
         href + "?format=Entity\" Name=\"" + name +
         "\" UID=\"urn:veeam:BackupTaskSession:" + t.guid + "\" VmDisplayName=\"" + t.vm +
         "\"><Links>"
         "<Link Rel=\"Up\" Type=\"BackupServerReference\" Href=\"" +
         kOrigin + "/api/backupServers/" + server_guid(t.server) + "\" Name=\"" +
         server_name(t.server) +
         "\" />"
         "<Link Rel=\"Up\" Type=\"BackupJobSessionReference\" Href=\"" +
         kOrigin + "/api/backupSessions/" + t.job_session_guid +
         "\" Name=\"x\" />"
         "<Link Rel=\"Alternate\" Type=\"BackupTaskSessionReference\" Href=\"" +
         href + "\" Name=\"" + name +
         "\" />"
         "</Links><JobSessionUid>urn:veeam:BackupJobSession:" +
         t.job_session_guid + "</JobSessionUid><CreationTimeUTC>" + t.created_text +
         "</CreationTimeUTC><State>" + t.state + "</State><Result>" + t.result + "</Result>" +
         reason + "<TotalSize>" + std::to_string(t.size) + "</TotalSize></BackupTaskSession>";
}

class History {
 public:
  History() {
    const char* results[] = {"Success", "Success", "Warning", "Failed", "None"};
    const char* creations[] = {"2024-01-05T21:00:00Z", "2024-01-06T21:00:00.5Z",
                               "2024-02-01T21:00:00Z"};
    for (int s = 0; s < 3; ++s) {
      const int job = s == 2 ? 1 : 0;
      const int server = job;
      documents.push_back(job_session_entity(s, job, server, creations[s]));
      for (int i = 0; i < 10; ++i) {
        Task t;
        t.guid = guid(4, s * 100 + i);
        t.vm = (i % 2 ? "app-" : "db-") + std::to_string(s * 10 + i);
        t.job_session_guid = session_guid(s);
        t.job = job;
        t.server = server;
        // Times vary in their fractional digits; ordering must follow the instants.
        const int minute = (i * 7) % 10;
        const char* fractions[] = {"", ".5", ".25", ".125", ".0625", ".1234567"};
        t.created_text = std::string(creations[s]).substr(0, 14) + std::to_string(minute / 10) +
                         std::to_string(minute % 10) + ":0" + std::to_string(i % 10) +
                         fractions[i % 6] + "Z";
        t.created = *parse_em_time(t.created_text);
        t.result = results[(s + i) % 5];
        t.state = t.result == std::string("None") ? "InProgress" : "Completed";
        t.reason = t.result == std::string("Failed") ? "Error: disk 'C:\\' <full> [0x70]" : "";
        t.size = (i + 1) * 1073741824LL;
        tasks.push_back(t);
        documents.push_back(task_entity(t));
      }
    }
  }

  std::vector<std::string> uids(const std::function<bool(const Task&)>& keep) const {
    std::vector<const Task*> kept;
    for (const Task& t : tasks) {
      if (keep(t)) kept.push_back(&t);
    }
    std::stable_sort(kept.begin(), kept.end(),
                     [](const Task* a, const Task* b) { return a->created < b->created; });
    std::vector<std::string> out;
    for (const Task* t : kept) out.push_back("urn:veeam:BackupTaskSession:" + t->guid);
    return out;
  }

  std::vector<Task> tasks;
  std::vector<std::string> documents;
};

std::vector<std::string> uids_in(const std::string& body) {
  std::vector<std::string> out;
  auto doc = parse_document(body, "response");
  if (!doc) {
    ADD_FAILURE() << doc.error().message << "\n" << body.substr(0, 500);
    return out;
  }
  for (const Record& r : doc->records) out.push_back(r.uid);
  return out;
}

// Percent-encodes a query parameter value.
std::string encode(std::string_view text) {
  return boost::urls::encode(text, boost::urls::unreserved_chars);
}

class ResourcesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = (dir_ / "archive.db").string();
    auto archive = storage::Archive::open(db_);
    ASSERT_TRUE(archive) << archive.error().message;
    for (std::size_t i = 0; i < history_.documents.size(); ++i) {
      write(dir_ / "history" / ("doc" + std::to_string(100 + i) + ".xml"), history_.documents[i]);
    }
    ingest::ImportOptions options;
    options.now = [] { return std::string("2024-03-01T00:00:00Z"); };
    options.log = [](std::string_view line) { ADD_FAILURE() << line; };
    const auto imported = ingest::import_paths(
        **archive,
        std::vector<std::string>{(dir_ / "history").string(),
                                 (emarchive::testing::data_dir() / "em").string()},
        options);
    ASSERT_EQ(imported.fatal_error, "");
    ASSERT_EQ(imported.counts.rejected, 0);
  }

  static void write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
  }

  std::unique_ptr<TestServer> serve(ServerOptions options = {}, ResourceOptions resources = {}) {
    auto pool = std::make_shared<ArchivePool>([db = db_] {
      storage::OpenOptions o;
      o.create = false;
      o.read_only = true;
      return storage::Archive::open(db, o);
    });
    if (!resources.now) resources.now = [] { return *parse_em_time("2024-02-10T00:00:00Z"); };
    return std::make_unique<TestServer>(std::move(options),
                                        make_resource_handler(pool, std::move(resources)));
  }

  TempDir dir_;
  std::string db_;
  History history_;
};

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

struct FilterCase {
  const char* filter;
  std::function<bool(const Task&)> expected;
};

TEST_F(ResourcesTest, TheFilterGrammarSelectsWhatItSays) {
  auto server = serve();
  HttpClient client(server->port());
  const EmTime jan6 = *parse_em_time("2024-01-06T00:00:00Z");
  const EmTime feb = *parse_em_time("2024-02-01T21:00:02.25Z");
  const std::vector<FilterCase> cases = {
      {"Result==Failed", [](const Task& t) { return t.result == "Failed"; }},
      {"result==failed", [](const Task& t) { return t.result == "Failed"; }},
      {"Result!=Success", [](const Task& t) { return t.result != "Success"; }},
      // Enum order: None < Success < Warning < Failed.
      {"Result>Success",
       [](const Task& t) { return t.result == "Warning" || t.result == "Failed"; }},
      {"Result<=Success",
       [](const Task& t) { return t.result == "Success" || t.result == "None"; }},
      {"State==InProgress", [](const Task& t) { return t.state == "InProgress"; }},
      {"TotalSize>=5368709120", [](const Task& t) { return t.size >= 5368709120; }},
      {"TotalSize<2147483648", [](const Task& t) { return t.size < 2147483648; }},
      {"CreationTime>=\"2024-01-06T00:00:00Z\"", [&](const Task& t) { return t.created >= jan6; }},
      {"CreationTime>=2024-01-06T00:00:00", [&](const Task& t) { return t.created >= jan6; }},
      {"CreationTime<2024-01-06T00:00:00Z", [&](const Task& t) { return t.created < jan6; }},
      // As people write them: a date alone, a space for the T.
      {"CreationTime<2024-01-06", [&](const Task& t) { return t.created < jan6; }},
      {"CreationTime>=\"2024-01-06 00:00:00\"", [&](const Task& t) { return t.created >= jan6; }},
      // Seven-digit and two-digit fractions compare as instants.
      {"CreationTime==2024-02-01T21:00:02.25Z", [&](const Task& t) { return t.created == feb; }},
      {"Result==Failed;TotalSize>3221225472",
       [](const Task& t) { return t.result == "Failed" && t.size > 3221225472; }},
      {"Result==Failed,Result==None",
       [](const Task& t) { return t.result == "Failed" || t.result == "None"; }},
      // ';' binds tighter than ','.
      {"Result==Failed,Result==Success;TotalSize<3221225472",
       [](const Task& t) {
         return t.result == "Failed" || (t.result == "Success" && t.size < 3221225472);
       }},
      {"(Result==Failed,Result==Success);TotalSize<3221225472",
       [](const Task& t) {
         return (t.result == "Failed" || t.result == "Success") && t.size < 3221225472;
       }},
      {"VmDisplayName==db-10", [](const Task& t) { return t.vm == "db-10"; }},
      {"vmdisplayname==\"DB-10\"", [](const Task& t) { return t.vm == "db-10"; }},
      {"JobSessionUid==urn:veeam:BackupJobSession:5e000003-1111-4222-8333-000000000002",
       [](const Task& t) { return t.job_session_guid == session_guid(2); }},
      {"JobSessionUid!=urn:veeam:BackupJobSession:5e000003-1111-4222-8333-000000000002",
       [](const Task& t) { return t.job_session_guid != session_guid(2); }},
      {"BackupServerUid==URN:VEEAM:BACKUPSERVER:5E000002-1111-4222-8333-000000000001",
       [](const Task& t) { return t.server == 1; }},
      {"BackupServerName==vbr-a.example.net", [](const Task& t) { return t.server == 0; }},
      {"JobName==\"Lab \"\"Dev\"\" & Test\"", [](const Task& t) { return t.job == 1; }},
      {"JobUid==urn:veeam:Job:5e000001-1111-4222-8333-000000000000",
       [](const Task& t) { return t.job == 0; }},
      {"Reason==\"Error: disk 'C:\\' <full> [0x70]\"",
       [](const Task& t) { return t.result == "Failed"; }},
      // Hostile values are values: they match nothing and change nothing.
      {"Name==\"x' OR '1'='1\"", [](const Task&) { return false; }},
      {"Name==\"\"\"; DROP TABLE sessions; --\"", [](const Task&) { return false; }},
  };
  const auto ours = history_.uids([](const Task&) { return true; });
  for (const FilterCase& c : cases) {
    const HttpReply reply =
        client.get("/api/query?type=BackupTaskSession&pageSize=1000&filter=" + encode(c.filter));
    ASSERT_EQ(reply.status, 200u) << c.filter << "\n" << reply.body;
    std::vector<std::string> got;
    for (const std::string& uid : uids_in(reply.body)) {
      if (std::find(ours.begin(), ours.end(), uid) != ours.end()) got.push_back(uid);
    }
    EXPECT_EQ(got, history_.uids(c.expected)) << c.filter;
  }
  // The hostile filters left the archive whole.
  EXPECT_EQ(uids_in(client.get("/api/query?type=BackupTaskSession&pageSize=1000").body).size() >=
                history_.tasks.size(),
            true);
}

TEST_F(ResourcesTest, SortingAndPagingFollowNextLinksToTheEnd) {
  auto server = serve();
  HttpClient client(server->port());
  std::vector<std::string> expected =
      history_.uids([](const Task& t) { return t.result != "None"; });
  std::vector<const Task*> by_size;
  for (const Task& t : history_.tasks) {
    if (t.result != "None") by_size.push_back(&t);
  }
  std::stable_sort(by_size.begin(), by_size.end(),
                   [](const Task* a, const Task* b) { return a->size > b->size; });

  std::string target =
      "/api/query?type=backupTaskSession&format=Entities&sortDesc=TotalSize&pageSize=7&filter=" +
      encode("Result!=None;CreationTime>2000-01-01T00:00:00Z");
  std::vector<std::string> got;
  std::vector<EmTime> sizes;
  int pages = 0;
  while (!target.empty() && pages < 20) {
    const HttpReply reply = client.get(target);
    ASSERT_EQ(reply.status, 200u) << target << "\n" << reply.body;
    auto doc = parse_document(reply.body, target);
    ASSERT_TRUE(doc) << doc.error().message;
    ASSERT_TRUE(doc->paging);
    ++pages;
    EXPECT_EQ(doc->paging->page_num, pages);
    EXPECT_EQ(doc->paging->page_size, 7);
    EXPECT_EQ(doc->paging->pages_count, 4);  // 24 of ours and 4 of tests/data/em are not None
    for (const Record& r : doc->records) {
      got.push_back(r.uid);
      sizes.push_back(std::stoll(*r.field("TotalSize")));
    }
    target.clear();
    for (const Link& l : doc->paging->links) {
      if (l.rel == "Next") target = *l.href;
    }
  }
  EXPECT_EQ(pages, 4);
  EXPECT_TRUE(std::is_sorted(sizes.rbegin(), sizes.rend()));
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()).size(), got.size()) << "a record twice";
  // tests/data/em adds its own task sessions to ours; every one of ours must be there, in order.
  std::vector<std::string> ours;
  for (const std::string& uid : got) {
    if (std::find(expected.begin(), expected.end(), uid) != expected.end()) ours.push_back(uid);
  }
  std::vector<std::string> expected_order;
  for (const Task* t : by_size) expected_order.push_back("urn:veeam:BackupTaskSession:" + t->guid);
  EXPECT_EQ(ours, expected_order);
}

TEST_F(ResourcesTest, SortingByAnEnumFollowsEmsOrderNotTheAlphabet) {
  auto server = serve();
  HttpClient client(server->port());
  const HttpReply reply = client.get(
      "/api/query?type=BackupTaskSession&format=Entities&sortAsc=Result&pageSize=1000&filter=" +
      encode("JobSessionUid!=urn:veeam:BackupJobSession:00000000-0000-0000-0000-000000000000"));
  ASSERT_EQ(reply.status, 200u) << reply.body;
  auto doc = parse_document(reply.body, "reply");
  ASSERT_TRUE(doc) << doc.error().message;
  const std::vector<std::string> order = {"None", "Success", "Warning", "Failed"};
  std::vector<std::size_t> ranks;
  for (const Record& r : doc->records) {
    ranks.push_back(std::find(order.begin(), order.end(), *r.field("Result")) - order.begin());
  }
  EXPECT_FALSE(ranks.empty());
  EXPECT_TRUE(std::is_sorted(ranks.begin(), ranks.end()));
}

TEST_F(ResourcesTest, PagingInfoIsThereForOnePageAndDefaultsToAHundred) {
  auto server = serve();
  HttpClient client(server->port());
  const HttpReply reply =
      client.get("/api/query?type=BackupJobSession&filter=" + encode("JobName==\"Finance VMs\""));
  ASSERT_EQ(reply.status, 200u) << reply.body;
  auto doc = parse_document(reply.body, "reply");
  ASSERT_TRUE(doc) << doc.error().message;
  ASSERT_TRUE(doc->paging);
  EXPECT_EQ(doc->paging->page_num, 1);
  EXPECT_EQ(doc->paging->page_size, 100);
  EXPECT_EQ(doc->paging->pages_count, 1);
  EXPECT_EQ(doc->records.size(), 2u);
  std::vector<std::string> rels;
  for (const Link& l : doc->paging->links) rels.push_back(*l.rel);
  EXPECT_EQ(rels, (std::vector<std::string>{"First", "Last"}));
  EXPECT_NE(doc->paging->links[0].href->find("pageSize=100&page=1"), std::string::npos);
}

struct BadQuery {
  const char* target;
  const char* message;
};

TEST_F(ResourcesTest, BadQueriesAre400WithAMessageThatSaysWhere) {
  auto server = serve();
  HttpClient client(server->port());
  const std::vector<BadQuery> cases = {
      {"/api/query", "type: missing"},
      {"/api/query?type=Repository", "type: 'Repository' is not a type this archive holds"},
      {"/api/query?type=Job&format=Entity", "format: 'Entity' is neither References nor Entities"},
      {"/api/query?type=Job&pageSize=0", "pageSize: '0' is not a positive integer"},
      {"/api/query?type=Job&pageSize=9223372036854775807&page=3", "page: too large"},
      {"/api/query?type=Job&page=x", "page: 'x' is not a positive integer"},
      {"/api/query?type=Job&sortAsc=Name&sortDesc=Name", "give one of them"},
      {"/api/query?type=Job&sortAsc=Size", "sortAsc: unknown field 'Size' for type Job"},
      {"/api/query?type=BackupTaskSession&filter=Result%3D%3D",
       "filter: at character 9: expected a value"},
      {"/api/query?type=BackupTaskSession&filter=Reslt%3D%3DFailed",
       "filter: at character 1: unknown field 'Reslt' for type BackupTaskSession"},
      {"/api/query?type=BackupTaskSession&filter=Result%3EDone", "'Done' is not a Result"},
      {"/api/query?type=BackupTaskSession&filter=CreationTime%3E2024-13-01", "CreationTime"},
      {"/api/query?type=BackupTaskSession&filter=TotalSize%3E1e9", "'1e9' is not an integer"},
  };
  for (const BadQuery& c : cases) {
    const HttpReply reply = client.get(c.target);
    EXPECT_EQ(reply.status, 400u) << c.target << "\n" << reply.body;
    EXPECT_NE(reply.body.find(c.message), std::string::npos) << c.target << "\n" << reply.body;
    EXPECT_NE(reply.body.find("<Error"), std::string::npos);
  }
  EXPECT_EQ(client.get("/api/nothingHere").status, 404u);
  EXPECT_EQ(client.request("PUT", "/api/backupSessions").status, 405u);
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
    auto pool = std::make_shared<ArchivePool>(
        [db = db_, plan]() -> Expected<std::unique_ptr<storage::Archive>> {
          auto archive = storage::Archive::open(db);
          if (!archive) return archive.error();
          return std::unique_ptr<storage::Archive>(
              std::make_unique<emarchive::testing::FailingArchive>(std::move(*archive), plan));
        });
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
