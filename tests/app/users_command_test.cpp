// `emarchive users add|list|remove` as an administrator runs them: a real process on a real file.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <string>

#include "api/users_file.h"
#include "tests/support/cli.h"
#include "tests/support/test_data.h"

namespace emarchive {
namespace {

using emarchive::testing::run_cli;
using emarchive::testing::shell_quote;
using emarchive::testing::TempDir;

class UsersCommandTest : public ::testing::Test {
 protected:
  testing::CliRun users(const std::string& args, const std::string& password = "") {
    std::string command = "users " + args + " --users " + shell_quote(file_);
    if (!password.empty()) {
      std::ofstream(dir_ / "pw", std::ios::trunc) << password << "\n";
      command += " --password-file " + shell_quote((dir_ / "pw").string());
    }
    return run_cli(command);
  }
  std::string contents() {
    std::ifstream in(file_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  TempDir dir_;
  std::string file_ = (dir_ / "users").string();
};

TEST_F(UsersCommandTest, AShortPasswordIsRefusedAndNothingIsWritten) {
  const auto added = users("add --user auditor", "eleven char");
  EXPECT_EQ(added.exit_code, 2) << added.output;
  EXPECT_NE(added.output.find("the password is shorter than 12 characters"), std::string::npos)
      << added.output;
  EXPECT_FALSE(std::filesystem::exists(file_));
}

TEST_F(UsersCommandTest, ListsRemovesAndKeepsTheRestPrivate) {
  ASSERT_EQ(users("add --user mallory-ops", "a long passphrase").exit_code, 0);
  ASSERT_EQ(users("add --user auditor", "another long one").exit_code, 0);

  const auto listed = users("list");
  EXPECT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_EQ(listed.output, "auditor\nmallory-ops\n");

  const auto removed = users("remove --user mallory-ops");
  EXPECT_EQ(removed.exit_code, 0) << removed.output;
  EXPECT_NE(removed.output.find("removed mallory-ops"), std::string::npos) << removed.output;
  EXPECT_EQ(users("list").output, "auditor\n");
  struct stat st {};
  ASSERT_EQ(stat(file_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // The one left still logs on: its line was kept as it was.
  auto file = api::UsersFile::load(file_);
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_TRUE(file->verify("auditor", "another long one"));
}

TEST_F(UsersCommandTest, RemovingAnUnknownOrTheLastUserIsRefusedAndChangesNothing) {
  ASSERT_EQ(users("add --user auditor", "a long passphrase").exit_code, 0);
  const std::string before = contents();

  const auto unknown = users("remove --user nobody");
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.output.find("no user nobody in " + file_), std::string::npos) << unknown.output;

  const auto last = users("remove --user auditor");
  EXPECT_EQ(last.exit_code, 1);
  EXPECT_NE(last.output.find("auditor is the only user"), std::string::npos) << last.output;
  EXPECT_EQ(contents(), before);

  const auto missing = run_cli("users list --users " + shell_quote((dir_ / "none").string()));
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find((dir_ / "none").string()), std::string::npos) << missing.output;
}

}  // namespace
}  // namespace emarchive
