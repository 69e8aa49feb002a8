#include "log/logger.h"

#include <date/date.h>

#include <charconv>
#include <iostream>

#include "model/json_writer.h"

namespace emarchive::log {
namespace {

std::string_view level_name(Level level) {
  switch (level) {
    case Level::info:
      return "info";
    case Level::warning:
      return "warning";
    case Level::error:
      return "error";
  }
  return "info";
}

// `value` in decimal, with zeros in front up to `width` digits.
void append_digits(std::string& out, long long value, std::size_t width) {
  char text[24];
  const auto [end, ec] = std::to_chars(std::begin(text), std::end(text), value);
  const auto digits = static_cast<std::size_t>(end - text);
  if (digits < width) out.append(width - digits, '0');
  out.append(text, digits);
}

void append_member(std::string& out, std::string_view key) {
  out += ',';
  json::append_string(out, key);
  out += ':';
}

}  // namespace

Expected<Format> parse_format(std::string_view text) {
  if (text == "text") return Format::text;
  if (text == "json") return Format::json;
  return Error{"--log-format: '" + std::string(text) + "' is neither text nor json",
               ErrorCode::invalid_input};
}

std::string rfc3339_ms(std::chrono::system_clock::time_point time) {
  // Calendar arithmetic rather than gmtime_r, which takes a lock of glibc's that serve's I/O
  // threads contended for on every request's access log line.
  const auto ms = date::floor<std::chrono::milliseconds>(time);
  const auto day = date::floor<date::days>(ms);
  const date::year_month_day ymd{day};
  const date::hh_mm_ss<std::chrono::milliseconds> t{ms - day};
  std::string out;
  out.reserve(24);
  append_digits(out, static_cast<int>(ymd.year()), 4);
  out += '-';
  append_digits(out, static_cast<unsigned>(ymd.month()), 2);
  out += '-';
  append_digits(out, static_cast<unsigned>(ymd.day()), 2);
  out += 'T';
  append_digits(out, t.hours().count(), 2);
  out += ':';
  append_digits(out, t.minutes().count(), 2);
  out += ':';
  append_digits(out, t.seconds().count(), 2);
  out += '.';
  append_digits(out, t.subseconds().count(), 3);
  out += 'Z';
  return out;
}

Logger::Logger(std::string command, Format format, Sink sink, Clock clock)
    : command_(std::move(command)),
      format_(format),
      sink_(sink ? std::move(sink) : Sink([](std::string_view line) { std::cerr << line; })),
      clock_(clock ? std::move(clock) : Clock(std::chrono::system_clock::now)) {}

std::string Logger::line(Level level, std::string_view source, std::string_view message,
                         std::initializer_list<Field> fields) const {
  const std::string time = rfc3339_ms(clock_());
  std::string out;
  if (format_ == Format::text) {
    out = time + " emarchive " + command_;
    if (!source.empty()) out += " [" + std::string(source) + "]";
    out += ": ";
    out += message;
    out += '\n';
    return out;
  }
  out = "{\"time\":\"" + time + "\",\"level\":\"" + std::string(level_name(level)) + "\"";
  append_member(out, "command");
  json::append_string(out, command_);
  if (!source.empty()) {
    append_member(out, "source");
    json::append_string(out, source);
  }
  append_member(out, "message");
  json::append_string(out, message);
  for (const Field& field : fields) {
    append_member(out, field.key);
    if (const auto* number = std::get_if<std::int64_t>(&field.value)) {
      out += std::to_string(*number);
    } else {
      json::append_string(out, std::get<std::string_view>(field.value));
    }
  }
  out += "}\n";
  return out;
}

void Logger::write(Level level, std::string_view source, std::string_view message,
                   std::initializer_list<Field> fields) const {
  const std::string text = line(level, source, message, fields);
  const std::lock_guard lock(mutex_);
  sink_(text);
}

}  // namespace emarchive::log
