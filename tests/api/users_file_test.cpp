#include "api/users_file.h"

#include <fstream>

#include <gtest/gtest.h>

#include "tests/support/test_data.h"

namespace emarchive::api {
namespace {

// The floor keeps the tests fast while exercising the real scheme.
constexpr unsigned kIterations = kMinPbkdf2Iterations;

TEST(UsersFileTest, GeneratedLineVerifiesOnlyTheRightPassword) {
  auto line = make_users_line("TECH\\alice", "s3cret:with colon", kIterations);
  ASSERT_TRUE(line) << line.error().message;
  EXPECT_EQ(line->rfind("TECH\\alice:pbkdf2-sha256:200000:", 0), 0u) << *line;

  auto file = UsersFile::parse("# operators\n\n" + *line + "\n", "users.txt");
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_EQ(file->size(), 1u);
  EXPECT_TRUE(file->verify("TECH\\alice", "s3cret:with colon"));
  EXPECT_FALSE(file->verify("TECH\\alice", "s3cret"));
  EXPECT_FALSE(file->verify("tech\\alice", "s3cret:with colon"));
  EXPECT_FALSE(file->verify("bob", "s3cret:with colon"));
}

TEST(UsersFileTest, SaltIsFreshForEveryLine) {
  auto first = make_users_line("alice", "pw", kIterations);
  auto second = make_users_line("alice", "pw", kIterations);
  ASSERT_TRUE(first && second);
  EXPECT_NE(*first, *second);
}

TEST(UsersFileTest, RefusesNamesAndIterationCountsItCannotWrite) {
  EXPECT_FALSE(make_users_line("", "pw", kIterations));
  EXPECT_FALSE(make_users_line("a:b", "pw", kIterations));
  EXPECT_FALSE(make_users_line("a\nb", "pw", kIterations));
  EXPECT_FALSE(make_users_line("alice", "pw", 1000));
}

TEST(UsersFileTest, ParseErrorsNameTheSourceAndLine) {
  // A valid line to put before each broken one, so that the line number is not always 1.
  auto good = make_users_line("alice", "pw", kIterations);
  ASSERT_TRUE(good);
  const std::string salt16 = "AAAAAAAAAAAAAAAAAAAAAA==";                      // 16 zero bytes
  const std::string hash32 = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";  // 32 zero bytes
  struct Case {
    std::string line;
    std::string expected;
  };
  const Case cases[] = {
      {"bob", "users.txt:3: expected name:pbkdf2-sha256:"},
      {"bob:bcrypt:200000:" + salt16 + ":" + hash32, "users.txt:3: unknown hash scheme 'bcrypt'"},
      {"bob:pbkdf2-sha256:lots:" + salt16 + ":" + hash32,
       "users.txt:3: iterations 'lots' is not a number"},
      {"bob:pbkdf2-sha256:1000:" + salt16 + ":" + hash32,
       "users.txt:3: iterations 1000 below the minimum 200000"},
      {"bob:pbkdf2-sha256:200000:not base64!:" + hash32, "users.txt:3: salt is not base64"},
      {"bob:pbkdf2-sha256:200000:AAAA:" + hash32, "users.txt:3: salt has 3 bytes"},
      {"bob:pbkdf2-sha256:200000:" + salt16 + ":AAAA", "users.txt:3: hash has 3 bytes"},
      {":pbkdf2-sha256:200000:" + salt16 + ":" + hash32, "users.txt:3: empty user name"},
      {*good, "users.txt:3: user 'alice' listed twice"},
  };
  for (const Case& c : cases) {
    auto file = UsersFile::parse(*good + "\n# comment\n" + c.line + "\n", "users.txt");
    ASSERT_FALSE(file) << c.line;
    EXPECT_EQ(file.error().message.rfind(c.expected, 0), 0u)
        << "line: " << c.line << "\nerror: " << file.error().message;
  }
}

TEST(UsersFileTest, EmptyFileIsAnError) {
  auto file = UsersFile::parse("# nobody yet\n", "users.txt");
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().message, "users.txt: no users");
}

TEST(UsersFileTest, LoadNamesTheFile) {
  testing::TempDir dir;
  auto missing = UsersFile::load(dir / "absent.txt");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("absent.txt"), std::string::npos);

  auto line = make_users_line("alice", "pw", kIterations);
  ASSERT_TRUE(line);
  const auto path = dir / "users.txt";
  std::ofstream(path) << *line << "\r\nbroken\r\n";
  auto broken = UsersFile::load(path);
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().message.rfind(path.string() + ":2: ", 0), 0u) << broken.error().message;

  std::ofstream(path) << *line << "\r\n";  // Windows line ends are fine
  auto loaded = UsersFile::load(path);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_TRUE(loaded->verify("alice", "pw"));
}

}  // namespace
}  // namespace emarchive::api
