#include "model/reference.h"

#include <gtest/gtest.h>

#include <ostream>

#include "model/codec.h"
#include "model/xml_compare.h"

namespace emarchive {
namespace {

constexpr const char* kOrigin = "http://em3.corp.example:9399";

// An entity and the reference EM serves for it, shaped as on EM's reference page for
// /backupTaskSessions/{ID} (the Related restore point is on the entity only).
constexpr const char* kTaskEntity =
    R"(<BackupTaskSession xmlns="http://www.veeam.com/ent/v1.0" Type="BackupTaskSession" Href="http://em3.corp.example:9399/api/backupTaskSessions/c41d9e7a-0b52-4f8e-a3d6-5e27b90c1f48?format=Entity" Name="db-02@2023-11-04 22:10:07" UID="urn:veeam:BackupTaskSession:c41d9e7a-0b52-4f8e-a3d6-5e27b90c1f48" VmDisplayName="db-02">
 <Links>
  <Link Rel="Up" Type="BackupServerReference" Href="http://em3.corp.example:9399/api/backupServers/7e3a1b90-2c4d-4e5f-8a6b-9c0d1e2f3a4b" Name="vbr01.corp.example" />
  <Link Rel="Up" Type="BackupJobSessionReference" Href="http://em3.corp.example:9399/api/backupSessions/19f0e2d3-c4b5-4a69-8778-695a4b3c2d1e" Name="SQL Nightly@2023-11-04 22:09:58" />
  <Link Rel="Alternate" Type="BackupTaskSessionReference" Href="http://em3.corp.example:9399/api/backupTaskSessions/c41d9e7a-0b52-4f8e-a3d6-5e27b90c1f48" Name="db-02@2023-11-04 22:10:07" />
  <Link Rel="Related" Type="VmRestorePoint" Href="http://em3.corp.example:9399/api/vmRestorePoints/2b8c7d6e-5f4a-4b3c-9d2e-1f0a9b8c7d6e?format=Entity" Name="db-02@2023-11-04 22:31:40" />
 </Links>
 <JobSessionUid>urn:veeam:BackupJobSession:19f0e2d3-c4b5-4a69-8778-695a4b3c2d1e</JobSessionUid>
 <CreationTimeUTC>2023-11-04T22:10:07Z</CreationTimeUTC>
 <EndTimeUTC>2023-11-04T22:31:40Z</EndTimeUTC>
 <State>Completed</State>
 <Result>Success</Result>
 <Reason />
 <TotalSize>107374182400</TotalSize>
</BackupTaskSession>)";

constexpr const char* kTaskReference =
    R"(<EntityRef xmlns="http://www.veeam.com/ent/v1.0" Type="BackupTaskSessionReference" Href="http://em3.corp.example:9399/api/backupTaskSessions/c41d9e7a-0b52-4f8e-a3d6-5e27b90c1f48" Name="db-02@2023-11-04 22:10:07" UID="urn:veeam:BackupTaskSession:c41d9e7a-0b52-4f8e-a3d6-5e27b90c1f48">
 <Links>
  <Link Rel="Up" Type="BackupServerReference" Href="http://em3.corp.example:9399/api/backupServers/7e3a1b90-2c4d-4e5f-8a6b-9c0d1e2f3a4b" Name="vbr01.corp.example" />
  <Link Rel="Up" Type="BackupJobSessionReference" Href="http://em3.corp.example:9399/api/backupSessions/19f0e2d3-c4b5-4a69-8778-695a4b3c2d1e" Name="SQL Nightly@2023-11-04 22:09:58" />
  <Link Rel="Alternate" Type="BackupTaskSession" Href="http://em3.corp.example:9399/api/backupTaskSessions/c41d9e7a-0b52-4f8e-a3d6-5e27b90c1f48?format=Entity" Name="db-02@2023-11-04 22:10:07" />
 </Links>
</EntityRef>)";

