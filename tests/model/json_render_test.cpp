// EM's JSON from EM's XML (model/json_render.h, docs/API.md "JSON"): every document in
// tests/data/em converted and read back with Boost.JSON, its properties checked against what the
// XML parser found; then the shapes and types clients read, the other documents emarchive serves,
// and strings that must not break the JSON.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cctype>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "model/codec.h"
#include "model/href.h"
#include "model/json_render.h"
#include "model/json_writer.h"
#include "model/kind.h"
#include "tests/support/test_data.h"

namespace emarchive {
namespace {

namespace fs = std::filesystem;
namespace bj = boost::json;
using testing::data_dir;
using testing::files_under;
using testing::read_file;

std::string json_of(std::string_view xml) {
  Expected<std::string> json = render_json(xml);
  EXPECT_TRUE(json.has_value()) << json.error().message;
  return json ? *json : std::string();
}

bj::value parse_json(const std::string& text) {
  bj::error_code ec;
  bj::value v = bj::parse(text, ec);
  EXPECT_FALSE(ec) << ec.message() << " in:\n" << text;
  return v;
}

bj::value json_value(std::string_view xml) {
  return parse_json(json_of(xml));
}

bj::value json_file(const std::string& rel) {
  return json_value(read_file(data_dir() / rel));
}

std::vector<std::string> keys(const bj::object& o) {
  std::vector<std::string> k;
  for (const auto& member : o) k.emplace_back(member.key());
  return k;
}

std::vector<std::string> last_keys(const bj::object& o, std::size_t n) {
  std::vector<std::string> k = keys(o);
  return {k.end() - static_cast<std::ptrdiff_t>(std::min(n, k.size())), k.end()};
}

void expect_string_or_null(const bj::value& v, const std::optional<std::string>& text,
                           std::string_view what) {
  if (text) {
    ASSERT_TRUE(v.is_string()) << what << ": " << bj::serialize(v);
    EXPECT_EQ(v.as_string(), *text) << what;
  } else {
    EXPECT_TRUE(v.is_null()) << what << ": " << bj::serialize(v);
  }
}

// One record's JSON object against the representation the XML parser found.
void expect_record(const bj::value& v, const Record& r, Form form, std::string_view origin) {
  ASSERT_TRUE(v.is_object()) << bj::serialize(v);
  const bj::object& o = v.as_object();
  const Representation& rep = *r.form(form);
  const auto href = [&](const std::optional<std::string>& rest) -> std::optional<std::string> {
    if (!rest) return std::nullopt;
    return join_href(origin, *rest);
  };
  EXPECT_EQ(o.at("UID").as_string(), r.uid);
  expect_string_or_null(o.at("Name"), rep.name, "Name");
  expect_string_or_null(o.at("Type"), rep.type, "Type");
  expect_string_or_null(o.at("Href"), href(rep.href), "Href");
  if (rep.vm_display_name) {
    EXPECT_EQ(o.at("VmDisplayName").as_string(), *rep.vm_display_name);
  }
  const std::vector<std::string> base =
      form == Form::Entity ? std::vector<std::string>{"Name", "UID", "Links", "Href", "Type"}
                           : std::vector<std::string>{"Links", "UID", "Name", "Href", "Type"};
  EXPECT_EQ(last_keys(o, 5), base) << r.uid;

  if (!rep.has_links) {
    EXPECT_TRUE(o.at("Links").is_null());
  } else {
    const bj::array& links = o.at("Links").as_array();
    ASSERT_EQ(links.size(), rep.links.size()) << r.uid;
    for (std::size_t i = 0; i < links.size(); ++i) {
      const Link& link = rep.links[i];
      if (link.raw_xml) continue;
      const bj::object& l = links[i].as_object();
      const std::vector<std::string> link_keys = keys(l);
      ASSERT_GE(link_keys.size(), 4u);
      EXPECT_EQ(std::vector<std::string>(link_keys.begin(), link_keys.begin() + 4),
                (std::vector<std::string>{"Rel", "Href", "Name", "Type"}));
      expect_string_or_null(l.at("Rel"), link.rel, "Rel");
      expect_string_or_null(l.at("Href"), href(link.href), "Link Href");
      expect_string_or_null(l.at("Name"), link.name, "Link Name");
      expect_string_or_null(l.at("Type"), link.type, "Link Type");
    }
  }
  if (form == Form::Reference) return;

  // Every field of the kind is a property, in schema order (IsRetry aside), typed by its schema.
  const std::vector<std::string> all = keys(o);
  std::ptrdiff_t previous = -1;
  const auto& specs = info(r.kind).fields;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const std::string name(specs[i].element);
    const auto at = std::find(all.begin(), all.end(), name);
    ASSERT_NE(at, all.end()) << name << " missing in " << r.uid;
    const std::optional<std::string>& text = rep.fields[i];
    // Absent (null), or kept unmodeled: converted generically where the XML had it.
    if (!text) continue;
    if (name != "IsRetry") {
      EXPECT_GT(at - all.begin(), previous) << name << " out of schema order";
      previous = at - all.begin();
    }
    const bj::value& value = o.at(name);
    if (value.is_array()) continue;  // the element repeats in the XML
    switch (specs[i].type) {
      case FieldType::Integer:
        EXPECT_TRUE(value.is_int64() || value.is_uint64()) << name << ": " << bj::serialize(value);
        EXPECT_EQ(bj::serialize(value), *text) << name;
        break;
      case FieldType::Boolean:
        ASSERT_TRUE(value.is_bool()) << name << ": " << bj::serialize(value);
        EXPECT_EQ(value.as_bool(), *text == "true") << name;
        break;
      default:
        ASSERT_TRUE(value.is_string()) << name << ": " << bj::serialize(value);
        EXPECT_EQ(value.as_string(), *text) << name;
    }
  }
}

void expect_records(const bj::value& v, const std::vector<Record>& records, Form form,
                    std::string_view origin) {
  ASSERT_TRUE(v.is_array()) << bj::serialize(v);
  ASSERT_EQ(v.as_array().size(), records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    expect_record(v.as_array()[i], records[i], form, origin);
  }
}

std::string param_name(const ::testing::TestParamInfo<fs::path>& info) {
  std::string rel = fs::relative(info.param, data_dir() / "em").string();
  for (char& c : rel) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return rel;
}

class JsonOfEveryDocument : public ::testing::TestWithParam<fs::path> {
 protected:
  void SetUp() override {
    xml_ = read_file(GetParam());
    auto parsed = parse_document(xml_, GetParam().string());
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
    doc_ = std::move(parsed).value();
    text_ = json_of(xml_);
    json_ = parse_json(text_);
  }

