#include "model/query_filter.h"

#include <gtest/gtest.h>

#include <ostream>
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

// A table case's name, for the test's name: stable from run to run, so that ctest -R finds it.
template <class Case>
std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  return info.param.name;
}

struct Good {
  const char* name;
  const char* filter;
  const char* parsed;
};

void PrintTo(const Good& c, std::ostream* os) {
  *os << c.filter;
}

class QueryFilterGood : public ::testing::TestWithParam<Good> {};

TEST_P(QueryFilterGood, Parses) {
  auto parsed = parse_filter(GetParam().filter);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(show(*parsed), GetParam().parsed);
}

INSTANTIATE_TEST_SUITE_P(
    Grammar, QueryFilterGood,
    ::testing::Values(
        Good{"equals", "Result==Failed", "Result==Failed"},
        Good{"not_equals_in_lower_case", "result!=success", "result!=success"},
        Good{"at_least", "TotalSize>=1073741824", "TotalSize>=1073741824"},
        Good{"enum_greater", "Result>Success", "Result>Success"},
        Good{"less", "Progress<100", "Progress<100"},
        Good{"at_most", "Progress<=50", "Progress<=50"},
        // ';' binds tighter than ','.
        Good{"and_binds_tighter_than_a_preceding_or", "a==1;b==2,c==3", "OR(AND(a==1 b==2) c==3)"},
        Good{"and_binds_tighter_than_a_following_or", "a==1,b==2;c==3", "OR(a==1 AND(b==2 c==3))"},
        Good{"ors_of_grouped_ands",
             "(jobtype==replica;scheduleconfigured==false),(jobtype==backup;scheduleconfigured=="
             "true)",
             "OR(AND(jobtype==replica scheduleconfigured==false) AND(jobtype==backup "
             "scheduleconfigured==true))"},
        Good{"parentheses_group_an_or", "a==1;(b==2,c==3)", "AND(a==1 OR(b==2 c==3))"},
        Good{"redundant_parentheses", "((a==1))", "a==1"},
        // Quoted strings: spaces kept, "" is a quote, separators inside are text.
        Good{"quoted_value_keeps_spaces", R"f(Name=="Fileserver Backup")f",
             "Name==[Fileserver Backup]"},
        Good{"quoted_value_doubles_quotes", R"f(Name=="say ""Backup"" now")f",
             R"(Name==[say "Backup" now])"},
        Good{"quoted_value_holds_separators", R"f(Reason=="a,b;(c)")f", "Reason==[a,b;(c)]"},
        Good{"quoted_empty_value", R"f(Name=="")f", "Name==[]"},
        // Unquoted: spaces dropped, times with or without Z and quotes, UIDs.
        Good{"unquoted_value_drops_spaces", "Name==File server Backup", "Name==FileserverBackup"},
        Good{"unquoted_time_without_zone", "CreationTime>=2025-02-18T14:16:31",
             "CreationTime>=2025-02-18T14:16:31"},
        Good{"quoted_times_with_zone",
             R"f(CreationTime>="2025-08-15T06:00:00Z";CreationTime<="2025-08-16T13:00:00Z")f",
             "AND(CreationTime>=[2025-08-15T06:00:00Z] CreationTime<=[2025-08-16T13:00:00Z])"},
        Good{"uid", "JobUid==urn:veeam:Job:5d1c0e8a-7b2f-4c3d-9e4a-1f2b3c4d5e6f",
             "JobUid==urn:veeam:Job:5d1c0e8a-7b2f-4c3d-9e4a-1f2b3c4d5e6f"},
        Good{"spaces_around_tokens", "  State == Working ;  Result == None ",
             "AND(State==Working Result==None)"}),
    case_name<Good>);

struct Bad {
  const char* name;
  const char* filter;
  const char* message;
};

void PrintTo(const Bad& c, std::ostream* os) {
  *os << c.filter;
}

class QueryFilterBad : public ::testing::TestWithParam<Bad> {};

