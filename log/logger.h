#pragma once
// The log lines of the long-running commands (ingest, serve): each carries a UTC timestamp
// (RFC 3339, milliseconds), the command and, for ingest, the EM source it is about, as text for
// a person or as JSON lines for journald and log shippers (docs/OPERATIONS.md, "Logs").
//
//   log::Logger logger("ingest", log::Format::json);
//   logger.write(log::Level::info, "paris", "run finished",
//                {{"records_new", 12}, {"errors", 0}});
//
// Text:  2026-12-02T14:20:53.123Z emarchive ingest [paris]: run finished
// JSON:  {"time":"2026-12-02T14:20:53.123Z","level":"info","command":"ingest","source":"paris",
//         "message":"run finished","records_new":12,"errors":0}
//
// The text form keeps the fields out (the message says what matters in words); the JSON form
// carries them typed, for queries and alerts. A Logger is thread-safe: each line reaches the sink
// whole, lines from several threads never interleave.

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <variant>

#include "model/expected.h"

namespace emarchive::log {

enum class Format { text, json };
enum class Level { info, warning, error };

// "text" or "json"; anything else is invalid_input naming the text and the choices.
[[nodiscard]] Expected<Format> parse_format(std::string_view text);

// "2026-12-02T14:20:53.123Z": UTC, milliseconds (rounded down).
std::string rfc3339_ms(std::chrono::system_clock::time_point time);

// One structured field of a JSON line: a number or a string.
struct Field {
  std::string_view key;
  std::variant<std::int64_t, std::string_view> value;
};

class Logger {
 public:
  // Receives one whole line, '\n' included.
  using Sink = std::function<void(std::string_view)>;
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // `command` as typed ("ingest"). Without a sink, lines go to stderr; without a clock, the
  // system's.
  Logger(std::string command, Format format, Sink sink = {}, Clock clock = {});

  // Writes one line. `source`: the EM source the line is about, "" for none. Fields whose key
  // clashes with time, level, command, source or message are written anyway, after those (a
  // JSON reader keeps the last); callers pick other names.
  void write(Level level, std::string_view source, std::string_view message,
             std::initializer_list<Field> fields = {}) const;

  // The line write() would write now, without writing it.
  std::string line(Level level, std::string_view source, std::string_view message,
                   std::initializer_list<Field> fields = {}) const;

  Format format() const { return format_; }

 private:
  std::string command_;
  Format format_;
  Sink sink_;
  Clock clock_;
  mutable std::mutex mutex_;  // one line at a time into the sink
};

}  // namespace emarchive::log
