// `emarchive ingest --db FILE --url URL --user NAME [--password-file FILE]
//                   [--ca-file FILE | --insecure] [--since TIME] [--page-size N] [--types LIST]
//                   [--retries N] [--overlap DURATION] [--follow [--interval DURATION]]
//                   [--metrics-listen HOST:PORT]`

#include <unistd.h>

#include <chrono>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "api/http_metrics.h"
#include "app/commands.h"
#include "app/duration.h"
#include "app/metrics_listener.h"
#include "app/password.h"
#include "app/reporter.h"
#include "app/run_output.h"
#include "ingest/em_client.h"
#include "ingest/http_client.h"
#include "ingest/ingest_metrics.h"
#include "ingest/ingester.h"
#include "metrics/metrics.h"
#include "storage/archive.h"

namespace emarchive::app {
namespace {

struct IngestConfig {
  std::string db;
  std::string url;
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
  std::string metrics_listen;  // "": no /metrics
  std::string attest_log;      // file the chain's head is appended to after each run, "" for none
};

std::string type_status(const ingest::TypeProgress& p) {
  std::string line = "ingest " + std::string(p.type) + ": ";
  if (p.observations) {
    line += std::to_string(p.records) + (p.records == 1 ? " resource (" : " resources (");
  } else {
    line += std::to_string(p.pages) + (p.pages == 1 ? " page, " : " pages, ") +
            std::to_string(p.records) + " records (";
  }
  return line + std::to_string(p.records_new) + " new, " + std::to_string(p.records_updated) +
         " updated, " + std::to_string(p.records_unchanged) + " unchanged)";
}

int run_ingest(const IngestConfig& config, StopSignal& stop) {
  const Reporter report("ingest");
  ingest::IngestOptions options;
  options.page_size = config.page_size;
  if (!config.types.empty()) {
    auto types = ingest::parse_ingest_types(config.types);
    if (!types) return report.fail(kExitUsage, "--types: " + types.error().message);
    options.types = std::move(*types);
  }
  if (!config.since.empty()) {
    auto since =
        parse_em_time(config.since.size() == 10 ? config.since + "T00:00:00Z" : config.since);
    if (!since) return report.fail(kExitUsage, "--since: " + since.error().message);
    options.since = *since;
  }
  auto overlap = parse_duration(config.overlap);
  auto interval = parse_duration(config.interval);
  for (auto* parsed : {&overlap, &interval}) {
    if (!*parsed) return report.fail(kExitUsage, parsed->error().message);
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
  auto archive = storage::Archive::open(config.db);
  if (!archive) return report.fail(kExitFailure, archive.error().message);

  // Before the listener, which renders it until it stops.
  metrics::Registry registry;
  ingest::IngestMetrics ingest_metrics(registry);
  api::HttpMetrics http_metrics(registry);
  std::optional<MetricsListener> metrics_listener;
  if (!config.metrics_listen.empty()) {
    auto started = start_metrics_listener(config.metrics_listen, {}, registry, &http_metrics);
    if (!started) return report.fail(kExitFailure, started.error().message);
    metrics_listener = std::move(*started);
    report.note("metrics on " + metrics_listener->url);
    options.metrics = &ingest_metrics;
  }

  ingest::HttpClientOptions http_options;
  http_options.base_url = config.url;
  http_options.ca_file = config.ca_file;
  http_options.insecure = config.insecure;
  http_options.max_attempts = config.retries + 1;
  ProgressLine progress(isatty(STDERR_FILENO), std::chrono::seconds(10));
  http_options.log = [&](std::string_view line) {
    progress.clear();
    report.note(line);
  };
  // Counted under the origin as the client normalises it, known once the client is made.
  std::function<void(boost::beast::http::verb, unsigned, std::chrono::duration<double>)>
      count_em_request;
  if (options.metrics) {
    http_options.observe = [&count_em_request](auto method, unsigned status, auto took) {
      if (count_em_request) count_em_request(method, status, took);
    };
  }
  auto http = ingest::HttpClient::create(http_options);
  if (http && options.metrics) {
    count_em_request = ingest_metrics.em_request_observer((*http)->origin());
  }
  if (!http) return report.fail(kExitUsage, http.error().message);
  if (config.insecure) {
    report.note("warning: --insecure: the certificate of " + (*http)->origin() +
                " is not verified; anyone on the network path can read and alter the session");
  }
  ingest::EmClient em(**http, ingest::Credentials{config.user, *password});

  options.now = utc_now;
  options.log = http_options.log;
  options.progress = [&](const ingest::TypeProgress& p) {
    if (p.done) {
      progress.finish(type_status(p));
    } else {
      progress.update(type_status(p));
    }
  };
  const std::string detail = (*http)->origin() + " as " + config.user;
  options.stop = [&] { return stop.requested() != 0; };
  while (true) {
    const ingest::IngestResult result = ingest::ingest_once(**archive, em, detail, options);
    progress.clear();
    std::cout << "ingest: " << summary(result.counts) << "\n" << std::flush;
    const std::optional<std::string> head_failed =
        report_head(**archive, config.attest_log, std::cout);
    if (result.fatal_error && result.fatal_error->code == ErrorCode::stopped) {
      report.note(
          "stopped during a run; what it stored stays, and the next run goes on from there");
      return 128 + stop.requested();
    }
    int code = kExitOk;
    if (result.fatal_error) {
      report.note(result.fatal_error->message);
      code = kExitFailure;
    } else if (head_failed) {
      report.note(*head_failed);
      code = kExitFailure;
    } else if (result.counts.rejected > 0) {
      code = kExitRejected;
    }
    // With --follow, the exit code is the last run's: a supervisor sees a follower that stopped
    // while failing.
    if (!config.follow || stop.wait_for(*interval) != 0) {
      if (config.follow) report.note("stopped");
      return code;
    }
  }
}

}  // namespace

CommandRunner add_ingest_command(CLI::App& app) {
  auto config = std::make_shared<IngestConfig>();
  CLI::App* cmd = app.add_subcommand(
      "ingest",
      "Pull sessions, jobs and backup servers from an Enterprise Manager into the archive, "
      "incrementally (password from --password-file, else EMARCHIVE_PASSWORD, else asked)");
  cmd->add_option("--db", config->db, "Archive database file (created if missing)")->required();
  cmd->add_option("--url", config->url, "EM base URL, e.g. https://em.example:9398")->required();
  cmd->add_option("--user", config->user, "EM user name, e.g. DOMAIN\\user")->required();
  cmd->add_option("--password-file", config->password_file, "File whose first line is the password")
      ->check(CLI::ExistingFile);
  auto* ca = cmd->add_option("--ca-file", config->ca_file,
                             "PEM file of the CA certificates to trust (default: the system's)")
                 ->check(CLI::ExistingFile);
  auto* insecure = cmd->add_flag("--insecure", config->insecure,
                                 "Do not verify EM's TLS certificate (warned about)");
  ca->excludes(insecure);
  cmd->add_option("--since", config->since,
                  "First run: only records created at or after this UTC time "
                  "(2026-01-31 or 2026-01-31T12:00:00Z)");
  cmd->add_option("--page-size", config->page_size, "Records per query-service page")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  cmd->add_option("--retries", config->retries,
                  "Tries again after an EM error (5xx), a timeout or a dropped connection, "
                  "waiting longer each time")
      ->capture_default_str()
      ->check(CLI::Range(0, 20));
  cmd->add_option("--types", config->types,
                  "Comma-separated query types (default: every session type, Job, BackupServer)");
  cmd->add_option("--overlap", config->overlap,
                  "How far before its bookmark each run starts a type again (30s, 15m, 1h, 1d)")
      ->capture_default_str();
  auto* follow =
      cmd->add_flag("--follow", config->follow, "Keep running: a new run every --interval");
  cmd->add_option("--attest-log", config->attest_log,
                  "File to append the chain's head to after each run (created 0600 if missing)");
  cmd->add_option("--interval", config->interval, "Time between runs with --follow")
      ->capture_default_str()
      ->needs(follow);
  cmd->add_option("--metrics-listen", config->metrics_listen,
                  "HOST:PORT to serve Prometheus' /metrics of the runs on (loopback only)");
  return [config](StopSignal& stop) { return run_ingest(*config, stop); };
}

}  // namespace emarchive::app