TEST_P(QueryFilterBad, IsRefusedWithPositionAndExpectation) {
  auto parsed = parse_filter(GetParam().filter);
  ASSERT_FALSE(parsed) << show(*parsed);
  EXPECT_EQ(parsed.error().message, GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Grammar, QueryFilterBad,
    ::testing::Values(
        Bad{"empty", "", "filter: at character 1: expected a comparison such as Result==Failed"},
        Bad{"no_operator", "Result",
            "filter: at character 7: expected a comparison operator (==, !=, <, <=, >, >=)"},
        Bad{"single_equals", "Result=Failed",
            "filter: at character 7: expected a comparison operator (==, !=, <, <=, >, >=)"},
        Bad{"no_value", "Result==", "filter: at character 9: expected a value"},
        Bad{"no_value_before_and", "Result==;a==1", "filter: at character 9: expected a value"},
        Bad{"no_field", "==Failed", "filter: at character 1: expected a field name"},
        Bad{"unclosed_parenthesis", "(a==1", "filter: at character 6: expected ')'"},
        Bad{"unbalanced_parenthesis", "a==1)", "filter: at character 5: unbalanced ')'"},
        Bad{"and_without_right_side", "a==1;", "filter: at character 6: expected a field name"},
        Bad{"empty_or_operand", "a==1,,b==2", "filter: at character 6: expected a field name"},
        Bad{"unterminated_quote", R"f(Name=="open)f",
            "filter: at character 7: unterminated quoted value"},
        Bad{"text_after_quote", R"f(Name=="x"y)f",
            "filter: at character 10: expected ',' (or), ';' (and) or the end"},
        Bad{"space_in_field_name", "Na me==x",
            "filter: at character 4: expected a comparison operator (==, !=, <, <=, >, >=)"},
        Bad{"sql_injection", "a==1'; DROP TABLE sessions;--",
            "filter: at character 13: expected a comparison operator (==, !=, <, <=, >, >=)"}),
    case_name<Bad>);

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

struct Relative {
  const char* name;
  const char* value;
  EmTime offset;  // from now
};

void PrintTo(const Relative& c, std::ostream* os) {
  *os << c.value;
}

class RelativeTimeGood : public ::testing::TestWithParam<Relative> {};

constexpr EmTime kNow = 1'767'225'600 * kSecond;  // 2026-01-01T00:00:00Z

TEST_P(RelativeTimeGood, CountsFromNow) {
  ASSERT_TRUE(is_relative_time(GetParam().value));
  auto t = resolve_relative_time(GetParam().value, kNow);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(*t - kNow, GetParam().offset);
}

INSTANTIATE_TEST_SUITE_P(Units, RelativeTimeGood,
                         ::testing::Values(Relative{"now", "now", 0},
                                           Relative{"upper_case", "NOW", 0},
                                           Relative{"seconds", "now-90s", -90 * kSecond},
                                           Relative{"minutes", "now-30m", -30 * kMinute},
                                           Relative{"hours", "now-12h", -12 * kHour},
                                           Relative{"days", "now-7d", -7 * kDay},
                                           Relative{"weeks", "now-2W", -14 * kDay},
                                           Relative{"ahead", "now+1d", kDay},
                                           Relative{"zero", "now-0d", 0}),
                         case_name<Relative>);

class RelativeTimeBad : public ::testing::TestWithParam<Bad> {};

TEST_P(RelativeTimeBad, SaysWhatIsWrong) {
  auto t = resolve_relative_time(GetParam().filter, kNow);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().message, GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Units, RelativeTimeBad,
    ::testing::Values(
        Bad{"no_sign", "now7d",
            "'now7d' is not a relative time: expected + or - after now (as in now-7d)"},
        Bad{"no_number", "now-d",
            "'now-d' is not a relative time: expected a number after the sign (as in now-7d)"},
        Bad{"two_signs", "now--7d",
            "'now--7d' is not a relative time: expected a number after the sign (as in now-7d)"},
        Bad{"no_unit", "now-7",
            "'now-7' is not a relative time: expected one unit after the number: s, m, h, d or w "
            "(as in now-7d)"},
        Bad{"unknown_unit", "now-7y",
            "'now-7y' is not a relative time: the unit must be s, m, h, d or w (as in now-7d)"},
        Bad{"two_units", "now-7dh",
            "'now-7dh' is not a relative time: expected one unit after the number: s, m, h, d or "
            "w (as in now-7d)"},
        Bad{"too_far", "now-9999999999w",
            "'now-9999999999w' is not a relative time: the number is too large"}),
    case_name<Bad>);

TEST(QueryFilterTest, OnlyValuesStartingWithNowAreRelative) {
  EXPECT_FALSE(is_relative_time("2026-01-01"));
  EXPECT_FALSE(is_relative_time("no"));
  EXPECT_TRUE(is_relative_time("Now-1d"));
}

}  // namespace
}  // namespace emarchive
