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
#include <cstdint>
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
  // Sends `signal`, and again `gap` later (a user pressing Ctrl-C twice); then as stop().
  int stop_twice(int signal, std::chrono::milliseconds gap = std::chrono::milliseconds(500));
  // Sends `signal` and returns at once.
  void signal(int signal);
  // Waits up to `timeout` for the exit; returns the exit code, or -1 (still running, killed by a
  // signal, or already reaped).
  int wait(std::chrono::milliseconds timeout);
  const std::string& output() const { return output_; }
  // The process's id (for reading /proc/PID while it runs).
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string output_;
  std::size_t scanned_ = 0;
};

// A connection to 127.0.0.1:`port` that has sent the start of a request and never sends the
// rest: what a server draining on a stop waits for until its drain deadline. Closed on
// destruction.
class HalfSentRequest {
 public:
  explicit HalfSentRequest(std::uint16_t port);
  ~HalfSentRequest();
  HalfSentRequest(const HalfSentRequest&) = delete;
  HalfSentRequest& operator=(const HalfSentRequest&) = delete;
  // Whether it connected and sent its part.
  bool sent() const { return sent_; }

 private:
  int fd_ = -1;
  bool sent_ = false;
};

}  // namespace emarchive::testing
