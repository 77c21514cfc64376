#include "server/command_docs.h"

#include <gtest/gtest.h>

namespace kizuna::server {
namespace {

TEST(ParseSyntax, KeywordValuePairsBecomeTokenArguments) {
  auto args = ParseSyntax("customer action [ITEM item] [VALUE amount]", "customer");
  ASSERT_EQ(args.size(), 4u);
  EXPECT_EQ(args[0].name, "customer");
  EXPECT_EQ(args[0].type, "key");
  EXPECT_EQ(args[1].type, "string");
  EXPECT_EQ(args[2].name, "item");
  EXPECT_EQ(args[2].token, "ITEM");
  EXPECT_TRUE(args[2].optional);
  EXPECT_FALSE(args[2].multiple);
  EXPECT_EQ(args[3].token, "VALUE");
}

TEST(ParseSyntax, AlternativesAndRepetition) {
  auto args = ParseSyntax("ON|OFF|SKIP", "");
  ASSERT_EQ(args.size(), 1u);
  EXPECT_EQ(args[0].type, "oneof");
  ASSERT_EQ(args[0].children.size(), 3u);
  EXPECT_EQ(args[0].children[1].token, "OFF");

  args = ParseSyntax("[section ...]", "");
  ASSERT_EQ(args.size(), 1u);
  EXPECT_TRUE(args[0].optional);
  EXPECT_TRUE(args[0].multiple);
}

TEST(ParseSyntax, NestedBlocks) {
  auto args = ParseSyntax("[protover [AUTH username password] [SETNAME clientname]]", "");
  ASSERT_EQ(args.size(), 1u);
  EXPECT_EQ(args[0].type, "block");
  EXPECT_TRUE(args[0].optional);
  ASSERT_EQ(args[0].children.size(), 3u);
  EXPECT_EQ(args[0].children[1].type, "block");
  EXPECT_EQ(args[0].children[2].token, "SETNAME");
}

TEST(ParseSyntax, EmptyAndUnbalancedInputDoNotCrash) {
  EXPECT_TRUE(ParseSyntax("", "").empty());
  ParseSyntax("[[[", "");
  ParseSyntax("]]] | ...", "");
}

}  // namespace
}  // namespace kizuna::server
