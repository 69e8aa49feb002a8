#include "app/password.h"

#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>

namespace emarchive::app {
namespace {

std::string strip_line_end(std::string line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  return line;
}

// Restores the terminal's echo however the prompt ends.
class EchoOff {
 public:
  EchoOff() {
    if (tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    active_ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
  }
  ~EchoOff() {
    if (active_) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
  }

 private:
  termios saved_{};
  bool active_ = false;
};

}  // namespace

Expected<std::string> read_password(const std::string& password_file, const std::string& prompt) {
  if (!password_file.empty()) {
    std::ifstream in(password_file);
    if (!in)
      return Error{password_file + ": cannot read password file: " + std::strerror(errno),
                   ErrorCode::io};
    std::string line;
    std::getline(in, line);
    return strip_line_end(line);
  }
  if (const char* env = std::getenv("EMARCHIVE_PASSWORD"); env && *env) return std::string(env);
  if (!isatty(STDIN_FILENO)) {
    return Error{"no password: give --password-file FILE or set EMARCHIVE_PASSWORD",
                 ErrorCode::invalid_input};
  }
  std::cerr << prompt << std::flush;
  std::string line;
  {
    EchoOff quiet;
    std::getline(std::cin, line);
  }
  std::cerr << "\n";
  return strip_line_end(line);
}

}  // namespace emarchive::app