  std::string xml_;
  Document doc_;
  std::string text_;
  bj::value json_;
};

TEST_P(JsonOfEveryDocument, IsAnObjectWithoutByteOrderMark) {
  ASSERT_FALSE(text_.empty());
  EXPECT_EQ(text_.front(), '{');
  EXPECT_TRUE(json_.is_object());
}

TEST_P(JsonOfEveryDocument, HoldsWhatTheXmlHolds) {
  const bj::object& root = json_.as_object();
  const std::string_view origin = doc_.origin;
  switch (doc_.type) {
    case DocumentType::Entity:
      expect_record(json_, doc_.records.at(0), Form::Entity, origin);
      break;
    case DocumentType::EntityRef:
      expect_record(json_, doc_.records.at(0), Form::Reference, origin);
      break;
    case DocumentType::EntityReferences:
      EXPECT_EQ(keys(root), std::vector<std::string>{"Refs"});
      expect_records(root.at("Refs"), doc_.records, Form::Reference, origin);
      break;
    case DocumentType::EntityList: {
      const std::string list(info(*doc_.list_kind).list_element);
      EXPECT_EQ(keys(root), std::vector<std::string>{list});
      expect_records(root.at(list), doc_.records, Form::Entity, origin);
      break;
    }
    case DocumentType::QueryResult: {
      EXPECT_EQ(keys(root),
                (std::vector<std::string>{"Refs", "Entities", "Resources", "Links", "PagingInfo"}));
      if (doc_.has_refs) {
        EXPECT_EQ(keys(root.at("Refs").as_object()), std::vector<std::string>{"Refs"});
        expect_records(root.at("Refs").at("Refs"), doc_.records, Form::Reference, origin);
      } else {
        EXPECT_TRUE(root.at("Refs").is_null());
      }
      if (doc_.has_entities) {
        const std::string list(info(*doc_.list_kind).list_element);
        EXPECT_EQ(keys(root.at("Entities").as_object()), std::vector<std::string>{list});
        expect_records(root.at("Entities").at(list).at(list), doc_.records, Form::Entity, origin);
      } else {
        EXPECT_TRUE(root.at("Entities").is_null());
      }
      const bj::object& paging = root.at("PagingInfo").as_object();
      EXPECT_EQ(keys(paging),
                (std::vector<std::string>{"Links", "PageNum", "PageSize", "PagesCount"}));
      EXPECT_EQ(paging.at("PageNum").as_int64(), doc_.paging->page_num);
      EXPECT_EQ(paging.at("PageSize").as_int64(), doc_.paging->page_size);
      EXPECT_EQ(paging.at("PagesCount").as_int64(), doc_.paging->pages_count);
      EXPECT_EQ(paging.at("Links").as_array().size(), doc_.paging->links.size());
      break;
    }
  }
}

// What the api serves is emarchive's rendering, not EM's bytes: both give the same JSON.
TEST_P(JsonOfEveryDocument, IsTheSameFromEmarchivesRendering) {
  std::string rendered;
  switch (doc_.type) {
    case DocumentType::Entity:
      rendered = render_entity(doc_.records.at(0), doc_.origin);
      break;
    case DocumentType::EntityRef:
      rendered = render_entity_ref(doc_.records.at(0), doc_.origin);
      break;
    case DocumentType::EntityReferences:
      rendered = render_entity_references(doc_.records, doc_.origin);
      break;
    case DocumentType::EntityList:
      rendered = render_entity_list(*doc_.list_kind, doc_.records, doc_.origin);
      break;
    case DocumentType::QueryResult:
      if (doc_.records.empty() && !doc_.list_kind) GTEST_SKIP() << "empty Refs name no kind";
      rendered = render_query_result(
          {doc_.list_kind ? *doc_.list_kind : doc_.records.at(0).kind,
           doc_.has_entities ? Form::Entity : Form::Reference, doc_.records, doc_.paging},
          doc_.origin);
      break;
  }
  EXPECT_EQ(json_value(rendered), json_) << "rendered:\n" << rendered;
}

INSTANTIATE_TEST_SUITE_P(Em, JsonOfEveryDocument, ::testing::ValuesIn(files_under("em")),
                         param_name);

TEST(JsonRender, BackupJobSessionHasARealEmsOrderAndTypes) {
  const bj::value v = json_file("em/backup_job_session/entity.xml");
  const bj::object& o = v.as_object();
  EXPECT_EQ(keys(o),
            (std::vector<std::string>{"IsRetry", "JobUid", "JobName", "JobType", "CreationTimeUTC",
                                      "EndTimeUTC", "State", "Result", "Progress", "FailureMessage",
                                      "Name", "UID", "Links", "Href", "Type"}));
  EXPECT_EQ(o.at("IsRetry"), bj::value(false));
  EXPECT_EQ(o.at("Progress"), bj::value(100));
  EXPECT_TRUE(o.at("FailureMessage").is_null());
  EXPECT_EQ(o.at("EndTimeUTC"), bj::value("2025-06-05T01:14:47.0931Z"));  // as archived
  const bj::array& links = o.at("Links").as_array();
  EXPECT_EQ(links[0].at("Name"), bj::value("vbr-dc1-07.northwind-lab.internal"));
  EXPECT_EQ(bj::serialize(links[4]),
            R"({"Rel":"Stop","Href":"https://vbem-arc01.northwind-lab.internal:9398/api/)"
            R"(backupSessions/9f3c2a71-4be8-4d05-a6e1-07c5d9b83f2e?action=stop",)"
            R"("Name":null,"Type":null})");
  EXPECT_EQ(links[5].at("Name"), bj::value("Jun  5 2025  3:00AM"));
}

