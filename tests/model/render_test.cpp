#include <gtest/gtest.h>

#include <string>

#include "model/codec.h"
#include "model/xml_compare.h"
#include "tests/model/sample_documents.h"

namespace emarchive {
namespace {

using namespace emarchive::testing;

TEST(RenderTest, WritesEmsFormExactly) {
  Record r;
  r.kind = Kind::BackupTaskSession;
  r.uid = "urn:veeam:BackupTaskSession:b7d2";
  Representation e;
  e.type = "BackupTaskSession";
  e.href = "/api/backupTaskSessions/b7d2?format=Entity";
  e.name = "vm <1> & \"2\"";
  e.vm_display_name = "vm\t1";
  e.extra_attributes = {{"Extra", "x"}};
  e.has_links = true;
  e.links = {Link{"Up",
                  "BackupJobSessionReference",
                  "/api/backupSessions/8c3e",
                  "",
                  {{"Z", "z"}},
                  std::nullopt},
             Link{"Stop", std::nullopt, "/api/x?a=1&b=2", std::nullopt, {}, std::nullopt},
             raw_link("<Raw />")};
  e.fields = {"urn:veeam:BackupJobSession:8c3e",
              std::nullopt,
              std::nullopt,
              "Completed",
              "Failed",
              "",
              "a < b & c > d\r\n",
              std::nullopt};
  e.unmodeled = {{0, "<First />"}, {3, "<Middle />"}, {10, "<Far />"}};
  r.entity = e;
  EXPECT_EQ(render_entity(r, "https://archive.test:8443"),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
            "<BackupTaskSession xmlns=\"http://www.veeam.com/ent/v1.0\" Type=\"BackupTaskSession\" "
            "Href=\"https://archive.test:8443/api/backupTaskSessions/b7d2?format=Entity\" "
            "Name=\"vm &lt;1&gt; &amp; &quot;2&quot;\" UID=\"urn:veeam:BackupTaskSession:b7d2\" "
            "VmDisplayName=\"vm&#9;1\" Extra=\"x\">"
            "<First />"
            "<Links>"
            "<Link Rel=\"Up\" Type=\"BackupJobSessionReference\" "
            "Href=\"https://archive.test:8443/api/backupSessions/8c3e\" Name=\"\" Z=\"z\" />"
            "<Link Rel=\"Stop\" Href=\"https://archive.test:8443/api/x?a=1&amp;b=2\" />"
            "<Raw />"
            "</Links>"
            "<JobSessionUid>urn:veeam:BackupJobSession:8c3e</JobSessionUid>"
            "<Middle />"
            "<State>Completed</State>"
            "<Result>Failed</Result>"
            "<Reason />"
            "<TotalSize>a &lt; b &amp; c &gt; d&#13;\n</TotalSize>"
            "<Far />"
            "</BackupTaskSession>");
}

TEST(RenderTest, ReferenceFormAndCollections) {
  Record r;
  r.kind = Kind::Job;
  r.uid = "urn:veeam:Job:9a0c";
  r.reference.emplace();
  r.reference->type = "JobReference";
  r.reference->href = "/api/jobs/9a0c";
  r.reference->name = "J";
  EXPECT_EQ(render_entity_ref(r, "http://h"),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
            "<EntityRef xmlns=\"http://www.veeam.com/ent/v1.0\" Type=\"JobReference\" "
            "Href=\"http://h/api/jobs/9a0c\" Name=\"J\" UID=\"urn:veeam:Job:9a0c\" />");
  const Record records[] = {r, r};
  std::string refs = render_entity_references(records, "");
  EXPECT_EQ(
      refs.substr(refs.find("<EntityReferences")),
      "<EntityReferences xmlns=\"http://www.veeam.com/ent/v1.0\">"
      "<Ref Type=\"JobReference\" Href=\"/api/jobs/9a0c\" Name=\"J\" UID=\"urn:veeam:Job:9a0c\" />"
      "<Ref Type=\"JobReference\" Href=\"/api/jobs/9a0c\" Name=\"J\" UID=\"urn:veeam:Job:9a0c\" />"
      "</EntityReferences>");
  std::string none = render_entity_references({}, "");
  EXPECT_EQ(none.substr(none.find("<Entity")),
            "<EntityReferences xmlns=\"http://www.veeam.com/ent/v1.0\" />");
  std::string list = render_entity_list(Kind::Job, {}, "");
  EXPECT_EQ(list.substr(list.find("<Jobs")), "<Jobs xmlns=\"http://www.veeam.com/ent/v1.0\" />");
}

TEST(RenderTest, QueryResultCarriesPaging) {
  Record r;
  r.kind = Kind::Job;
  r.uid = "urn:veeam:Job:9a0c";
  r.reference.emplace().type = "JobReference";
  r.entity.emplace().type = "Job";
  r.entity->fields.resize(6);
  Link first;
  first.rel = "First";
  first.href = "/api/query?type=Job&page=1";
  PagingInfo paging{1, 100, 1, {first}};
  const Record records[] = {r};
  std::string refs = render_query_result({Kind::Job, Form::Reference, records, paging}, "http://h");
  EXPECT_EQ(refs.substr(refs.find("<QueryResult")),
            "<QueryResult xmlns=\"http://www.veeam.com/ent/v1.0\"><Refs>"
            "<Ref Type=\"JobReference\" UID=\"urn:veeam:Job:9a0c\" /></Refs>"
            "<PagingInfo PageNum=\"1\" PageSize=\"100\" PagesCount=\"1\"><Links>"
            "<Link Rel=\"First\" Href=\"http://h/api/query?type=Job&amp;page=1\" />"
            "</Links></PagingInfo></QueryResult>");
  std::string entities = render_query_result({Kind::Job, Form::Entity, records, std::nullopt}, "");
  EXPECT_EQ(entities.substr(entities.find("<QueryResult")),
            "<QueryResult xmlns=\"http://www.veeam.com/ent/v1.0\"><Entities><Jobs>"
            "<Job Type=\"Job\" UID=\"urn:veeam:Job:9a0c\" /></Jobs></Entities></QueryResult>");
  std::string empty = render_query_result({Kind::Job, Form::Reference, {}, std::nullopt}, "");
  EXPECT_EQ(empty.substr(empty.find("<QueryResult")),
            "<QueryResult xmlns=\"http://www.veeam.com/ent/v1.0\"><Refs /></QueryResult>");
}

TEST(RenderTest, HrefsTakeTheCallersOrigin) {
  Document doc = parse_ok(kJobSessionEntity);
  std::string served = render_entity(doc.records.at(0), "http://127.0.0.1:9399");
  EXPECT_EQ(served.find("em.example.test:9398"), std::string::npos);
  EXPECT_NE(
      served.find("Href=\"http://127.0.0.1:9399/api/jobs/e41b7d09-6a3c-4f85-b2d7-0c9a8e1f6352\""),
      std::string::npos);
  EXPECT_NE(xml_difference(served, kJobSessionEntity), "");
  EXPECT_EQ(xml_difference(served, kJobSessionEntity, {.ignore_href_origin = true}), "");
}

TEST(RenderTest, RenderedDocumentsParseBackToTheSameRecords) {
  for (std::string_view xml : {kJobSessionEntity, kJobSessionRef, kTaskSessionList}) {
    Document doc = parse_ok(xml);
    std::string again = doc.type == DocumentType::EntityList
                            ? render_entity_list(*doc.list_kind, doc.records, doc.origin)
                            : render_as_parsed(doc);
    EXPECT_EQ(parse_ok(again).records, doc.records) << again;
  }
}

TEST(RenderTest, QueryResultCanKeepEachRecordsOwnOrigin) {
  auto doc = parse_document(kJobSessionEntity, "doc");
  ASSERT_TRUE(doc) << doc.error().message;
  Record a = doc->records.front();
  Record b = a;
  b.uid = "urn:veeam:BackupJobSession:0f0e0d0c-0b0a-4909-8807-060504030201";
  a.origin = "https://em-east.example:9398";
  b.origin = "http://em-west.example:9399";
  const std::vector<Record> records = {a, b};
  QueryResultContent content{Kind::BackupJobSession, Form::Entity, records, std::nullopt};
  content.records_keep_origin = true;
  const std::string xml = render_query_result(content, "http://unused:1");
  EXPECT_NE(xml.find("Href=\"https://em-east.example:9398/api/"), std::string::npos);
  EXPECT_NE(xml.find("Href=\"http://em-west.example:9399/api/"), std::string::npos);
  EXPECT_EQ(xml.find("unused"), std::string::npos);
}

}  // namespace
}  // namespace emarchive
