#include "model/em_time.h"

#include <date/date.h>

#include <chrono>
#include <cstdio>

namespace emarchive {
namespace {

constexpr std::string_view kShape = "YYYY-MM-DDThh:mm:ss[.fraction][Z|+hh:mm|-hh:mm]";

// Reads the fixed-width fields of an xs:dateTime. date::parse is not used for them: it accepts
// one-digit months, signed years and trailing junk, and EM's form is stricter than all of that.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  bool digits(std::size_t count, int& value) {
    if (text_.size() - pos_ < count) return false;
    int v = 0;
    for (std::size_t i = 0; i < count; ++i) {
      char c = text_[pos_ + i];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    value = v;
    pos_ += count;
    return true;
  }

  bool literal(char c) {
    if (pos_ >= text_.size() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }

  bool at_end() const { return pos_ == text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  std::string_view rest() const { return text_.substr(pos_); }

  // Reads a run of digits into nanoseconds (at most 9 digits count); returns how many it saw.
  std::size_t fraction(std::int64_t& nanoseconds) {
    std::size_t n = 0;
    std::int64_t v = 0;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      if (n < 9) v = v * 10 + (text_[pos_] - '0');
      ++n;
      ++pos_;
    }
    for (std::size_t i = n; i < 9; ++i) v *= 10;
    nanoseconds = v;
    return n;
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

Error bad(std::string_view text, std::string_view why) {
  std::string m = "'";
  m.append(text).append("' is not a valid timestamp: ").append(why);
  return Error{std::move(m), ErrorCode::invalid_input};
}

std::string two_digits(int v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d", v);
  return buf;
}

}  // namespace

Expected<EmTime> parse_em_time(std::string_view text) {
  Scanner in(text);
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (!(in.digits(4, y) && in.literal('-') && in.digits(2, mo) && in.literal('-') &&
        in.digits(2, d) && in.literal('T') && in.digits(2, h) && in.literal(':') &&
        in.digits(2, mi) && in.literal(':') && in.digits(2, s))) {
    return bad(text, std::string("expected ").append(kShape));
  }
  std::int64_t fraction = 0;
  if (in.literal('.')) {
    std::size_t n = in.fraction(fraction);
    if (n == 0) return bad(text, "'.' is not followed by fractional digits");
    if (n > 9) return bad(text, "more than 9 fractional digits");
  }
  int offset_minutes = 0;
  if (in.peek() == '+' || in.peek() == '-') {
    int sign = in.peek() == '-' ? -1 : 1;
    in.literal(in.peek());
    int oh = 0, om = 0;
    if (!(in.digits(2, oh) && in.literal(':') && in.digits(2, om))) {
      return bad(text, "a UTC offset must be +hh:mm or -hh:mm");
    }
    if (oh > 14 || om > 59 || (oh == 14 && om != 0)) return bad(text, "UTC offset out of range");
    offset_minutes = sign * (oh * 60 + om);
  } else {
    in.literal('Z');
  }
  if (!in.at_end()) {
    return bad(text, std::string("unexpected '").append(in.rest()).append("' after the time"));
  }

  const date::year_month_day ymd{date::year{y}, date::month(static_cast<unsigned>(mo)),
                                 date::day(static_cast<unsigned>(d))};
  if (!ymd.month().ok()) return bad(text, "month " + two_digits(mo) + " does not exist");
  if (!ymd.ok()) {
    return bad(text, "day " + two_digits(d) + " does not exist in " + std::to_string(y) + "-" +
                         two_digits(mo));
  }
  if (h > 23) return bad(text, "hour " + two_digits(h) + " out of range");
  if (mi > 59) return bad(text, "minute " + two_digits(mi) + " out of range");
  if (s > 59) return bad(text, "second " + two_digits(s) + " out of range");

  const std::int64_t days = date::sys_days(ymd).time_since_epoch().count();
  const std::int64_t seconds = days * 86400 + h * 3600 + mi * 60 + s - offset_minutes * 60;
  std::int64_t ns = 0;
  if (__builtin_mul_overflow(seconds, kSecond, &ns) || __builtin_add_overflow(ns, fraction, &ns)) {
    return bad(text, "outside the representable years 1677 to 2262");
  }
  return EmTime{ns};
}

std::string format_em_time(EmTime value) {
  using namespace std::chrono;
  const date::sys_time<nanoseconds> tp{nanoseconds{value}};
  const auto day = date::floor<date::days>(tp);
  const date::year_month_day ymd{day};
  const date::hh_mm_ss<nanoseconds> t{tp - day};
  char buf[48];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", int(ymd.year()),
                        unsigned(ymd.month()), unsigned(ymd.day()), int(t.hours().count()),
                        int(t.minutes().count()), int(t.seconds().count()));
  std::string out(buf, static_cast<std::size_t>(n));
  if (auto f = t.subseconds().count(); f != 0) {
    n = std::snprintf(buf, sizeof buf, ".%09lld", static_cast<long long>(f));
    while (buf[n - 1] == '0') --n;
    out.append(buf, static_cast<std::size_t>(n));
  }
  out += 'Z';
  return out;
}

EmTime system_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace emarchive