TEST(JsonRender, ReferenceFollowsEmsDocumentedOrder) {
  const bj::value v = json_file("em/backup_job_session/entity_ref.xml");
  EXPECT_EQ(keys(v.as_object()),
            (std::vector<std::string>{"Links", "UID", "Name", "Href", "Type"}));
}

TEST(JsonRender, EmptyAbsentAndNilElements) {
  const bj::value task = json_file("em/odd/reason_self_closing.xml");
  EXPECT_EQ(task.at("Reason"), bj::value(""));
  EXPECT_EQ(json_file("em/odd/total_size_int64_max.xml").at("TotalSize"),
            bj::value(std::int64_t{9223372036854775807}));
  const bj::value running = json_file("em/odd/running_backup_job_session.xml");
  EXPECT_TRUE(running.at("EndTimeUTC").is_null());
  EXPECT_TRUE(json_file("em/odd/failure_message_nil.xml").at("FailureMessage").is_null());
  EXPECT_EQ(json_file("em/odd/whitespace_only_text.xml").at("Description"), bj::value("  "));
}

TEST(JsonRender, UnmodeledJobPartsConvertGenerically) {
  const bj::value job = json_file("em/job/entity.xml");
  const bj::value& options = job.at("JobScheduleOptions");
  EXPECT_EQ(options.at("RetryOptions").at("RetryTimes"), bj::value(3));
  EXPECT_EQ(options.at("RetryOptions").at("RetrySpecified"), bj::value(true));
  const bj::value& daily = options.at("OptionsDaily");
  EXPECT_EQ(keys(daily.as_object()), (std::vector<std::string>{"Kind", "Days", "Time", "Enabled"}));
  EXPECT_EQ(daily.at("Enabled"), bj::value(true));
  EXPECT_EQ(daily.at("Days").as_array().size(), 7u);
  EXPECT_EQ(daily.at("Time"), bj::value("03:00:00.0000000"));
  EXPECT_EQ(options.at("OptionsDaisyChaining"), bj::parse(R"({"Enabled":false})"));
  EXPECT_TRUE(options.at("OptionsPeriodically").at("Schedule").as_string().starts_with("<sched"));
  const bj::value& object = job.at("JobInfo").at("BackupJobInfo").at("Includes").at("ObjectInJob");
  EXPECT_EQ(object.at("Name"), bj::value("erp-app01"));
  EXPECT_EQ(object.at("Order"), bj::value(0));
  EXPECT_EQ(object.at("Links").as_array()[1].at("Rel"), bj::value("Up"));
  EXPECT_EQ(object.at("Type"), bj::value("ObjectInJob"));
  const bj::value& guest = object.at("GuestProcessingOptions");
  EXPECT_EQ(guest.at("IncludedIndexingFolders"), bj::value(""));
  EXPECT_EQ(guest.at("ExcludedIndexingFolders").at("Path").as_array().size(), 3u);
}

