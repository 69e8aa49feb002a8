#include "app/run_output.h"

#include <cstdio>

#include <date/date.h>

#include "model/em_time.h"

namespace emarchive::app {

std::string utc_now() {
  using namespace std::chrono;
  const date::sys_time<nanoseconds> now{nanoseconds{system_now()}};
  return date::format("%FT%TZ", floor<microseconds>(now));
}

std::string summary(const storage::RunCounts& c) {
  return std::to_string(c.documents) + " documents read, " + std::to_string(c.records_new) +
         " records new, " + std::to_string(c.records_updated) + " updated, " +
         std::to_string(c.records_unchanged) + " unchanged, " + std::to_string(c.rejected) +
         " documents rejected";
}

void ProgressLine::update(std::string_view status) {
  const auto now = std::chrono::steady_clock::now();
  if (terminal_) {
    if (now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    std::fprintf(stderr, "\r\033[K%.*s", static_cast<int>(status.size()), status.data());
    std::fflush(stderr);
    shown_ = true;
    return;
  }
  if (log_every_.count() == 0) return;
  if (last_ == std::chrono::steady_clock::time_point{}) last_ = now;  // not at once: at the pace
  if (now - last_ < log_every_) return;
  last_ = now;
  print_line(status);
}

void ProgressLine::finish(std::string_view status) {
  clear();
  if (terminal_) {
    std::fprintf(stderr, "%.*s\n", static_cast<int>(status.size()), status.data());
  } else {
    print_line(status);
  }
  last_ = {};
}

void ProgressLine::print_line(std::string_view status) const {
  if (log_line_) {
    log_line_(status);
  } else {
    std::fprintf(stderr, "%.*s\n", static_cast<int>(status.size()), status.data());
  }
}

void ProgressLine::clear() {
  if (!shown_) return;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
  shown_ = false;
}

}  // namespace emarchive::app
