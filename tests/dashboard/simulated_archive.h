#pragma once
// The archive the dashboard's tests serve: a simulated history of ten days, three jobs and nine
// VMs at kNow, built once per test binary (it takes a moment) and removed at exit.

#include <stdexcept>
#include <string>

#include "model/em_time.h"
#include "sim/simulator.h"
#include "tests/support/test_data.h"

namespace emarchive::dashboard::testing {

inline const EmTime kNow = *parse_em_time("2026-03-15T12:00:00Z");

class SimulatedArchive {
 public:
  SimulatedArchive() {
    sim::HistoryOptions options;
    options.days = 10;
    options.jobs = 3;
    options.vms = 9;
    auto simulator = sim::Simulator::open(path(), options, kNow);
    if (!simulator) throw std::runtime_error(simulator.error().message);
    if (auto stored = (*simulator)->populate(); !stored) {
      throw std::runtime_error(stored.error().message);
    }
  }
  std::string path() const { return (dir_ / "archive.db").string(); }

 private:
  emarchive::testing::TempDir dir_;
};

inline const SimulatedArchive& simulated_archive() {
  static const SimulatedArchive built;
  return built;
}

}  // namespace emarchive::dashboard::testing
