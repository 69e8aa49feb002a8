#include "model/xml_escape.h"

#include <gtest/gtest.h>

#include <pugixml.hpp>

#include <string>

namespace emarchive::xml {
namespace {

// Every character any escaping replaces, between ordinary text, and a byte above 127.
constexpr std::string_view kAwkward = "a&b<c>d\"e\tf\ng\rh'\xC3\xA9";

TEST(XmlEscapeTest, TextEscapesMarkupAndCarriageReturnOnly) {
  std::string out = "<";
  append_escaped_text(out, kAwkward);
  EXPECT_EQ(out, "<a&amp;b&lt;c&gt;d\"e\tf\ng&#13;h'\xC3\xA9");
}

TEST(XmlEscapeTest, AttributeEscapesQuotesAndWhitespaceAttributeNormalisationWouldChange) {
  std::string out;
  append_escaped_attribute(out, kAwkward);
  EXPECT_EQ(out, "a&amp;b&lt;c&gt;d&quot;e&#9;f&#10;g&#13;h'\xC3\xA9");
}

TEST(XmlEscapeTest, QuotedTextEscapesQuotesButNotTabsOrNewlines) {
  std::string out;
  append_escaped(out, kAwkward, kQuotedTextEscapes);
  EXPECT_EQ(out, "a&amp;b&lt;c&gt;d&quot;e\tf\ng&#13;h'\xC3\xA9");
}

// Found by fuzzing the request path: a Basic user name with control characters made the
// LogonSession document ill-formed. Whatever reaches the escaper, what it writes parses.
TEST(XmlEscapeTest, ControlsXmlCannotCarryBecomeTheReplacementCharacter) {
  const std::string controls("t\x00\x01\x08\x0B\x0C\x1Fz", 8);
  for (const EscapeTable* table : {&kTextEscapes, &kQuotedTextEscapes, &kAttributeEscapes}) {
    std::string out;
    append_escaped(out, controls, *table);
    std::string expected = "t";
    for (int i = 0; i < 6; ++i) expected += "\xEF\xBF\xBD";  // U+FFFD
    EXPECT_EQ(out, expected + "z");
  }
  std::string doc = "<E A=\"";
  append_escaped_attribute(doc, controls);
  doc += "\">";
  append_escaped_text(doc, controls);
  doc += "</E>";
  pugi::xml_document parsed;
  EXPECT_TRUE(parsed.load_buffer(doc.data(), doc.size()));
}

TEST(XmlEscapeTest, AnXmlParserReadsBackTheOriginal) {
  std::string doc = "<E A=\"";
  append_escaped_attribute(doc, kAwkward);
  doc += "\">";
  append_escaped_text(doc, kAwkward);
  doc += "</E>";
  pugi::xml_document parsed;
  ASSERT_TRUE(parsed.load_buffer(
      doc.data(), doc.size(), pugi::parse_default | pugi::parse_wconv_attribute | pugi::parse_eol));
  EXPECT_EQ(parsed.child("E").attribute("A").value(), std::string(kAwkward));
  EXPECT_EQ(parsed.child("E").text().get(), std::string(kAwkward));
}

}  // namespace
}  // namespace emarchive::xml
