#include <gtest/gtest.h>

#include <string>

#include "model/codec.h"
#include "model/xml_compare.h"
#include "tests/model/sample_documents.h"

namespace emarchive {
namespace {

using namespace emarchive::testing;

struct ErrorCase {
  std::string_view what;
  std::string xml;
  std::string_view at;  // the error is at the first occurrence of this text ("" = byte 0)
  std::size_t line;
  std::string_view reason;  // must appear in the message after "test.xml: line L (byte B): "
};

constexpr std::string_view kRoot = R"(xmlns="http://www.veeam.com/ent/v1.0")";

std::string entity_with(std::string_view children) {
  return std::string(
             R"(<BackupJobSession xmlns="http://www.veeam.com/ent/v1.0" UID="urn:veeam:BackupJobSession:1">)") +
         "\n" + std::string(children) + "\n</BackupJobSession>";
}

TEST(ParseTest, RejectsWithSourceLineByteAndReason) {
  const ErrorCase cases[] = {
      {"empty", "", "", 1, "empty document"},
      {"blank", "  \n\t\n", "", 1, "empty document"},
      {"declaration only", "<?xml version=\"1.0\"?>\n", "", 1, "empty document"},
      {"truncated", std::string(kJobSessionRef.substr(0, 400)), "", 0,
       "malformed XML: the document ends early (truncated?)"},
      {"bad tag", "<EntityRef>\n<Links>\n</Link>\n</EntityRef>", "Link>\n</EntityRef>", 3,
       "malformed XML: Start-end tags mismatch"},
      {"two roots", "<EntityRef />\n<EntityRef/>", "<EntityRef/>", 2,
       "a second root element <EntityRef>"},
      {"text after root", std::string("<EntityReferences ") + std::string(kRoot) + " />\njunk",
       "junk", 2, "text outside the root element"},
      {"no namespace", "<EntityReferences />", "<EntityReferences", 1,
       "root element <EntityReferences> is not in EM's namespace http://www.veeam.com/ent/v1.0 "
       "(it has no namespace)"},
      {"other namespace", "\n<EntityReferences xmlns=\"http://example.test/x\" />",
       "<EntityReferences", 2, "(its namespace is http://example.test/x)"},
      {"unsupported root",
       std::string("<VmRestorePoint ") + std::string(kRoot) +
           " UID=\"urn:veeam:VmRestorePoint:1\" />",
       "<VmRestorePoint", 1, "unsupported document: root element <VmRestorePoint>"},
      {"unsupported ref kind",
       std::string("<EntityReferences ") + std::string(kRoot) +
           ">\n  <Ref Type=\"JobReference\" UID=\"urn:veeam:Job:1\" />\n  <Ref "
           "Type=\"VmRestorePointReference\" UID=\"urn:veeam:VmRestorePoint:2\" "
           "/>\n</EntityReferences>",
       "<Ref Type=\"VmRestorePointReference\"", 3,
       "unsupported record kind: <Ref> has Type 'VmRestorePointReference'"},
      {"ref without type",
       std::string("<EntityRef ") + std::string(kRoot) + " UID=\"urn:veeam:Job:1\" />",
       "<EntityRef", 1, "<EntityRef> has no Type attribute"},
      {"foreign element in list",
       std::string("<Jobs ") + std::string(kRoot) +
           ">\n<BackupServer UID=\"urn:veeam:BackupServer:1\" />\n</Jobs>",
       "<BackupServer", 2, "unexpected <BackupServer> in <Jobs> (expected <Job>)"},
      {"unsupported entities",
       std::string("<QueryResult ") + std::string(kRoot) +
           "><Entities><VmRestorePoints /></Entities></QueryResult>",
       "<VmRestorePoints", 1, "unsupported record kind: <VmRestorePoints>"},
      {"resources",
       std::string("<QueryResult ") + std::string(kRoot) +
           ">\n<Resources><Tasks /></Resources></QueryResult>",
       "<Resources", 2, "unsupported query result: <Resources>"},
      {"missing uid",
       std::string("<Jobs ") + std::string(kRoot) + ">\n<Job Type=\"Job\" Name=\"J\" />\n</Jobs>",
       "<Job ", 2, "<Job> has no UID attribute"},
      {"uid of another kind",
       std::string("<EntityRef ") + std::string(kRoot) +
           " Type=\"JobReference\" UID=\"urn:veeam:BackupServer:1\" />",
       "<EntityRef", 1,
       "UID 'urn:veeam:BackupServer:1' of <EntityRef> is not a Job UID (urn:veeam:Job:...)"},
      {"uid without guid",
       std::string("<EntityRef ") + std::string(kRoot) +
           " Type=\"JobReference\" UID=\"urn:veeam:Job:\" />",
       "<EntityRef", 1, "is not a Job UID"},
      {"bad date", entity_with("<CreationTimeUTC>2025-02-30T22:00:07Z</CreationTimeUTC>"),
       "<CreationTimeUTC>", 2,
       "<CreationTimeUTC>: '2025-02-30T22:00:07Z' is not a valid timestamp: day 30 does not exist"},
      {"junk after time",
       entity_with("<JobType>Backup</JobType>\n<EndTimeUTC>2025-03-14T22:09:51Z!</EndTimeUTC>"),
       "<EndTimeUTC>", 3, "<EndTimeUTC>: '2025-03-14T22:09:51Z!' is not a valid timestamp"},
      {"bad integer", entity_with("<Progress>5.0</Progress>"), "<Progress>", 2,
       "<Progress>: '5.0' is not a 64-bit integer"},
      {"leading zero", entity_with("<Progress>05</Progress>"), "<Progress>", 2,
       "'05' is not a 64-bit integer"},
      {"negative zero", entity_with("<Progress>-0</Progress>"), "<Progress>", 2,
       "'-0' is not a 64-bit integer"},
      {"integer overflow", entity_with("<Progress>9223372036854775808</Progress>"), "<Progress>", 2,
       "is not a 64-bit integer"},
      {"bad boolean", entity_with("<IsRetry>True</IsRetry>"), "<IsRetry>", 2,
       "<IsRetry>: 'True' is not true or false"},
      {"empty uid field", entity_with("<JobUid />"), "<JobUid", 2,
       "<JobUid>: a UID must not be empty"},
      {"text in record", entity_with("stray"), "stray", 2, "unexpected text in <BackupJobSession>"},
      {"paging not integer",
       std::string("<QueryResult ") + std::string(kRoot) +
           ">\n<Refs />\n<PagingInfo PageNum=\"1\" PageSize=\"ten\" PagesCount=\"1\" "
           "/>\n</QueryResult>",
       "<PagingInfo", 3, "<PagingInfo> PageSize 'ten' is not an integer"},
      {"paging attribute missing",
       std::string("<QueryResult ") + std::string(kRoot) +
           "><PagingInfo PageNum=\"1\" PageSize=\"1\" /></QueryResult>",
       "<PagingInfo", 1, "<PagingInfo> has no PagesCount attribute"},
      {"undeclared prefix", entity_with("<q:Thing />"), "<q:Thing", 2,
       "undeclared namespace prefix 'q' in <q:Thing>"},
      {"undeclared attribute prefix", entity_with("<Thing q:a=\"1\" />"), "<Thing", 2,
       "undeclared namespace prefix 'q' in attribute q:a of <Thing>"},
      {"repeated attribute", entity_with("<Links><Link Rel=\"Up\" Rel=\"Down\" /></Links>"),
       "<Link ", 2, "attribute Rel repeated in <Link>"},
      // XML 1.0 has no way to write these: a document holding one would make every list that
      // serves the record ill-formed, so it is refused as a whole.
      {"control character by reference", entity_with("<Reason>disk &#1; full</Reason>"),
       ">disk &#1;", 2, "text of <Reason>: character U+0001 at 5, which XML 1.0 does not allow"},
      {"control character as a byte",
       entity_with("<Reason>a\x1F"
                   "b</Reason>"),
       ">a\x1F", 2, "text of <Reason>: character U+001F at 1"},
      {"noncharacter by reference", entity_with("<Reason>&#xFFFE;</Reason>"), ">&#xFFFE;", 2,
       "character U+FFFE at 0"},
      {"invalid utf-8 in text", entity_with("<Reason>caf\xC3(</Reason>"), ">caf\xC3", 2,
       "text of <Reason>: invalid UTF-8: byte 0x28 at 4 does not continue the character "
       "starting at 3"},
      {"invalid utf-8 in attribute",
       std::string("<EntityRef ") + std::string(kRoot) +
           "\n Type=\"JobReference\" UID=\"urn:veeam:Job:1\" Name=\"\xFFjob\" />",
       "<EntityRef", 1,
       "attribute Name of <EntityRef>: invalid UTF-8: byte 0xFF at 0 cannot start a character"},
  };
  for (const ErrorCase& c : cases) {
    Expected<Document> d = parse_document(c.xml, "test.xml");
    ASSERT_FALSE(d) << c.what;
    const std::string& m = d.error().message;
    std::size_t byte = c.at.empty() ? 0 : c.xml.find(c.at);
    ASSERT_NE(byte, std::string::npos) << c.what;
    std::string where = "test.xml: line ";
    if (c.line == 0) {
      // Truncation is found at the end, wherever that is: only the form is checked.
      EXPECT_TRUE(m.starts_with(where)) << c.what << ": " << m;
    } else {
      where += std::to_string(c.line) + " (byte " + std::to_string(byte) + "): ";
      EXPECT_TRUE(m.starts_with(where)) << c.what << ": " << m << "\nexpected start: " << where;
    }
    EXPECT_NE(m.find(c.reason), std::string::npos) << c.what << ": " << m;
  }
}

TEST(ParseTest, RefusesNestingDeepEnoughToExhaustTheStack) {
  std::string open, close;
  for (int i = 0; i < 300; ++i) {
    open += "<D>";
    close += "</D>";
  }
  Expected<Document> d = parse_document(entity_with(open + close), "deep.xml");
  ASSERT_FALSE(d);
  EXPECT_TRUE(d.error().message.starts_with("deep.xml: line 2 (byte ")) << d.error().message;
  EXPECT_TRUE(d.error().message.ends_with("): elements nested deeper than 256 levels"))
      << d.error().message;
}

TEST(ParseTest, TruncatedDocumentIsRejectedAtItsEnd) {
  std::string xml(kJobSessionEntity.substr(0, kJobSessionEntity.find("<State>")));
  Expected<Document> d = parse_document(xml, "captures/session.xml");
  ASSERT_FALSE(d);
  // pugixml reports truncation at the end of the input; the message says what it means.
  EXPECT_EQ(d.error().message, "captures/session.xml: line 16 (byte " +
                                   std::to_string(xml.size() - 1) +
                                   "): malformed XML: the document ends early (truncated?): "
                                   "Start-end tags mismatch");
}

}  // namespace
}  // namespace emarchive
