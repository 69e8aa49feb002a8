// The dashboard in a real browser: `emarchive serve` over a simulated archive, its pages loaded
// in headless Chromium (Debian's package), which must render them with data and log nothing to
// the console (the pages run no script, so anything there is a refused resource or a
// Content-Security-Policy violation). Skipped when Chromium is missing, except under CI (the
// CI environment variable set), where scripts/setup installs it and a skip would hide a failure.

#include <gtest/gtest.h>

#include <array>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "tests/dashboard/simulated_archive.h"
#include "tests/support/cli.h"
#include "tests/support/test_data.h"

namespace emarchive::dashboard {
namespace {

using emarchive::testing::CliProcess;
using emarchive::testing::shell_quote;
using emarchive::testing::TempDir;

bool chromium_installed() {
  return std::system("command -v chromium >/dev/null 2>&1") == 0;
}

struct Rendered {
  int exit_code = -1;
  std::string dom;
  std::string console;  // the console lines of Chromium's log
};

// Loads `url` in headless Chromium with a fresh profile and nothing fetched but the page's own
// resources; the DOM once loaded and what the page logged to the console.
Rendered render(const std::string& url, const TempDir& dir) {
  const std::string log = (dir / "chromium.log").string();
  const std::string command =
      "timeout 60 chromium --headless --no-sandbox --disable-gpu --no-first-run "
      "--disable-background-networking --disable-component-update --disable-sync "
      "--disable-extensions --user-data-dir=" +
      shell_quote((dir / "profile").string()) + " --enable-logging=stderr --v=0 --dump-dom " +
      shell_quote(url) + " 2>" + shell_quote(log);
  Rendered rendered;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return rendered;
  std::array<char, 65536> buffer;
  for (std::size_t n; (n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0;) {
    rendered.dom.append(buffer.data(), n);
  }
  rendered.exit_code = pclose(pipe);
  std::ifstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    if (line.find(":CONSOLE") != std::string::npos) rendered.console += line + "\n";
  }
  return rendered;
}

class BrowserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!chromium_installed()) {
      if (std::getenv("CI")) FAIL() << "chromium is missing under CI: scripts/setup installs it";
      GTEST_SKIP() << "chromium is not installed (scripts/setup installs it): the dashboard "
                      "is not tested in a browser";
    }
    serve_ = std::make_unique<CliProcess>(std::vector<std::string>{
        "serve", "--db", testing::simulated_archive().path(), "--listen", "127.0.0.1:0"});
    const std::string line = serve_->wait_for_line("dashboard at ");
    ASSERT_FALSE(line.empty()) << serve_->output();
    url_ = line.substr(line.find("http://"));
  }
  void TearDown() override {
    if (serve_) serve_->stop(SIGTERM);
  }

  std::unique_ptr<CliProcess> serve_;
  std::string url_;  // "http://127.0.0.1:PORT/"
  TempDir dir_;
};

TEST_F(BrowserTest, OverviewAndJobPageRenderWithDataAndNothingOnTheConsole) {
  // The grid's days are the simulated history's, whatever the day the test runs on.
  const Rendered overview =
      render(url_ + "?until=" + format_em_time(testing::kNow).substr(0, 10) + "&rpo=1", dir_);
  ASSERT_EQ(overview.exit_code, 0) << overview.dom;
  EXPECT_EQ(overview.console, "");
  EXPECT_NE(overview.dom.find("<h1>Backups at a glance</h1>"), std::string::npos) << overview.dom;
  EXPECT_NE(overview.dom.find("<td class=\"cell success\">"), std::string::npos);
  EXPECT_NE(overview.dom.find("VMs have no restore point from the last 1 hours"),
            std::string::npos);

  // The job's page, "dashboard/job?uid=...", after url_'s "/".
  const auto link = overview.dom.find("href=\"/dashboard/job?uid=");
  ASSERT_NE(link, std::string::npos);
  const auto start = link + std::string_view("href=\"/").size();
  const Rendered job =
      render(url_ + overview.dom.substr(start, overview.dom.find('"', start) - start), dir_);
  ASSERT_EQ(job.exit_code, 0) << job.dom;
  EXPECT_EQ(job.console, "");
  EXPECT_NE(job.dom.find("<svg class=\"chart\""), std::string::npos) << job.dom;
  EXPECT_NE(job.dom.find("<circle class=\"dot "), std::string::npos);
}

}  // namespace
}  // namespace emarchive::dashboard
