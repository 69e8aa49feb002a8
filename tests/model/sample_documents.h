#pragma once
// EM documents and helpers that the parser's and the renderer's tests share.

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "model/codec.h"

namespace emarchive::testing {
// The GUIDs and names in these documents are made up for the tests.
inline constexpr std::string_view kJobSessionEntity = R"(<?xml version="1.0" encoding="utf-8"?>
<BackupJobSession Href="https://em.example.test:9398/api/backupSessions/8c3e5a71-0d24-4b9f-a6e2-91f07c5d3b48?format=Entity" Type="BackupJobSession" Name="Nightly Files@2025-03-14 22:00:07" UID="urn:veeam:BackupJobSession:8c3e5a71-0d24-4b9f-a6e2-91f07c5d3b48" xmlns="http://www.veeam.com/ent/v1.0" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <Links>
    <Link Href="https://em.example.test:9398/api/backupServers/2a9f6c14-83e7-4d0b-9c51-f7e2a4b80d36" Name="vbr-east.example.test" Type="BackupServerReference" Rel="Up" />
    <Link Href="https://em.example.test:9398/api/jobs/e41b7d09-6a3c-4f85-b2d7-0c9a8e1f6352" Name="Nightly Files" Type="JobReference" Rel="Up" />
    <Link Href="https://em.example.test:9398/api/backupSessions/8c3e5a71-0d24-4b9f-a6e2-91f07c5d3b48" Name="Nightly Files@2025-03-14 22:00:07" Type="BackupJobSessionReference" Rel="Alternate" />
    <Link Href="https://em.example.test:9398/api/backupSessions/8c3e5a71-0d24-4b9f-a6e2-91f07c5d3b48/taskSessions" Type="BackupTaskSessionReferenceList" Rel="Down" />
    <Link Href="https://em.example.test:9398/api/backupSessions/8c3e5a71-0d24-4b9f-a6e2-91f07c5d3b48?action=stop" Rel="Stop" />
    <Link Href="https://em.example.test:9398/api/restorePoints/c05e9b3a-7f21-4e68-a4d9-2b1c8e7f5a60" Name="" Type="RestorePointReference" Rel="Related" />
  </Links>
  <JobUid>urn:veeam:Job:e41b7d09-6a3c-4f85-b2d7-0c9a8e1f6352</JobUid>
  <JobName>Nightly Files</JobName>
  <JobType>Backup</JobType>
  <CreationTimeUTC>2025-03-14T22:00:07.413Z</CreationTimeUTC>
  <EndTimeUTC>2025-03-14T22:09:51.06Z</EndTimeUTC>
  <State>Stopped</State>
  <Result>Warning</Result>
  <Progress>100</Progress>
  <IsRetry>false</IsRetry>
</BackupJobSession>
)";

inline constexpr std::string_view kJobSessionRef = R"(<?xml version="1.0" encoding="utf-8"?>
<EntityRef Type="BackupJobSessionReference" Href="http://localhost:9399/api/backupSessions/8c3e5a71-0d24-4b9f-a6e2-91f07c5d3b48" Name="Nightly Files@2025-03-14 22:00:07" UID="urn:veeam:BackupJobSession:8c3e5a71-0d24-4b9f-a6e2-91f07c5d3b48" xmlns="http://www.veeam.com/ent/v1.0">
  <Links>
    <Link Rel="Up" Type="BackupServerReference" Href="http://localhost:9399/api/backupServers/2a9f6c14-83e7-4d0b-9c51-f7e2a4b80d36" Name="vbr-east.example.test" />
    <Link Rel="Alternate" Type="BackupJobSession" Href="http://localhost:9399/api/backupSessions/8c3e5a71-0d24-4b9f-a6e2-91f07c5d3b48?format=Entity" Name="Nightly Files@2025-03-14 22:00:07" />
  </Links>
</EntityRef>)";

inline constexpr std::string_view kTaskSessionList =
    R"(<BackupTaskSessions xmlns="http://www.veeam.com/ent/v1.0">
  <BackupTaskSession Type="BackupTaskSession" Href="http://em:9399/api/backupTaskSessions/b7d20e5f-4c19-4a63-8e7b-3f5a1c9d2e04?format=Entity" Name="fileserver-02@2025-03-14 22:00:31" UID="urn:veeam:BackupTaskSession:b7d20e5f-4c19-4a63-8e7b-3f5a1c9d2e04" VmDisplayName="fileserver-02">
    <Links>
      <Link Rel="Up" Type="BackupJobSessionReference" Href="http://em:9399/api/backupSessions/8c3e5a71-0d24-4b9f-a6e2-91f07c5d3b48" Name="Nightly Files@2025-03-14 22:00:07" />
    </Links>
    <JobSessionUid>urn:veeam:BackupJobSession:8c3e5a71-0d24-4b9f-a6e2-91f07c5d3b48</JobSessionUid>
    <CreationTimeUTC>2025-03-14T22:00:31Z</CreationTimeUTC>
    <EndTimeUTC>2025-03-14T22:08:02.5Z</EndTimeUTC>
    <State>Completed</State>
    <Result>Success</Result>
    <Reason />
    <TotalSize>53687091200</TotalSize>
  </BackupTaskSession>
  <BackupTaskSession Type="BackupTaskSession" Href="http://em:9399/api/backupTaskSessions/0e6a4f2d-5b91-4c07-93e8-a1d4c7b3f925?format=Entity" UID="urn:veeam:BackupTaskSession:0e6a4f2d-5b91-4c07-93e8-a1d4c7b3f925">
    <JobSessionUid>urn:veeam:BackupJobSession:8c3e5a71-0d24-4b9f-a6e2-91f07c5d3b48</JobSessionUid>
    <State>InProgress</State>
    <Reason> </Reason>
  </BackupTaskSession>
</BackupTaskSessions>)";

inline Document parse_ok(std::string_view xml) {
  Expected<Document> d = parse_document(xml, "test.xml");
  if (!d) {
    ADD_FAILURE() << d.error().message;
    return {};
  }
  return std::move(d).value();
}

inline Link raw_link(std::string xml) {
  Link link;
  link.raw_xml = std::move(xml);
  return link;
}

// Renders the record in the form the document had it in, for comparing with the document.
inline std::string render_as_parsed(const Document& doc) {
  const Record& r = doc.records.at(0);
  return doc.type == DocumentType::EntityRef ? render_entity_ref(r, doc.origin)
                                             : render_entity(r, doc.origin);
}

}  // namespace emarchive::testing
