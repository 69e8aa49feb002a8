#include "api/access_log.h"

#include "log/logger.h"
#include "model/ascii.h"

namespace emarchive::api {

void AccessLog::write(std::string_view line) {
  if (!sink_) return;
  bool full = false;
  {
    const std::string time = log::rfc3339_ms(std::chrono::system_clock::now());
    std::lock_guard lock(buffer_mutex_);
    buffer_ += time;
    buffer_ += ' ';
    buffer_ += line;
    buffer_ += '\n';
    full = buffer_.size() >= kBlockBytes;
  }
  if (full) flush();
}

void AccessLog::flush() {
  if (!sink_) return;
  std::lock_guard sink_lock(sink_mutex_);
  std::string block;
  {
    std::lock_guard lock(buffer_mutex_);
    if (buffer_.empty()) return;
    block.swap(buffer_);
    buffer_.reserve(block.capacity());
  }
  try {
    sink_(block);
  } catch (...) {
    // A broken log must not take the server down; the requests were served.
  }
}

std::string loggable_target(std::string_view target) {
  constexpr std::string_view kSessions = "logonsessions/";
  // The position of the next `logonSessions/` at or after `from`, in any letter case.
  const auto find_sessions = [&](std::size_t from) {
    for (std::size_t at = target.find('/', from); at != std::string_view::npos;
         at = target.find('/', at + 1)) {
      if (iequals(target.substr(at + 1, kSessions.size()), kSessions)) return at + 1;
    }
    return std::string_view::npos;
  };
  std::string out;
  std::size_t from = 0;
  for (std::size_t at = find_sessions(0); at != std::string_view::npos; at = find_sessions(from)) {
    const std::size_t id = at + kSessions.size();
    const std::size_t end = target.find_first_of("/?#", id);
    const std::size_t stop = end == std::string_view::npos ? target.size() : end;
    out.append(target.substr(from, id - from));
    if (stop > id) out.append("{id}");
    from = stop;
  }
  out.append(target.substr(from));
  return out;
}

}  // namespace emarchive::api
