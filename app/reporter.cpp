#include "app/reporter.h"

#include <iostream>

namespace emarchive::app {

int Reporter::fail(int exit_code, std::string_view message) const {
  note(message);
  return exit_code;
}

void Reporter::note(std::string_view message) const {
  std::cerr << prefix_ << message << "\n";
}

}  // namespace emarchive::app
