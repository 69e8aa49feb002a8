#pragma once
// Calendar days in the time zone a report is asked for (--tz): an IANA zone from the system's
// time zone database ("Europe/Berlin", daylight saving included), "UTC", or a fixed offset
// ("+02:00", "-0530"). EM's times are UTC; reports count the days people live in.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "model/em_time.h"
#include "model/expected.h"

namespace date {
class time_zone;
}

namespace emarchive::report {

// Days since 1970-01-01 in the zone's local calendar.
using LocalDay = std::int64_t;

class Calendar {
 public:
  // invalid_input naming `zone` when it is neither a known zone nor an offset.
  static Expected<Calendar> of(std::string_view zone);

  // The local day `t` falls on.
  LocalDay day_of(EmTime t) const;
  // When local day `day` starts (its first instant, where a transition skips midnight).
  EmTime start_of(LocalDay day) const;
  // A local wall-clock time (nanoseconds since 1970-01-01 local) as UTC; the earlier instant when
  // a transition makes it ambiguous.
  EmTime from_local(EmTime local) const;
  // "2026-06-01"
  static std::string day_text(LocalDay day);

  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::variant<const date::time_zone*, EmTime> zone_;  // a zone, or a fixed offset
};

// A --from or --to value: an xs:dateTime (without an offset it is local time in `calendar`) or a
// date "YYYY-MM-DD", which means the start of that day (`end_of_day`: of the next, so that
// "--to 2026-06-30" includes the 30th). invalid_input quoting `text` otherwise.
Expected<EmTime> parse_window_time(std::string_view text, const Calendar& calendar,
                                   bool end_of_day);

}  // namespace emarchive::report
