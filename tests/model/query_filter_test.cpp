#include "model/query_filter.h"

#include <gtest/gtest.h>

#include <string>

namespace emarchive {
namespace {

// Renders a parsed filter back in a fully parenthesized, unambiguous form for the table below:
// comparisons as field<op>value with quoted values in [brackets].
std::string show(const FilterNode& n) {
  switch (n.type) {
    case FilterNode::Type::Compare: {
      static const char* ops[] = {"==", "!=", "<", "<=", ">", ">="};
      const std::string value = n.quoted ? "[" + n.value + "]" : n.value;
      return n.field + ops[static_cast<int>(n.op)] + value;
    }
    case FilterNode::Type::And:
    case FilterNode::Type::Or: {
      std::string s = n.type == FilterNode::Type::And ? "AND(" : "OR(";
      for (std::size_t i = 0; i < n.children.size(); ++i) {
        if (i) s += " ";
        s += show(n.children[i]);
      }
      return s + ")";
    }
  }
  return "?";
}

struct Good {
  const char* filter;
  const char* parsed;
};

class QueryFilterGood : public ::testing::TestWithParam<Good> {};

TEST_P(QueryFilterGood, Parses) {
  auto parsed = parse_filter(GetParam().filter);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(show(*parsed), GetParam().parsed);
}

INSTANTIATE_TEST_SUITE_P(
    Grammar, QueryFilterGood,
    ::testing::Values(
        Good{"Result==Failed", "Result==Failed"}, Good{"result!=success", "result!=success"},
        Good{"TotalSize>=1073741824", "TotalSize>=1073741824"},
        Good{"Result>Success", "Result>Success"}, Good{"Progress<100", "Progress<100"},
        Good{"Progress<=50", "Progress<=50"},
        // ';' binds tighter than ','.
        Good{"a==1;b==2,c==3", "OR(AND(a==1 b==2) c==3)"},
        Good{"a==1,b==2;c==3", "OR(a==1 AND(b==2 c==3))"},
        Good{"(jobtype==replica;scheduleconfigured==false),(jobtype==backup;scheduleconfigured=="
             "true)",
             "OR(AND(jobtype==replica scheduleconfigured==false) AND(jobtype==backup "
             "scheduleconfigured==true))"},
        Good{"a==1;(b==2,c==3)", "AND(a==1 OR(b==2 c==3))"}, Good{"((a==1))", "a==1"},
        // Quoted strings: spaces kept, "" is a quote, separators inside are text.
        Good{R"f(Name=="Fileserver Backup")f", "Name==[Fileserver Backup]"},
        Good{R"f(Name=="say ""Backup"" now")f", R"(Name==[say "Backup" now])"},
        Good{R"f(Reason=="a,b;(c)")f", "Reason==[a,b;(c)]"}, Good{R"f(Name=="")f", "Name==[]"},
        // Unquoted: spaces dropped, times with or without Z and quotes, UIDs.
        Good{"Name==File server Backup", "Name==FileserverBackup"},
        Good{"CreationTime>=2025-02-18T14:16:31", "CreationTime>=2025-02-18T14:16:31"},
        Good{R"f(CreationTime>="2025-08-15T06:00:00Z";CreationTime<="2025-08-16T13:00:00Z")f",
             "AND(CreationTime>=[2025-08-15T06:00:00Z] CreationTime<=[2025-08-16T13:00:00Z])"},
        Good{"JobUid==urn:veeam:Job:5d1c0e8a-7b2f-4c3d-9e4a-1f2b3c4d5e6f",
             "JobUid==urn:veeam:Job:5d1c0e8a-7b2f-4c3d-9e4a-1f2b3c4d5e6f"},
        Good{"  State == Working ;  Result == None ", "AND(State==Working Result==None)"}));

struct Bad {
  const char* filter;
  const char* message;
};

class QueryFilterBad : public ::testing::TestWithParam<Bad> {};

TEST_P(QueryFilterBad, IsRefusedWithPositionAndExpectation) {
  auto parsed = parse_filter(GetParam().filter);
  ASSERT_FALSE(parsed) << show(*parsed);
  EXPECT_EQ(parsed.error().message, GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Grammar, QueryFilterBad,
    ::testing::Values(
        Bad{"", "filter: at character 1: expected a comparison such as Result==Failed"},
        Bad{"Result",
            "filter: at character 7: expected a comparison operator (==, !=, <, <=, >, >=)"},
        Bad{"Result=Failed",
            "filter: at character 7: expected a comparison operator (==, !=, <, <=, >, >=)"},
        Bad{"Result==", "filter: at character 9: expected a value"},
        Bad{"Result==;a==1", "filter: at character 9: expected a value"},
        Bad{"==Failed", "filter: at character 1: expected a field name"},
        Bad{"(a==1", "filter: at character 6: expected ')'"},
        Bad{"a==1)", "filter: at character 5: unbalanced ')'"},
        Bad{"a==1;", "filter: at character 6: expected a field name"},
        Bad{"a==1,,b==2", "filter: at character 6: expected a field name"},
        Bad{R"f(Name=="open)f", "filter: at character 7: unterminated quoted value"},
        Bad{R"f(Name=="x"y)f", "filter: at character 10: expected ',' (or), ';' (and) or the end"},
        Bad{"Na me==x",
            "filter: at character 4: expected a comparison operator (==, !=, <, <=, >, >=)"},
        Bad{"a==1'; DROP TABLE sessions;--",
            "filter: at character 13: expected a comparison operator (==, !=, <, <=, >, >=)"}));

TEST(QueryFilterTest, DeepNestingIsRefusedNotACrash) {
  std::string filter(10000, '(');
  filter += "a==1";
  filter += std::string(10000, ')');
  auto parsed = parse_filter(filter);
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message.find("nested too deeply"), std::string::npos);
}

TEST(QueryFilterTest, ManyComparisonsAreRefusedBeforeTheyBecomeHugeSql) {
  std::string filter = "a==1";
  for (int i = 0; i < 200; ++i) filter += ",a==1";
  auto parsed = parse_filter(filter);
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message.find("more than 200 comparisons"), std::string::npos);
  filter.resize(filter.size() - 5);  // 200 comparisons are fine
  EXPECT_TRUE(parse_filter(filter));
}

TEST(QueryFilterTest, PositionsPointAtFieldNames) {
  auto parsed = parse_filter("a==1;bb==2");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->children.at(0).position, 0u);
  EXPECT_EQ(parsed->children.at(1).position, 5u);
}

}  // namespace
}  // namespace emarchive
