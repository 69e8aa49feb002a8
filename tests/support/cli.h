#pragma once
// Running the emarchive binary the way a user does, for the command-line tests.

#include <string>

namespace emarchive::testing {

struct CliRun {
  int exit_code;
  std::string output;  // stdout and stderr together
};

// Runs `emarchive ARGS` through the shell (ARGS is shell text; quote paths with shell_quote()).
CliRun run_cli(const std::string& args);

// A path quoted for the shell.
std::string shell_quote(const std::string& path);

}  // namespace emarchive::testing

#include <sys/types.h>
#include <chrono>
#include <vector>

namespace emarchive::testing {

// `emarchive ARGS...` running in the background (no shell), its stdout and stderr read through
// a pipe. Killed on destruction if still running.
class CliProcess {
 public:
  explicit CliProcess(const std::vector<std::string>& args);
  ~CliProcess();
  CliProcess(const CliProcess&) = delete;
  CliProcess& operator=(const CliProcess&) = delete;

  // Reads output until a line contains `needle`; returns that line, or "" after `timeout` or at
  // the end of the output. Everything read is kept in output().
  std::string wait_for_line(const std::string& needle,
                            std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Sends `signal` and waits (bounded) for the exit; returns the exit code, or -1.
  int stop(int signal);
  const std::string& output() const { return output_; }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string output_;
  std::size_t scanned_ = 0;
};

}  // namespace emarchive::testing