TEST(JsonRender, ForeignElementsKeepTheirQualifiedNames) {
  const bj::value v = json_file("em/odd/foreign_namespace_element.xml");
  EXPECT_EQ(v.at("Hint"), bj::value("default-namespaced foreign element"));
  EXPECT_EQ(v.at("x:Ticket"), bj::parse(R"({"x:System":"svc-desk","Value":"INC-20250607-0415"})"));
  EXPECT_EQ(v.at("arc:Note").at("arc:Author"), bj::value("night shift"));
}

TEST(JsonRender, UnusualChildrenOfLinksAreKept) {
  const bj::value session = json_file("em/odd/links_with_unusual_children.xml");
  const bj::array& links = session.at("Links").as_array();
  ASSERT_EQ(links.size(), 5u);
  EXPECT_EQ(links[3].at("Hint"), bj::value("newer EM"));
  EXPECT_EQ(links[4], bj::parse(R"({"Note":"links end here"})"));
}

TEST(JsonRender, ARecordRenderedWithoutRootConvertsAlone) {
  auto doc = parse_document(read_file(data_dir() / "em/backup_task_session/entity.xml"), "t");
  ASSERT_TRUE(doc.has_value());
  std::string fragment;
  append_entity(fragment, doc->records.at(0), doc->origin, false);
  EXPECT_EQ(json_value(fragment), json_value(render_entity(doc->records.at(0), doc->origin)));
}

