#pragma once
// Internal to api/: the server's access log, buffered into blocks.

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace emarchive::api {

// Collects access-log lines and hands them to the sink in blocks, so that a busy server makes one
// write per block rather than one per request (each was a write(2) to unbuffered stderr under a
// lock). Serialises calls to the sink and shields the server from its exceptions. Thread-safe;
// lines reach the sink in the order write() was called. An empty sink drops every line.
class AccessLog {
 public:
  explicit AccessLog(std::function<void(std::string_view)> sink) : sink_(std::move(sink)) {}
  // Adds the line, after the time now (RFC 3339 UTC, milliseconds, and a space: when the
  // request ended); hands the block to the sink once it is kBlockBytes or more.
  void write(std::string_view line);
  // Hands whatever is buffered to the sink. The server calls it every kFlushInterval and at stop.
  void flush();

  static constexpr std::size_t kBlockBytes = 32 * 1024;
  static constexpr std::chrono::milliseconds kFlushInterval{200};

 private:
  // Held while a block is taken and delivered, so that blocks reach the sink in order;
  // buffer_mutex_ alone guards the buffer, so writers wait for a delivery only when it is full.
  std::mutex sink_mutex_;
  std::mutex buffer_mutex_;
  std::string buffer_;
  std::function<void(std::string_view)> sink_;
};

// The request target as the access log shows it: a logon session's id after `logonSessions/`
// (any letter case) becomes `{id}`, since the id is as good as the token (the token is its
// base64), and a log is read by more people than may log on as its users.
std::string loggable_target(std::string_view target);

}  // namespace emarchive::api
