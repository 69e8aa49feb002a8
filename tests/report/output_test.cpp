// The output formats read back: CSV by an RFC 4180 parser, JSON by Boost.JSON, HTML by an XML
// parser (the page is well-formed), with values chosen to break careless writers.

#include "report/output.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <pugixml.hpp>

#include <sstream>
#include <string>
#include <vector>

namespace emarchive::report {
namespace {

Report sample() {
  Report r;
  r.name = "coverage";
  r.title = "Backup coverage per VM";
  r.from = 0;
  r.to = 2 * kDay;
  r.time_zone = "Europe/Zürich";
  r.table.columns = {"vm", "days", "rate", "ok", "last", "reason"};
  r.table.rows = {
      {std::string("=SUM(A1:A9)"), std::int64_t{2}, 50.0, true, TimeCell{kDay + kHour},
       std::string("a, \"b\"\nc")},
      {std::string("-rm <script>&amp;"), std::int64_t{-1}, 0.3, false, Cell{},
       std::string("@once +twice Zürich")},
  };
  r.grid = Grid{{"1970-01-01", "1970-01-02"},
                {{"backup: =SUM(A1:A9)", {DayMark::Success, DayMark::Failed}},
                 {"backup: -rm <script>&amp;", {DayMark::Warning, DayMark::None}}}};
  return r;
}

// RFC 4180: fields separated by commas, records by CRLF, quoted fields with "" for a quote.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> records(1, std::vector<std::string>(1));
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        records.back().back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        records.back().back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      records.back().emplace_back();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      records.emplace_back(1);
      ++i;
    } else {
      records.back().back() += c;
    }
  }
  EXPECT_FALSE(quoted) << "unterminated quote";
  EXPECT_EQ(records.back(), std::vector<std::string>(1)) << "ends with CRLF";
  records.pop_back();
  return records;
}

TEST(OutputTest, CsvReadsBackWithFormulasNeutralized) {
  std::ostringstream out;
  write_csv(sample(), out);
  const auto records = parse_csv(out.str());
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0], (std::vector<std::string>{"vm", "days", "rate", "ok", "last", "reason"}));
  EXPECT_EQ(records[1], (std::vector<std::string>{"'=SUM(A1:A9)", "2", "50.0", "yes",
                                                  "1970-01-02T01:00:00Z", "a, \"b\"\nc"}));
  // Text is neutralized; a number, even negative, is not.
  EXPECT_EQ(records[2], (std::vector<std::string>{"'-rm <script>&amp;", "-1", "0.3", "no", "",
                                                  "'@once +twice Zürich"}));
}

TEST(OutputTest, JsonKeepsTypes) {
  std::ostringstream out;
  write_json(sample(), out);
  const auto root = boost::json::parse(out.str()).as_object();
  EXPECT_EQ(root.at("report").as_string(), "coverage");
  EXPECT_EQ(root.at("time_zone").as_string(), "Europe/Zürich");
  const auto& first = root.at("rows").as_array().at(0).as_object();
  EXPECT_EQ(first.at("vm").as_string(), "=SUM(A1:A9)") << "JSON is for scripts: kept as is";
  EXPECT_EQ(first.at("days").as_int64(), 2);
  EXPECT_DOUBLE_EQ(first.at("rate").as_double(), 50.0);
  EXPECT_EQ(first.at("ok").as_bool(), true);
  EXPECT_EQ(first.at("last").as_string(), "1970-01-02T01:00:00Z");
  EXPECT_TRUE(root.at("rows").as_array().at(1).as_object().at("last").is_null());
  const auto& grid = root.at("grid").as_object();
  EXPECT_EQ(grid.at("rows").as_array().at(0).as_object().at("marks").as_array().at(1).as_string(),
            "failed");
}

TEST(OutputTest, HtmlIsOneWellFormedPageWithTheTableAndTheGrid) {
  std::ostringstream out;
  write_html(sample(), out);
  const std::string html = out.str();
  pugi::xml_document doc;
  const auto parsed = doc.load_string(html.c_str());
  ASSERT_TRUE(parsed) << parsed.description() << " at " << parsed.offset;
  // Self-contained: nothing is fetched.
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);
  EXPECT_EQ(html.find("<script>"), std::string::npos) << "values are escaped";
  const auto cells = doc.select_nodes("//table[@class='report']/tr/td");
  ASSERT_EQ(cells.size(), 12u);
  EXPECT_STREQ(cells[6].node().text().get(), "-rm <script>&amp;");
  EXPECT_STREQ(cells[5].node().text().get(), "a, \"b\"\nc");
  const auto grid = doc.select_nodes("//table[@class='grid']/tr");
  ASSERT_EQ(grid.size(), 3u) << "the days and one row per VM";
  EXPECT_STREQ(grid[1].node().child("th").text().get(), "backup: =SUM(A1:A9)");
  EXPECT_STREQ(grid[1].node().select_node("td[2]").node().attribute("class").value(), "failed");
  EXPECT_STREQ(grid[2].node().select_node("td[1]").node().text().get(), "W");
}

TEST(OutputTest, TableIsAlignedOneLineARow) {
  std::ostringstream out;
  write_table(sample(), out);
  std::istringstream lines(out.str());
  std::string title, blank, header, first, second;
  std::getline(lines, title);
  std::getline(lines, blank);
  std::getline(lines, header);
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_EQ(title, "Backup coverage per VM, 1970-01-01T00:00:00Z to 1970-01-03T00:00:00Z (days "
                   "in Europe/Zürich)");
  EXPECT_EQ(first.find("a, \"b\" c"), first.find("a, \"b\"")) << "the line break became a space";
  // "days" starts in the same column on every line (the first column is ASCII here).
  EXPECT_EQ(header.find("days"), first.find("2 "));
  EXPECT_EQ(header.find("days"), second.find("-1"));
  std::string rest;
  EXPECT_FALSE(std::getline(lines, rest));
}

TEST(OutputTest, FormatsAreNamed) {
  EXPECT_TRUE(parse_format("html"));
  const auto bad = parse_format("xlsx");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("xlsx"), std::string::npos);
}

}  // namespace
}  // namespace emarchive::report
