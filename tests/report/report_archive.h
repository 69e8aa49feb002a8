#pragma once
// Archives with a history the report tests make up: EM documents (job and task sessions in their
// entity form, as EM serves them) built from a few calls and stored through the archive, so that
// each test knows exactly what the archive holds and can compute what a report must say.

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/codec.h"
#include "model/em_time.h"
#include "storage/archive.h"

namespace emarchive::report::testing {

struct JobDef {
  std::string guid;  // of the job
  std::string name;
  std::string type;  // JobType: "Backup", "BackupCopy", "Replica"
  bool replica() const { return type == "Replica"; }
};

class ReportArchive {
 public:
  explicit ReportArchive(std::filesystem::path db) : db_(std::move(db)) {}

  // A job session of `job`; returns its GUID, for its tasks.
  std::string job_session(const JobDef& job, EmTime start, std::optional<EmTime> end,
                          const std::string& result, bool retry = false,
                          const std::string& failure_message = "") {
    const std::string guid = next_guid();
    const char* kind = job.replica() ? "ReplicaJobSession" : "BackupJobSession";
    const char* collection = job.replica() ? "replicaSessions" : "backupSessions";
    std::string xml = std::string("<") + kind + " xmlns=\"http://www.veeam.com/ent/v1.0\" Type=\"" +
                      kind + "\" Href=\"" + kOrigin + "/api/" + collection + "/" + guid +
                      "?format=Entity\" Name=\"" + job.name + "@" + format_em_time(start) +
                      "\" UID=\"urn:veeam:" + kind + ":" + guid + "\"><Links>" + server_link() +
                      "<Link Rel=\"Up\" Type=\"JobReference\" Href=\"" + kOrigin + "/api/jobs/" +
                      job.guid + "\" Name=\"" + job.name + "\"/></Links><JobUid>urn:veeam:Job:" +
                      job.guid + "</JobUid><JobName>" + job.name + "</JobName><JobType>" +
                      job.type + "</JobType><CreationTimeUTC>" + format_em_time(start) +
                      "</CreationTimeUTC>" +
                      (end ? "<EndTimeUTC>" + format_em_time(*end) + "</EndTimeUTC>" : "") +
                      "<State>" + (end ? "Stopped" : "Working") + "</State><Result>" + result +
                      "</Result><Progress>100</Progress>" +
                      (failure_message.empty()
                           ? std::string()
                           : "<FailureMessage>" + failure_message + "</FailureMessage>") +
                      "<IsRetry>" + (retry ? "true" : "false") + "</IsRetry></" + kind + ">";
    documents_.push_back(std::move(xml));
    replica_[guid] = job.replica();
    return guid;
  }

  // A task session of one VM in job session `parent`.
  void task(const std::string& parent, const std::string& vm, std::optional<std::string> vm_uid,
            EmTime start, EmTime end, const std::string& result, const std::string& reason = "",
            std::int64_t size = 0) {
    const std::string guid = next_guid();
    const bool replica = replica_.at(parent);
    const char* kind = replica ? "ReplicaTaskSession" : "BackupTaskSession";
    const char* parent_kind = replica ? "ReplicaJobSession" : "BackupJobSession";
    const char* collection = replica ? "replicaTaskSessions" : "backupTaskSessions";
    std::string xml =
        std::string("<") + kind + " xmlns=\"http://www.veeam.com/ent/v1.0\" Type=\"" + kind +
        "\" Href=\"" + kOrigin + "/api/" + collection + "/" + guid + "?format=Entity\" Name=\"" +
        vm + "@" + format_em_time(start) + "\" UID=\"urn:veeam:" + kind + ":" + guid +
        "\" VmDisplayName=\"" + vm + "\"><Links>" + server_link() +
        "</Links><JobSessionUid>urn:veeam:" + parent_kind + ":" + parent +
        "</JobSessionUid><CreationTimeUTC>" + format_em_time(start) +
        "</CreationTimeUTC><EndTimeUTC>" + format_em_time(end) +
        "</EndTimeUTC><State>Completed</State><Result>" + result + "</Result><Reason>" + reason +
        "</Reason><TotalSize>" + std::to_string(size) + "</TotalSize>" +
        (vm_uid && !replica ? "<VmUid>" + *vm_uid + "</VmUid>" : "") + "</" + kind + ">";
    documents_.push_back(std::move(xml));
  }

  // Stores every document made so far (fails the test on any error).
  void store() {
    auto archive = storage::Archive::open(db_.string());
    ASSERT_TRUE(archive) << archive.error().message;
    auto run = (*archive)->begin_run("import", "report test", "2026-01-01T00:00:00Z");
    ASSERT_TRUE(run) << run.error().message;
    for (const std::string& xml : documents_) {
      auto document = parse_document(xml, "made-up");
      ASSERT_TRUE(document) << document.error().message << "\n" << xml;
      auto stored = (*archive)->store(document->records, *run, "2026-01-01T00:00:00Z");
      ASSERT_TRUE(stored) << stored.error().message;
    }
    documents_.clear();
  }

  const std::filesystem::path& path() const { return db_; }

 private:
  static constexpr const char* kOrigin = "https://em.report.test:9398";

  static std::string server_link() {
    return std::string("<Link Rel=\"Up\" Type=\"BackupServerReference\" Href=\"") + kOrigin +
           "/api/backupServers/5f0e3c1a-0000-4000-8000-000000000001\" Name=\"vbr-01\"/>";
  }

  std::string next_guid() {
    char text[40];
    std::snprintf(text, sizeof text, "0a1b2c3d-0000-4000-8000-%012llx",
                  static_cast<unsigned long long>(++counter_));
    return text;
  }

  std::filesystem::path db_;
  std::vector<std::string> documents_;
  std::map<std::string, bool> replica_;
  std::uint64_t counter_ = 0;
};

// A time: "2026-03-01T22:00:00Z".
inline EmTime at(const std::string& text) {
  auto t = parse_em_time(text);
  EXPECT_TRUE(t) << text;
  return t ? *t : 0;
}

}  // namespace emarchive::report::testing
