#include "app/run_output.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

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

std::string attest_line(const storage::ChainHead& head) {
  return "emarchive-head sha256=" + head.digest + " entry=" + std::to_string(head.entry) +
         " run=" + (head.run_id ? std::to_string(*head.run_id) : "-") + " at=" + head.created_at +
         " records=" + std::to_string(head.records) +
         " revisions=" + std::to_string(head.revisions);
}

std::optional<std::string> report_head(storage::Archive& archive, const std::string& attest_log,
                                       std::ostream& out) {
  const Expected<storage::ChainHead> head = archive.chain_head();
  if (!head) return head.error().message;
  const std::string line = attest_line(*head) + "\n";
  out << line << std::flush;
  if (attest_log.empty()) return std::nullopt;
  const int fd = ::open(attest_log.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return "--attest-log " + attest_log + ": " + std::strerror(errno);
  const ssize_t written = ::write(fd, line.data(), line.size());
  const int write_errno = errno;
  ::close(fd);
  if (written != static_cast<ssize_t>(line.size())) {
    return "--attest-log " + attest_log + ": cannot append the head: " +
           (written < 0 ? std::strerror(write_errno) : "short write");
  }
  return std::nullopt;
}

void ProgressLine::update(std::string_view status) {
  const std::lock_guard lock(mutex_);
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
  const std::lock_guard lock(mutex_);
  clear_shown();
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
  const std::lock_guard lock(mutex_);
  clear_shown();
}

void ProgressLine::interject(const std::function<void()>& print) {
  const std::lock_guard lock(mutex_);
  clear_shown();
  print();
}

void ProgressLine::clear_shown() {
  if (!shown_) return;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
  shown_ = false;
}

}  // namespace emarchive::app
