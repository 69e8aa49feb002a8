// Calendar days in the zone a report is asked for, and the window's --from and --to.

#include "report/calendar.h"

#include <gtest/gtest.h>

#include <string>

namespace emarchive::report {
namespace {

EmTime utc(const std::string& text) {
  auto t = parse_em_time(text);
  EXPECT_TRUE(t) << text;
  return t ? *t : 0;
}

TEST(CalendarTest, DaysFollowTheZoneAndItsDaylightSavingTime) {
  auto berlin = Calendar::of("Europe/Berlin");
  ASSERT_TRUE(berlin) << berlin.error().message;
  // 2026-03-29 has 23 hours in Berlin, 2026-10-25 has 25.
  const LocalDay spring = berlin->day_of(utc("2026-03-29T12:00:00Z"));
  EXPECT_EQ(Calendar::day_text(spring), "2026-03-29");
  EXPECT_EQ(berlin->start_of(spring), utc("2026-03-28T23:00:00Z"));
  EXPECT_EQ(berlin->start_of(spring + 1) - berlin->start_of(spring), 23 * kHour);
  const LocalDay autumn = berlin->day_of(utc("2026-10-25T12:00:00Z"));
  EXPECT_EQ(berlin->start_of(autumn + 1) - berlin->start_of(autumn), 25 * kHour);
  EXPECT_EQ(Calendar::day_text(berlin->day_of(utc("2026-06-30T22:30:00Z"))), "2026-07-01");
}

TEST(CalendarTest, FixedOffsetsAndUtc) {
  auto india = Calendar::of("+05:30");
  ASSERT_TRUE(india);
  EXPECT_EQ(Calendar::day_text(india->day_of(utc("2026-01-01T18:29:59Z"))), "2026-01-01");
  EXPECT_EQ(Calendar::day_text(india->day_of(utc("2026-01-01T18:30:00Z"))), "2026-01-02");
  auto west = Calendar::of("-0300");
  ASSERT_TRUE(west);
  EXPECT_EQ(west->start_of(west->day_of(utc("2026-01-01T02:00:00Z"))),
            utc("2025-12-31T03:00:00Z"));
  auto plain = Calendar::of("UTC");
  ASSERT_TRUE(plain);
  EXPECT_EQ(Calendar::day_text(plain->day_of(utc("1969-12-31T23:59:59Z"))), "1969-12-31");
  for (const char* bad : {"Mars/Olympus", "+25:00", "+5:3", ""}) {
    auto zone = Calendar::of(bad);
    ASSERT_FALSE(zone) << bad;
    EXPECT_NE(zone.error().message.find(std::string("'") + bad + "'"), std::string::npos);
  }
}

TEST(CalendarTest, WindowTimesAreDatesOrDateTimes) {
  auto berlin = Calendar::of("Europe/Berlin");
  ASSERT_TRUE(berlin);
  EXPECT_EQ(*parse_window_time("2026-06-01", *berlin, false), utc("2026-05-31T22:00:00Z"));
  EXPECT_EQ(*parse_window_time("2026-06-30", *berlin, true), utc("2026-06-30T22:00:00Z"))
      << "a --to date includes that day";
  EXPECT_EQ(*parse_window_time("2026-06-01T08:00:00", *berlin, false),
            utc("2026-06-01T06:00:00Z"))
      << "without an offset: local time";
  EXPECT_EQ(*parse_window_time("2026-06-01T08:00:00Z", *berlin, false),
            utc("2026-06-01T08:00:00Z"));
  EXPECT_EQ(*parse_window_time("2026-06-01T08:00:00+01:00", *berlin, false),
            utc("2026-06-01T07:00:00Z"));
  EXPECT_FALSE(parse_window_time("2026-13-01", *berlin, false));
  EXPECT_FALSE(parse_window_time("last week", *berlin, false));
}

}  // namespace
}  // namespace emarchive::report
