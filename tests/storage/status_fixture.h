#pragma once
// The records the tests of ArchiveStatus and ArchiveHistory store: a backup server, a job with
// nightly runs, and their VMs' task sessions, in an archive of their own.

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/storage/archive_fixture.h"

namespace emarchive::storage::status_fixture {

using fixture::at;
using fixture::link;
using fixture::path_of;
using fixture::uid;

inline constexpr std::string_view kEm = "https://em1.test:9398";
inline constexpr std::string_view kServer = "00000000-0000-0000-0000-0000000000a1";
inline constexpr std::string_view kNightly = "00000000-0000-0000-0000-0000000000b1";
inline constexpr std::string_view kIdle = "00000000-0000-0000-0000-0000000000b2";

// An entity-only record of `kind` from kEm with the fields given by element name.
inline Record entity(Kind kind, std::string_view guid, std::string name,
                     std::vector<std::pair<std::string_view, std::string>> fields,
                     std::vector<Link> links = {}) {
  Record record;
  record.kind = kind;
  record.uid = uid(kind, guid);
  record.origin = std::string(kEm);
  Representation form;
  form.name = std::move(name);
  form.has_links = !links.empty();
  form.links = std::move(links);
  const auto specs = info(kind).fields;
  form.fields.resize(specs.size());
  for (auto& [element, value] : fields) {
    const auto spec = std::find_if(specs.begin(), specs.end(),
                                   [&](const FieldSpec& s) { return s.element == element; });
    EXPECT_NE(spec, specs.end()) << element;
    if (spec != specs.end()) form.fields[spec - specs.begin()] = std::move(value);
  }
  record.entity = std::move(form);
  return record;
}

inline Link up_to_server() {
  return link("Up", "BackupServerReference", path_of(Kind::BackupServer, kServer), "vbr-01");
}

// A job session of the Nightly job on `day` (2026-03-<day>), ended an hour later unless running.
inline Record job_session(int day, std::string result, bool running = false) {
  const std::string date = "2026-03-0" + std::to_string(day);
  std::vector<std::pair<std::string_view, std::string>> fields = {
      {"JobUid", uid(Kind::Job, kNightly)},
      {"JobName", "Nightly"},
      {"CreationTimeUTC", date + "T22:00:00Z"},
      {"State", running ? "Working" : "Stopped"},
      {"Result", std::move(result)}};
  if (!running) fields.emplace_back("EndTimeUTC", date + "T23:00:00Z");
  return entity(Kind::BackupJobSession, "00000000-0000-0000-0000-00000000c00" + std::to_string(day),
                "Nightly@" + date, std::move(fields), {up_to_server()});
}

// A finished replica job session of the Nightly job (one job with both kinds of job session),
// created and ended at `created`.
inline Record replica_job_session(std::string_view guid, const std::string& created,
                                  std::string result) {
  return entity(Kind::ReplicaJobSession, guid, "Nightly replica",
                {{"JobUid", uid(Kind::Job, kNightly)},
                 {"JobName", "Nightly"},
                 {"CreationTimeUTC", created},
                 {"EndTimeUTC", created},
                 {"State", "Stopped"},
                 {"Result", std::move(result)}},
                {up_to_server()});
}

// A task session of the day's job session for one VM, ended 30 minutes later unless running.
inline Record task(int day, std::string_view vm_guid_suffix, std::string vm_name,
                   std::optional<std::string> vm_uid, std::string result, bool running = false) {
  const std::string date = "2026-03-0" + std::to_string(day);
  std::vector<std::pair<std::string_view, std::string>> fields = {
      {"JobSessionUid",
       uid(Kind::BackupJobSession, "00000000-0000-0000-0000-00000000c00" + std::to_string(day))},
      {"CreationTimeUTC", date + "T22:05:00Z"},
      {"State", running ? "InProgress" : "Stopped"},
      {"Result", std::move(result)}};
  if (!running) fields.emplace_back("EndTimeUTC", date + "T22:35:00Z");
  if (vm_uid) fields.emplace_back("VmUid", *vm_uid);
  Record record = entity(
      Kind::BackupTaskSession,
      "00000000-0000-0000-0000-0000000d0" + std::to_string(day) + std::string(vm_guid_suffix),
      vm_name, std::move(fields), {up_to_server()});
  record.entity->vm_display_name = std::move(vm_name);
  return record;
}

class ArchiveStatusTest : public fixture::ArchiveTest {
 protected:
  void SetUp() override {
    ArchiveTest::SetUp();
    store({entity(Kind::BackupServer, kServer, "vbr-01", {}),
           entity(Kind::Job, kNightly, "Nightly", {{"JobType", "Backup"}}, {up_to_server()}),
           entity(Kind::Job, kIdle, "Idle", {{"JobType", "Backup"}}, {up_to_server()})});
  }

  StatusSnapshot snapshot() {
    auto status = ArchiveStatus::open(path_);
    EXPECT_TRUE(status) << status.error().message;
    if (!status) return {};
    auto snapshot = (*status)->snapshot();
    EXPECT_TRUE(snapshot) << snapshot.error().message;
    return snapshot ? *snapshot : StatusSnapshot{};
  }

  void run(std::string_view detail, std::string_view errors, bool finished = true) {
    auto id = archive_->begin_run("ingest", detail, "2026-03-05T10:00:00Z");
    ASSERT_TRUE(id) << id.error().message;
    if (!finished) return;
    RunCounts counts;
    counts.records_new = 7;
    ASSERT_TRUE(archive_->finish_run(*id, "2026-03-05T10:01:00Z", counts, errors));
  }
};

}  // namespace emarchive::storage::status_fixture
