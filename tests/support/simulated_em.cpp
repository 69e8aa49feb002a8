#include "tests/support/simulated_em.h"

#include <stdexcept>

#include <gtest/gtest.h>

#include "api/archive_pool.h"
#include "api/auth.h"
#include "api/resources.h"
#include "storage/archive.h"

namespace emarchive::testing {

EmTime at(std::string_view text) {
  auto t = parse_em_time(text);
  if (!t) {
    ADD_FAILURE() << t.error().message;
    return 0;
  }
  return *t;
}

SimulatedEm::SimulatedEm(const sim::HistoryOptions& options, EmTime start,
                         sim::FaultOptions faults)
    : db_(dir_ / "simulated.db") {
  auto simulator = sim::Simulator::open(db_.string(), options, start);
  if (!simulator) throw std::runtime_error(simulator.error().message);
  simulator_ = std::move(*simulator);
  if (auto populated = simulator_->populate(); !populated) {
    throw std::runtime_error(populated.error().message);
  }

  storage::OpenOptions read_only;
  read_only.create = false;
  read_only.read_only = true;
  auto pool = std::make_shared<api::ArchivePool>(
      [db = db_.string(), read_only] { return storage::Archive::open(db, read_only); });
  api::ResourceOptions resources;
  resources.list_window_days = 30;
  resources.now = [simulator = simulator_.get()] { return simulator->now(); };
  api::ServerOptions server;
  server.require_token = true;
  server.clock = token_clock_.function();
  server_.emplace(server, sim::with_faults(api::make_resource_handler(pool, resources), faults));
}

std::string SimulatedEm::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port());
}

void SimulatedEm::advance_to(EmTime t) {
  if (auto advanced = simulator_->advance(t); !advanced) {
    throw std::runtime_error(advanced.error().message);
  }
}

std::vector<Record> SimulatedEm::history_at(EmTime t) const {
  std::vector<Record> all;
  simulator_->history_at(t, [&](std::vector<Record>&& batch) {
    for (Record& r : batch) all.push_back(std::move(r));
  });
  return all;
}

void SimulatedEm::expire_tokens() {
  token_clock_.advance(api::kLogonIdleTimeout);
}

}  // namespace emarchive::testing
