#pragma once
// A fake EM inside the test process, for tests of EM clients (the ingester's among them): a
// sim::Simulator's archive served by api::Server on 127.0.0.1 at an ephemeral port, under the
// rules `emarchive simulate` serves by (any credentials log on, every other request needs a live
// token, collections list the last 30 days of the simulated now), with time moved by the test.
//
//   SimulatedEm em(sim::HistoryOptions{.days = 3}, start);   // populated at `start`, serving
//   client.ingest(em.base_url());                            // "http://127.0.0.1:PORT"
//   em.advance_to(start + one_hour);                         // sessions start and finish
//   compare(archive, em.history_at(em.now()));               // what the fake EM holds
//   em.expire_tokens();                                      // the next request gets 401
//
// With `faults`, a share of the requests fail as `emarchive simulate --fail-rate` makes them.
//
// Construction and advance_to() throw std::runtime_error on failure, which fails the test. Not
// thread-safe: drive it from the test's thread (the server answers on its own threads).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/em_time.h"
#include "model/record.h"
#include "sim/faulty_handler.h"
#include "sim/history.h"
#include "sim/simulator.h"
#include "tests/support/test_data.h"
#include "tests/support/test_server.h"

namespace emarchive::testing {

// `text` (e.g. "2026-06-15T22:30:00Z") as an EmTime, for start times and instants to move to;
// fails the calling test (ADD_FAILURE) and returns 0 if it is not a time.
EmTime at(std::string_view text);

class SimulatedEm {
 public:
  SimulatedEm(const sim::HistoryOptions& options, EmTime start, sim::FaultOptions faults = {});
  SimulatedEm(const SimulatedEm&) = delete;
  SimulatedEm& operator=(const SimulatedEm&) = delete;

  std::uint16_t port() const { return server_->port(); }
  // Scheme, host and port, without a path: "http://127.0.0.1:PORT".
  std::string base_url() const;
  // The simulated instant the served archive stands at.
  EmTime now() const { return simulator_->now(); }
  // Moves the simulated instant to `t` (not before now()) and stores what changed.
  void advance_to(EmTime t);
  // Every record the archive holds once it stands at `t`, as sim::generate() gives them (origin
  // empty, Hrefs without origin).
  std::vector<Record> history_at(EmTime t) const;
  // Moves the server's token clock past the idle timeout: every token issued so far expires.
  void expire_tokens();
  // The archive file, for opening a second connection to it.
  const std::filesystem::path& db_path() const { return db_; }

 private:
  TempDir dir_;
  std::filesystem::path db_;
  std::unique_ptr<sim::Simulator> simulator_;
  ManualClock token_clock_;
  std::optional<TestServer> server_;  // last: stops before what it serves goes
};

}  // namespace emarchive::testing
