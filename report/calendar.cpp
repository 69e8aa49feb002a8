#include "report/calendar.h"

#include <date/date.h>
#include <date/tz.h>

#include <charconv>
#include <chrono>
#include <exception>

namespace emarchive::report {
namespace {

using std::chrono::nanoseconds;
using LocalNs = date::local_time<nanoseconds>;
using SysNs = date::sys_time<nanoseconds>;

LocalDay floor_day(EmTime local) {
  return local >= 0 ? local / kDay : -((-local + kDay - 1) / kDay);
}

// "+02:00", "-0530", "+2": an offset in nanoseconds; nullopt-like false when it is not one.
bool parse_offset(std::string_view text, EmTime& offset) {
  if (text.size() < 2 || (text[0] != '+' && text[0] != '-')) return false;
  std::string digits;
  for (char c : text.substr(1)) {
    if (c == ':') continue;
    if (c < '0' || c > '9') return false;
    digits += c;
  }
  if (digits.empty() || digits.size() > 4 || digits.size() == 3) return false;
  int hours = 0, minutes = 0;
  const std::string hh = digits.size() <= 2 ? digits : digits.substr(0, 2);
  std::from_chars(hh.data(), hh.data() + hh.size(), hours);
  if (digits.size() == 4) std::from_chars(digits.data() + 2, digits.data() + 4, minutes);
  if (hours > 14 || minutes > 59) return false;
  offset = (text[0] == '-' ? -1 : 1) * (hours * kHour + minutes * kMinute);
  return true;
}

bool has_zone_suffix(std::string_view text) {
  if (text.ends_with('Z') || text.ends_with('z')) return true;
  const auto t = text.find('T');
  if (t == std::string_view::npos) return false;
  return text.find_first_of("+-", t) != std::string_view::npos;
}

}  // namespace

Expected<Calendar> Calendar::of(std::string_view zone) {
  Calendar calendar;
  calendar.name_ = std::string(zone);
  EmTime offset = 0;
  if (zone == "UTC" || zone == "Z" || zone == "utc") {
    calendar.zone_ = EmTime{0};
  } else if (parse_offset(zone, offset)) {
    calendar.zone_ = offset;
  } else {
    try {
      calendar.zone_ = date::locate_zone(std::string(zone));
    } catch (const std::exception&) {
      return Error{"unknown time zone '" + std::string(zone) +
                       "' (give an IANA name such as Europe/Berlin, UTC, or an offset such as "
                       "+02:00)",
                   ErrorCode::invalid_input};
    }
  }
  return calendar;
}

LocalDay Calendar::day_of(EmTime t) const {
  if (const EmTime* offset = std::get_if<EmTime>(&zone_)) return floor_day(t + *offset);
  const auto* zone = std::get<const date::time_zone*>(zone_);
  const LocalNs local = zone->to_local(SysNs(nanoseconds(t)));
  return floor_day(local.time_since_epoch().count());
}

EmTime Calendar::from_local(EmTime local) const {
  if (const EmTime* offset = std::get_if<EmTime>(&zone_)) return local - *offset;
  const auto* zone = std::get<const date::time_zone*>(zone_);
  // Earliest: of an ambiguous time its first occurrence; of a time a transition skips, the
  // transition itself, so that a day always starts somewhere.
  return zone->to_sys(LocalNs(nanoseconds(local)), date::choose::earliest)
      .time_since_epoch()
      .count();
}

EmTime Calendar::start_of(LocalDay day) const {
  return from_local(day * kDay);
}

std::string Calendar::day_text(LocalDay day) {
  return date::format("%F", date::sys_days(date::days(day)));
}

Expected<EmTime> parse_window_time(std::string_view text, const Calendar& calendar,
                                   bool end_of_day) {
  if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
    auto midnight = parse_em_time(std::string(text) + "T00:00:00Z");
    if (!midnight) {
      return Error{"'" + std::string(text) + "' is not a date (YYYY-MM-DD)",
                   ErrorCode::invalid_input};
    }
    const LocalDay day = *midnight / kDay + (end_of_day ? 1 : 0);
    return calendar.start_of(day);
  }
  auto parsed = parse_em_time(text);
  if (!parsed) return parsed.error();
  if (has_zone_suffix(text)) return *parsed;
  return calendar.from_local(*parsed);
}

}  // namespace emarchive::report
