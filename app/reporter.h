#pragma once
// How a command speaks on stderr: every line starts "emarchive COMMAND: ", so that a user who runs
// several (a supervisor's log, a script) sees which one said what. Errors end the command:
//
//   const Reporter report("serve");
//   if (!address) return report.fail(kExitUsage, address.error().message);
//   report.note("stopped on signal 15");

#include <string>
#include <string_view>

#include "log/logger.h"

namespace emarchive::app {

class Reporter {
 public:
  // `command` as typed: "serve", "users add".
  explicit Reporter(std::string_view command)
      : prefix_("emarchive " + std::string(command) + ": ") {}
  // The long-running commands (ingest, serve): lines go through `logger` instead, timestamped,
  // as text or JSON lines (notes at level info, failures at error). `logger` must outlive this.
  Reporter(std::string_view command, const log::Logger& logger)
      : prefix_("emarchive " + std::string(command) + ": "), logger_(&logger) {}

  // Prints "emarchive COMMAND: MESSAGE" and returns `exit_code` (commands.h), for
  // `return report.fail(...)`.
  int fail(int exit_code, std::string_view message) const;
  // Prints "emarchive COMMAND: MESSAGE": a warning or a notice that ends nothing.
  void note(std::string_view message) const;

  // "emarchive COMMAND: ", for lines composed elsewhere.
  const std::string& prefix() const { return prefix_; }

 private:
  std::string prefix_;
  const log::Logger* logger_ = nullptr;
};

}  // namespace emarchive::app