TEST(JsonRender, EmptyQueryResultKeepsEveryMember) {
  const std::string xml = render_query_result(
      {Kind::BackupJobSession, Form::Reference, {}, PagingInfo{1, 100, 0, {}}}, "http://e:1");
  EXPECT_EQ(json_of(xml),
            R"({"Refs":{"Refs":[]},"Entities":null,"Resources":null,"Links":null,)"
            R"("PagingInfo":{"Links":[],"PageNum":1,"PageSize":100,"PagesCount":0}})");
  const std::string entities =
      render_query_result({Kind::Job, Form::Entity, {}, PagingInfo{1, 100, 0, {}}}, "http://e:1");
  EXPECT_EQ(json_value(entities).at("Entities"), bj::parse(R"({"Jobs":{"Jobs":[]}})"));
}

// The documents emarchive writes outside model/, in the shapes api/ gives them.
TEST(JsonRender, LogonSessionCarriesSessionId) {
  const std::string xml =
      R"(<?xml version="1.0" encoding="utf-8"?><LogonSession xmlns="http://www.veeam.com/ent/v1.0")"
      R"( Href="http://e:1/api/logonSessions/4e3a" Type="LogonSession"><Links>)"
      R"(<Link Rel="Up" Type="EnterpriseManager" Href="http://e:1/api/" />)"
      R"(<Link Rel="Delete" Href="http://e:1/api/logonSessions/4e3a" /></Links>)"
      R"(<UserName>NWL\auditor</UserName><SessionId>4e3a</SessionId></LogonSession>)";
  EXPECT_EQ(
      json_of(xml),
      R"({"UserName":"NWL\\auditor","SessionId":"4e3a","Links":[)"
      R"({"Rel":"Up","Href":"http://e:1/api/","Name":null,"Type":"EnterpriseManager"},)"
      R"({"Rel":"Delete","Href":"http://e:1/api/logonSessions/4e3a","Name":null,"Type":null}],)"
      R"("Href":"http://e:1/api/logonSessions/4e3a","Type":"LogonSession"})");
  const bj::value list = json_value(R"(<LogonSessions xmlns="http://www.veeam.com/ent/v1.0">)" +
                                    xml.substr(xml.find("<LogonSession ")) + "</LogonSessions>");
  EXPECT_EQ(list.at("LogonSessions").as_array()[0].at("SessionId"), bj::value("4e3a"));
}

TEST(JsonRender, EntryPointAndQueryService) {
  const bj::value em = json_value(
      R"(<EnterpriseManager xmlns="http://www.veeam.com/ent/v1.0")"
      R"( xmlns:xsd="http://www.w3.org/2001/XMLSchema"><Links>)"
      R"(<Link Href="http://e:1/api/logonSessions" Type="LogonSessionList" Rel="Down" /></Links>)"
      R"(<SupportedVersions><SupportedVersion Name="v1_5"><Links><Link Href="http://e:1/api/)"
      R"(sessionMngr/?v=v1_5" Type="LogonSession" Rel="Create" /></Links></SupportedVersion>)"
      R"(<SupportedVersion Name="v1_7"><Links /></SupportedVersion></SupportedVersions>)"
      R"(</EnterpriseManager>)");
  EXPECT_EQ(keys(em.as_object()), (std::vector<std::string>{"SupportedVersions", "Links"}));
  const bj::array& versions = em.at("SupportedVersions").as_array();
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(keys(versions[0].as_object()), (std::vector<std::string>{"Name", "Links"}));
  EXPECT_EQ(versions[0].at("Links").as_array()[0].at("Rel"), bj::value("Create"));
  EXPECT_EQ(versions[1].at("Links"), bj::array());

  const bj::value svc = json_value(
      R"(<QuerySvc xmlns="http://www.veeam.com/ent/v1.0" Type="QueryService" Href="http://e:1/)"
      R"(api/querySvc"><Links><Link Rel="Down" Type="JobList" Href="http://e:1/api/query?)"
      R"(type=Job&amp;format=Entities" /></Links></QuerySvc>)");
  EXPECT_EQ(keys(svc.as_object()), (std::vector<std::string>{"Links", "Href", "Type"}));
  EXPECT_EQ(svc.at("Links").as_array()[0].at("Href"),
            bj::value("http://e:1/api/query?type=Job&format=Entities"));
}

