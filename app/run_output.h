#pragma once
// What the commands that record runs (import, ingest) print: the run clock, count summaries and
// a progress line.

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

#include "storage/archive.h"

namespace emarchive::app {

// The current time as xs:dateTime text in UTC, to the microsecond.
std::string utc_now();

// "12 documents read, 3 records new, 1 updated, 8 unchanged, 0 documents rejected"
std::string summary(const storage::RunCounts& counts);

// The chain's head as one line to keep outside the archive (a ticket, syslog, an attest log),
// docs/AUDIT.md: "emarchive-head sha256=HEX entry=N run=R at=TIME records=N revisions=N", with
// run=- for the genesis entry.
std::string attest_line(const storage::ChainHead& head);

// At the end of a run (import, ingest): the archive's head as attest_line() on `out`, and
// appended to the file `attest_log` unless it is "" (created readable by its owner only when
// missing; the line is one append, so that several writers do not interleave). Returns what
// failed, nullopt when all went well.
std::optional<std::string> report_head(storage::Archive& archive, const std::string& attest_log,
                                       std::ostream& out);

// Progress for a person or a log. On a terminal (`terminal`): one status line on stderr,
// rewritten in place at most ten times a second. Otherwise: the status as a log line at most
// once every `log_every` (nothing when zero), through `log_line` when given (a timestamped log),
// else on stderr. finish() prints the last status for good, as a log line unless on a terminal.
class ProgressLine {
 public:
  explicit ProgressLine(bool terminal, std::chrono::seconds log_every = std::chrono::seconds(0),
                        std::function<void(std::string_view)> log_line = {})
      : terminal_(terminal), log_every_(log_every), log_line_(std::move(log_line)) {}
  void update(std::string_view status);
  // Prints `status` as a line of its own, replacing the status line.
  void finish(std::string_view status);
  // Clears the status line before something else is printed.
  void clear();
  // Clears the status line and calls `print`, which prints something else, with no status line
  // drawn in between: for lines from another thread (ingest's retries are logged by the thread
  // that fetches pages while the storing thread updates the status). `print` must not call
  // this ProgressLine.
  void interject(const std::function<void()>& print);

 private:
  const bool terminal_;
  const std::chrono::seconds log_every_;
  const std::function<void(std::string_view)> log_line_;
  void print_line(std::string_view status) const;
  void clear_shown();
  std::mutex mutex_;  // every member function may be called from any thread
  std::chrono::steady_clock::time_point last_{};
  bool shown_ = false;
};

}  // namespace emarchive::app
