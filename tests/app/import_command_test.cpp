// The import command as a user runs it: the real binary, real files, exit codes and messages.

#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <fstream>
#include <string>

#include "tests/support/cli.h"
#include "tests/support/test_data.h"

namespace emarchive {
namespace {

using emarchive::testing::CliRun;
using emarchive::testing::TempDir;

CliRun run(const std::string& args) {
  return emarchive::testing::run_cli(args);
}

std::string quoted(const std::filesystem::path& p) {
  return emarchive::testing::shell_quote(p.string());
}

TEST(ImportCommandTest, ImportsTheReferenceDocumentsAndSaysWhatItDid) {
  TempDir dir;
  const CliRun first = run("import --db " + quoted(dir / "a.db") + " " +
                           quoted(emarchive::testing::data_dir() / "em"));
  EXPECT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("0 documents rejected"), std::string::npos) << first.output;

  const CliRun again = run("import --db " + quoted(dir / "a.db") + " " +
                           quoted(emarchive::testing::data_dir() / "em"));
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find(" 0 records new, 0 updated"), std::string::npos) << again.output;
}

TEST(ImportCommandTest, RejectedDocumentsExitWithThreeAndAreNamed) {
  TempDir dir;
  std::ofstream(dir / "broken.xml") << "<BackupTaskSession xmlns=\"http://www.veeam.com/ent/v1.0\"";
  const CliRun r = run("import --db " + quoted(dir / "a.db") + " " + quoted(dir / "broken.xml"));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("broken.xml"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("1 documents rejected"), std::string::npos) << r.output;
}

TEST(ImportCommandTest, UsageErrorsExitWithTwo) {
  TempDir dir;
  EXPECT_EQ(run("import " + quoted(dir / "x.xml")).exit_code, 2);      // no --db
  EXPECT_EQ(run("import --db " + quoted(dir / "a.db")).exit_code, 2);  // no path
  EXPECT_EQ(run("frobnicate").exit_code, 2);
  EXPECT_EQ(run("").exit_code, 2);
}

TEST(ImportCommandTest, HelpAndVersionSucceed) {
  const CliRun help = run("--help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("import"), std::string::npos);
  const CliRun version = run("--version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.output.find("emarchive "), std::string::npos);
}

TEST(ImportCommandTest, ADatabaseFromANewerEmarchiveIsRefused) {
  TempDir dir;
  {
    SQLite::Database db((dir / "new.db").string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA user_version = 9999");
  }
  const CliRun r = run("import --db " + quoted(dir / "new.db") + " " +
                       quoted(emarchive::testing::data_dir() / "em"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("new.db"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("9999"), std::string::npos) << r.output;
}

TEST(ImportCommandTest, AnUnwritableDatabaseIsAFailure) {
  TempDir dir;
  const CliRun r = run("import --db " + quoted(dir / "no/such/dir/a.db") + " " +
                       quoted(emarchive::testing::data_dir() / "em"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("a.db"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace emarchive
