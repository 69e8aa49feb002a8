#include "model/xml_chars.h"

#include <gtest/gtest.h>

namespace emarchive {
namespace {

TEST(XmlCharsTest, AcceptsWhatXmlAllows) {
  for (std::string_view ok : {"", "plain", "tab\tnewline\ncr\r", "caf\xC3\xA9", "\xE2\x82\xAC",
                              "\xEF\xBF\xBD", "\xF0\x9F\x92\xBE", "\xED\x9F\xBF", "\xEE\x80\x80"}) {
    EXPECT_EQ(xml_char_problem(ok), std::nullopt) << ok;
  }
}

TEST(XmlCharsTest, NamesTheFirstBadByteOrCharacter) {
  const struct {
    std::string_view text;
    std::string_view problem;
  } cases[] = {
      {std::string_view("a\0b", 3), "character U+0000 at 1, which XML 1.0 does not allow"},
      {"\x01", "character U+0001 at 0, which XML 1.0 does not allow"},
      {"\xEF\xBF\xBE", "character U+FFFE at 0"},
      {"\xEF\xBF\xBF", "character U+FFFF at 0"},
      {"x\x80", "invalid UTF-8: byte 0x80 at 1 cannot start a character"},
      {"\xC3", "invalid UTF-8: the character starting at 0 is cut short"},
      {"\xE2\x82", "is cut short"},
      {"\xC3(", "invalid UTF-8: byte 0x28 at 1 does not continue the character starting at 0"},
      {"\xC0\xAF", "invalid UTF-8: the bytes at 0 encode no character"},  // overlong '/'
      {"\xED\xA0\x80", "encode no character"},                            // a UTF-16 surrogate
      {"\xF4\x90\x80\x80", "encode no character"},                        // beyond U+10FFFF
      {"\xF8\x88\x80\x80\x80", "byte 0xF8 at 0 cannot start a character"},
  };
  for (const auto& c : cases) {
    std::optional<std::string> problem = xml_char_problem(c.text);
    ASSERT_TRUE(problem) << c.problem;
    EXPECT_NE(problem->find(c.problem), std::string::npos) << *problem;
  }
}

}  // namespace
}  // namespace emarchive
