// Round trips over every document in tests/data/em: parse it, render the same document type with
// the same origin, and compare with the original by the fidelity rules of docs/ARCHITECTURE.md
// (xml_difference).
// And every document in tests/data/bad must be rejected with a message that says where and why.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "model/codec.h"
#include "model/kind.h"
#include "model/xml_compare.h"
#include "tests/support/test_data.h"

namespace emarchive {
namespace {

namespace fs = std::filesystem;
using testing::data_dir;
using testing::files_under;
using testing::read_file;

// An origin no test document uses, to check that only Href origins change.
constexpr std::string_view kOtherOrigin = "http://127.0.0.1:18399";

std::string param_name(const fs::path& path, const std::string& sub) {
  std::string rel = fs::relative(path, data_dir() / sub).string();
  for (char& c : rel) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return rel;
}

std::string to_lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Renders `doc` again as the same document type. Returns nullopt (and says why in `why`) for a
// document the renderer cannot express.
std::optional<std::string> render_like(const Document& doc, std::string_view origin,
                                       std::string& why) {
  switch (doc.type) {
    case DocumentType::EntityRef:
      if (doc.records.size() != 1) break;
      return render_entity_ref(doc.records[0], origin);
    case DocumentType::Entity:
      if (doc.records.size() != 1) break;
      return render_entity(doc.records[0], origin);
    case DocumentType::EntityReferences:
      return render_entity_references(doc.records, origin);
    case DocumentType::EntityList:
      if (!doc.list_kind) {
        why = "entity list without list_kind";
        return std::nullopt;
      }
      return render_entity_list(*doc.list_kind, doc.records, origin);
    case DocumentType::QueryResult: {
      if (doc.has_refs == doc.has_entities) {
        // render_query_result writes one form; a QueryResult with both <Refs> and <Entities> (or
        // neither) cannot be reproduced by it. No test document has that shape.
        why = "QueryResult with both or neither of <Refs> and <Entities>";
        return std::nullopt;
      }
      // <Refs> do not name their kind when empty; any kind renders an empty <Refs> the same way.
      Kind kind = doc.list_kind
                      ? *doc.list_kind
                      : (doc.records.empty() ? Kind::BackupJobSession : doc.records[0].kind);
      QueryResultContent content{kind, doc.has_entities ? Form::Entity : Form::Reference,
                                 doc.records, doc.paging};
      return render_query_result(content, origin);
    }
  }
  why = "a single-record document type with " + std::to_string(doc.records.size()) + " records";
  return std::nullopt;
}

class RoundTrip : public ::testing::TestWithParam<fs::path> {
 protected:
  void SetUp() override {
    original_ = read_file(GetParam());
    auto parsed = parse_document(original_, GetParam().string());
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
    doc_ = std::move(parsed).value();
  }

