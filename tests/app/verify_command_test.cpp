// `emarchive verify`, `attest` and `--attest-log` as an auditor uses them: archives built by a
// real import and a real ingest from the simulator, a row edited with sqlite3's means, and the
// head kept in a file outside the archive.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "tests/support/cli.h"
#include "tests/support/simulated_em.h"
#include "tests/support/test_data.h"

namespace emarchive {
namespace {

using testing::data_dir;
using testing::run_cli;
using testing::shell_quote;
using testing::TempDir;

const std::regex kHeadLine(
    "emarchive-head sha256=([0-9a-f]{64}) entry=([0-9]+) run=([0-9]+|-) at=[0-9T:.Z-]+ "
    "records=([0-9]+) revisions=([0-9]+)");

// Every head line in `text`, in order, whole.
// Each head line's groups, copied: the text may be a temporary.
std::vector<std::vector<std::string>> head_lines(const std::string& text) {
  std::vector<std::vector<std::string>> lines;
  for (auto m = std::sregex_iterator(text.begin(), text.end(), kHeadLine);
       m != std::sregex_iterator(); ++m) {
    lines.emplace_back(m->begin(), m->end());
  }
  return lines;
}

class VerifyCommandTest : public ::testing::Test {
 protected:
  std::string q(const std::string& name) const { return shell_quote((dir_ / name).string()); }

  TempDir dir_;
  const std::string db_ = q("archive.db");
  const std::string log_ = q("heads.log");
};

TEST_F(VerifyCommandTest, AnImportedArchiveVerifiesAndItsHeadIsPrintedLoggedAndAttested) {
  const auto imported = run_cli("import --db " + db_ + " --attest-log " + log_ + " " +
                                shell_quote((data_dir() / "em").string()));
  ASSERT_EQ(imported.exit_code, 0) << imported.output;
  const auto printed = head_lines(imported.output);
  ASSERT_EQ(printed.size(), 1u) << imported.output;
  EXPECT_EQ(printed[0][3], "1");  // the import's run
  EXPECT_NE(printed[0][4], "0");

  const std::string logged = testing::read_file(dir_ / "heads.log");
  EXPECT_EQ(logged, printed[0][0] + "\n");
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "heads.log").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  const auto attested = run_cli("attest --db " + db_);
  EXPECT_EQ(attested.exit_code, 0) << attested.output;
  EXPECT_EQ(attested.output, printed[0][0] + "\n");
  const auto json = run_cli("attest --output json --db " + db_);
  EXPECT_EQ(boost::json::parse(json.output).at("sha256").as_string(), printed[0][1]);

  const auto verified = run_cli("verify --db " + db_ + " --expect-head " + printed[0][1]);
  EXPECT_EQ(verified.exit_code, 0) << verified.output;
  EXPECT_NE(verified.output.find("verify: OK"), std::string::npos) << verified.output;
  EXPECT_NE(verified.output.find("reaches the expected head at entry " + printed[0][2]),
            std::string::npos)
      << verified.output;

  // A second import of the same documents changes nothing: the same head, logged again.
  ASSERT_EQ(run_cli("import --db " + db_ + " --attest-log " + log_ + " " +
                    shell_quote((data_dir() / "em").string()))
                .exit_code,
            0);
  EXPECT_EQ(testing::read_file(dir_ / "heads.log"), logged + logged);
}

TEST_F(VerifyCommandTest, AnEditedSessionFailsWithExitFourNamingItsUid) {
  ASSERT_EQ(
      run_cli("import --db " + db_ + " " + shell_quote((data_dir() / "em").string())).exit_code, 0);
  const std::string head = head_lines(run_cli("attest --db " + db_).output).at(0)[1];
  std::string uid;
  {
    SQLite::Database db((dir_ / "archive.db").string(), SQLite::OPEN_READWRITE);
    uid = db.execAndGet(
                "SELECT r.uid FROM sessions s JOIN records r ON r.id = s.record_id "
                "WHERE s.result = 'Failed' AND EXISTS (SELECT 1 FROM representations p "
                "WHERE p.record_id = r.id AND p.form = 1) ORDER BY r.id LIMIT 1")
              .getString();
    db.exec(
        "UPDATE sessions SET result = 'Success' WHERE record_id = "
        "(SELECT id FROM records WHERE uid = '" +
        uid + "')");
  }
  const auto verified = run_cli("verify --db " + db_);
  EXPECT_EQ(verified.exit_code, 4) << verified.output;
  EXPECT_TRUE(std::regex_search(
      verified.output, std::regex("verify: " + uid +
                                  " entity revision [0-9]+: the archived rows re-render to "
                                  "sha256 [0-9a-f]{64}, revision [0-9]+ says [0-9a-f]{64}")))
      << verified.output;
  EXPECT_NE(verified.output.find("verify: FAILED"), std::string::npos);

  const auto json = run_cli("verify --output json --db " + db_ + " --expect-head " + head);
  EXPECT_EQ(json.exit_code, 4);
  const boost::json::value report = boost::json::parse(json.output);
  EXPECT_FALSE(report.at("ok").as_bool());
  EXPECT_TRUE(report.at("tallies_checked").as_bool());
  EXPECT_EQ(report.at("problems").at(0).at("uid").as_string(), uid);
  // The head itself still recomputes: the edit is in the rows, not in what the chain covers.
  EXPECT_EQ(report.at("expected_head").at("sha256").as_string(), head);
}

TEST_F(VerifyCommandTest, AnArchiveIngestedFromTheSimulatorVerifiesRunAfterRun) {
  sim::HistoryOptions history;
  history.days = 2;
  history.jobs = 3;
  history.vms = 6;
  testing::SimulatedEm em(history, testing::at("2026-11-28T21:00:00Z"));
  std::ofstream(dir_ / "password") << "any password\n";
  const std::string ingest = "ingest --db " + db_ + " --url " + shell_quote(em.base_url()) +
                             " --user tester --password-file " + q("password") + " --attest-log " +
                             log_;
  const auto first = run_cli(ingest);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  em.advance_to(testing::at("2026-11-29T03:00:00Z"));
  const auto second = run_cli(ingest);
  ASSERT_EQ(second.exit_code, 0) << second.output;

  const auto logged = head_lines(testing::read_file(dir_ / "heads.log"));
  ASSERT_EQ(logged.size(), 2u);
  EXPECT_EQ(logged[0][3], "1");
  EXPECT_EQ(logged[1][3], "2");
  EXPECT_LT(std::stoll(logged[0][2]), std::stoll(logged[1][2]));
  // Both heads, the earlier one included, hold after the second run.
  for (const auto& head : logged) {
    const auto verified = run_cli("verify --db " + db_ + " --expect-head " + head[1]);
    EXPECT_EQ(verified.exit_code, 0) << verified.output;
  }
}

TEST_F(VerifyCommandTest, UsageAndOpeningErrorsAreNotVerdicts) {
  ASSERT_EQ(
      run_cli("import --db " + db_ + " " + shell_quote((data_dir() / "em").string())).exit_code, 0);
  const auto bad_head = run_cli("verify --db " + db_ + " --expect-head 12ab");
  EXPECT_EQ(bad_head.exit_code, 2) << bad_head.output;
  EXPECT_NE(bad_head.output.find("64 hex digits"), std::string::npos) << bad_head.output;
  EXPECT_EQ(run_cli("verify --db " + q("missing.db")).exit_code, 1);
  EXPECT_EQ(run_cli("attest --db " + q("missing.db")).exit_code, 1);
}

}  // namespace
}  // namespace emarchive
