#include <gtest/gtest.h>

#include <string>

#include "model/codec.h"
#include "model/xml_compare.h"
#include "tests/model/sample_documents.h"

namespace emarchive {
namespace {

using namespace emarchive::testing;

using Fields = std::vector<std::optional<std::string>>;

TEST(ParseTest, EntityKeepsRootAttributesLinksAndFields) {
  Document doc = parse_ok(kJobSessionEntity);
  EXPECT_EQ(doc.type, DocumentType::Entity);
  EXPECT_EQ(doc.origin, "https://em.example.test:9398");
  ASSERT_EQ(doc.records.size(), 1u);
  const Record& r = doc.records[0];
  EXPECT_EQ(r.kind, Kind::BackupJobSession);
  EXPECT_EQ(r.uid, "urn:veeam:BackupJobSession:8c3e5a71-0d24-4b9f-a6e2-91f07c5d3b48");
  EXPECT_EQ(r.origin, "https://em.example.test:9398");
  EXPECT_FALSE(r.reference);
  ASSERT_TRUE(r.entity);
  const Representation& e = *r.entity;
  EXPECT_EQ(e.type, "BackupJobSession");
  EXPECT_EQ(e.href, "/api/backupSessions/8c3e5a71-0d24-4b9f-a6e2-91f07c5d3b48?format=Entity");
  EXPECT_EQ(e.name, "Nightly Files@2025-03-14 22:00:07");
  EXPECT_EQ(e.vm_display_name, std::nullopt);
  EXPECT_TRUE(e.extra_attributes.empty());  // namespace declarations are not kept as attributes
  EXPECT_TRUE(e.has_links);
  ASSERT_EQ(e.links.size(), 6u);
  EXPECT_EQ(e.links[1], (Link{"Up",
                              "JobReference",
                              "/api/jobs/e41b7d09-6a3c-4f85-b2d7-0c9a8e1f6352",
                              "Nightly Files",
                              {},
                              std::nullopt}));
  EXPECT_EQ(e.links[3].name, std::nullopt);  // absent
  EXPECT_EQ(e.links[4].type, std::nullopt);
  EXPECT_EQ(e.links[4].href,
            "/api/backupSessions/8c3e5a71-0d24-4b9f-a6e2-91f07c5d3b48?action=stop");
  EXPECT_EQ(e.links[5].name, "");  // present and empty
  EXPECT_EQ(e.fields, (Fields{"urn:veeam:Job:e41b7d09-6a3c-4f85-b2d7-0c9a8e1f6352", "Nightly Files",
                              "Backup", "2025-03-14T22:00:07.413Z", "2025-03-14T22:09:51.06Z",
                              "Stopped", "Warning", "100", std::nullopt, "false"}));
  EXPECT_TRUE(e.unmodeled.empty());
  EXPECT_EQ(xml_difference(render_as_parsed(doc), kJobSessionEntity), "");
}

TEST(ParseTest, RecordFieldAndNameReadTheParsedForms) {
  Record r = parse_ok(kJobSessionEntity).records.at(0);
  EXPECT_EQ(r.field("CreationTimeUTC"), "2025-03-14T22:00:07.413Z");
  EXPECT_EQ(r.field("FailureMessage"), std::nullopt);  // absent
  EXPECT_EQ(r.field("TotalSize"), std::nullopt);       // not a field of this kind
  EXPECT_EQ(r.name(), "Nightly Files@2025-03-14 22:00:07");

  Record ref = parse_ok(kJobSessionRef).records.at(0);
  EXPECT_EQ(ref.field("CreationTimeUTC"), std::nullopt);  // no entity seen
  EXPECT_EQ(ref.name(), "Nightly Files@2025-03-14 22:00:07");
  ref.reference->name = "from the reference";
  ref.entity = r.entity;
  EXPECT_EQ(ref.name(), "Nightly Files@2025-03-14 22:00:07");  // the entity's wins
  ref.entity->name.reset();
  EXPECT_EQ(ref.name(), "from the reference");
}

TEST(ParseTest, EntityRefIsTheReferenceForm) {
  Document doc = parse_ok(kJobSessionRef);
  EXPECT_EQ(doc.type, DocumentType::EntityRef);
  ASSERT_EQ(doc.records.size(), 1u);
  const Record& r = doc.records[0];
  EXPECT_EQ(r.kind, Kind::BackupJobSession);
  EXPECT_EQ(r.origin, "http://localhost:9399");
  ASSERT_TRUE(r.reference);
  EXPECT_FALSE(r.entity);
  EXPECT_EQ(r.reference->type, "BackupJobSessionReference");
  EXPECT_EQ(r.reference->href, "/api/backupSessions/8c3e5a71-0d24-4b9f-a6e2-91f07c5d3b48");
  EXPECT_TRUE(r.reference->fields.empty());
  ASSERT_EQ(r.reference->links.size(), 2u);
  EXPECT_EQ(r.reference->links[1].type, "BackupJobSession");
  EXPECT_EQ(xml_difference(render_as_parsed(doc), kJobSessionRef), "");
}

TEST(ParseTest, EntityReferencesYieldOneReferencePerRef) {
  // Attribute order as the agent-session pages show it; the Refs are of different kinds.
  constexpr std::string_view xml = R"(<?xml version="1.0" encoding="utf-8"?>
<EntityReferences xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://www.veeam.com/ent/v1.0">
  <Ref UID="urn:veeam:BackupJobSession:3d7f1b2e-6c48-4a95-8e03-b9c2d5e7a164" Name="Laptops@2025-03-15 09:30:00" Href="http://em:9399/api/backupSessions/3d7f1b2e-6c48-4a95-8e03-b9c2d5e7a164" Type="BackupJobSessionReference">
    <Links>
      <Link Href="http://em:9399/api/agents/jobs/9a0c3e5b-1d72-4f86-b4a9-6e8d2c0f1b37" Name="Laptops" Type="JobReference" Rel="Up" />
    </Links>
  </Ref>
  <Ref UID="urn:veeam:Job:9a0c3e5b-1d72-4f86-b4a9-6e8d2c0f1b37" Name="Laptops" Href="http://em:9399/api/jobs/9a0c3e5b-1d72-4f86-b4a9-6e8d2c0f1b37" Type="JobReference" />
</EntityReferences>)";
  Document doc = parse_ok(xml);
  EXPECT_EQ(doc.type, DocumentType::EntityReferences);
  ASSERT_EQ(doc.records.size(), 2u);
  EXPECT_EQ(doc.records[0].kind, Kind::BackupJobSession);
  EXPECT_EQ(doc.records[0].reference->links.at(0).href,
            "/api/agents/jobs/9a0c3e5b-1d72-4f86-b4a9-6e8d2c0f1b37");
  EXPECT_EQ(doc.records[1].kind, Kind::Job);
  EXPECT_EQ(doc.records[1].reference->name, "Laptops");
  EXPECT_FALSE(doc.records[1].reference->has_links);
  EXPECT_EQ(xml_difference(render_entity_references(doc.records, "http://em:9399"), xml), "");
}

TEST(ParseTest, EntityListKeepsEmptyAndWhitespaceTextApart) {
  Document doc = parse_ok(kTaskSessionList);
  EXPECT_EQ(doc.type, DocumentType::EntityList);
  EXPECT_EQ(doc.list_kind, Kind::BackupTaskSession);
  EXPECT_EQ(doc.origin, "http://em:9399");
  ASSERT_EQ(doc.records.size(), 2u);
  const Representation& first = *doc.records[0].entity;
  EXPECT_EQ(first.vm_display_name, "fileserver-02");
  EXPECT_EQ(first.fields[5], "");  // <Reason />
  EXPECT_EQ(first.fields[6], "53687091200");
  EXPECT_EQ(first.fields[7], std::nullopt);  // no VmUid
  const Representation& second = *doc.records[1].entity;
  EXPECT_EQ(second.name, std::nullopt);
  EXPECT_EQ(second.vm_display_name, std::nullopt);
  EXPECT_FALSE(second.has_links);
  EXPECT_EQ(second.fields,
            (Fields{"urn:veeam:BackupJobSession:8c3e5a71-0d24-4b9f-a6e2-91f07c5d3b48", std::nullopt,
                    std::nullopt, "InProgress", std::nullopt, " ", std::nullopt, std::nullopt}));
  EXPECT_EQ(
      xml_difference(render_entity_list(Kind::BackupTaskSession, doc.records, "http://em:9399"),
                     kTaskSessionList),
      "");
}

TEST(ParseTest, EmptyEntityListStillNamesItsKind) {
  Document doc = parse_ok(R"(<RestoreSessions xmlns="http://www.veeam.com/ent/v1.0" />)");
  EXPECT_EQ(doc.type, DocumentType::EntityList);
  EXPECT_EQ(doc.list_kind, Kind::RestoreSession);
  EXPECT_TRUE(doc.records.empty());
  EXPECT_EQ(doc.origin, "");
}

constexpr std::string_view kQueryResultRefs = R"(<?xml version="1.0" encoding="utf-8"?>
<QueryResult xmlns="http://www.veeam.com/ent/v1.0" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <Refs>
    <Ref Type="JobReference" Href="https://em.example.test:9398/api/jobs/e41b7d09-6a3c-4f85-b2d7-0c9a8e1f6352" Name="Nightly Files" UID="urn:veeam:Job:e41b7d09-6a3c-4f85-b2d7-0c9a8e1f6352">
      <Links>
        <Link Rel="Alternate" Type="Job" Href="https://em.example.test:9398/api/jobs/e41b7d09-6a3c-4f85-b2d7-0c9a8e1f6352?format=Entity" Name="Nightly Files" />
      </Links>
    </Ref>
  </Refs>
  <PagingInfo PageNum="2" PageSize="1" PagesCount="3">
    <Links>
      <Link Rel="First" Href="https://em.example.test:9398/api/query?type=Job&amp;pageSize=1&amp;page=1" />
      <Link Rel="Next" Href="https://em.example.test:9398/api/query?type=Job&amp;pageSize=1&amp;page=3" />
      <Link Rel="Last" Href="https://em.example.test:9398/api/query?type=Job&amp;pageSize=1&amp;page=3" />
    </Links>
  </PagingInfo>
</QueryResult>)";

TEST(ParseTest, QueryResultWithRefsAndPaging) {
  Document doc = parse_ok(kQueryResultRefs);
  EXPECT_EQ(doc.type, DocumentType::QueryResult);
  EXPECT_TRUE(doc.has_refs);
  EXPECT_FALSE(doc.has_entities);
  EXPECT_EQ(doc.list_kind, std::nullopt);
  ASSERT_EQ(doc.records.size(), 1u);
  EXPECT_EQ(doc.records[0].kind, Kind::Job);
  EXPECT_TRUE(doc.records[0].reference);
  ASSERT_TRUE(doc.paging);
  EXPECT_EQ(doc.paging->page_num, 2);
  EXPECT_EQ(doc.paging->page_size, 1);
  EXPECT_EQ(doc.paging->pages_count, 3);
  ASSERT_EQ(doc.paging->links.size(), 3u);
  EXPECT_EQ(doc.paging->links[1].rel, "Next");
  EXPECT_EQ(doc.paging->links[1].href, "/api/query?type=Job&pageSize=1&page=3");  // decoded
  QueryResultContent content{Kind::Job, Form::Reference, doc.records, doc.paging};
  EXPECT_EQ(xml_difference(render_query_result(content, "https://em.example.test:9398"),
                           kQueryResultRefs),
            "");
}

TEST(ParseTest, QueryResultWithEntities) {
  constexpr std::string_view xml = R"(<QueryResult xmlns="http://www.veeam.com/ent/v1.0">
  <Entities>
    <BackupServers>
      <BackupServer Type="BackupServer" Href="http://em:9399/api/backupServers/2a9f6c14-83e7-4d0b-9c51-f7e2a4b80d36?format=Entity" Name="vbr-east.example.test" UID="urn:veeam:BackupServer:2a9f6c14-83e7-4d0b-9c51-f7e2a4b80d36">
        <Links />
        <Description>East site</Description>
        <Port>9392</Port>
        <Version>12.3.1.1139</Version>
      </BackupServer>
    </BackupServers>
  </Entities>
  <PagingInfo PagesCount="1" PageNum="1" PageSize="100">
    <Links>
      <Link Rel="First" Href="http://em:9399/api/query?type=BackupServer&amp;format=Entities&amp;pageSize=100&amp;page=1" />
    </Links>
  </PagingInfo>
</QueryResult>)";
  Document doc = parse_ok(xml);
  EXPECT_FALSE(doc.has_refs);
  EXPECT_TRUE(doc.has_entities);
  EXPECT_EQ(doc.list_kind, Kind::BackupServer);
  ASSERT_EQ(doc.records.size(), 1u);
  const Representation& e = *doc.records[0].entity;
  EXPECT_TRUE(e.has_links);
  EXPECT_TRUE(e.links.empty());
  EXPECT_EQ(e.fields, (Fields{"East site", "9392", "12.3.1.1139", std::nullopt, std::nullopt}));
  EXPECT_EQ(doc.paging->page_size, 100);
  QueryResultContent content{Kind::BackupServer, Form::Entity, doc.records, doc.paging};
  EXPECT_EQ(xml_difference(render_query_result(content, "http://em:9399"), xml), "");
}