  std::string original_;
  Document doc_;
};

TEST_P(RoundTrip, ParsesIntoRecordsOfTheDocumentsForm) {
  // Files named *_empty.xml are empty pages and collections; every other one holds records.
  const bool empty = GetParam().stem().string().ends_with("_empty");
  EXPECT_EQ(doc_.records.empty(), empty) << doc_.records.size() << " records";
  // Only an empty collection has no Href to take an origin from.
  if (!(empty && doc_.type != DocumentType::QueryResult)) {
    EXPECT_FALSE(doc_.origin.empty());
  }
  for (const Record& r : doc_.records) {
    EXPECT_TRUE(r.uid.starts_with(info(r.kind).uid_prefix)) << r.uid;
    const bool reference_form = doc_.type == DocumentType::EntityRef ||
                                doc_.type == DocumentType::EntityReferences ||
                                (doc_.type == DocumentType::QueryResult && doc_.has_refs);
    EXPECT_EQ(r.reference.has_value(), reference_form) << r.uid;
    EXPECT_EQ(r.entity.has_value(), !reference_form) << r.uid;
    if (doc_.list_kind) {
      EXPECT_EQ(r.kind, *doc_.list_kind) << r.uid;
    }
  }
  if (doc_.type == DocumentType::QueryResult) {
    EXPECT_TRUE(doc_.paging.has_value());
  }
}

TEST_P(RoundTrip, RendersTheOriginalDocument) {
  std::string why;
  auto rendered = render_like(doc_, doc_.origin, why);
  ASSERT_TRUE(rendered.has_value()) << "cannot render: " << why;
  EXPECT_EQ(xml_difference(original_, *rendered), "") << "rendered:\n" << *rendered;
}

TEST_P(RoundTrip, AnotherOriginChangesOnlyHrefOrigins) {
  std::string why;
  auto rendered = render_like(doc_, kOtherOrigin, why);
  ASSERT_TRUE(rendered.has_value()) << "cannot render: " << why;
  XmlCompareOptions ignore_origin;
  ignore_origin.ignore_href_origin = true;
  EXPECT_EQ(xml_difference(original_, *rendered, ignore_origin), "") << "rendered:\n" << *rendered;
  if (!doc_.origin.empty()) {
    // The origins did change.
    EXPECT_NE(xml_difference(original_, *rendered), "");
  }
}

// docs/ARCHITECTURE.md, "Fidelity": every Href is served with the address the client used, also
// those EM nests inside elements emarchive does not model (JobInfo's ObjectInJob, for one).
TEST_P(RoundTrip, AnotherOriginLeavesNoTraceOfTheArchivedOne) {
  std::string why;
  auto rendered = render_like(doc_, kOtherOrigin, why);
  ASSERT_TRUE(rendered.has_value()) << "cannot render: " << why;
  if (doc_.origin.empty()) GTEST_SKIP() << "no Hrefs";
  const std::size_t at = rendered->find(doc_.origin);
  EXPECT_EQ(at, std::string::npos) << doc_.origin << " still in the rendered document: ..."
                                   << rendered->substr(at < 160 ? 0 : at - 160, 320) << "...";
}

// Rendering what was rendered gives the same bytes, so archiving a served document again is a
// no-op.
TEST_P(RoundTrip, RenderingIsAFixpoint) {
  std::string why;
  auto first = render_like(doc_, doc_.origin, why);
  ASSERT_TRUE(first.has_value()) << "cannot render: " << why;
  auto reparsed = parse_document(*first, "rendered " + GetParam().string());
  ASSERT_TRUE(reparsed.has_value()) << reparsed.error().message << "\nrendered:\n" << *first;
  EXPECT_EQ(reparsed->type, doc_.type);
  auto second = render_like(*reparsed, doc_.origin, why);
  ASSERT_TRUE(second.has_value()) << why;
  EXPECT_EQ(*second, *first);
}

INSTANTIATE_TEST_SUITE_P(RoundTripEm, RoundTrip, ::testing::ValuesIn(files_under("em")),
                         [](const auto& info) { return param_name(info.param, "em"); });

// Spot checks that the parse did not merely round-trip by accident: values land where they belong.

// em/backup_task_session/doc_page_{entity_ref,entity}.xml reproduce the shape of the examples on
// the 9.0 documentation page for /backupTaskSessions/{ID} (docs/EM-API.md 5.3) with our own
// values: same elements, attributes in the same order, the same Link Rel/Type sequence, no VmUid.
TEST(RoundTripSpotCheck, DocPageShapedTaskSession) {
  const fs::path path = data_dir() / "em/backup_task_session/doc_page_entity.xml";
  auto doc = parse_document(read_file(path), path.string());
  ASSERT_TRUE(doc.has_value()) << doc.error().message;
  ASSERT_EQ(doc->type, DocumentType::Entity);
  ASSERT_EQ(doc->records.size(), 1u);
  const Record& r = doc->records[0];
  EXPECT_EQ(r.kind, Kind::BackupTaskSession);
  EXPECT_EQ(r.origin, "http://emgr-legacy2.fabrikam-test.lan:9399");
  EXPECT_EQ(r.uid, "urn:veeam:BackupTaskSession:8c4e2a60-f7b1-4d39-a0e6-5d3b9c1f8e72");
  EXPECT_EQ(r.field("Reason"), std::optional<std::string>(""));
  EXPECT_EQ(r.field("VmUid"), std::nullopt);
  EXPECT_EQ(r.field("TotalSize"), std::optional<std::string>("53687091200"));
  ASSERT_TRUE(r.entity.has_value());
  EXPECT_EQ(r.entity->vm_display_name, std::optional<std::string>("fs-branch-04"));
  ASSERT_EQ(r.entity->links.size(), 4u);
  EXPECT_EQ(r.entity->links[3].rel, std::optional<std::string>("Related"));
  EXPECT_EQ(r.entity->links[3].href,
            std::optional<std::string>(
                "/api/vmRestorePoints/1b7f3d9e-2a60-4c85-b9d4-7e0a5c2f8b61?format=Entity"));
}

TEST(RoundTripSpotCheck, FractionalSecondsKeepTheirText) {
  const fs::path path = data_dir() / "em/odd/fractional_seconds.xml";
  auto doc = parse_document(read_file(path), path.string());
  ASSERT_TRUE(doc.has_value()) << doc.error().message;
  std::vector<std::string> seen;
  for (const Record& r : doc->records) seen.push_back(r.field("CreationTimeUTC").value_or("?"));
  EXPECT_EQ(seen, (std::vector<std::string>{
                      "2025-06-10T01:00:05Z", "2025-06-11T01:00:05.7Z", "2025-06-12T01:00:05.56Z",
                      "2025-06-13T01:00:05.627Z", "2025-06-14T01:00:05.22142Z",
                      "2025-06-15T01:00:05.879599Z", "2025-06-16T01:00:05.0934417Z"}));
}

TEST(RoundTripSpotCheck, PagingInfoOfAQueryPage) {
  const fs::path path = data_dir() / "em/backup_job_session/query_refs.xml";
  auto doc = parse_document(read_file(path), path.string());
  ASSERT_TRUE(doc.has_value()) << doc.error().message;
  EXPECT_EQ(doc->type, DocumentType::QueryResult);
  EXPECT_TRUE(doc->has_refs);
  EXPECT_FALSE(doc->has_entities);
  EXPECT_EQ(doc->records.size(), 2u);
  ASSERT_TRUE(doc->paging.has_value());
  EXPECT_EQ(doc->paging->page_num, 1);
  EXPECT_EQ(doc->paging->page_size, 2);
  EXPECT_EQ(doc->paging->pages_count, 3);
  ASSERT_EQ(doc->paging->links.size(), 3u);
  EXPECT_EQ(doc->paging->links[1].rel, std::optional<std::string>("Next"));
  EXPECT_EQ(
      doc->paging->links[1].href,
      std::optional<std::string>(
          "/api/query?type=BackupJobSession&filter=CreationTime%3E%3D%222025-06-05T00%3A00%3A00Z"
          "%22&sortAsc=CreationTime&pageSize=2&page=2"));
}

TEST(RoundTripSpotCheck, TextIsKeptToTheCharacter) {
  const fs::path ws = data_dir() / "em/odd/whitespace_only_text.xml";
  auto doc = parse_document(read_file(ws), ws.string());
  ASSERT_TRUE(doc.has_value()) << doc.error().message;
  EXPECT_EQ(doc->records.at(0).field("Description"), std::optional<std::string>("  "));

  const fs::path cr = data_dir() / "em/odd/line_breaks_as_character_references.xml";
  doc = parse_document(read_file(cr), cr.string());
  ASSERT_TRUE(doc.has_value()) << doc.error().message;
  const Record& job = doc->records.at(0);
  EXPECT_EQ(job.field("Description"),
            std::optional<std::string>("First line\r\nSecond line\r\n\tindented"));
  EXPECT_EQ(job.name(), std::optional<std::string>("Weekly SQL\tFull"));
  // The rendering must say \r and \t so that a parser reads them back.
  std::string rendered = render_entity(job, doc->origin);
  auto again = parse_document(rendered, "rendered");
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(again->records.at(0).field("Description"), job.field("Description")) << rendered;
  EXPECT_EQ(again->records.at(0).name(), job.name()) << rendered;
}

// The round trips above are only as strict as xml_difference: it must notice each change below.
TEST(RoundTripComparator, NoticesWhatFidelityRequires) {
  struct Mutation {
    const char* file;
    const char* from;
    const char* to;
  };
  const Mutation mutations[] = {
      {"em/backup_task_session/entity.xml", "<Reason />", ""},  // omitted vs empty
      {"em/odd/fractional_seconds.xml", "01:12:40.100Z", "01:12:40.1Z"},
      {"em/odd/newer_em_unknown_elements.xml", "<PlatformName>VMware</PlatformName>", ""},
      {"em/odd/newer_em_unknown_elements.xml", " Method=\"POST\"", ""},
      {"em/backup_job_session/entity_backup_copy.xml", " Name=\"\" Type=\"RestorePointReference\"",
       " Type=\"RestorePointReference\""},
      {"em/restore_session/entity_running.xml", "<Result>None</Result>", "<Result>none</Result>"},
      {"em/backup_task_session/entity_warning.xml", "\\\\nas-01", "\\nas-01"},
      {"em/odd/leading_trailing_blanks_in_text.xml", "retry later \n</Reason>",
       "retry later</Reason>"},
  };
  for (const Mutation& m : mutations) {
    const std::string original = read_file(data_dir() / m.file);
    std::string mutated = original;
    const std::size_t at = mutated.find(m.from);
    ASSERT_NE(at, std::string::npos) << m.file << ": " << m.from;
    mutated.replace(at, std::string_view(m.from).size(), m.to);
    EXPECT_NE(xml_difference(original, mutated), "") << m.file << ": " << m.from << " -> " << m.to;
  }
  // Swapping two Links is a difference too.
  const std::string entity = read_file(data_dir() / "em/backup_job_session/entity.xml");
  const std::size_t first = entity.find("    <Link ");
  const std::size_t second = entity.find("    <Link ", first + 1);
  const std::size_t third = entity.find("    <Link ", second + 1);
  std::string swapped = entity.substr(0, first) + entity.substr(second, third - second) +
                        entity.substr(first, second - first) + entity.substr(third);
  EXPECT_NE(xml_difference(entity, swapped), "");
}

struct BadCase {
  std::vector<std::string> fragments;  // each must appear in the message (case-insensitive)
  int line = 0;                        // the line the message must name; 0: not checked
};

// One entry per file in tests/data/bad.
const std::map<std::string, BadCase>& bad_cases() {
  static const std::map<std::string, BadCase> cases = {
      {"empty.xml", {{"empty document"}}},
      {"whitespace_only.xml", {{"empty document"}}},
      // pugixml reports a document cut short as a tag mismatch at its last byte.
      {"truncated.xml", {{"the document ends early (truncated?)"}, 12}},
      {"mismatched_tag.xml", {{"malformed XML", "mismatch"}, 14}},
      {"no_namespace.xml", {{"namespace", "<BackupJobSession>"}}},
      {"wrong_namespace.xml", {{"namespace", "http://www.veeam.com/ent/v2.0"}}},
      {"namespace_trailing_slash.xml", {{"namespace", "http://www.veeam.com/ent/v1.0/"}}},
      {"unsupported_root_logon_session.xml", {{"unsupported", "<LogonSession>"}}},
      {"unsupported_root_enterprise_manager.xml", {{"unsupported", "<EnterpriseManager>"}, 2}},
      {"ref_unsupported_type.xml", {{"unsupported", "VmRestorePointReference"}}},
      {"ref_unsupported_type_in_collection.xml", {{"unsupported", "VmRestorePointReference"}, 18}},
      {"missing_uid.xml", {{"no UID"}}},
      {"uid_wrong_kind.xml", {{"UID", "urn:veeam:Job:", "not a BackupJobSession UID"}}},
      {"bad_timestamp_month.xml", {{"CreationTimeUTC", "2025-13-01T00:00:00Z"}, 12}},
      {"bad_timestamp_trailing_junk.xml", {{"EndTimeUTC", "2025-06-05T01:04:29Zjunk"}, 13}},
      {"total_size_not_integer.xml", {{"TotalSize", "80 GB"}, 14}},
      {"total_size_overflow.xml", {{"TotalSize", "9223372036854775808"}, 14}},
      {"ref_type_uid_mismatch.xml", {{"UID", "urn:veeam:BackupJobSession:", "not a Job UID"}}},
      {"is_retry_yes.xml", {{"IsRetry", "yes"}, 17}},
      {"bad_paging_attribute.xml", {{"PageSize", "hundred"}, 12}},
      {"query_third_entity_bad_timestamp.xml",
       {{"CreationTimeUTC", "2025-06-06T25:00:09.88Z"}, 53}},
  };
  return cases;
}

class BadDocument : public ::testing::TestWithParam<fs::path> {};

TEST_P(BadDocument, IsRejectedSayingWhereAndWhy) {
  const fs::path& path = GetParam();
  const std::string name = path.filename().string();
  auto it = bad_cases().find(name);
  ASSERT_NE(it, bad_cases().end()) << "no expected error recorded for " << name;

  auto parsed = parse_document(read_file(path), path.string());
  ASSERT_FALSE(parsed.has_value())
      << name << " was accepted with " << parsed->records.size() << " records";
  const std::string& message = parsed.error().message;
  const std::size_t at = message.find(path.string());
  ASSERT_NE(at, std::string::npos) << message;
  // What the message says beyond the file's name (which itself contains words like "empty").
  std::string rest = message;
  rest.erase(at, path.string().size());
  const std::string lower = to_lower(rest);
  EXPECT_NE(lower.find("line"), std::string::npos) << message;
  for (const std::string& fragment : it->second.fragments) {
    EXPECT_NE(lower.find(to_lower(fragment)), std::string::npos)
        << "expected \"" << fragment << "\" in: " << message;
  }
  if (it->second.line > 0) {
    const std::regex line_n("line[^0-9]{0,3}" + std::to_string(it->second.line) + "([^0-9]|$)",
                            std::regex::icase);
    EXPECT_TRUE(std::regex_search(rest, line_n))
        << "expected line " << it->second.line << " in: " << message;
  }
}

INSTANTIATE_TEST_SUITE_P(BadDocuments, BadDocument, ::testing::ValuesIn(files_under("bad")),
                         [](const auto& info) { return param_name(info.param, "bad"); });

TEST(BadDocumentTable, EveryRecordedCaseHasItsFile) {
  for (const auto& [name, expected] : bad_cases()) {
    EXPECT_TRUE(fs::is_regular_file(data_dir() / "bad" / name)) << name;
  }
}

}  // namespace
}  // namespace emarchive
