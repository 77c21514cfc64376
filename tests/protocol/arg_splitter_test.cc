#include "protocol/arg_splitter.h"

#include <gtest/gtest.h>

namespace kizuna::protocol {
namespace {

std::vector<std::string> Split(std::string_view line) {
  std::vector<std::string> out;
  EXPECT_TRUE(SplitArgs(line, &out)) << line;
  return out;
}

TEST(SplitArgs, WordsAndQuotes) {
  using V = std::vector<std::string>;
  EXPECT_EQ(Split("a b  c"), (V{"a", "b", "c"}));
  EXPECT_EQ(Split("  "), V{});
  EXPECT_EQ(Split("\"a b\" 'c d'"), (V{"a b", "c d"}));
  EXPECT_EQ(Split("\"\\x41\\x7a\\n\\r\\t\\b\\a\\\\\\\"\""), (V{"Az\n\r\t\b\a\\\""}));
  EXPECT_EQ(Split("'it\\'s' 'a\\nb'"), (V{"it's", "a\\nb"}));
  EXPECT_EQ(Split("\"\""), (V{""}));
  EXPECT_EQ(Split("a\"b c\""), (V{"ab c"}));
  EXPECT_EQ(Split("\"\\xZZ\""), (V{"xZZ"}));
}

TEST(SplitArgs, UnbalancedQuotesFail) {
  std::vector<std::string> out;
  EXPECT_FALSE(SplitArgs("\"abc", &out));
  EXPECT_FALSE(SplitArgs("'abc", &out));
  EXPECT_FALSE(SplitArgs("\"abc\"def", &out));
  EXPECT_FALSE(SplitArgs("'abc'def", &out));
}

}  // namespace
}  // namespace kizuna::protocol