TEST(ParseTest, EmNamespaceMayBeBoundToAPrefix) {
  constexpr std::string_view xml = R"(<?xml version="1.0"?>
<v:BackupJobSession xmlns:v="http://www.veeam.com/ent/v1.0" Type="BackupJobSession" UID="urn:veeam:BackupJobSession:4b8e2f60-1a3d-4c97-b5e2-7d0f9a6c3e18">
  <v:Links><v:Link Rel="Up" Href="http://em:9399/api/jobs/1" /></v:Links>
  <v:State>Working</v:State>
  <State>NoNamespace</State>
  <v:Result>None</v:Result>
</v:BackupJobSession>)";
  Document doc = parse_ok(xml);
  const Representation& e = *doc.records.at(0).entity;
  EXPECT_EQ(e.links.at(0).rel, "Up");
  EXPECT_EQ(e.links.at(0).raw_xml, std::nullopt);
  EXPECT_EQ(e.fields[5], "Working");
  EXPECT_EQ(e.fields[6], "None");
  // <State> in no namespace is not EM's State: kept, and kept out of EM's default namespace.
  ASSERT_EQ(e.unmodeled.size(), 1u);
  EXPECT_EQ(e.unmodeled[0], (Unmodeled{2, R"(<State xmlns="">NoNamespace</State>)"}));
  EXPECT_EQ(xml_difference(render_as_parsed(doc), xml), "");
}

