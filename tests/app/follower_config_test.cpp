#include "app/follower_config.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>
#include <string>

#include "tests/support/test_data.h"

namespace emarchive::app {
namespace {

using testing::TempDir;

class FollowerConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write(password_, "s3cret-password\n");
    ::chmod(password_.c_str(), 0600);
  }

  static void write(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
  }

  // A source section for `name` with the keys every source needs, then `extra` lines.
  std::string source(const std::string& name, const std::string& extra = "") const {
    return "[source \"" + name + "\"]\nurl = https://em-" + name +
           ".example:9398\nuser = CONTOSO\\svc\npassword_file = " + password_ + "\n" + extra;
  }

  Expected<FollowerConfig> parse(const std::string& text) const {
    return parse_follower_config(text, "ingest.conf", kMinIngestInterval);
  }

  TempDir dir_;
  const std::string password_ = (dir_ / "paris.password").string();
};

TEST_F(FollowerConfigTest, ReadsEveryKeyOfEverySource) {
  write((dir_ / "ca.pem").string(), "not checked here\n");
  const std::string text = "# two EMs\n\n" +
                           source("paris", "ca_file = " + (dir_ / "ca.pem").string() +
                                               "\ninterval = 5m\ntypes = BackupJobSession, Job\n"
                                               "since = 2026-01-31\npage_size = 200\n"
                                               "retries = 2\noverlap = 2h\n") +
                           "; the lab EM\n" + source("lab-2", "insecure = true\ninterval = 30s\n");
  auto config = parse(text);
  ASSERT_TRUE(config) << config.error().message;
  ASSERT_EQ(config->sources.size(), 2u);
  const SourceConfig& paris = config->sources[0];
  EXPECT_EQ(paris.name, "paris");
  EXPECT_EQ(paris.line, 3);
  EXPECT_EQ(paris.url, "https://em-paris.example:9398");
  EXPECT_EQ(paris.user, "CONTOSO\\svc");
  EXPECT_EQ(paris.password, "s3cret-password");
  EXPECT_EQ(paris.ca_file, (dir_ / "ca.pem").string());
  EXPECT_EQ(paris.interval, std::chrono::minutes(5));
  ASSERT_EQ(paris.types.size(), 2u);
  EXPECT_EQ(paris.types[1]->name, "Job");
  EXPECT_EQ(paris.since, *parse_em_time("2026-01-31T00:00:00Z"));
  EXPECT_EQ(paris.page_size, 200);
  EXPECT_EQ(paris.retries, 2);
  EXPECT_EQ(paris.overlap, std::chrono::hours(2));
  const SourceConfig& lab = config->sources[1];
  EXPECT_TRUE(lab.insecure);
  EXPECT_EQ(lab.interval, std::chrono::seconds(30));
  EXPECT_TRUE(lab.types.empty());
  EXPECT_EQ(lab.page_size, 500);
  // insecure = true is accepted, and said.
  ASSERT_EQ(config->warnings.size(), 1u);
  EXPECT_NE(config->warnings[0].find("ingest.conf:"), std::string::npos);
  EXPECT_NE(config->warnings[0].find("not verified"), std::string::npos);
}

TEST_F(FollowerConfigTest, WarnsOfAPasswordFileOthersCanRead) {
  ::chmod(password_.c_str(), 0644);
  auto config = parse(source("paris"));
  ASSERT_TRUE(config) << config.error().message;
  ASSERT_EQ(config->warnings.size(), 1u);
  EXPECT_EQ(config->warnings[0].rfind("ingest.conf:4: warning: password_file", 0), 0u)
      << config->warnings[0];
  EXPECT_NE(config->warnings[0].find("chmod 600"), std::string::npos);
}

TEST_F(FollowerConfigTest, AFileWithoutSourcesIsRefused) {
  auto config = parse("# nothing yet\n");
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message.find("nothing to follow"), std::string::npos);
}

// A mistake and where the error must point: "ingest.conf:LINE: ..." and words of the reason.
struct BadConfig {
  const char* name;
  std::string text;  // $SOURCE stands for a valid section named "paris" (lines 1-4)
  int line;
  const char* says;
};

class BadFollowerConfigTest : public FollowerConfigTest,
                              public ::testing::WithParamInterface<BadConfig> {};

TEST_P(BadFollowerConfigTest, IsRefusedWithFileLineAndReason) {
  std::string text = GetParam().text;
  if (const auto at = text.find("$SOURCE"); at != std::string::npos) {
    text.replace(at, 7, source("paris"));
  }
  auto config = parse(text);
  ASSERT_FALSE(config) << text;
  const std::string& message = config.error().message;
  EXPECT_EQ(message.rfind("ingest.conf:" + std::to_string(GetParam().line) + ": ", 0), 0u)
      << message;
  EXPECT_NE(message.find(GetParam().says), std::string::npos) << message;
}

INSTANTIATE_TEST_SUITE_P(
    Mistakes, BadFollowerConfigTest,
    ::testing::Values(
        BadConfig{"UnknownKey", "$SOURCEpasword_file = /x\n", 5, "unknown key 'pasword_file'"},
        BadConfig{"IntervalUnderTheFloor", "$SOURCEinterval = 10s\n", 5, "under 30s"},
        BadConfig{"MissingPasswordFile",
                  "[source \"paris\"]\nurl = http://em:9399\nuser = u\n"
                  "password_file = /nonexistent/paris.password\n",
                  4, "/nonexistent/paris.password is not a readable file"},
        BadConfig{"DuplicateName", "$SOURCE\n[source \"paris\"]\n", 6, "named twice"},
        BadConfig{"KeyTwice", "$SOURCEuser = other\n", 5, "'user' is set twice"},
        BadConfig{"KeyOutsideASection", "url = http://em:9399\n", 1, "outside"},
        BadConfig{"MissingUrl", "[source \"paris\"]\nuser = u\n", 1, "has no 'url'"},
        BadConfig{"OtherSection", "[global]\n", 1, "expected a section header"},
        BadConfig{"NameWithSpaces", "[source \"two words\"]\n", 1, "source name"},
        BadConfig{"LineWithoutEquals", "$SOURCEinterval 5m\n", 5, "KEY = VALUE"},
        BadConfig{"BadDuration", "$SOURCEinterval = soon\n", 5, "invalid duration 'soon'"},
        BadConfig{"UnknownType", "$SOURCEtypes = Jobs\n", 5, "types:"},
        BadConfig{"BadSince", "$SOURCEsince = yesterday\n", 5, "since:"},
        BadConfig{"PageSizeOutOfRange", "$SOURCEpage_size = 0\n", 5, "from 1 to 10000"},
        BadConfig{"InsecureNotBoolean", "$SOURCEinsecure = yes\n", 5, "neither true nor false"}),
    [](const ::testing::TestParamInfo<BadConfig>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace emarchive::app
