#include "tests/support/cli.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <thread>

namespace emarchive::testing {

CliRun run_cli(const std::string& args) {
  const std::string command = std::string(EMARCHIVE_BINARY) + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return {-1, "popen failed"};
  std::string output;
  std::array<char, 4096> buffer;
  while (std::size_t n = fread(buffer.data(), 1, buffer.size(), pipe)) {
    output.append(buffer.data(), n);
  }
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

std::string shell_quote(const std::string& path) {
  std::string out = "'";
  for (char c : path) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

}  // namespace emarchive::testing

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

namespace emarchive::testing {

CliProcess::CliProcess(const std::vector<std::string>& args) {
  int fds[2];
  if (pipe(fds) != 0) return;
  pid_ = fork();
  if (pid_ == 0) {
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> argv;
    std::string binary = EMARCHIVE_BINARY;
    argv.push_back(binary.data());
    std::vector<std::string> copy = args;
    for (std::string& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  close(fds[1]);
  fd_ = fds[0];
}

CliProcess::~CliProcess() {
  if (pid_ > 0) stop(SIGKILL);
  if (fd_ >= 0) close(fd_);
}

std::string CliProcess::wait_for_line(const std::string& needle,
                                      std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    // Complete lines not yet looked at.
    for (std::size_t end; (end = output_.find('\n', scanned_)) != std::string::npos;) {
      std::string line = output_.substr(scanned_, end - scanned_);
      scanned_ = end + 1;
      if (line.find(needle) != std::string::npos) return line;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || fd_ < 0) return "";
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return "";
    char buffer[4096];
    const ssize_t n = read(fd_, buffer, sizeof buffer);
    if (n <= 0) return "";
    output_.append(buffer, static_cast<std::size_t>(n));
  }
}

int CliProcess::stop(int signal) {
  this->signal(signal);
  const int code = wait(std::chrono::seconds(10));
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  return code;
}

int CliProcess::stop_twice(int signal, std::chrono::milliseconds gap) {
  this->signal(signal);
  std::this_thread::sleep_for(gap);
  return stop(signal);
}

void CliProcess::signal(int signal) {
  if (pid_ > 0) kill(pid_, signal);
}

int CliProcess::wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (pid_ > 0) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      // The write end is closed now: read what it printed while stopping, up to the end.
      char buffer[4096];
      for (ssize_t n; (n = read(fd_, buffer, sizeof buffer)) > 0;) {
        output_.append(buffer, static_cast<std::size_t>(n));
      }
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    usleep(20000);
  }
  return -1;
}

HalfSentRequest::HalfSentRequest(std::uint16_t port) {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) return;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) return;
  // The request line and one header field; the blank line that would end the header never comes.
  const std::string part = "GET /api/ HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  sent_ = send(fd_, part.data(), part.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(part.size());
}

HalfSentRequest::~HalfSentRequest() {
  if (fd_ >= 0) close(fd_);
}

}  // namespace emarchive::testing
