// /metrics as Prometheus sees it: `serve` and `ingest --follow` scraped over HTTP, the text parsed
// by Prometheus' own Python parser (python3-prometheus-client), values checked against the
// archive, and the shipped alert rules and Grafana dashboard checked to name only what is
// exported.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "model/em_time.h"
#include "tests/support/cli.h"
#include "tests/support/http_client.h"
#include "tests/support/simulated_em.h"
#include "tests/support/test_data.h"

namespace emarchive {
namespace {

namespace json = boost::json;
using testing::CliProcess;
using testing::HttpClient;
using testing::run_cli;
using testing::shell_quote;
using testing::TempDir;

constexpr const char* kPython = "/usr/bin/python3";

std::filesystem::path script(const std::string& name) {
  return testing::data_dir().parent_path() / "metrics" / name;
}

std::filesystem::path contrib(const std::string& name) {
  return testing::data_dir().parent_path().parent_path() / "contrib" / name;
}

struct PythonRun {
  int exit_code = -1;
  std::string output;
};

// `python3 ARGS < input`, stdout and stderr together.
PythonRun python(const std::string& args, const std::string& input, const TempDir& dir) {
  const auto in = dir / "stdin.txt";
  std::ofstream(in, std::ios::binary) << input;
  PythonRun run;
  FILE* pipe = ::popen(
      (std::string(kPython) + " " + args + " < " + shell_quote(in.string()) + " 2>&1").c_str(),
      "r");
  if (!pipe) return run;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) {
    run.output.append(buffer, n);
  }
  const int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// Why the parser cannot run here, or "" when it can.
std::string parser_missing() {
  TempDir dir;
  const PythonRun probe = python("-c 'import prometheus_client, yaml'", "", dir);
  if (probe.exit_code == 0) return "";
  return "needs " + std::string(kPython) +
         " with python3-prometheus-client and python3-yaml (scripts/setup installs them): " +
         probe.output;
}

// CI installs the parser (scripts/setup): there its absence fails; elsewhere it skips.
#define REQUIRE_PARSER()                          \
  do {                                            \
    const std::string missing = parser_missing(); \
    if (!missing.empty()) {                       \
      if (std::getenv("CI")) FAIL() << missing;   \
      GTEST_SKIP() << missing;                    \
    }                                             \
  } while (false)

// The families of `text` as prometheus_client parsed them.
struct Scrape {
  json::array families;

