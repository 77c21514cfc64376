#include "server/arg_parser.h"

#include <gtest/gtest.h>

#include <vector>

namespace kizuna::server {
namespace {

TEST(ParseInt, AcceptsWhatRedisAccepts) {
  EXPECT_EQ(ParseInt("0"), 0);
  EXPECT_EQ(ParseInt("-12"), -12);
  EXPECT_EQ(ParseInt("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(ParseInt("-9223372036854775808"), INT64_MIN);
}

TEST(ParseInt, RejectsEverythingElse) {
  for (const char* bad : {"", "-", "+1", "01", "-0", " 1", "1 ", "1.0", "1e3", "0x10",
                          "9223372036854775808", "abc"}) {
    EXPECT_FALSE(ParseInt(bad).has_value()) << bad;
  }
}

TEST(ParseFiniteDouble, AcceptsDecimalAndExponent) {
  EXPECT_EQ(ParseFiniteDouble("2.5"), 2.5);
  EXPECT_EQ(ParseFiniteDouble("-1e3"), -1000.0);
  EXPECT_EQ(ParseFiniteDouble(".5"), 0.5);
  EXPECT_EQ(ParseFiniteDouble("7"), 7.0);
}

TEST(ParseFiniteDouble, RejectsNonFiniteAndJunk) {
  for (const char* bad :
       {"", "nan", "inf", "-inf", "infinity", "1e999", " 1", "1 ", "1x", "0x1p3", "abc"}) {
    EXPECT_FALSE(ParseFiniteDouble(bad).has_value()) << bad;
  }
  EXPECT_FALSE(ParseFiniteDouble(std::string_view("1\0", 2)).has_value());
}

TEST(ArgParser, ReadsKeywordsAndKeepsFirstError) {
  std::vector<std::string_view> args = {"EVENT", "c1", "value", "abc", "TS", "x"};
  ArgParser p(args, 2);
  EXPECT_TRUE(p.Consume("VALUE"));
  p.NextDouble();
  EXPECT_FALSE(p.ok());
  EXPECT_EQ(p.error(), kNotFloat);
  p.NextInt();  // a later failure does not replace the first error
  EXPECT_EQ(p.error(), kNotFloat);
  EXPECT_FALSE(p.HasNext());
}

TEST(ArgParser, MissingValueIsSyntaxError) {
  std::vector<std::string_view> args = {"X", "TS"};
  ArgParser p(args, 1);
  EXPECT_TRUE(p.Consume("ts"));
  p.NextInt();
  EXPECT_EQ(p.error(), kSyntaxError);
}

TEST(ArgParser, Durations) {
  std::vector<std::string_view> args = {"X", "90d", "1h30m"};
  ArgParser p(args, 1);
  EXPECT_EQ(p.NextDuration(), 90LL * 24 * 3600 * 1000);
  p.NextDuration("ERR bad");
  EXPECT_EQ(p.error(), "ERR bad");
}

TEST(WrongArgsError, RedisWording) {
  EXPECT_EQ(WrongArgsError("client|setname"),
            "ERR wrong number of arguments for 'client|setname' command");
}

}  // namespace
}  // namespace kizuna::server
