// `emarchive query` as a user runs it.

#include <gtest/gtest.h>

#include <string>

#include "tests/support/cli.h"
#include "tests/support/test_data.h"

namespace emarchive {
namespace {

using emarchive::testing::run_cli;
using emarchive::testing::shell_quote;
using emarchive::testing::TempDir;

class QueryCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = shell_quote((dir_ / "a.db").string());
    const auto imported = run_cli("import --db " + db_ + " " +
                                  shell_quote((emarchive::testing::data_dir() / "em").string()));
    ASSERT_EQ(imported.exit_code, 0) << imported.output;
  }
  TempDir dir_;
  std::string db_;
};

TEST_F(QueryCommandTest, CsvHasAHeaderAndOneRowPerMatchingRecord) {
  const auto r = run_cli("query --db " + db_ + " --type backupserver --sort-asc name --output csv");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(r.output.starts_with("UID,Name,Description,Port,Version\r\n")) << r.output;
  // A value with a comma is quoted.
  EXPECT_NE(r.output.find(",\"Primary VBR, site Nord (rack B4)\","), std::string::npos) << r.output;
}

TEST_F(QueryCommandTest, TheFilterSortAndLimitAreTheQueryServices) {
  const auto r = run_cli("query --db " + db_ +
                         " --type BackupTaskSession --filter 'Result>Success' "
                         "--sort-desc CreationTime --limit 1 --output json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // One record, the newest warning or failure, with typed JSON values.
  EXPECT_EQ(r.output.find("\"UID\"", r.output.find("\"UID\"") + 1), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\"Result\":\"Failed\""), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\"TotalSize\":0"), std::string::npos) << r.output;
}

// For cron: `query --fail-if-any` prints what matched and exits 5, so that cron mails it.
TEST_F(QueryCommandTest, FailIfAnyExitsFiveWhenSomethingMatchesAndZeroOtherwise) {
  const auto failed = run_cli("query --db " + db_ +
                              " --type BackupTaskSession --filter 'Result==Failed' --output csv "
                              "--fail-if-any");
  EXPECT_EQ(failed.exit_code, 5) << failed.output;
  EXPECT_NE(failed.output.find("\r\n"), failed.output.rfind("\r\n")) << "header and rows";
  const auto none = run_cli("query --db " + db_ +
                            " --type BackupTaskSession --filter "
                            "'CreationTime<\"1990-01-01T00:00:00Z\"' --output csv --fail-if-any");
  EXPECT_EQ(none.exit_code, 0) << none.output;
  const auto xml = run_cli("query --db " + db_ +
                           " --type BackupTaskSession --filter 'Result==Failed' --output xml "
                           "--fail-if-any");
  EXPECT_EQ(xml.exit_code, 5);
}

TEST_F(QueryCommandTest, XmlIsEmsQueryResult) {
  const auto r = run_cli("query --db " + db_ + " --type Job --output xml");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("<QueryResult xmlns=\"http://www.veeam.com/ent/v1.0\">"),
            std::string::npos);
  EXPECT_NE(r.output.find("<Entities><Jobs>"), std::string::npos) << r.output.substr(0, 300);
}

TEST_F(QueryCommandTest, TableIsAlignedAndOneLinePerRecord) {
  const auto r = run_cli("query --db " + db_ +
                         " --type BackupTaskSession --filter 'Result==Warning' --output table");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::size_t first_newline = r.output.find('\n');
  ASSERT_NE(first_newline, std::string::npos);
  const std::size_t result_column = r.output.find("Result");
  const std::size_t second_line = first_newline + 1;
  EXPECT_EQ(r.output.substr(second_line + result_column, 7), "Warning") << r.output;
}

TEST_F(QueryCommandTest, ABadFilterIsAUsageErrorThatSaysWhere) {
  const auto r =
      run_cli("query --db " + db_ + " --type BackupTaskSession --filter 'Result=Failed'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("filter: at character 7"), std::string::npos) << r.output;
  const auto type = run_cli("query --db " + db_ + " --type Tape");
  EXPECT_EQ(type.exit_code, 2);
  EXPECT_NE(type.output.find("'Tape' is not a type"), std::string::npos) << type.output;
}

TEST_F(QueryCommandTest, AMissingArchiveIsAFailureNotANewFile) {
  const std::string missing = (dir_ / "missing.db").string();
  const auto r = run_cli("query --db " + shell_quote(missing) + " --type Job");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("missing.db"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(missing));
}

}  // namespace
}  // namespace emarchive
