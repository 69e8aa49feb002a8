#pragma once
// The synthetic history and the fixture that the tests of the served archive share: a server on
// 127.0.0.1, port 0, over an archive of a history whose answers the tests compute on their own.

#include "api/resources.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
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

namespace emarchive::api::served {

namespace fs = std::filesystem;
using emarchive::testing::HttpClient;
using emarchive::testing::HttpReply;
using emarchive::testing::TempDir;
using emarchive::testing::TestServer;

inline constexpr const char* kOrigin = "https://em-west.example.net:9398";

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

inline std::string guid(int kind, int n) {
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%08x-1111-4222-8333-%012x", 0x5e000000 + kind, n);
  return buffer;
}

inline std::string job_guid(int job) {
  return guid(1, job);
}
inline std::string server_guid(int server) {
  return guid(2, server);
}
inline std::string session_guid(int session) {
  return guid(3, session);
}
inline std::string job_name(int job) {
  return job == 0 ? "Finance VMs" : "Lab \"Dev\" & Test";
}
inline std::string server_name(int server) {
  return server == 0 ? "vbr-a.example.net" : "vbr-b.example.net";
}

inline std::string escape(std::string_view text) {
  std::string out;
  xml::append_escaped_attribute(out, text);
  return out;
}

inline std::string job_session_entity(int session, int job, int server,
                                      const std::string& created) {
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

inline std::string task_entity(const Task& t) {
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

inline std::vector<std::string> uids_in(const std::string& body) {
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
inline std::string encode(std::string_view text) {
  return boost::urls::encode(text, boost::urls::unreserved_chars);
}

// A pool of connections to the archive at `db` that each fail as `plan` says (each counting its
// own calls).
inline std::shared_ptr<ArchivePool> failing_pool(const std::string& db,
                                                 const emarchive::testing::ArchiveFailurePlan& plan) {
  return std::make_shared<ArchivePool>(
      [db, plan]() -> Expected<std::unique_ptr<storage::Archive>> {
        auto archive = storage::Archive::open(db);
        if (!archive) return archive.error();
        return std::unique_ptr<storage::Archive>(
            std::make_unique<emarchive::testing::FailingArchive>(std::move(*archive), plan));
      });
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

}  // namespace emarchive::api::served
