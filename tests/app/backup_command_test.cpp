// `emarchive backup` as an administrator runs it: a real process copying a real archive.

#include <gtest/gtest.h>

#include <string>

#include "tests/support/cli.h"
#include "tests/support/test_data.h"

namespace emarchive {
namespace {

using emarchive::testing::data_dir;
using emarchive::testing::run_cli;
using emarchive::testing::shell_quote;
using emarchive::testing::TempDir;

TEST(BackupCommandTest, CopiesAnArchiveThatServesTheSameAndNeverOverwrites) {
  TempDir dir;
  const std::string db = (dir / "archive.db").string();
  const std::string copy = (dir / "copy.db").string();
  ASSERT_EQ(
      run_cli("import --db " + shell_quote(db) + " " + shell_quote((data_dir() / "em").string()))
          .exit_code,
      0);
  const auto backed_up = run_cli("backup --db " + shell_quote(db) + " --to " + shell_quote(copy));
  EXPECT_EQ(backed_up.exit_code, 0) << backed_up.output;
  EXPECT_NE(backed_up.output.find("backup: " + copy + ": "), std::string::npos) << backed_up.output;
  EXPECT_NE(backed_up.output.find("integrity checked"), std::string::npos);

  // The copy answers as the original does.
  const std::string query = " --type BackupTaskSession --output csv";
  const auto original = run_cli("query --db " + shell_quote(db) + query);
  const auto copied = run_cli("query --db " + shell_quote(copy) + query);
  EXPECT_EQ(copied.exit_code, 0) << copied.output;
  EXPECT_EQ(copied.output, original.output);

  const auto again = run_cli("backup --db " + shell_quote(db) + " --to " + shell_quote(copy));
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.output.find("emarchive backup: " + copy + ": cannot create the copy"),
            std::string::npos)
      << again.output;
}

}  // namespace
}  // namespace emarchive
