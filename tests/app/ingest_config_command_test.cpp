// `emarchive ingest --config FILE` as an administrator runs it: a real process following two
// simulated EMs into one archive, with JSON log lines, stopped by SIGTERM; and the configuration
// mistakes and intervals it refuses before it starts.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <boost/json.hpp>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "tests/support/cli.h"
#include "tests/support/simulated_em.h"
#include "tests/support/test_data.h"

namespace emarchive {
namespace {

using testing::CliProcess;
using testing::run_cli;
using testing::shell_quote;
using testing::SimulatedEm;
using testing::TempDir;

// A small history (two days, 2 jobs, 4 VMs); each EM its own seed, so that their UIDs differ.
sim::HistoryOptions small_history(std::uint64_t seed) {
  return sim::HistoryOptions{.seed = seed, .days = 2, .jobs = 2, .vms = 4};
}

class IngestConfigCommandTest : public ::testing::Test {
 protected:
  IngestConfigCommandTest() {
    std::ofstream(password_) << "any password\n";
    ::chmod(password_.c_str(), 0600);
  }

  // A [source] section for `name` at `url`, with `extra` lines.
  std::string source(const std::string& name, const std::string& url,
                     const std::string& extra = "") const {
    return "[source \"" + name + "\"]\nurl = " + url +
           "\nuser = sim\\tester\npassword_file = " + password_ + "\n" + extra;
  }
  std::string write_config(const std::string& text) const {
    std::ofstream(config_) << text;
    return config_;
  }

  TempDir dir_;
  const std::string password_ = (dir_ / "em.password").string();
  const std::string config_ = (dir_ / "ingest.conf").string();
  const std::string db_ = (dir_ / "archive.db").string();
};

TEST_F(IngestConfigCommandTest, FollowsTwoEmsLogsJsonLinesAndStopsOnSigterm) {
  const EmTime start = *parse_em_time("2026-11-27T21:30:00Z");
  SimulatedEm paris(small_history(1), start);
  SimulatedEm lyon(small_history(2), start);
  write_config(source("paris", paris.base_url(), "interval = 30s\n") +
               source("lyon", lyon.base_url(), "interval = 1h\n"));
  CliProcess process({"ingest", "--config", config_, "--db", db_, "--log-format", "json"});
  for (const char* name : {"paris", "lyon"}) {
    // Either may finish first; each finishes its first run at once.
    const std::string finished =
        std::string("\"source\":\"") + name + "\",\"message\":\"run finished";
    if (process.output().find(finished) == std::string::npos) {
      ASSERT_NE(process.wait_for_line(finished, std::chrono::seconds(30)), "") << process.output();
    }
  }
  EXPECT_EQ(process.stop(SIGTERM), 0) << process.output();

  // Every line is a JSON object with a UTC time to the millisecond, a level and a message.
  const std::regex time(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");
  std::istringstream lines(process.output());
  int parsed_lines = 0;
  for (std::string line; std::getline(lines, line);) {
    boost::system::error_code error;
    const boost::json::value value = boost::json::parse(line, error);
    ASSERT_FALSE(error) << line;
    const boost::json::object& o = value.as_object();
    EXPECT_TRUE(std::regex_match(std::string(o.at("time").as_string()), time)) << line;
    EXPECT_TRUE(o.contains("level") && o.contains("message")) << line;
    if (o.contains("records_new")) {
      EXPECT_TRUE(o.at("records_new").is_int64()) << line;
    }
    ++parsed_lines;
  }
  EXPECT_GE(parsed_lines, 4);
  EXPECT_NE(process.output().find("\"message\":\"stopped on signal 15\""), std::string::npos);

  SQLite::Database archive(db_, SQLite::OPEN_READONLY);
  SQLite::Statement by_source(archive,
                              "SELECT s.name, count(*) FROM records r JOIN sources s "
                              "ON s.id = r.source_id GROUP BY s.name ORDER BY s.name");
  std::map<std::string, int> records;
  while (by_source.executeStep()) {
    records[by_source.getColumn(0).getString()] = by_source.getColumn(1).getInt();
  }
  EXPECT_GT(records["paris"], 0);
  EXPECT_GT(records["lyon"], 0);
}

TEST_F(IngestConfigCommandTest, RefusesAConfigurationMistakeWithFileAndLine) {
  write_config(source("paris", "http://127.0.0.1:1", "interval = 10s\n"));
  const auto run = run_cli("ingest --config " + shell_quote(config_) + " --db " + shell_quote(db_));
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find(config_ + ":5: interval: 10s is under 30s"), std::string::npos)
      << run.output;
  // Nothing ran: no archive was made.
  EXPECT_FALSE(std::filesystem::exists(db_));
}

TEST_F(IngestConfigCommandTest, ConfigAndUrlAreEitherOr) {
  write_config(source("paris", "http://127.0.0.1:1"));
  EXPECT_EQ(run_cli("ingest --config " + shell_quote(config_) + " --db " + shell_quote(db_) +
                    " --url http://127.0.0.1:1")
                .exit_code,
            2);
  const auto neither = run_cli("ingest --db " + shell_quote(db_));
  EXPECT_EQ(neither.exit_code, 2);
  EXPECT_NE(neither.output.find("--config"), std::string::npos) << neither.output;
}

}  // namespace
}  // namespace emarchive
