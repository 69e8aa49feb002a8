#include "model/em_time.h"

#include <gtest/gtest.h>

namespace emarchive {
namespace {

// 2025-06-05T01:04:29Z in seconds since the epoch.
constexpr EmTime kBase = 1749085469;

struct GoodCase {
  std::string_view text;
  EmTime value;
  std::string_view canonical;  // format_em_time(value)
};

TEST(EmTimeTest, ParsesEveryFractionLengthAndOffset) {
  const GoodCase cases[] = {
      {"2025-06-05T01:04:29Z", kBase * kSecond, "2025-06-05T01:04:29Z"},
      {"2025-06-05T01:04:29.5Z", kBase * kSecond + 500'000'000, "2025-06-05T01:04:29.5Z"},
      {"2025-06-05T01:04:29.56Z", kBase * kSecond + 560'000'000, "2025-06-05T01:04:29.56Z"},
      {"2025-06-05T01:04:29.627Z", kBase * kSecond + 627'000'000, "2025-06-05T01:04:29.627Z"},
      {"2025-06-05T01:04:29.2214Z", kBase * kSecond + 221'400'000, "2025-06-05T01:04:29.2214Z"},
      {"2025-06-05T01:04:29.22142Z", kBase * kSecond + 221'420'000, "2025-06-05T01:04:29.22142Z"},
      {"2025-06-05T01:04:29.879599Z", kBase * kSecond + 879'599'000, "2025-06-05T01:04:29.879599Z"},
      {"2025-06-05T01:04:29.8795991Z", kBase * kSecond + 879'599'100,
       "2025-06-05T01:04:29.8795991Z"},
      {"2025-06-05T01:04:29.87959912Z", kBase * kSecond + 879'599'120,
       "2025-06-05T01:04:29.87959912Z"},
      {"2025-06-05T01:04:29.879599123Z", kBase * kSecond + 879'599'123,
       "2025-06-05T01:04:29.879599123Z"},
      // Trailing zeros are accepted; the canonical form drops them (the original text is kept
      // by the caller, never this form).
      {"2025-06-05T01:04:29.500Z", kBase * kSecond + 500'000'000, "2025-06-05T01:04:29.5Z"},
      {"2025-06-05T01:04:29.000Z", kBase * kSecond, "2025-06-05T01:04:29Z"},
      // No zone: UTC, as EM's query service takes it.
      {"2025-06-05T01:04:29", kBase * kSecond, "2025-06-05T01:04:29Z"},
      {"2025-06-05T03:04:29+02:00", kBase * kSecond, "2025-06-05T01:04:29Z"},
      {"2025-06-04T23:34:29.1-01:30", kBase * kSecond + 100'000'000, "2025-06-05T01:04:29.1Z"},
      {"2025-06-05T01:04:29+00:00", kBase * kSecond, "2025-06-05T01:04:29Z"},
      {"1970-01-01T00:00:00Z", 0, "1970-01-01T00:00:00Z"},
      {"1969-12-31T23:59:59.9Z", -100'000'000, "1969-12-31T23:59:59.9Z"},
      {"2024-02-29T12:00:00Z", 1709208000 * kSecond, "2024-02-29T12:00:00Z"},
  };
  for (const GoodCase& c : cases) {
    Expected<EmTime> t = parse_em_time(c.text);
    ASSERT_TRUE(t) << c.text << ": " << t.error().message;
    EXPECT_EQ(*t, c.value) << c.text;
    EXPECT_EQ(format_em_time(*t), c.canonical) << c.text;
  }
}

struct BadCase {
  std::string_view text;
  std::string_view reason;  // must appear in the message
};

TEST(EmTimeTest, RejectsWithAMessageThatQuotesTheTextAndSaysWhy) {
  const BadCase cases[] = {
      {"", "expected YYYY-MM-DDThh:mm:ss"},
      {"2025-06-05", "expected YYYY-MM-DDThh:mm:ss"},
      {"2025-6-05T01:04:29Z", "expected YYYY-MM-DDThh:mm:ss"},
      {"2025-06-05 01:04:29Z", "expected YYYY-MM-DDThh:mm:ss"},
      {"+2025-06-05T01:04:29Z", "expected YYYY-MM-DDThh:mm:ss"},
      {"2025-06-05T01:04:2Z", "expected YYYY-MM-DDThh:mm:ss"},
      {" 2025-06-05T01:04:29Z", "expected YYYY-MM-DDThh:mm:ss"},
      {"2025-06-05T01:04:29ZZ", "unexpected 'Z' after the time"},
      {"2025-06-05T01:04:29Z junk", "unexpected ' junk' after the time"},
      {"2025-06-05T01:04:29z", "unexpected 'z' after the time"},
      {"2025-06-05T01:04:29.56Zx", "unexpected 'x' after the time"},
      {"2025-06-05T01:04:29+02:00Z", "unexpected 'Z' after the time"},
      {"2025-06-05T01:04:29.Z", "'.' is not followed by fractional digits"},
      {"2025-06-05T01:04:29.1234567890Z", "more than 9 fractional digits"},
      {"2025-06-05T01:04:29+0200", "+hh:mm or -hh:mm"},
      {"2025-06-05T01:04:29+02", "+hh:mm or -hh:mm"},
      {"2025-06-05T01:04:29+15:00", "UTC offset out of range"},
      {"2025-06-05T01:04:29-02:60", "UTC offset out of range"},
      {"2025-13-05T01:04:29Z", "month 13 does not exist"},
      {"2025-00-05T01:04:29Z", "month 00 does not exist"},
      {"2025-02-30T01:04:29Z", "day 30 does not exist in 2025-02"},
      {"2025-02-29T01:04:29Z", "day 29 does not exist in 2025-02"},
      {"2025-04-31T01:04:29Z", "day 31 does not exist in 2025-04"},
      {"2025-06-00T01:04:29Z", "day 00 does not exist in 2025-06"},
      {"2025-06-05T24:00:00Z", "hour 24 out of range"},
      {"2025-06-05T01:60:29Z", "minute 60 out of range"},
      {"2025-06-05T01:04:60Z", "second 60 out of range"},
      {"1600-01-01T00:00:00Z", "outside the representable years"},
      {"2263-01-01T00:00:00Z", "outside the representable years"},
  };
  for (const BadCase& c : cases) {
    Expected<EmTime> t = parse_em_time(c.text);
    ASSERT_FALSE(t) << c.text << " parsed as " << *t;
    const std::string& m = t.error().message;
    EXPECT_NE(m.find("'" + std::string(c.text) + "'"), std::string::npos) << m;
    EXPECT_NE(m.find(c.reason), std::string::npos) << c.text << ": " << m;
  }
}

TEST(EmTimeTest, OrdersLikeTheInstantsItNames) {
  Expected<EmTime> a = parse_em_time("2025-06-05T01:04:29.56Z");
  Expected<EmTime> b = parse_em_time("2025-06-05T01:04:29.560000001Z");
  Expected<EmTime> c = parse_em_time("2025-06-05T02:04:29+02:00");
  ASSERT_TRUE(a && b && c);
  EXPECT_LT(*a, *b);
  EXPECT_LT(*c, *a);  // 00:04:29Z
}

}  // namespace
}  // namespace emarchive