TEST(JsonRender, ErrorHasEmsShape) {
  EXPECT_EQ(json_of(R"(<?xml version="1.0" encoding="utf-8"?><Error xmlns="http://www.veeam.com/)"
                    R"(ent/v1.0" Message="no such session: &quot;x&quot;" StatusCode="404" />)"),
            R"({"FirstChanceExceptionMessage":null,"Message":"no such session: \"x\"",)"
            R"("StackTrace":null,"Status":null,"StatusCode":404})");
}

// What monitoring scripts read: counters they compare and add, and lists they index, whatever
// the number of repositories (a small site has one).
TEST(JsonRender, ReportsHaveNumbersAndRepositoriesAreArraysEvenOfOne) {
  EXPECT_EQ(
      json_of(R"(<OverviewReportFrame xmlns="http://www.veeam.com/ent/v1.0">)"
              "<BackupServers>1</BackupServers><FailedVmLastestStates>0</FailedVmLastestStates>"
              "</OverviewReportFrame>"),
      R"({"BackupServers":1,"FailedVmLastestStates":0})");
  EXPECT_EQ(
      json_of(
          R"(<RepositoryReportFrame xmlns="http://www.veeam.com/ent/v1.0" )"
          R"(CapacityPlanningReportLink="x"><Period><Name>Main</Name>)"
          "<Capacity>3298534883328</Capacity><FreeSpace>-1</FreeSpace><BackupSize>0</BackupSize>"
          "</Period></RepositoryReportFrame>"),
      R"({"Periods":[{"Name":"Main","Capacity":3298534883328,"FreeSpace":-1,"BackupSize":0}],)"
      R"("CapacityPlanningReportLink":"x"})");
  const bj::value list =
      json_value(R"(<Repositories xmlns="http://www.veeam.com/ent/v1.0"><Repository Name="r" )"
                 R"(UID="urn:veeam:Repository:1"><Capacity>10</Capacity><FreeSpace>4</FreeSpace>)"
                 "<Kind>WindowsLocal</Kind></Repository></Repositories>");
  ASSERT_TRUE(list.is_object()) << bj::serialize(list);
  const bj::array& repositories = list.at("Repositories").as_array();
  ASSERT_EQ(repositories.size(), 1u);
  EXPECT_EQ(repositories[0].at("Capacity").as_int64(), 10);
  EXPECT_EQ(repositories[0].at("Kind").as_string(), "WindowsLocal");
}

