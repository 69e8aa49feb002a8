// `query --as-of` and `serve --as-of` as a user runs them: the archive as it was at an instant,
// the instants people type (relative ones included), and a usage error naming a bad one.

#include <gtest/gtest.h>
#include <signal.h>

#include <regex>
#include <string>

#include "tests/support/cli.h"
#include "tests/support/http_client.h"
#include "tests/support/test_data.h"

namespace emarchive {
namespace {

using emarchive::testing::CliProcess;
using emarchive::testing::HttpClient;
using emarchive::testing::run_cli;
using emarchive::testing::shell_quote;
using emarchive::testing::TempDir;

// Imported now: before now, the archive held nothing.
class AsOfCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = (dir_ / "a.db").string();
    const auto imported = run_cli("import --db " + shell_quote(db_) + " " +
                                  shell_quote((emarchive::testing::data_dir() / "em").string()));
    ASSERT_EQ(imported.exit_code, 0) << imported.output;
  }
  std::string query(const std::string& as_of) const {
    const auto r = run_cli("query --db " + shell_quote(db_) +
                           " --type BackupServer --output csv --as-of " + as_of);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return r.output;
  }
  TempDir dir_;
  std::string db_;
};

TEST_F(AsOfCommandTest, QueryAnswersAsTheArchiveWasThen) {
  const std::string header = "Name,Description,Port,Version,UID\r\n";
  EXPECT_EQ(query("2020-01-01T00:00:00Z"), header);
  EXPECT_EQ(query("now-1h"), header);
  const std::string now = query("now");
  EXPECT_TRUE(now.starts_with(header)) << now;
  EXPECT_GT(now.size(), header.size()) << "the imported backup servers are there now";

  const auto bad = run_cli("query --db " + shell_quote(db_) + " --type Job --as-of yesterday");
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("--as-of: 'yesterday'"), std::string::npos) << bad.output;
}

TEST_F(AsOfCommandTest, ServeAnswersAsTheArchiveWasThen) {
  CliProcess serve(
      {"serve", "--db", db_, "--listen", "127.0.0.1:0", "--as-of", "2020-01-01T00:00:00+01:00"});
  const std::string started = serve.wait_for_line("emarchive serve:");
  std::smatch port;
  ASSERT_TRUE(std::regex_search(started, port, std::regex(R"(127\.0\.0\.1:(\d+)/api/)")))
      << serve.output();
  EXPECT_NE(started.find("as of 2019-12-31T23:00:00Z"), std::string::npos) << started;

  HttpClient client(static_cast<std::uint16_t>(std::stoi(port[1])));
  const auto then = client.get("/api/backupServers");
  EXPECT_EQ(then.status, 200u);
  EXPECT_EQ(then.body.find("<Ref "), std::string::npos) << then.body;
  // The prefix wins over --as-of.
  const auto now = client.get("/asof/now/api/backupServers");
  EXPECT_EQ(now.status, 200u);
  EXPECT_NE(now.body.find("<Ref "), std::string::npos) << now.body;
  client.close();
  EXPECT_EQ(serve.stop(SIGTERM), 0) << serve.output();

  const auto bad = run_cli("serve --db " + shell_quote(db_) + " --as-of now-7q");
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("'now-7q'"), std::string::npos) << bad.output;
}

}  // namespace
}  // namespace emarchive
