#include "api/access_log.h"

namespace emarchive::api {

void AccessLog::write(std::string_view line) {
  if (!sink_) return;
  bool full = false;
  {
    std::lock_guard lock(buffer_mutex_);
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

}  // namespace emarchive::api