TEST(JsonRender, HostileStringsStayValidJson) {
  const std::string xml =
      "<BackupTaskSession xmlns=\"http://www.veeam.com/ent/v1.0\" UID=\"urn:veeam:"
      "BackupTaskSession:1\" Name=\"q&quot;b\\s&#x1;&#9;&#xA;\xE2\x80\xA8\" VmDisplayName=\"\xFF"
      "ok\xC3\"><Reason>bad \xED\xA0\x80 end \xF0\x9F\x98\x80</Reason>"
      "<TotalSize>12x</TotalSize></BackupTaskSession>";
  const std::string text = json_of(xml);
  EXPECT_NE(text.find(R"(\u0001\t\n\u2028)"), std::string::npos) << text;
  const bj::value v = parse_json(text);
  EXPECT_EQ(v.at("Name"), bj::value("q\"b\\s\x01\t\n\xE2\x80\xA8"));
  EXPECT_EQ(v.at("VmDisplayName"), bj::value("\xEF\xBF\xBDok\xEF\xBF\xBD"));
  EXPECT_EQ(v.at("Reason"),
            bj::value("bad \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD end \xF0\x9F\x98\x80"));
  EXPECT_EQ(v.at("TotalSize"), bj::value("12x"));  // not an integer: kept as its text
}

TEST(JsonRender, MalformedXmlIsAnError) {
  const Expected<std::string> json = render_json("<BackupJobSession><Links></BackupJobSession>");
  ASSERT_FALSE(json.has_value());
  EXPECT_NE(json.error().message.find("byte"), std::string::npos) << json.error().message;
}

struct StringCase {
  const char* name;
  std::string_view input;
  std::string_view output;
};

class JsonString : public ::testing::TestWithParam<StringCase> {};

TEST_P(JsonString, IsEscapedAndWellFormed) {
  std::string out;
  json::append_string(out, GetParam().input);
  EXPECT_EQ(out, GetParam().output);
  EXPECT_TRUE(parse_json(out).is_string());
}

using namespace std::string_view_literals;
INSTANTIATE_TEST_SUITE_P(
    Cases, JsonString,
    ::testing::Values(StringCase{"Plain", "Nightly ERP VMs@2025-06-05 03:00:12",
                                 R"("Nightly ERP VMs@2025-06-05 03:00:12")"},
                      StringCase{"QuoteBackslashSlash", R"(a"b\c/d)", R"("a\"b\\c/d")"},
                      StringCase{"Controls", "\x00\x08\x0C\x1F\x7F"sv,
                                 R"("\u0000\b\f\u001f)"
                                 "\x7F\""},
                      StringCase{"LineSeparators", "\xE2\x80\xA8\xE2\x80\xA9", R"("\u2028\u2029")"},
                      StringCase{"WellFormedMultibyte", "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80",
                                 "\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\""},
                      StringCase{"StrayContinuation", "a\x80z", "\"a\xEF\xBF\xBDz\""},
                      StringCase{"OverlongTwoBytes", "\xC0\xAF", "\"\xEF\xBF\xBD\xEF\xBF\xBD\""},
                      StringCase{"OverlongThreeBytes", "\xE0\x80\xAF",
                                 "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\""},
                      StringCase{"Surrogate", "\xED\xA0\x80",
                                 "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\""},
                      StringCase{"PastMaximum", "\xF4\x90\x80\x80",
                                 "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\""},
                      StringCase{"TruncatedAtEnd", "ab\xE2\x82", "\"ab\xEF\xBF\xBD\""},
                      StringCase{"TruncatedBeforeAscii", "\xF0\x9F\x98z", "\"\xEF\xBF\xBDz\""},
                      StringCase{"InvalidLeads", "\xF5\xFF", "\"\xEF\xBF\xBD\xEF\xBF\xBD\""}),
    [](const ::testing::TestParamInfo<StringCase>& info) { return std::string(info.param.name); });

TEST(JsonWriter, IntegerTextIsCanonicalDecimal) {
  for (std::string_view yes : {"0", "7", "-1", "100", "9223372036854775807"}) {
    EXPECT_TRUE(json::is_integer_text(yes)) << yes;
  }
  for (std::string_view no : {"", "-", "01", "+1", "1.0", "1e3", " 1", "0x10", "-0a"}) {
    EXPECT_FALSE(json::is_integer_text(no)) << no;
  }
}

}  // namespace
}  // namespace emarchive
