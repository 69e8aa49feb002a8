#include "log/logger.h"

#include <cstdio>
#include <ctime>
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
  const auto ms = std::chrono::floor<std::chrono::milliseconds>(time);
  const auto seconds = std::chrono::floor<std::chrono::seconds>(ms);
  const std::time_t t = std::chrono::system_clock::to_time_t(seconds);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[96];  // each field as wide as an int can print: 85 bytes at most
  const auto milli = static_cast<int>((ms - seconds).count());
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, milli);
  return text;
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
