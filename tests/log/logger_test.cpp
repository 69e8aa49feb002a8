#include "log/logger.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <regex>
#include <string>
#include <vector>

namespace emarchive::log {
namespace {

using std::chrono::system_clock;

// 2026-12-02T14:20:53.123456Z
system_clock::time_point fixed_time() {
  return system_clock::time_point(std::chrono::microseconds(1796221253123456));
}

struct Captured {
  std::vector<std::string> lines;
  Logger logger(Format format) {
    return Logger(
        "ingest", format, [this](std::string_view line) { lines.emplace_back(line); }, fixed_time);
  }
};

TEST(LoggerTest, TimestampsAreUtcRfc3339WithMilliseconds) {
  EXPECT_EQ(rfc3339_ms(fixed_time()), "2026-12-02T14:20:53.123Z");
  EXPECT_EQ(rfc3339_ms(system_clock::time_point{}), "1970-01-01T00:00:00.000Z");
  const std::regex shape(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");
  EXPECT_TRUE(std::regex_match(rfc3339_ms(system_clock::now()), shape));
}

TEST(LoggerTest, TextLinesCarryTimeCommandAndSource) {
  Captured out;
  const Logger logger = out.logger(Format::text);
  logger.write(Level::info, "paris", "run finished", {{"records_new", 3}});
  logger.write(Level::error, "", "stopped on signal 15");
  ASSERT_EQ(out.lines.size(), 2u);
  EXPECT_EQ(out.lines[0], "2026-12-02T14:20:53.123Z emarchive ingest [paris]: run finished\n");
  EXPECT_EQ(out.lines[1], "2026-12-02T14:20:53.123Z emarchive ingest: stopped on signal 15\n");
}

TEST(LoggerTest, JsonLinesAreValidJsonWithTypedFields) {
  Captured out;
  const Logger logger = out.logger(Format::json);
  // Quotes, a newline, a control character and a stray byte in what EM or a user wrote.
  logger.write(Level::warning, "lyon", "GET \"x\"\n\x01 \xff failed",
               {{"records_new", 12}, {"type", "BackupJobSession"}});
  ASSERT_EQ(out.lines.size(), 1u);
  ASSERT_EQ(out.lines[0].back(), '\n');
  EXPECT_EQ(out.lines[0].find('\n'), out.lines[0].size() - 1) << "one line";
  boost::system::error_code error;
  const boost::json::value parsed = boost::json::parse(out.lines[0], error);
  ASSERT_FALSE(error) << out.lines[0];
  const boost::json::object& o = parsed.as_object();
  EXPECT_EQ(o.at("time"), "2026-12-02T14:20:53.123Z");
  EXPECT_EQ(o.at("level"), "warning");
  EXPECT_EQ(o.at("command"), "ingest");
  EXPECT_EQ(o.at("source"), "lyon");
  EXPECT_EQ(o.at("message"), "GET \"x\"\n\x01 \xEF\xBF\xBD failed");
  EXPECT_EQ(o.at("records_new").as_int64(), 12);
  EXPECT_EQ(o.at("type"), "BackupJobSession");
}

TEST(LoggerTest, JsonLinesWithoutSourceLeaveItOut) {
  Captured out;
  out.logger(Format::json).write(Level::info, "", "listening");
  const boost::json::object o = boost::json::parse(out.lines.at(0)).as_object();
  EXPECT_FALSE(o.contains("source"));
  EXPECT_EQ(o.at("message"), "listening");
}

TEST(LoggerTest, FormatsAreNamedTextOrJson) {
  EXPECT_EQ(*parse_format("text"), Format::text);
  EXPECT_EQ(*parse_format("json"), Format::json);
  auto bad = parse_format("xml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("'xml'"), std::string::npos);
}

}  // namespace
}  // namespace emarchive::log