// A job session entity carries a Stop action and Related restore points; its reference has
// neither (docs/EM-API.md 5.1).
constexpr const char* kJobSessionEntity =
    R"(<BackupJobSession xmlns="http://www.veeam.com/ent/v1.0" Type="BackupJobSession" Href="https://em3.corp.example:9398/api/backupSessions/19f0e2d3-c4b5-4a69-8778-695a4b3c2d1e?format=Entity" Name="SQL Nightly@2023-11-04 22:09:58" UID="urn:veeam:BackupJobSession:19f0e2d3-c4b5-4a69-8778-695a4b3c2d1e">
 <Links>
  <Link Rel="Up" Type="BackupServerReference" Href="https://em3.corp.example:9398/api/backupServers/7e3a1b90-2c4d-4e5f-8a6b-9c0d1e2f3a4b" Name="vbr01.corp.example" />
  <Link Rel="Up" Type="JobReference" Href="https://em3.corp.example:9398/api/jobs/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d" Name="SQL Nightly" />
  <Link Rel="Alternate" Type="BackupJobSessionReference" Href="https://em3.corp.example:9398/api/backupSessions/19f0e2d3-c4b5-4a69-8778-695a4b3c2d1e" Name="SQL Nightly@2023-11-04 22:09:58" />
  <Link Rel="Down" Type="BackupTaskSessionReferenceList" Href="https://em3.corp.example:9398/api/backupSessions/19f0e2d3-c4b5-4a69-8778-695a4b3c2d1e/taskSessions" Name="SQL Nightly@2023-11-04 22:09:58" />
  <Link Rel="Stop" Href="https://em3.corp.example:9398/api/backupSessions/19f0e2d3-c4b5-4a69-8778-695a4b3c2d1e?action=stop" Name="SQL Nightly@2023-11-04 22:09:58" />
  <Link Rel="Related" Type="RestorePointReference" Href="https://em3.corp.example:9398/api/restorePoints/5d4c3b2a-1908-4f7e-8d6c-5b4a39281706" Name="" />
 </Links>
 <JobUid>urn:veeam:Job:0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d</JobUid>
 <JobName>SQL Nightly</JobName>
 <JobType>Backup</JobType>
 <CreationTimeUTC>2023-11-04T22:09:58.373Z</CreationTimeUTC>
 <EndTimeUTC>2023-11-04T22:40:12.07Z</EndTimeUTC>
 <State>Stopped</State>
 <Result>Success</Result>
 <Progress>100</Progress>
 <IsRetry>false</IsRetry>
</BackupJobSession>)";

constexpr const char* kJobSessionReference =
    R"(<EntityRef xmlns="http://www.veeam.com/ent/v1.0" Type="BackupJobSessionReference" Href="https://em3.corp.example:9398/api/backupSessions/19f0e2d3-c4b5-4a69-8778-695a4b3c2d1e" Name="SQL Nightly@2023-11-04 22:09:58" UID="urn:veeam:BackupJobSession:19f0e2d3-c4b5-4a69-8778-695a4b3c2d1e">
 <Links>
  <Link Rel="Up" Type="BackupServerReference" Href="https://em3.corp.example:9398/api/backupServers/7e3a1b90-2c4d-4e5f-8a6b-9c0d1e2f3a4b" Name="vbr01.corp.example" />
  <Link Rel="Up" Type="JobReference" Href="https://em3.corp.example:9398/api/jobs/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d" Name="SQL Nightly" />
  <Link Rel="Alternate" Type="BackupJobSession" Href="https://em3.corp.example:9398/api/backupSessions/19f0e2d3-c4b5-4a69-8778-695a4b3c2d1e?format=Entity" Name="SQL Nightly@2023-11-04 22:09:58" />
  <Link Rel="Down" Type="BackupTaskSessionReferenceList" Href="https://em3.corp.example:9398/api/backupSessions/19f0e2d3-c4b5-4a69-8778-695a4b3c2d1e/taskSessions" Name="SQL Nightly@2023-11-04 22:09:58" />
 </Links>
</EntityRef>)";

struct Pair {
  const char* name;
  const char* entity;
  const char* reference;
};

void PrintTo(const Pair& p, std::ostream* os) {
  *os << p.name;
}

class DeriveReference : public ::testing::TestWithParam<Pair> {};

TEST_P(DeriveReference, EqualsTheReferenceEmServes) {
  auto entity = parse_document(GetParam().entity, "entity");
  ASSERT_TRUE(entity) << entity.error().message;
  Record record = entity->records.at(0);
  ASSERT_FALSE(record.reference);
  record.reference = derive_reference(record);
  EXPECT_EQ(xml_difference(GetParam().reference, render_entity_ref(record, record.origin)), "");
}

INSTANTIATE_TEST_SUITE_P(EmPairs, DeriveReference,
                         ::testing::Values(Pair{"task", kTaskEntity, kTaskReference},
                                           Pair{"job_session", kJobSessionEntity,
                                                kJobSessionReference}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(DeriveReferenceTest, AnArchivedReferenceWinsOverDerivation) {
  auto entity = parse_document(kTaskEntity, "entity");
  auto reference = parse_document(kTaskReference, "reference");
  ASSERT_TRUE(entity && reference);
  Record record = entity->records.at(0);
  record.reference = reference->records.at(0).reference;
  record.reference->links.pop_back();  // make it differ from what derivation would give
  EXPECT_EQ(reference_of(record), *record.reference);
}

TEST(DeriveReferenceTest, AnEntityWithoutAlternateGetsOneAfterItsUpLinks) {
  auto entity = parse_document(kTaskEntity, "entity");
  ASSERT_TRUE(entity);
  Record record = entity->records.at(0);
  record.entity->links.erase(record.entity->links.begin() + 2);  // the Alternate
  const Representation ref = derive_reference(record);
  ASSERT_EQ(ref.links.size(), 3u);
  EXPECT_EQ(ref.links[2].rel, "Alternate");
  EXPECT_EQ(ref.links[2].type, "BackupTaskSession");
  EXPECT_EQ(ref.links[2].href, record.entity->href);
}

}  // namespace
}  // namespace emarchive
