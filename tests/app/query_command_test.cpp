// `emarchive query` as a user runs it.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <boost/json.hpp>

#include "model/codec.h"
#include "sim/history.h"
#include "storage/archive.h"
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
  // Names first, UIDs last.
  EXPECT_TRUE(r.output.starts_with("Name,Description,Port,Version,UID\r\n")) << r.output;
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

// Every task session of an archive, printed as it is read, 500 at a time: the same records in
// the same order as one read of the archive gives, in each output.
TEST(QueryCommandBatches, PrintEveryMatchInOrderInEachOutput) {
  TempDir dir;
  const std::string path = (dir / "history.db").string();
  std::vector<std::string> expected;
  {
    auto archive = storage::Archive::open(path);
    ASSERT_TRUE(archive) << archive.error().message;
    auto run = (*archive)->begin_run("test", "history", "2025-06-01T00:00:00Z");
    ASSERT_TRUE(run);
    sim::generate({.seed = 4, .days = 6, .jobs = 5, .vms = 300},
                  *parse_em_time("2025-06-01T00:00:00Z"), [&](std::vector<Record>&& batch) {
                    ASSERT_TRUE((*archive)->store(batch, *run, "2025-06-01T00:00:00Z"));
                  });
    storage::RecordQuery query;
    query.kind = Kind::BackupTaskSession;
    query.sort.descending = true;
    auto all = (*archive)->query(query);
    ASSERT_TRUE(all);
    for (const Record& record : all->records) expected.push_back(record.uid);
  }
  ASSERT_GT(expected.size(), 1000u) << "fewer than three batches";
  const std::string query = "query --db " + shell_quote(path) +
                            " --type BackupTaskSession --sort-desc CreationTime --columns UID ";

  const auto csv = run_cli(query + "--output csv");
  ASSERT_EQ(csv.exit_code, 0) << csv.output.substr(0, 300);
  std::vector<std::string> rows;
  for (std::size_t at = csv.output.find("\r\n") + 2; at < csv.output.size();) {
    const std::size_t end = csv.output.find("\r\n", at);
    rows.push_back(csv.output.substr(at, end - at));
    at = end + 2;
  }
  EXPECT_EQ(rows, expected);

  const auto json = run_cli(query + "--output json");
  ASSERT_EQ(json.exit_code, 0) << json.output.substr(0, 300);
  std::vector<std::string> objects;
  const boost::json::value parsed = boost::json::parse(json.output);
  for (const auto& object : parsed.as_array()) {
    objects.emplace_back(object.at("UID").as_string());
  }
  EXPECT_EQ(objects, expected);

  const auto xml = run_cli(query + "--output xml");
  ASSERT_EQ(xml.exit_code, 0) << xml.output.substr(0, 300);
  auto document = parse_document(xml.output, "query --output xml");
  ASSERT_TRUE(document) << document.error().message;
  std::vector<std::string> entities;
  for (const Record& record : document->records) entities.push_back(record.uid);
  EXPECT_EQ(entities, expected);
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

// A misspelt value would match nothing, and a cron alert on it would never fire: as the query
// service's 400, a usage error listing the values.
TEST_F(QueryCommandTest, AValueNeitherEmNorTheArchiveKnowsIsAUsageError) {
  const auto typo = run_cli("query --db " + db_ +
                            " --type BackupTaskSession --filter 'Result==Failled' --fail-if-any");
  EXPECT_EQ(typo.exit_code, 2) << typo.output;
  EXPECT_NE(typo.output.find("'Failled' is not a Result (allowed: None, Success, Warning, Failed"),
            std::string::npos)
      << typo.output;
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

TEST_F(QueryCommandTest, DefaultColumnsPutNamesAndTimesFirstAndUidsLast) {
  const auto r = run_cli("query --db " + db_ + " --type BackupTaskSession --output csv --limit 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(
      r.output.starts_with("Name,JobName,BackupServerName,VmDisplayName,CreationTime,"
                           "EndTime,Duration,State,Result,Reason,TotalSize,UID,"
                           "JobSessionUid,JobUid,BackupServerUid,VmUid\r\n"))
      << r.output;
}

TEST_F(QueryCommandTest, ColumnsPicksAndOrdersTheFieldsPrinted) {
  const auto r = run_cli("query --db " + db_ +
                         " --type BackupTaskSession --filter "
                         "'VmUid==urn:vmware:vm:0f5b8d1e-93a6-4c72-be48-7d2e61a0c3f9.VM-4711' "
                         "--columns vmuid,Result,Duration --output csv");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(r.output.starts_with("VmUid,Result,Duration\r\n")) << r.output;
  std::size_t rows = 0;
  for (std::size_t at = r.output.find("\r\n") + 2; at < r.output.size();
       at = r.output.find("\r\n", at) + 2) {
    const std::string vm = "urn:VMware:Vm:0f5b8d1e-93a6-4c72-be48-7d2e61a0c3f9.vm-4711,";
    EXPECT_EQ(r.output.compare(at, vm.size(), vm), 0) << r.output;
    ++rows;
  }
  EXPECT_GT(rows, 0u);

  const auto unknown = run_cli("query --db " + db_ + " --type Job --columns Name,Size");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.output.find("--columns: 'Size' is not a column of Job (columns: Name, "),
            std::string::npos)
      << unknown.output;
}

TEST_F(QueryCommandTest, FailureMessagesAreQueryable) {
  const auto r = run_cli("query --db " + db_ +
                         " --type BackupJobSession --filter 'FailureMessage!=\"\"' "
                         "--columns FailureMessage --output json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\"FailureMessage\":\"Processing erp-db02 Error: Cannot connect"),
            std::string::npos)
      << r.output;
}

TEST_F(QueryCommandTest, PagesAreTheQueryServicesAndOutOfRangeOptionsSaySo) {
  const auto all = run_cli("query --db " + db_ + " --type BackupTaskSession --output csv");
  const auto page = run_cli("query --db " + db_ +
                            " --type BackupTaskSession --output csv --page-size 2 --page 2");
  ASSERT_EQ(page.exit_code, 0) << page.output;
  // The header, then the third and fourth rows of the whole list.
  std::vector<std::string> lines;
  for (std::size_t at = 0, next; (next = all.output.find("\r\n", at)) != std::string::npos;
       at = next + 2) {
    lines.push_back(all.output.substr(at, next + 2 - at));
  }
  ASSERT_GE(lines.size(), 5u) << all.output;
  EXPECT_EQ(page.output, lines[0] + lines[3] + lines[4]);

  const auto past = run_cli("query --db " + db_ + " --type BackupTaskSession --page 1000");
  EXPECT_EQ(past.exit_code, 2) << past.output;
  EXPECT_NE(past.output.find("--page: page 1000 is past the last page, 1 ("), std::string::npos)
      << past.output;
  for (const char* bad : {"--page-size 0", "--page -1", "--limit 0", "--limit 5 --page 2"}) {
    const auto r = run_cli("query --db " + db_ + " --type Job " + bad);
    EXPECT_EQ(r.exit_code, 2) << bad << "\n" << r.output;
    EXPECT_NE(r.output.find(std::string(bad).substr(0, 6)), std::string::npos) << r.output;
  }
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