TEST(ParseTest, DefaultNamespaceAndPrefixesMayBeRedeclared) {
  constexpr std::string_view xml =
      R"(<EntityRef xmlns="http://www.veeam.com/ent/v1.0" xmlns:x="http://example.test/ext" Type="JobReference" UID="urn:veeam:Job:9a0c3e5b-1d72-4f86-b4a9-6e8d2c0f1b37">
  <Links xmlns="http://www.veeam.com/ent/v1.0"><e:Link xmlns:e="http://www.veeam.com/ent/v1.0" Rel="Up" /></Links>
  <Other xmlns="http://example.test/other"><Inner /></Other>
  <x:Tag><x:Sub x:attr="1" /></x:Tag>
</EntityRef>)";
  Document doc = parse_ok(xml);
  const Representation& r = *doc.records.at(0).reference;
  ASSERT_EQ(r.links.size(), 1u);
  EXPECT_EQ(r.links[0].rel, "Up");
  ASSERT_EQ(r.unmodeled.size(), 2u);
  EXPECT_EQ(r.unmodeled[0].xml, R"(<Other xmlns="http://example.test/other"><Inner /></Other>)");
  EXPECT_EQ(r.unmodeled[1].xml,
            R"(<x:Tag xmlns:x="http://example.test/ext"><x:Sub x:attr="1" /></x:Tag>)");
  EXPECT_EQ(xml_difference(render_as_parsed(doc), xml), "");
}

TEST(ParseTest, ByteOrderMarkAndDeclarationAreAccepted) {
  std::string xml = "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n";
  xml += kJobSessionRef.substr(kJobSessionRef.find("<EntityRef"));
  Document doc = parse_ok(xml);
  EXPECT_EQ(doc.records.at(0).uid,
            "urn:veeam:BackupJobSession:8c3e5a71-0d24-4b9f-a6e2-91f07c5d3b48");
}

TEST(ParseTest, Utf16WithByteOrderMarkIsAccepted) {
  // What Windows PowerShell's ">" writes when a capture is saved to a file.
  std::string utf16 = "\xFF\xFE";
  for (char c : kJobSessionRef) {
    utf16 += c;
    utf16 += '\0';
  }
  Document doc = parse_ok(utf16);
  ASSERT_EQ(doc.records.size(), 1u);
  EXPECT_EQ(doc.records[0], parse_ok(kJobSessionRef).records.at(0));
}

TEST(ParseTest, AttributeOrderDoesNotMatter) {
  constexpr std::string_view a =
      R"(<EntityRef xmlns="http://www.veeam.com/ent/v1.0" Type="JobReference" Href="/api/jobs/9a0c" Name="J" UID="urn:veeam:Job:9a0c"><Links><Link Rel="Up" Type="T" Href="/x" Name="N" /></Links></EntityRef>)";
  constexpr std::string_view b =
      R"(<EntityRef UID="urn:veeam:Job:9a0c" Name="J" Href="/api/jobs/9a0c" xmlns="http://www.veeam.com/ent/v1.0" Type="JobReference"><Links><Link Name="N" Href="/x" Type="T" Rel="Up" /></Links></EntityRef>)";
  EXPECT_EQ(parse_ok(a).records, parse_ok(b).records);
}

TEST(ParseTest, AbsentAndEmptyAttributesStayApart) {
  constexpr std::string_view xml =
      R"(<EntityRef xmlns="http://www.veeam.com/ent/v1.0" Type="JobReference" Name="" UID="urn:veeam:Job:9a0c"><Links><Link Rel="" Href="" /></Links></EntityRef>)";
  Document doc = parse_ok(xml);
  const Representation& r = *doc.records.at(0).reference;
  EXPECT_EQ(r.name, "");
  EXPECT_EQ(r.href, std::nullopt);
  EXPECT_EQ(r.links.at(0).rel, "");
  EXPECT_EQ(r.links.at(0).href, "");
  EXPECT_EQ(r.links.at(0).type, std::nullopt);
  EXPECT_EQ(r.links.at(0).name, std::nullopt);
  EXPECT_EQ(doc.records[0].origin, "");
  EXPECT_EQ(xml_difference(render_as_parsed(doc), xml), "");
}

TEST(ParseTest, UnknownAttributesAreKeptInOrderWithTheirNamespaces) {
  constexpr std::string_view xml =
      R"(<BackupServer xmlns="http://www.veeam.com/ent/v1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:n="http://example.test/new" Type="BackupServer" Zeta="1" UID="urn:veeam:BackupServer:2a9f" n:Flag="on" Alpha="2">
  <Links><Link Rel="Up" Href="/api/" Extra="x" n:Hint="y" /></Links>
  <Description xsi:nil="true" />
</BackupServer>)";
  Document doc = parse_ok(xml);
  const Representation& e = *doc.records.at(0).entity;
  EXPECT_EQ(e.extra_attributes, (std::vector<Attribute>{{"Zeta", "1"},
                                                        {"xmlns:n", "http://example.test/new"},
                                                        {"n:Flag", "on"},
                                                        {"Alpha", "2"}}));
  EXPECT_EQ(e.links.at(0).extra_attributes,
            (std::vector<Attribute>{
                {"Extra", "x"}, {"xmlns:n", "http://example.test/new"}, {"n:Hint", "y"}}));
  // A field with an attribute cannot be rendered from its text alone: kept whole, with the
  // declaration of the prefix it uses.
  EXPECT_EQ(e.fields[0], std::nullopt);
  EXPECT_EQ(
      e.unmodeled,
      (std::vector<Unmodeled>{
          {1,
           R"(<Description xsi:nil="true" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" />)"}}));
  EXPECT_EQ(xml_difference(render_as_parsed(doc), xml), "");
}

TEST(ParseTest, UnknownElementsAreKeptInTheirPlace) {
  constexpr std::string_view xml =
      R"(<RestoreSession xmlns="http://www.veeam.com/ent/v1.0" Type="RestoreSession" UID="urn:veeam:RestoreSession:61f8a3c2-9e0b-4d7a-b5c4-8a2e6f1d0c97" VmDisplayName="db-07">
  <Preamble>first</Preamble>
  <Links />
  <JobType>RestoreVm</JobType>
  <NewInV14 Kind="a &amp; b">x &lt; y</NewInV14>
  <CreationTimeUTC>2025-03-16T08:15:00.1234567Z</CreationTimeUTC>
  <State>Working</State>
  <Result>None</Result>
  <Progress>42</Progress>
  <RestoredObjRef>urn:VMware:Vm:4c1d.vm-1207</RestoredObjRef>
  <Trailer><Deep><Deeper /></Deep></Trailer>
</RestoreSession>)";
  Document doc = parse_ok(xml);
  const Representation& e = *doc.records.at(0).entity;
  EXPECT_TRUE(e.has_links);
  EXPECT_EQ(e.fields, (Fields{"RestoreVm", "2025-03-16T08:15:00.1234567Z", std::nullopt, "Working",
                              "None", "42"}));
  EXPECT_EQ(e.unmodeled, (std::vector<Unmodeled>{
                             {0, "<Preamble>first</Preamble>"},
                             {3, R"(<NewInV14 Kind="a &amp; b">x &lt; y</NewInV14>)"},
                             {8, "<RestoredObjRef>urn:VMware:Vm:4c1d.vm-1207</RestoredObjRef>"},
                             {9, "<Trailer><Deep><Deeper /></Deep></Trailer>"},
                         }));
  EXPECT_EQ(xml_difference(render_as_parsed(doc), xml), "");
}

TEST(ParseTest, HrefsInsideUnmodeledElementsTakeTheServedOrigin) {
  constexpr std::string_view xml =
      R"(<Job xmlns="http://www.veeam.com/ent/v1.0" Type="Job" UID="urn:veeam:Job:e41b">
  <JobInfo>
    <BackupJobInfo>
      <Includes>
        <ObjectInJob Type="ObjectInJob" Href="https://em.example.test:9398/api/jobs/e41b/includes/7f3a" />
        <ObjectInJob Href="/api/relative" Extra='Href="/not/an/attribute"'>Href="/text"</ObjectInJob>
        <ObjectInJob Href="urn:x:y" />
      </Includes>
      <Note><![CDATA[ Href="/in/cdata" ]]></Note>
    </BackupJobInfo>
  </JobInfo>
</Job>)";
  Document doc = parse_ok(xml);
  EXPECT_EQ(doc.origin, "https://em.example.test:9398");  // from the unmodeled element
  const Representation& e = *doc.records.at(0).entity;
  ASSERT_EQ(e.unmodeled.size(), 1u);
  EXPECT_EQ(e.unmodeled[0].xml,
            "<JobInfo><BackupJobInfo><Includes>"
            R"(<ObjectInJob Type="ObjectInJob" Href="/api/jobs/e41b/includes/7f3a" />)"
            R"(<ObjectInJob Href="/api/relative" Extra="Href=&quot;/not/an/attribute&quot;">)"
            R"(Href=&quot;/text&quot;</ObjectInJob>)"
            R"(<ObjectInJob Href="urn:x:y" />)"
            R"(</Includes><Note> Href=&quot;/in/cdata&quot; </Note></BackupJobInfo></JobInfo>)");
  std::string served = render_entity(doc.records[0], "http://127.0.0.1:9399");
  EXPECT_NE(served.find(R"(Href="http://127.0.0.1:9399/api/jobs/e41b/includes/7f3a")"),
            std::string::npos);
  // A relative Href is served like every stored Href: with the origin in front.
  EXPECT_NE(served.find(R"(Href="http://127.0.0.1:9399/api/relative")"), std::string::npos);
  EXPECT_NE(served.find(R"(Href="urn:x:y")"), std::string::npos);
  EXPECT_NE(served.find(R"(Extra="Href=&quot;/not/an/attribute&quot;")"), std::string::npos);
  EXPECT_NE(served.find(R"(Href=&quot;/text&quot;)"), std::string::npos);
  EXPECT_NE(served.find(R"(Href=&quot;/in/cdata&quot;)"), std::string::npos);
  EXPECT_EQ(xml_difference(render_entity(doc.records[0], doc.origin), xml),
            "/Job/JobInfo/BackupJobInfo/Includes/ObjectInJob[2]: attribute Href: "
            "\"https://em.example.test:9398/api/relative\" vs \"/api/relative\"");
}

TEST(ParseTest, FieldsOutOfOrderOrRepeatedAreKeptAsWritten) {
  constexpr std::string_view xml =
      R"(<BackupTaskSession xmlns="http://www.veeam.com/ent/v1.0" UID="urn:veeam:BackupTaskSession:b7d2">
  <JobSessionUid>urn:veeam:BackupJobSession:8c3e</JobSessionUid>
  <State>Completed</State>
  <CreationTimeUTC>not checked: out of order</CreationTimeUTC>
  <Result>Failed</Result>
  <Result>Twice</Result>
  <Reason>Disk <b>full</b></Reason>
  <Links />
  <TotalSize>0</TotalSize>
</BackupTaskSession>)";
  Document doc = parse_ok(xml);
  const Representation& e = *doc.records.at(0).entity;
  EXPECT_FALSE(e.has_links);  // after a field, Links could not be rendered in its place
  EXPECT_EQ(e.fields, (Fields{"urn:veeam:BackupJobSession:8c3e", std::nullopt, std::nullopt,
                              "Completed", "Failed", std::nullopt, "0", std::nullopt}));
  EXPECT_EQ(e.unmodeled, (std::vector<Unmodeled>{
                             {2, "<CreationTimeUTC>not checked: out of order</CreationTimeUTC>"},
                             {4, "<Result>Twice</Result>"},
                             {5, "<Reason>Disk <b>full</b></Reason>"},
                             {6, "<Links />"},
                         }));
  EXPECT_EQ(xml_difference(render_as_parsed(doc), xml), "");
}

TEST(ParseTest, LinksThatAreNotPlainAreKeptVerbatim) {
  constexpr std::string_view xml =
      R"(<EntityRef xmlns="http://www.veeam.com/ent/v1.0" xmlns:o="http://example.test/o" Type="JobReference" UID="urn:veeam:Job:9a0c">
  <Links>
    <Link Rel="Up" Href="http://em:9399/api/a" />
    <Link Rel="Down" Href="http://em:9399/api/b"><Note>child</Note></Link>
    <Shortcut Href="http://em:9399/api/c" />
    <o:Link Rel="Other" />
    <Link Rel="Last" Href="http://em:9399/api/d" />
  </Links>
</EntityRef>)";
  Document doc = parse_ok(xml);
  const auto& links = doc.records.at(0).reference->links;
  ASSERT_EQ(links.size(), 5u);
  EXPECT_EQ(links[0].href, "/api/a");
  // Hrefs inside are kept without their origin too.
  EXPECT_EQ(links[1], raw_link(R"(<Link Rel="Down" Href="/api/b"><Note>child</Note></Link>)"));
  EXPECT_EQ(links[2].raw_xml, R"(<Shortcut Href="/api/c" />)");
  EXPECT_EQ(links[3].raw_xml, R"(<o:Link Rel="Other" xmlns:o="http://example.test/o" />)");
  EXPECT_EQ(links[4].rel, "Last");
  EXPECT_EQ(xml_difference(render_entity_ref(doc.records[0], "http://em:9399"), xml), "");
  std::string served = render_entity_ref(doc.records[0], "https://archive.test");
  EXPECT_EQ(served.find("http://em:9399"), std::string::npos) << served;
  EXPECT_NE(served.find(R"(<Shortcut Href="https://archive.test/api/c" />)"), std::string::npos)
      << served;
}

// An Href with nothing after its origin cannot take another origin: it stays exactly as written.
TEST(ParseTest, AnHrefWithoutAPathIsKeptAsWritten) {
  std::string xml(kJobSessionEntity);
  const std::size_t links_end = xml.find("</Links>");
  ASSERT_NE(links_end, std::string::npos);
  xml.insert(links_end, "<Link Rel=\"Related\" Href=\"https://em.other.example:9398\" />");
  auto doc = parse_document(xml, "doc");
  ASSERT_TRUE(doc) << doc.error().message;
  const std::string rendered = render_entity(doc->records.front(), "http://127.0.0.1:1");
  EXPECT_NE(rendered.find("Href=\"https://em.other.example:9398\""), std::string::npos);
  EXPECT_NE(rendered.find("Href=\"http://127.0.0.1:1/api/backupSessions/"), std::string::npos);
}

}  // namespace
}  // namespace emarchive