  const json::object* family(const std::string& name) const {
    for (const auto& family : families) {
      if (family.at("name").as_string() == name) return &family.as_object();
    }
    return nullptr;
  }
  std::string type_of(const std::string& name) const {
    const auto* found = family(name);
    return found ? std::string(found->at("type").as_string()) : "";
  }
  // The value of the sample `name` whose labels include `labels`.
  std::optional<double> value(
      const std::string& name,
      const std::vector<std::pair<std::string, std::string>>& labels = {}) const {
    for (const auto& family : families) {
      for (const auto& sample : family.at("samples").as_array()) {
        if (sample.at("name").as_string() != name) continue;
        const auto& have = sample.at("labels").as_object();
        bool match = true;
        for (const auto& [key, want] : labels) {
          const auto* got = have.if_contains(key);
          match = match && got && got->as_string() == want;
        }
        if (match) return sample.at("value").to_number<double>();
      }
    }
    return std::nullopt;
  }
  // Every sample name, for the contrib check.
  std::set<std::string> sample_names() const {
    std::set<std::string> names;
    for (const auto& family : families) {
      for (const auto& sample : family.at("samples").as_array()) {
        names.insert(std::string(sample.at("name").as_string()));
      }
    }
    return names;
  }
};

// Parses `text`, failing the calling test when it does not parse.
Scrape parse(const std::string& text) {
  TempDir dir;
  const PythonRun run = python(shell_quote(script("parse_metrics.py").string()), text, dir);
  EXPECT_EQ(run.exit_code, 0) << run.output << "\n--- text:\n" << text;
  Scrape scrape;
  if (run.exit_code == 0) scrape.families = json::parse(run.output).as_array();
  return scrape;
}

std::uint16_t port_after(const std::string& line, const std::string& prefix) {
  std::smatch m;
  if (!std::regex_search(line, m, std::regex(prefix + R"(http://127\.0\.0\.1:(\d+)/)"))) return 0;
  return static_cast<std::uint16_t>(std::stoi(m[1]));
}

double unix_seconds(const std::string& xs_date_time) {
  return static_cast<double>(testing::at(xs_date_time)) / static_cast<double>(kSecond);
}

// Documents of one job with two runs: the first succeeded, the last failed; its VM's task
// succeeded in the first and failed in the last.
void write_job_history(const std::filesystem::path& dir) {
  std::filesystem::copy_file(testing::data_dir() / "em" / "job" / "entity.xml", dir / "job.xml");
  const std::string em = "https://vbem-arc01.northwind-lab.internal:9398/api/";
  auto job_session = [&](const std::string& guid, const std::string& start, const std::string& end,
                         const std::string& result) {
    std::ofstream(dir / ("job_session_" + guid + ".xml"))
        << R"(<BackupJobSession xmlns="http://www.veeam.com/ent/v1.0" Type="BackupJobSession" Href=")"
        << em << "backupSessions/" << guid << R"(?format=Entity" Name="Nightly ERP VMs@)" << start
        << R"(" UID="urn:veeam:BackupJobSession:)" << guid << R"("><Links><Link Href=")" << em
        << R"(jobs/1e4d7a90-c3b5-4e28-9f61-a0d85b2c7e34" Name="Nightly ERP VMs" Type="JobReference" Rel="Up" /></Links>)"
        << "<JobUid>urn:veeam:Job:1e4d7a90-c3b5-4e28-9f61-a0d85b2c7e34</JobUid>"
        << "<JobName>Nightly ERP VMs</JobName><JobType>Backup</JobType><CreationTimeUTC>" << start
        << "</CreationTimeUTC><EndTimeUTC>" << end << "</EndTimeUTC><State>Stopped</State><Result>"
        << result << "</Result><Progress>100</Progress><IsRetry>false</IsRetry></BackupJobSession>";
  };
  auto task_session = [&](const std::string& guid, const std::string& job_guid,
                          const std::string& start, const std::string& end,
                          const std::string& result) {
    std::ofstream(dir / ("task_session_" + guid + ".xml"))
        << R"(<BackupTaskSession xmlns="http://www.veeam.com/ent/v1.0" Type="BackupTaskSession" Href=")"
        << em << "backupTaskSessions/" << guid << R"(?format=Entity" Name="erp-db-01@)" << start
        << R"(" UID="urn:veeam:BackupTaskSession:)" << guid
        << R"(" VmDisplayName="erp-db-01"><Links><Link Rel="Up" Type="BackupJobSessionReference" Href=")"
        << em << "backupSessions/" << job_guid
        << R"(" /></Links><JobSessionUid>urn:veeam:BackupJobSession:)" << job_guid
        << "</JobSessionUid><CreationTimeUTC>" << start << "</CreationTimeUTC><EndTimeUTC>" << end
        << "</EndTimeUTC><State>Completed</State><Result>" << result
        << "</Result><Reason /><TotalSize>1073741824</TotalSize></BackupTaskSession>";
  };
  job_session("0a000000-0000-4000-8000-000000000001", "2026-06-01T22:00:00Z",
              "2026-06-01T22:30:00Z", "Success");
  task_session("0b000000-0000-4000-8000-000000000001", "0a000000-0000-4000-8000-000000000001",
               "2026-06-01T22:01:00Z", "2026-06-01T22:20:00Z", "Success");
  job_session("0a000000-0000-4000-8000-000000000002", "2026-06-02T22:00:00Z",
              "2026-06-02T22:10:00Z", "Failed");
  task_session("0b000000-0000-4000-8000-000000000002", "0a000000-0000-4000-8000-000000000002",
               "2026-06-02T22:01:00Z", "2026-06-02T22:05:00Z", "Failed");
}

class ScrapeTest : public ::testing::Test {
 protected:
  // An archive of write_job_history's documents.
  std::string import_job_history() {
    const auto docs = dir_ / "docs";
    std::filesystem::create_directories(docs);
    write_job_history(docs);
    const std::string db = (dir_ / "a.db").string();
    const auto imported =
        run_cli("import --db " + shell_quote(db) + " " + shell_quote(docs.string()));
    EXPECT_EQ(imported.exit_code, 0) << imported.output;
    return db;
  }

  TempDir dir_;
};

