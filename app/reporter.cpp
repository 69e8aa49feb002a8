#include "app/reporter.h"

#include <iostream>

namespace emarchive::app {

int Reporter::fail(int exit_code, std::string_view message) const {
  if (logger_) {
    logger_->write(log::Level::error, "", message);
  } else {
    note(message);
  }
  return exit_code;
}

void Reporter::note(std::string_view message) const {
  if (logger_) {
    logger_->write(log::Level::info, "", message);
  } else {
    std::cerr << prefix_ << message << "\n";
  }
}

}  // namespace emarchive::app
