// `emarchive report` as a user runs it: usage errors, the output file, and reading an archive
// that a writer holds.

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/report/report_archive.h"
#include "tests/support/cli.h"
#include "tests/support/test_data.h"

namespace emarchive::report {
namespace {

using emarchive::testing::run_cli;
using emarchive::testing::shell_quote;
using testing::at;

class ReportCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const testing::JobDef job{"44444444-0000-4000-8000-000000000001", "Nightly VMs", "Backup"};
    const EmTime t = at("2026-06-01T22:00:00Z");
    const auto s = history_.job_session(job, t, t + kHour, "Warning");
    history_.task(s, "app-01", "vm-1", t, t + kHour, "Success");
    history_.task(s, "db-01", "vm-2", t, t + kHour, "Warning", "Low space");
    history_.store();
    db_ = shell_quote(history_.path().string());
  }
  std::string report(const std::string& args) { return "report " + args + " --db " + db_; }

  emarchive::testing::TempDir dir_;
  testing::ReportArchive history_{dir_ / "a.db"};
  std::string db_;
};

TEST_F(ReportCommandTest, UsageErrorsExitTwoAndNameTheProblem) {
  const struct {
    std::string args;
    std::string says;
  } cases[] = {
      {"coverage --rpo 1d --from 2026-06-02 --to 2026-06-01", "--from"},
      {"coverage --rpo 0", "--rpo"},
      {"coverage", "--rpo"},
      {"coverage --rpo soon", "soon"},
      {"summary", "summary"},
      {"jobs --per fortnight", "fortnight"},
      {"failures --output xlsx", "xlsx"},
      {"failures --tz Mars/Olympus", "Mars/Olympus"},
      {"failures --from yesterday", "yesterday"},
  };
  for (const auto& c : cases) {
    const auto r = run_cli(report(c.args));
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.output;
    EXPECT_NE(r.output.find(c.says), std::string::npos) << c.args << "\n" << r.output;
  }
}

TEST_F(ReportCommandTest, WritesTheReportToOutAndReadsBesideAWriter) {
  // A writer holding the archive (as a running ingest does) does not stop a report.
  SQLite::Database writer(history_.path().string(), SQLite::OPEN_READWRITE);
  writer.exec("BEGIN IMMEDIATE");
  writer.exec("UPDATE sources SET last_seen_at = last_seen_at");
  const auto out = dir_ / "coverage.html";
  const auto r = run_cli(report("coverage --rpo 24h --from 2026-06-01 --to 2026-06-02 --output html "
                                "--out " + shell_quote(out.string())));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string html = emarchive::testing::read_file(out);
  EXPECT_NE(html.find("<td>db-01</td>"), std::string::npos);
  EXPECT_NE(html.find("class=\"grid\""), std::string::npos);
  writer.exec("ROLLBACK");

  const auto failures = run_cli(report("failures --from 2026-06-01 --to 2026-06-02 --output csv"));
  ASSERT_EQ(failures.exit_code, 0) << failures.output;
  EXPECT_NE(failures.output.find(",Warning,Nightly VMs,Backup,db-01,vbr-01,Low space,"),
            std::string::npos)
      << failures.output;
  const auto jobs = run_cli(report("jobs --per week --from 2026-06-01 --to 2026-06-07 --output json"));
  ASSERT_EQ(jobs.exit_code, 0) << jobs.output;
  EXPECT_NE(jobs.output.find("\"period\":\"2026-W23\""), std::string::npos) << jobs.output;
  EXPECT_NE(jobs.output.find("\"warning\":1"), std::string::npos) << jobs.output;
}

// The project's EM documents hold a task whose TotalSize is INT64_MAX: the job's sum saturates.
TEST_F(ReportCommandTest, EveryReportRunsOverTheProjectsEmDocuments) {
  const std::string db = shell_quote((dir_ / "em.db").string());
  const auto imported =
      run_cli("import --db " + db + " " + shell_quote((emarchive::testing::data_dir() / "em").string()));
  ASSERT_EQ(imported.exit_code, 0) << imported.output;
  for (const std::string name : {"coverage --rpo 1d", "jobs --per month", "failures"}) {
    const auto r = run_cli("report " + name + " --db " + db +
                           " --from 2010-01-01 --to 2030-01-01 --output json");
    EXPECT_EQ(r.exit_code, 0) << name << "\n" << r.output;
  }
  const auto jobs = run_cli("report jobs --per month --db " + db +
                            " --from 2010-01-01 --to 2030-01-01 --output csv");
  EXPECT_NE(jobs.output.find(",9223372036854775807\r\n"), std::string::npos) << jobs.output;
}

TEST_F(ReportCommandTest, AMissingArchiveIsAFailureNamingIt) {
  const auto r = run_cli("report failures --db " + shell_quote((dir_ / "none.db").string()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("none.db"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace emarchive::report
