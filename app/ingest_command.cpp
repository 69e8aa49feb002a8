// `emarchive ingest --db FILE --url URL --user NAME [--name NAME] [--password-file FILE]
//                   [--ca-file FILE | --insecure] [--since TIME] [--page-size N] [--types LIST]
//                   [--retries N] [--overlap DURATION] [--follow [--interval DURATION]]
//                   [--attest-log FILE] [--metrics-listen HOST:PORT] [--log-format text|json]`
// `emarchive ingest --db FILE --config FILE [--attest-log FILE] [--metrics-listen HOST:PORT]
//                   [--log-format text|json]`

#include <unistd.h>

#include <boost/asio/ip/address.hpp>

#include <chrono>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "api/http_metrics.h"
#include "app/commands.h"
#include "app/duration.h"
#include "app/follower_config.h"
#include "app/listen_address.h"
#include "app/metrics_listener.h"
#include "app/password.h"
#include "app/reporter.h"
#include "app/run_output.h"
#include "ingest/em_client.h"
#include "ingest/follower.h"
#include "ingest/http_client.h"
#include "ingest/ingest_metrics.h"
#include "ingest/ingester.h"
#include "log/logger.h"
#include "metrics/metrics.h"
#include "storage/archive.h"

namespace emarchive::app {
namespace {

struct IngestConfig {
  std::string db;
  std::string config_file;  // --config: several EMs; else the one of --url
  std::string url;
  std::string name;  // "" = the host of --url
  std::string user;
  std::string password_file;
  std::string ca_file;
  bool insecure = false;
  std::string since;
  int page_size = 500;
  int retries = 5;
  std::string types;
  std::string overlap = "1h";
  bool follow = false;
  std::string interval = "5m";
  std::string attest_log;      // file the chain's head is appended to after each run, "" for none
  std::string metrics_listen;  // "": no /metrics
  std::string log_format = "text";
};

// The follower's /metrics (--metrics-listen): its registry, with the runs' and EM requests'
// families, and the listener that renders it until the command returns.
struct FollowerMetrics {
  metrics::Registry registry;
  ingest::IngestMetrics ingest{registry};
  api::HttpMetrics http{registry};
  std::optional<MetricsListener> listener;
};

// A wrong --metrics-listen is a usage error; a port in use or refused is a failure.
int metrics_exit_code(const Error& error) {
  return error.code == ErrorCode::invalid_input ? kExitUsage : kExitFailure;
}

// Starts the listener of --metrics-listen; nullptr when not asked for. Loopback only: ingest has
// no users file to check a scrape against (serve's /metrics has).
Expected<std::unique_ptr<FollowerMetrics>> start_follower_metrics(const std::string& listen) {
  if (listen.empty()) return std::unique_ptr<FollowerMetrics>();
  auto address = parse_listen_address(listen);
  if (!address) return Error{"--metrics-listen: " + address.error().message, ErrorCode::invalid_input};
  boost::system::error_code ec;
  const auto ip = boost::asio::ip::make_address(address->host, ec);
  if (address->host != "localhost" && (ec || !ip.is_loopback())) {
    return Error{"--metrics-listen " + listen +
                     ": ingest serves /metrics on a loopback address only (127.0.0.1:PORT, "
                     "[::1]:PORT), as it has no users to check a scrape against; scrape it "
                     "from the same host, or scrape serve's /metrics",
                 ErrorCode::invalid_input};
  }
  auto metrics = std::make_unique<FollowerMetrics>();
  auto started = start_metrics_listener(listen, {}, metrics->registry, &metrics->http);
  if (!started) return started.error();
  metrics->listener = std::move(*started);
  return metrics;
}

// Several sources write through their own connections; one waits for another's transaction
// (a page, well under a second) rather than failing.
constexpr int kFollowerBusyTimeoutMs = 60'000;

// The host of "scheme://host:port", the default name of the EM of --url.
std::string host_of(const std::string& origin) {
  const auto start = origin.find("://");
  const std::string rest = start == std::string::npos ? origin : origin.substr(start + 3);
  const auto colon = rest.rfind(':');
  std::string host = colon == std::string::npos ? rest : rest.substr(0, colon);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  return host;
}

// As --follow: the last run's exit code; 128 + the signal when the stop came during a run.
int follower_exit_code(const std::vector<ingest::SourceOutcome>& outcomes, int signal) {
  int code = kExitOk;
  for (const ingest::SourceOutcome& outcome : outcomes) {
    if (outcome.stopped_during_run) return 128 + signal;
    if (!outcome.last) continue;
    if (outcome.last->fatal_error) {
      code = kExitFailure;
    } else if (outcome.last->counts.rejected > 0 && code == kExitOk) {
      code = kExitRejected;
    }
  }
  return code;
}

// The sources of the configuration file, as the follower takes them.
std::vector<ingest::FollowedSource> followed_sources(const FollowerConfig& config) {
  std::vector<ingest::FollowedSource> sources;
  for (const SourceConfig& s : config.sources) {
    ingest::FollowedSource source;
    source.name = s.name;
    source.http.base_url = s.url;
    source.http.ca_file = s.ca_file;
    source.http.insecure = s.insecure;
    source.http.max_attempts = s.retries + 1;
    source.credentials = ingest::Credentials{s.user, s.password};
    if (!s.types.empty()) source.ingest.types = s.types;
    source.ingest.since = s.since;
    source.ingest.page_size = s.page_size;
    source.ingest.overlap = s.overlap;
    source.interval = s.interval;
    sources.push_back(std::move(source));
  }
  return sources;
}

// --config: every EM of the file, each on its own thread and schedule, until a signal.
int run_config(const IngestConfig& config, const log::Logger& logger, StopSignal& stop) {
  const Reporter report("ingest", logger);
  auto loaded = load_follower_config(config.config_file, kMinIngestInterval);
  if (!loaded) return report.fail(kExitUsage, loaded.error().message);
  for (const std::string& warning : loaded->warnings) {
    logger.write(log::Level::warning, "", warning);
  }

  storage::OpenOptions open_options;
  open_options.busy_timeout_ms = kFollowerBusyTimeoutMs;
  ingest::FollowerOptions options;
  options.min_interval = kMinIngestInterval;
  options.open_archive = [db = config.db, open_options] {
    return storage::Archive::open(db, open_options);
  };
  options.now = utc_now;
  options.logger = &logger;
  auto metrics = start_follower_metrics(config.metrics_listen);
  if (!metrics) return report.fail(metrics_exit_code(metrics.error()), metrics.error().message);
  if (*metrics) {
    report.note("metrics on " + (*metrics)->listener->url);
    options.metrics = &(*metrics)->ingest;
  }
  // The chain's head after each run, logged as the source's line and appended to --attest-log.
  options.after_run = [&](storage::Archive& archive, const std::string& name) {
    std::ostringstream line;
    const std::optional<std::string> failed = report_head(archive, config.attest_log, line);
    std::string text = failed ? *failed : line.str();
    while (!text.empty() && text.back() == '\n') text.pop_back();
    logger.write(failed ? log::Level::error : log::Level::info, name, text);
  };
  auto follower = ingest::Follower::create(followed_sources(*loaded), options);
  if (!follower) {
    return report.fail(kExitUsage, config.config_file + ": " + follower.error().message);
  }

  stop.watch();
  // Once here, before the sources' threads, so that a wrong path fails at once and migrations
  // run before several connections open.
  if (auto probe = storage::Archive::open(config.db, open_options); !probe) {
    return report.fail(kExitFailure, probe.error().message);
  }
  std::vector<ingest::SourceOutcome> outcomes;
  std::thread runner([&] { outcomes = (*follower)->run(); });
  const int signal = stop.wait();
  // A source in a run stops before its next request, logs off and records the run; a second
  // signal meanwhile ends the process at once (StopSignal).
  (*follower)->stop();
  runner.join();
  report.note("stopped on signal " + std::to_string(signal));
  return follower_exit_code(outcomes, signal);
}

// --url: one EM, one run, or a run every --interval with --follow.
int run_single(const IngestConfig& config, const log::Logger& logger, StopSignal& stop) {
  const Reporter report("ingest", logger);
  if (config.url.empty() || config.user.empty()) {
    return report.fail(kExitUsage, "give --url and --user (one EM), or --config FILE (several)");
  }
  ingest::IngestOptions options;
  options.page_size = config.page_size;
  if (!config.types.empty()) {
    auto types = ingest::parse_ingest_types(config.types);
    if (!types) return report.fail(kExitUsage, "--types: " + types.error().message);
    options.types = std::move(*types);
  }
  if (!config.since.empty()) {
    auto since = parse_since(config.since);
    if (!since) return report.fail(kExitUsage, "--since: " + since.error().message);
    options.since = *since;
  }
  auto overlap = parse_duration(config.overlap);
  auto interval = parse_duration(config.interval);
  for (auto* parsed : {&overlap, &interval}) {
    if (!*parsed) return report.fail(kExitUsage, parsed->error().message);
  }
  if (config.follow && *interval < kMinIngestInterval) {
    return report.fail(kExitUsage, "--interval " + config.interval + " is under " +
                                       std::to_string(kMinIngestInterval.count()) +
                                       "s: each run logs on to EM and asks for every type, and "
                                       "a tighter loop only loads EM");
  }
  options.overlap = *overlap;

  auto password = read_password(config.password_file, "Password for " + config.user + ": ");
  if (!password) return report.fail(kExitUsage, password.error().message);
  // After the password prompt, so that Ctrl-C there ends the command at once. From here the
  // first signal stops the run at its next request: the ingester logs off and records the run,
  // every stored page stays, and the next run resumes from the bookmarks; between runs of
  // --follow it ends the command at once. A second one during a run ends the process at once
  // (for an EM that does not answer).
  stop.watch();
  // Before the archive is opened (and created), so that a wrong address leaves no file.
  auto metrics = start_follower_metrics(config.metrics_listen);
  if (!metrics) return report.fail(metrics_exit_code(metrics.error()), metrics.error().message);
  if (*metrics) {
    report.note("metrics on " + (*metrics)->listener->url);
    options.metrics = &(*metrics)->ingest;
  }
  auto archive = storage::Archive::open(config.db);
  if (!archive) return report.fail(kExitFailure, archive.error().message);

  // The source's name is known once the URL is parsed; the lines logged before have none.
  std::string name;
  const auto say = [&](log::Level level, std::string_view line) {
    logger.write(level, name, line);
  };
  ProgressLine progress(isatty(STDERR_FILENO), std::chrono::seconds(10),
                        [&](std::string_view line) { say(log::Level::info, line); });
  options.log = [&](std::string_view line) {
    progress.interject([&] { say(log::Level::warning, line); });
  };
  ingest::HttpClientOptions http_options;
  http_options.base_url = config.url;
  http_options.ca_file = config.ca_file;
  http_options.insecure = config.insecure;
  http_options.max_attempts = config.retries + 1;
  http_options.log = options.log;
  // Counted under the source's name, known once the client is made.
  std::function<void(boost::beast::http::verb, unsigned, std::chrono::duration<double>)>
      count_em_request;
  if (options.metrics) {
    http_options.observe = [&count_em_request](auto method, unsigned status, auto took) {
      if (count_em_request) count_em_request(method, status, took);
    };
  }
  auto http = ingest::HttpClient::create(http_options);
  if (!http) return report.fail(kExitUsage, http.error().message);
  const std::string origin = (*http)->origin();
  name = config.name.empty() ? host_of(origin) : config.name;
  options.source_name = name;
  if (options.metrics) count_em_request = options.metrics->em_request_observer(name);
  if (config.insecure) {
    say(log::Level::warning, "warning: --insecure: the certificate of " + origin +
                                 " is not verified; anyone on the network path can read and "
                                 "alter the session");
  }
  ingest::EmClient em(**http, ingest::Credentials{config.user, *password});

  options.now = utc_now;
  options.progress = [&](const ingest::TypeProgress& p) {
    const std::string status = "ingest " + ingest::describe(p);
    if (p.done) {
      progress.finish(status);
    } else {
      progress.update(status);
    }
  };
  const std::string detail = name + ": " + origin + " as " + config.user;
  options.stop = [&] { return stop.requested() != 0; };
  while (true) {
    if (Status named = (*archive)->name_source(origin, name, utc_now()); !named) {
      say(log::Level::error, named.error().message);
    }
    const ingest::IngestResult result = ingest::ingest_once(**archive, em, detail, options);
    progress.clear();
    std::cout << "ingest: " << summary(result.counts) << "\n" << std::flush;
    const std::optional<std::string> head_failed =
        report_head(**archive, config.attest_log, std::cout);
    if (result.fatal_error && result.fatal_error->code == ErrorCode::stopped) {
      say(log::Level::info,
          "stopped during a run; what it stored stays, and the next run goes on from there");
      return 128 + stop.requested();
    }
    int code = kExitOk;
    if (result.fatal_error) {
      say(log::Level::error, result.fatal_error->message);
      code = kExitFailure;
    } else if (head_failed) {
      say(log::Level::error, *head_failed);
      code = kExitFailure;
    } else if (result.counts.rejected > 0) {
      code = kExitRejected;
    }
    // With --follow, the exit code is the last run's: a supervisor sees a follower that stopped
    // while failing.
    if (!config.follow || stop.wait_for(*interval) != 0) {
      if (config.follow) say(log::Level::info, "stopped");
      return code;
    }
  }
}

int run_ingest(const IngestConfig& config, StopSignal& stop) {
  auto format = log::parse_format(config.log_format);
  if (!format) return Reporter("ingest").fail(kExitUsage, format.error().message);
  const log::Logger logger("ingest", *format);
  return config.config_file.empty() ? run_single(config, logger, stop)
                                    : run_config(config, logger, stop);
}

}  // namespace

CommandRunner add_ingest_command(CLI::App& app) {
  auto config = std::make_shared<IngestConfig>();
  CLI::App* cmd = app.add_subcommand(
      "ingest",
      "Pull sessions, jobs and backup servers from an Enterprise Manager into the archive, "
      "incrementally (password from --password-file, else EMARCHIVE_PASSWORD, else asked); "
      "or follow every EM of a --config file");
  cmd->add_option("--db", config->db, "Archive database file (created if missing)")->required();
  auto* config_file =
      cmd->add_option("--config", config->config_file,
                      "Follow every EM of this file, each on its own schedule, until stopped "
                      "(docs/OPERATIONS.md)")
          ->check(CLI::ExistingFile);
  auto* url = cmd->add_option("--url", config->url, "EM base URL, e.g. https://em.example:9398");
  auto* name = cmd->add_option("--name", config->name,
                               "This EM's name in the archive and the logs (default: its host)");
  auto* user = cmd->add_option("--user", config->user, "EM user name, e.g. DOMAIN\\user");
  auto* password_file = cmd->add_option("--password-file", config->password_file,
                                        "File whose first line is the password")
                            ->check(CLI::ExistingFile);
  auto* ca = cmd->add_option("--ca-file", config->ca_file,
                             "PEM file of the CA certificates to trust (default: the system's)")
                 ->check(CLI::ExistingFile);
  auto* insecure = cmd->add_flag("--insecure", config->insecure,
                                 "Do not verify EM's TLS certificate (warned about)");
  ca->excludes(insecure);
  auto* since = cmd->add_option("--since", config->since,
                                "First run: only records created at or after this UTC time "
                                "(2026-01-31 or 2026-01-31T12:00:00Z)");
  auto* page_size =
      cmd->add_option("--page-size", config->page_size, "Records per query-service page")
          ->capture_default_str()
          ->check(CLI::Range(1, 10000));
  auto* retries = cmd->add_option("--retries", config->retries,
                                  "Tries again after an EM error (5xx), a timeout or a dropped "
                                  "connection, waiting longer each time")
                      ->capture_default_str()
                      ->check(CLI::Range(0, 20));
  auto* types = cmd->add_option(
      "--types", config->types,
      "Comma-separated query types (default: every session type, Job, BackupServer)");
  auto* overlap =
      cmd->add_option("--overlap", config->overlap,
                      "How far before its bookmark each run starts a type again (30s, 15m, 1h, 1d)")
          ->capture_default_str();
  auto* follow =
      cmd->add_flag("--follow", config->follow, "Keep running: a new run every --interval");
  cmd->add_option("--interval", config->interval, "Time between runs with --follow (at least 30s)")
      ->capture_default_str()
      ->needs(follow);
  // With --config, every one of these is a key of the file, per source.
  for (CLI::Option* single :
       {url, name, user, password_file, ca, static_cast<CLI::Option*>(insecure), since, page_size,
        retries, types, overlap, static_cast<CLI::Option*>(follow)}) {
    config_file->excludes(single);
  }
  cmd->add_option("--attest-log", config->attest_log,
                  "File to append the chain's head to after each run (created 0600 if missing)");
  cmd->add_option("--metrics-listen", config->metrics_listen,
                  "HOST:PORT to serve Prometheus' /metrics of the runs on (loopback only)");
  cmd->add_option("--log-format", config->log_format,
                  "Log lines as text, or as JSON lines for journald and log shippers")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  return [config](StopSignal& stop) { return run_ingest(*config, stop); };
}

}  // namespace emarchive::app
