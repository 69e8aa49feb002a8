// `emarchive serve` and `emarchive users add` as a user runs them: a real process on a real port.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <string>

#include "tests/support/cli.h"
#include "tests/support/http_client.h"
#include "tests/support/test_data.h"

namespace emarchive {
namespace {

using emarchive::testing::CliProcess;
using emarchive::testing::HalfSentRequest;
using emarchive::testing::HttpClient;
using emarchive::testing::run_cli;
using emarchive::testing::shell_quote;
using emarchive::testing::TempDir;

// The port from "emarchive serve: FILE on http://127.0.0.1:PORT/api/ ...".
std::uint16_t port_of(const std::string& line) {
  std::smatch m;
  if (!std::regex_search(line, m, std::regex(R"(127\.0\.0\.1:(\d+)/api/)"))) return 0;
  return static_cast<std::uint16_t>(std::stoi(m[1]));
}

class ServeCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = (dir_ / "a.db").string();
    const auto imported = run_cli("import --db " + shell_quote(db_) + " " +
                                  shell_quote((emarchive::testing::data_dir() / "em").string()));
    ASSERT_EQ(imported.exit_code, 0) << imported.output;
  }
  TempDir dir_;
  std::string db_;
};

TEST_F(ServeCommandTest, ServesTheArchiveLogsEachRequestAndStopsOnSigterm) {
  CliProcess serve({"serve", "--db", db_, "--listen", "127.0.0.1:0"});
  const std::string started = serve.wait_for_line("emarchive serve:");
  const std::uint16_t port = port_of(started);
  ASSERT_NE(port, 0) << serve.output();
  EXPECT_NE(started.find("(any credentials)"), std::string::npos);

  HttpClient client(port);
  const auto reply = client.get("/api/query?type=BackupServer");
  EXPECT_EQ(reply.status, 200u) << reply.body;
  EXPECT_NE(reply.body.find("<QueryResult"), std::string::npos);
  EXPECT_NE(serve.wait_for_line("GET /api/query?type=BackupServer 200"), "") << serve.output();
  client.close();

  EXPECT_EQ(serve.stop(SIGTERM), 0) << serve.output();
  EXPECT_NE(serve.output().find("stopped on signal 15"), std::string::npos) << serve.output();
}

TEST_F(ServeCommandTest, ASecondSignalDuringTheDrainEndsTheProcessAtOnce) {
  CliProcess serve({"serve", "--db", db_, "--listen", "127.0.0.1:0"});
  const std::uint16_t port = port_of(serve.wait_for_line("emarchive serve:"));
  ASSERT_NE(port, 0) << serve.output();
  // The drain waits for this request until its deadline (10 s).
  HalfSentRequest half(port);
  ASSERT_TRUE(half.sent());
  // Served after the half request's connection was accepted and its bytes arrived: the server
  // holds it as a request in progress by now.
  HttpClient client(port);
  EXPECT_EQ(client.get("/api/").status, 200u);
  ASSERT_NE(serve.wait_for_line("GET /api/ 200"), "") << serve.output();

  const auto first = std::chrono::steady_clock::now();
  EXPECT_EQ(serve.stop_twice(SIGINT), 128 + SIGINT) << serve.output();
  EXPECT_LT(std::chrono::steady_clock::now() - first, std::chrono::seconds(10)) << serve.output();
  EXPECT_EQ(serve.output().find("stopped on signal"), std::string::npos) << serve.output();
}

TEST_F(ServeCommandTest, UsersAddWritesAPrivateFileThatServeChecksLogonsAgainst) {
  const std::string users = (dir_ / "users").string();
  std::ofstream(dir_ / "pw") << "correct horse\n";
  const auto added =
      run_cli("users add --users " + shell_quote(users) + " --user auditor --password-file " +
              shell_quote((dir_ / "pw").string()));
  ASSERT_EQ(added.exit_code, 0) << added.output;
  struct stat st {};
  ASSERT_EQ(stat(users.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::ifstream in(users);
  std::string line;
  std::getline(in, line);
  EXPECT_TRUE(line.starts_with("auditor:pbkdf2-sha256:")) << line;
  EXPECT_EQ(line.find("correct horse"), std::string::npos);

  // Setting the password again replaces the line instead of adding another.
  const auto replaced =
      run_cli("users add --users " + shell_quote(users) + " --user auditor --password-file " +
              shell_quote((dir_ / "pw").string()));
  EXPECT_EQ(replaced.exit_code, 0);
  EXPECT_NE(replaced.output.find("updated auditor"), std::string::npos) << replaced.output;
  std::ifstream again(users);
  int lines = 0;
  for (std::string l; std::getline(again, l);) ++lines;
  EXPECT_EQ(lines, 1);

  CliProcess serve({"serve", "--db", db_, "--listen", "127.0.0.1:0", "--users", users});
  const std::string started = serve.wait_for_line("emarchive serve:");
  const std::uint16_t port = port_of(started);
  ASSERT_NE(port, 0) << serve.output();
  EXPECT_NE(started.find("(logon required)"), std::string::npos);
  HttpClient client(port);
  EXPECT_EQ(client.get("/api/backupServers").status, 401u);
  const auto bad =
      client.post("/api/sessionMngr/?v=latest",
                  {{"Authorization", emarchive::testing::basic_authorization("auditor", "wrong")}});
  EXPECT_EQ(bad.status, 401u);
  const auto good = client.post(
      "/api/sessionMngr/?v=latest",
      {{"Authorization", emarchive::testing::basic_authorization("auditor", "correct horse")}});
  ASSERT_EQ(good.status, 201u) << good.body;
  const auto listed =
      client.get("/api/backupServers", {{"X-RestSvcSessionId", good.header("X-RestSvcSessionId")}});
  EXPECT_EQ(listed.status, 200u);
  EXPECT_EQ(serve.stop(SIGINT), 0);
}

TEST_F(ServeCommandTest, RefusesWhatItCannotDoWithAClearMessage) {
  const auto missing =
      run_cli("serve --db " + shell_quote((dir_ / "none.db").string()) + " --listen 127.0.0.1:0");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("none.db"), std::string::npos) << missing.output;

  const auto open = run_cli("serve --db " + shell_quote(db_) + " --listen 0.0.0.0:0");
  EXPECT_EQ(open.exit_code, 1);
  EXPECT_NE(open.output.find("0.0.0.0"), std::string::npos) << open.output;

  const auto bad_listen = run_cli("serve --db " + shell_quote(db_) + " --listen localhost");
  EXPECT_EQ(bad_listen.exit_code, 2);
  EXPECT_NE(bad_listen.output.find("--listen 'localhost': no port"), std::string::npos)
      << bad_listen.output;
}

}  // namespace
}  // namespace emarchive