TEST_F(ScrapeTest, ServeExportsTheArchiveAndItsRequestsInTextPrometheusParses) {
  REQUIRE_PARSER();
  const std::string db = import_job_history();
  CliProcess serve({"serve", "--db", db, "--listen", "127.0.0.1:0"});
  const std::uint16_t port = port_after(serve.wait_for_line("emarchive serve:"), "on ");
  ASSERT_NE(port, 0) << serve.output();
  HttpClient client(port);
  ASSERT_EQ(client.get("/api/").status, 200u);
  EXPECT_EQ(client.get("/api/jobs/no-such-job").status, 404u);

  const auto reply = client.get("/metrics");
  ASSERT_EQ(reply.status, 200u) << reply.body;
  EXPECT_EQ(reply.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  const Scrape scrape = parse(reply.body);

  EXPECT_EQ(scrape.type_of("emarchive_http_requests"), "counter");
  EXPECT_EQ(scrape.type_of("emarchive_http_request_duration_seconds"), "histogram");
  EXPECT_EQ(scrape.type_of("emarchive_job_last_result"), "gauge");
  EXPECT_EQ(scrape.value("emarchive_http_requests_total",
                         {{"method", "GET"}, {"route", "entry_point"}, {"code", "200"}}),
            1);
  EXPECT_EQ(scrape.value("emarchive_http_requests_total", {{"route", "record"}, {"code", "404"}}),
            1);
  EXPECT_EQ(scrape.value("emarchive_http_open_connections"), 1);

  // The job's last run failed, after one that succeeded.
  const std::vector<std::pair<std::string, std::string>> job{{"job_name", "Nightly ERP VMs"}};
  auto with = [](auto labels, std::string key, std::string value) {
    labels.emplace_back(std::move(key), std::move(value));
    return labels;
  };
  EXPECT_EQ(scrape.value("emarchive_job_last_result", with(job, "result", "Failed")), 1)
      << reply.body;
  EXPECT_EQ(scrape.value("emarchive_job_last_result", with(job, "result", "Success")), 0);
  EXPECT_EQ(scrape.value("emarchive_job_consecutive_failures", job), 1);
  EXPECT_EQ(scrape.value("emarchive_job_last_run_start_timestamp_seconds", job),
            unix_seconds("2026-06-02T22:00:00Z"));
  EXPECT_EQ(scrape.value("emarchive_job_last_run_end_timestamp_seconds", job),
            unix_seconds("2026-06-02T22:10:00Z"));
  EXPECT_EQ(scrape.value("emarchive_job_last_run_duration_seconds", job), 600);
  // The VM's last success is the end of the task session that succeeded.
  const std::vector<std::pair<std::string, std::string>> vm{{"vm", "erp-db-01"}};
  EXPECT_EQ(scrape.value("emarchive_vm_last_success_timestamp_seconds", vm),
            unix_seconds("2026-06-01T22:20:00Z"));
  EXPECT_EQ(scrape.value("emarchive_vm_last_result", with(vm, "result", "Failed")), 1);
  EXPECT_EQ(scrape.value("emarchive_archive_records", {{"kind", "BackupJobSession"}}), 2);
  EXPECT_EQ(scrape.value("emarchive_archive_records", {{"kind", "BackupTaskSession"}}), 2);
  EXPECT_GT(scrape.value("emarchive_archive_size_bytes").value_or(0), 0);
  EXPECT_EQ(scrape.value("emarchive_archive_readable"), 1);
  client.close();
  EXPECT_EQ(serve.stop(SIGTERM), 0) << serve.output();
}

TEST_F(ScrapeTest, WithUsersMetricsNeedAUserAndASeparateAddressServesOnlyMetrics) {
  REQUIRE_PARSER();
  const std::string db = import_job_history();
  const auto users = (dir_ / "users").string();
  const auto password_file = dir_ / "password";
  std::ofstream(password_file) << "prometheus-scrape-secret\n";
  const auto added =
      run_cli("users add --users " + shell_quote(users) + " --user prometheus --password-file " +
              shell_quote(password_file.string()));
  ASSERT_EQ(added.exit_code, 0) << added.output;

  CliProcess serve({"serve", "--db", db, "--listen", "127.0.0.1:0", "--users", users,
                    "--metrics-listen", "127.0.0.1:0"});
  const std::uint16_t api_port = port_after(serve.wait_for_line("emarchive serve:"), "on ");
  const std::uint16_t port = port_after(serve.wait_for_line("metrics on"), "metrics on ");
  ASSERT_NE(port, 0) << serve.output();
  HttpClient api(api_port);
  // Only on --metrics-listen: on the API's address /metrics is a dashboard path, which asks for
  // a logon, and then is not found.
  EXPECT_EQ(api.get("/metrics").status, 401u);
  EXPECT_EQ(api.get("/metrics", {{"Authorization", testing::basic_authorization(
                                                       "prometheus", "prometheus-scrape-secret")}})
                .status,
            404u)
      << "served only on --metrics-listen";

  HttpClient client(port);
  const auto anonymous = client.get("/metrics");
  EXPECT_EQ(anonymous.status, 401u);
  EXPECT_NE(anonymous.header("WWW-Authenticate").find("Basic"), std::string::npos);
  EXPECT_EQ(client
                .get("/metrics", {{"Authorization", testing::basic_authorization(
                                                        "prometheus", "wrong-password-here")}})
                .status,
            401u);
  const auto scraped = client.get(
      "/metrics",
      {{"Authorization", testing::basic_authorization("prometheus", "prometheus-scrape-secret")}});
  ASSERT_EQ(scraped.status, 200u) << scraped.body;
  const Scrape scrape = parse(scraped.body);
  EXPECT_EQ(scrape.value("emarchive_http_logon_failures_total"), 0)
      << "a refused scrape is not a logon";
  // The anonymous and the wrong-password scrape, and the API address's anonymous /metrics.
  EXPECT_EQ(scrape.value("emarchive_http_requests_total", {{"route", "metrics"}, {"code", "401"}}),
            3);
  EXPECT_EQ(client.get("/api/", {}).status, 404u);
  api.close();
  client.close();
  EXPECT_EQ(serve.stop(SIGTERM), 0) << serve.output();
}

TEST_F(ScrapeTest, FollowerExportsItsRunsAndTheContribFilesNameOnlyExportedMetrics) {
  REQUIRE_PARSER();
  testing::SimulatedEm em(sim::HistoryOptions{.days = 2, .jobs = 2, .vms = 4},
                          testing::at("2026-06-15T22:30:00Z"));
  const std::string db = (dir_ / "a.db").string();
  const auto password_file = dir_ / "password";
  std::ofstream(password_file) << "any password\n";
  CliProcess follower({"ingest", "--db", db, "--url", em.base_url(), "--user", "svc",
                       "--password-file", password_file.string(), "--follow", "--metrics-listen",
                       "127.0.0.1:0"});
  const std::uint16_t port = port_after(follower.wait_for_line("metrics on"), "metrics on ");
  ASSERT_NE(port, 0) << follower.output();
  ASSERT_NE(follower.wait_for_line("records new", std::chrono::seconds(60)), "")
      << follower.output();
  HttpClient client(port);
  const auto reply = client.get("/metrics");
  ASSERT_EQ(reply.status, 200u) << reply.body;
  const Scrape ingest = parse(reply.body);
  // The source's name: by default the host of --url.
  const std::string source = "127.0.0.1";
  EXPECT_EQ(ingest.type_of("emarchive_ingest_runs"), "counter");
  EXPECT_EQ(ingest.type_of("emarchive_em_request_duration_seconds"), "histogram");
  EXPECT_EQ(ingest.value("emarchive_ingest_runs_total", {{"source", source}, {"result", "ok"}}), 1)
      << reply.body;
  EXPECT_GT(ingest.value("emarchive_ingest_records_total", {{"source", source}, {"outcome", "new"}})
                .value_or(0),
            0);
  EXPECT_GT(ingest
                .value("emarchive_em_requests_total",
                       {{"source", source}, {"method", "GET"}, {"code", "200"}})
                .value_or(0),
            0);
  EXPECT_EQ(ingest.value("emarchive_em_requests_total",
                         {{"source", source}, {"method", "POST"}, {"code", "201"}}),
            1)
      << "one logon";
  EXPECT_GT(ingest.value("emarchive_ingest_last_success_timestamp_seconds", {{"source", source}})
                .value_or(0),
            1.7e9);
  client.close();
  EXPECT_EQ(follower.stop(SIGTERM), 0) << follower.output();

  // What serve says of the archive the follower wrote: the source's last ingest.
  CliProcess serve({"serve", "--db", db, "--listen", "127.0.0.1:0"});
  const std::uint16_t serve_port = port_after(serve.wait_for_line("emarchive serve:"), "on ");
  ASSERT_NE(serve_port, 0) << serve.output();
  HttpClient serve_client(serve_port);
  ASSERT_EQ(serve_client.get("/api/").status, 200u);  // so that the HTTP families have samples
  const auto served = serve_client.get("/metrics");
  ASSERT_EQ(served.status, 200u);
  const Scrape archive = parse(served.body);
  EXPECT_GT(archive.value("emarchive_source_last_success_timestamp_seconds", {{"source", source}})
                .value_or(0),
            1.7e9)
      << served.body;
  EXPECT_EQ(archive.value("emarchive_source_last_run_errors", {{"source", source}}), 0);
  serve_client.close();
  EXPECT_EQ(serve.stop(SIGTERM), 0);

  std::string names;
  for (const auto* scrape : {&ingest, &archive}) {
    for (const std::string& name : scrape->sample_names()) names += " " + name;
  }
  TempDir dir;
  const PythonRun checked =
      python(shell_quote(script("check_contrib.py").string()) + " " +
                 shell_quote(contrib("prometheus/emarchive-alerts.yml").string()) + " " +
                 shell_quote(contrib("grafana/emarchive.json").string()) + names,
             "", dir);
  EXPECT_EQ(checked.exit_code, 0) << checked.output;
}

}  // namespace
}  // namespace emarchive
