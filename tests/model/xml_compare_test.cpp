#include "model/xml_compare.h"

#include <gtest/gtest.h>

namespace emarchive {
namespace {

struct CompareCase {
  std::string_view what;
  std::string_view a;
  std::string_view b;
  std::string_view difference;  // "" = equal; else the whole expected message
  XmlCompareOptions options = {};
};

TEST(XmlCompareTest, FollowsTheFidelityRules) {
  const CompareCase cases[] = {
      {"identical", "<A x=\"1\"><B>t</B></A>", "<A x=\"1\"><B>t</B></A>", ""},
      {"attribute order", "<A x=\"1\" y=\"2\" />", "<A y=\"2\" x=\"1\" />", ""},
      {"whitespace between elements", "<A>\n  <B />\n  <C />\n</A>", "<A><B/><C/></A>", ""},
      {"empty forms", "<A><R /></A>", "<A><R></R></A>", ""},
      {"declaration and comments", "<?xml version=\"1.0\"?><!-- x --><A><!-- y --></A>", "<A/>",
       ""},
      {"prefix or default namespace", "<v:A xmlns:v=\"urn:e\"><v:B /></v:A>",
       "<A xmlns=\"urn:e\"><B /></A>", ""},
      {"extra namespace declarations", "<A xmlns=\"urn:e\" xmlns:xsi=\"urn:i\" />",
       "<A xmlns=\"urn:e\" />", ""},
      {"entity and character references", "<A n=\"a&amp;b\">&lt;&#65;</A>",
       "<A n=\"a&#38;b\"><![CDATA[<A]]></A>", ""},
      {"element name", "<A><B /></A>", "<A><C /></A>", "/A/B: element B vs C"},
      {"namespace", "<A xmlns=\"urn:e\" />", "<A />", "/A: element {urn:e}A vs A"},
      {"attribute value", "<A><L N=\"x\" /><L N=\"y\" /></A>", "<A><L N=\"x\" /><L N=\"z\" /></A>",
       "/A/L[2]: attribute N: \"y\" vs \"z\""},
      {"attribute missing", "<A N=\"\" />", "<A />", "/A: attribute N only in the first"},
      {"attribute added", "<A />", "<A p:N=\"1\" xmlns:p=\"urn:p\" />",
       "/A: attribute p:N only in the second"},
      {"attribute namespace", "<A p:N=\"1\" xmlns:p=\"urn:p\" />",
       "<A q:N=\"1\" xmlns:q=\"urn:q\" />", "/A: attribute p:N only in the first"},
      {"empty vs whitespace text", "<A><R /></A>", "<A><R> </R></A>",
       "/A/R: text \" \" only in the second"},
      {"text", "<A><R>one\ntwo</R></A>", "<A><R>one two</R></A>",
       "/A/R: text \"one\\ntwo\" vs \"one two\""},
      {"missing child", "<A><B /><C /></A>", "<A><B /></A>", "/A: element <C> only in the first"},
      {"child order", "<A><B /><C /></A>", "<A><C /><B /></A>", "/A/B: element B vs C"},
      {"text vs element", "<A>t</A>", "<A><T /></A>", "/A: text \"t\" vs element <T>"},
      {"deep path",
       "<Q><Refs><Ref /><Ref><Links><Link /><Link /><Link R=\"1\" /></Links></Ref></Refs></Q>",
       "<Q><Refs><Ref /><Ref><Links><Link /><Link /><Link R=\"2\" /></Links></Ref></Refs></Q>",
       "/Q/Refs/Ref[2]/Links/Link[3]: attribute R: \"1\" vs \"2\""},
      {"href origin counts by default", "<A Href=\"http://a:1/api/x\" />",
       "<A Href=\"https://b/api/x\" />",
       "/A: attribute Href: \"http://a:1/api/x\" vs \"https://b/api/x\""},
      {"href origin ignored on request",
       "<A Href=\"http://a:1/api/x\" />",
       "<A Href=\"https://b/api/x\" />",
       "",
       {.ignore_href_origin = true}},
      {"href path still counts",
       "<A Href=\"http://a:1/api/x\" />",
       "<A Href=\"http://a:1/api/y\" />",
       "/A: attribute Href: \"http://a:1/api/x\" vs \"http://a:1/api/y\"",
       {.ignore_href_origin = true}},
      {"first does not parse", "<A>", "<A />",
       "the first document does not parse: Start-end tags mismatch at byte 2"},
      {"second does not parse", "<A />", "",
       "the second document does not parse: No document element found at byte 0"},
  };
  for (const CompareCase& c : cases) {
    EXPECT_EQ(xml_difference(c.a, c.b, c.options), c.difference) << c.what;
    if (c.difference.empty()) {
      EXPECT_EQ(xml_difference(c.b, c.a, c.options), "") << c.what << " (reversed)";
    }
  }
}

TEST(XmlCompareTest, LongTextIsCutInTheMessage) {
  std::string a = "<A>" + std::string(200, 'x') + "</A>";
  std::string d = xml_difference(a, "<A>y</A>");
  EXPECT_EQ(d, "/A: text \"" + std::string(80, 'x') + "\"... vs \"y\"");
}

}  // namespace
}  // namespace emarchive
