// `emarchive simulate [--listen HOST:PORT] [--seed N] [--days N] [--jobs N] [--vms N] [--speed X]
//                     [--start TIME] [--db FILE] [--threads N] [--users FILE]
//                     [--tls-cert FILE --tls-key FILE]
//                     [--token-ttl DURATION] [--fail-rate X] [--latency DURATION]`
//
// A fake EM: sim::Simulator keeps an archive equal to the synthetic history at a simulated
// instant that moves `speed` times as fast as real time, and api::Server serves it under EM's
// rules (logon, tokens that expire, collections that list 30 days, the query service reaching
// everything), as slow and as unreliable as a client's tests ask.

#include <stdlib.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>

#include "api/archive_pool.h"
#include "api/error_document.h"
#include "api/resources.h"
#include "api/server.h"
#include "app/commands.h"
#include "app/duration.h"
#include "app/listen_address.h"
#include "app/reporter.h"
#include "app/server_flags.h"
#include "sim/faulty_handler.h"
#include "sim/simulator.h"
#include "storage/archive.h"

namespace emarchive::app {
namespace {

// How often, in real time, the archive is brought up to the simulated clock.
constexpr std::chrono::seconds kAdvanceEvery{1};

struct SimulateConfig {
  ServerFlags server{.listen = "127.0.0.1:9398"};
  sim::HistoryOptions history;
  double speed = 1;
  std::string start;  // "" = the real now
  std::string db;     // "" = a temporary file, deleted on exit
  std::string token_ttl = "15m";  // idle expiry of logon tokens, as EM's
  double fail_rate = 0;           // share of data requests answered 500 or 503
  std::string latency = "0";      // added before each answer
};

// A private directory under the system's temporary one, removed with its content on destruction.
class TemporaryDirectory {
 public:
  static Expected<std::unique_ptr<TemporaryDirectory>> create() {
    std::error_code ec;
    std::string pattern =
        (std::filesystem::temp_directory_path(ec) / "emarchive-simulate-XXXXXX").string();
    if (ec) return Error{"cannot find the temporary directory: " + ec.message(), ErrorCode::io};
    if (!mkdtemp(pattern.data())) {
      return Error{"cannot create a directory like " + pattern + ": " +
                       std::generic_category().message(errno),
                   ErrorCode::io};
    }
    return std::unique_ptr<TemporaryDirectory>(new TemporaryDirectory(pattern));
  }
  ~TemporaryDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  explicit TemporaryDirectory(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

// Brings the archive up to the simulated clock every kAdvanceEvery until destroyed. A failed
// advance is reported and retried on the next tick: the server goes on serving what is stored.
class Advancer {
 public:
  Advancer(sim::Simulator& simulator, const sim::SimulatedClock& clock, const Reporter& report)
      : thread_([this, &simulator, &clock, &report] { run(simulator, clock, report); }) {}
  ~Advancer() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }

 private:
  void run(sim::Simulator& simulator, const sim::SimulatedClock& clock, const Reporter& report) {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, kAdvanceEvery, [this] { return stopping_; })) {
      const EmTime now = clock.now();
      if (now <= simulator.now()) continue;  // --speed 0
      if (auto advanced = simulator.advance(now); !advanced) report.note(advanced.error().message);
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the members it uses exist
};

// "250ms", "2s": as the flags take it.
std::string duration_text(std::chrono::milliseconds d) {
  return d.count() % 1000 == 0 ? std::to_string(d.count() / 1000) + "s"
                               : std::to_string(d.count()) + "ms";
}

// What the serving line says of the options that make the fake EM behave unlike a healthy EM's
// defaults, so that whoever reads the log knows why their client meets errors; "" for none.
std::string unusual_behaviour(const SimulateConfig& config, std::chrono::milliseconds token_ttl,
                              std::chrono::milliseconds latency) {
  std::ostringstream out;
  if (token_ttl != api::kLogonIdleTimeout) {
    out << "; tokens expire after " << duration_text(token_ttl) << " idle";
  }
  if (config.fail_rate > 0) out << "; " << config.fail_rate * 100 << "% of requests fail";
  if (latency.count() > 0) out << "; " << duration_text(latency) << " added to each answer";
  return out.str();
}

int run_simulate(const SimulateConfig& config, StopSignal& stop) {
  // From the start: a signal while generating stops populating after the day in hand, so that
  // the temporary archive is still removed.
  stop.watch();
  const Reporter report("simulate");
  auto address = parse_listen_address(config.server.listen);
  if (!address) return report.fail(kExitUsage, address.error().message);
  EmTime start = system_now();
  if (!config.start.empty()) {
    auto parsed = parse_em_time(config.start);
    if (!parsed) return report.fail(kExitUsage, "--start: " + parsed.error().message);
    start = *parsed;
  }

  auto token_ttl = parse_duration_ms(config.token_ttl);
  if (!token_ttl) return report.fail(kExitUsage, "--token-ttl: " + token_ttl.error().message);
  if (token_ttl->count() == 0) {
    return report.fail(kExitUsage, "--token-ttl: 0 would expire every token at once");
  }
  auto latency = parse_duration_ms(config.latency);
  if (!latency) return report.fail(kExitUsage, "--latency: " + latency.error().message);

  auto configured = server_options(config.server, *address);
  if (!configured) return report.fail(kExitFailure, configured.error().message);
  api::ServerOptions& options = *configured;
  options.require_token = true;
  options.logon_limits.idle_timeout = *token_ttl;
  options.response_delay = *latency;

  // Declared before everything that uses the file, so that it is removed after they close it.
  std::unique_ptr<TemporaryDirectory> temporary;
  std::string db = config.db;
  if (db.empty()) {
    auto created = TemporaryDirectory::create();
    if (!created) return report.fail(kExitFailure, created.error().message);
    temporary = std::move(*created);
    db = (temporary->path() / "simulated.db").string();
  }

  auto simulator = sim::Simulator::open(db, config.history, start);
  if (!simulator) return report.fail(kExitFailure, simulator.error().message);

  // Listening before populating, so that a bad address fails at once rather than after a long
  // populate; until the history is stored, resources answer 503.
  storage::OpenOptions read_only;
  read_only.create = false;
  read_only.read_only = true;
  auto pool = std::make_shared<api::ArchivePool>(
      [db, read_only] { return storage::Archive::open(db, read_only); });
  api::ResourceOptions resources;
  resources.list_window_days = 30;  // as EM
  // The instant the archive stands at, so that the window and the records agree.
  resources.now = [&simulator = **simulator] { return simulator.now(); };
  std::atomic<bool> populated_yet = false;
  api::Server server(options, [&populated_yet,
                               serve = sim::with_faults(api::make_resource_handler(pool, resources),
                                                        {config.history.seed, config.fail_rate})](
                                  const api::ApiRequest& request) {
    if (!populated_yet) {
      return api::error_response(boost::beast::http::status::service_unavailable,
                                 "the simulated history is still being generated");
    }
    return serve(request);
  });
  auto bound = server.start();
  if (!bound) return report.fail(kExitFailure, bound.error().message);

  std::cerr << report.prefix() << "generating " << config.history.days + 1 << " days (seed "
            << config.history.seed << ", " << config.history.jobs << " jobs, " << config.history.vms
            << " VMs) up to " << format_em_time(start) << " into " << db
            << (temporary ? " (deleted on exit)" : "") << "\n";
  // A year of many VMs takes a while: SIGINT or SIGTERM meanwhile stops populating after the
  // day in hand.
  int reported = 0;  // tenths of the days done, as last printed
  auto populated = (*simulator)->populate([&](const sim::PopulateProgress& progress) {
    const int tenths = progress.days_done * 10 / progress.days_total;
    if (tenths > reported) {
      reported = tenths;
      std::cerr << report.prefix() << progress.days_done << "/" << progress.days_total << " days, "
                << progress.records << " records\n";
    }
    return stop.requested() == 0;
  });
  if (!populated) return report.fail(kExitFailure, populated.error().message);
  populated_yet = true;
  const sim::SimulatedClock clock(start, config.speed);
  std::optional<Advancer> advancer;
  advancer.emplace(**simulator, clock, report);

  std::cerr << report.prefix() << "serving " << api_url(*bound, !config.server.tls_cert.empty())
            << " (simulated now " << format_em_time(start) << ", speed " << std::setprecision(12)
            << config.speed << "x; "
            << (options.users ? "logon checked against the users file"
                              : "any credentials, token required")
            << unusual_behaviour(config, *token_ttl, *latency) << ")" << std::endl;
  const int signal = stop.wait();
  server.stop();  // drains; a second signal meanwhile ends the process at once (StopSignal)
  advancer.reset();
  std::cerr << report.prefix() << "stopped on signal " << signal << " at simulated "
            << format_em_time((*simulator)->now()) << "\n";
  return kExitOk;
}

}  // namespace

CommandRunner add_simulate_command(CLI::App& app) {
  auto config = std::make_shared<SimulateConfig>();
  CLI::App* cmd = app.add_subcommand(
      "simulate",
      "Serve a synthetic EM history whose sessions start and finish as time moves: a fake EM "
      "for demos and for testing EM clients");
  add_server_flags(*cmd, config->server,
                   "Users file (see `emarchive users add`): logon checked instead of any "
                   "credentials, and other addresses than loopback allowed");
  cmd->add_option("--seed", config->history.seed, "The history's seed: same seed, same history")
      ->capture_default_str();
  cmd->add_option("--days", config->history.days, "Days of history before the start day")
      ->capture_default_str()
      ->check(CLI::Range(0, 36500));
  cmd->add_option("--jobs", config->history.jobs, "Jobs, spread over 1 to 3 backup servers")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--vms", config->history.vms, "VMs (machines, shares), one job each")
      ->capture_default_str()
      ->check(CLI::Range(0, 10000000));
  cmd->add_option("--speed", config->speed,
                  "Simulated seconds per real second (0: time stands still)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--start", config->start,
                  "Simulated now at startup, e.g. 2026-06-15T22:30:00Z (default: the real now)");
  cmd->add_option("--token-ttl", config->token_ttl,
                  "Logon tokens expire after this long unused, e.g. 30s, 15m")
      ->capture_default_str();
  cmd->add_option("--fail-rate", config->fail_rate,
                  "Share of requests, 0 to 1, answered 500 or 503 (all but the entry point and "
                  "logon); which ones follows --seed")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--latency", config->latency,
                  "Delay added before each answer, e.g. 250ms, 2s")
      ->capture_default_str();
  cmd->add_option("--db", config->db,
                  "Keep the simulated archive in this file (default: a temporary file deleted on "
                  "exit); reopened, it is brought to the new start");
  return [config](StopSignal& stop) { return run_simulate(*config, stop); };
}

}  // namespace emarchive::app
