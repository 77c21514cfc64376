#include "protocol/arg_splitter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kizuna::protocol {
namespace {

using namespace std::string_literals;
using Args = std::vector<std::string>;

Args Split(std::string_view line) {
  Args out;
  EXPECT_TRUE(SplitArgs(line, &out)) << line;
  return out;
}

bool Fails(std::string_view line) {
  Args out;
  return !SplitArgs(line, &out);
}

TEST(SplitArgs, Words) {
  EXPECT_EQ(Split("a b  c"), (Args{"a", "b", "c"}));
  EXPECT_EQ(Split(""), Args{});
  EXPECT_EQ(Split("  \t "), Args{});
  EXPECT_EQ(Split("\tSET\tk v\r\n"), (Args{"SET", "k", "v"}));
  EXPECT_EQ(Split("a\\nb"), Args{"a\\nb"});  // no escapes outside quotes
  EXPECT_EQ(Split("\x01\xff"), Args{"\x01\xff"});
  EXPECT_EQ(Split("a\0b c"s), (Args{"a\0b"s, "c"}));  // binary-safe (Redis stops at NUL)
}

TEST(SplitArgs, SpacesFollowRedis) {
  // \v and \f separate arguments but do not end an unquoted word (sdssplitargs).
  EXPECT_EQ(Split("\va\fb\v c"), (Args{"a\fb\v", "c"}));
  EXPECT_EQ(Split("\"a\"\v\"b\""), (Args{"a", "b"}));
}

TEST(SplitArgs, DoubleQuotes) {
  EXPECT_EQ(Split("\"a b\" c"), (Args{"a b", "c"}));
  EXPECT_EQ(Split("\"\""), Args{""});
  EXPECT_EQ(Split("\"\" \"\""), (Args{"", ""}));
  EXPECT_EQ(Split("\"\\x41\\x7a\\x7A\\n\\r\\t\\b\\a\\\\\\\"\""), (Args{"Azz\n\r\t\b\a\\\""}));
  EXPECT_EQ(Split("\"\\x00\""), Args{"\0"s});
  EXPECT_EQ(Split("\"\\xZZ\\x4\""), Args{"xZZx4"});  // not hex: the escaped byte itself
  EXPECT_EQ(Split("\"\\q\\'\""), Args{"q'"});
  EXPECT_EQ(Split("\"it's\""), Args{"it's"});
  EXPECT_EQ(Split("a\"b c\""), Args{"ab c"});  // a quote may open mid-word
  EXPECT_EQ(Split("\"a\"\t'b'"), (Args{"a", "b"}));
}

TEST(SplitArgs, SingleQuotes) {
  EXPECT_EQ(Split("'c d'"), Args{"c d"});
  EXPECT_EQ(Split("'it\\'s' 'a\\nb'"), (Args{"it's", "a\\nb"}));
  EXPECT_EQ(Split("'\\x41\"'"), Args{"\\x41\""});
  EXPECT_EQ(Split("''"), Args{""});
}

TEST(SplitArgs, UnbalancedQuotesFail) {
  EXPECT_TRUE(Fails("\"abc"));
  EXPECT_TRUE(Fails("'abc"));
  EXPECT_TRUE(Fails("\"abc\"def"));
  EXPECT_TRUE(Fails("'abc'def"));
  EXPECT_TRUE(Fails("\"abc\"\"def\""));
  EXPECT_TRUE(Fails("\"abc\\\""));  // the closing quote is escaped
  EXPECT_TRUE(Fails("\"abc\\"));
  EXPECT_TRUE(Fails("'abc\\'"));
  EXPECT_TRUE(Fails("ok \""));
}

TEST(SplitArgsInPlace, UnescapesWhereTheArgumentLies) {
  std::string line = "SET \"a\\x41\" 'b c'  d";
  std::vector<std::pair<size_t, size_t>> spans = {{99, 99}};  // cleared first
  ASSERT_TRUE(SplitArgsInPlace(line.data(), line.data() + line.size(), &spans));
  ASSERT_EQ(spans.size(), 4u);
  EXPECT_EQ(spans[0], (std::pair<size_t, size_t>{0, 3}));
  EXPECT_EQ(spans[1], (std::pair<size_t, size_t>{4, 2}));
  EXPECT_EQ(line.substr(spans[1].first, spans[1].second), "aA");
  EXPECT_EQ(line.substr(spans[2].first, spans[2].second), "b c");
  EXPECT_EQ(line.substr(spans[3].first, spans[3].second), "d");
}

TEST(SplitArgsInPlace, EmptyRange) {
  std::vector<std::pair<size_t, size_t>> spans;
  char c = 'x';
  EXPECT_TRUE(SplitArgsInPlace(&c, &c, &spans));
  EXPECT_TRUE(spans.empty());
}

}  // namespace
}  // namespace kizuna::protocol
