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

TEST(ParseSyntax, TypedWordsAndKeywordGroups) {
  auto args = ParseSyntax("[protover:integer [AUTH (username password)] [SETNAME clientname]]", "");
  ASSERT_EQ(args.size(), 1u);
  ASSERT_EQ(args[0].children.size(), 3u);
  EXPECT_EQ(args[0].children[0].name, "protover");
  EXPECT_EQ(args[0].children[0].type, "integer");
  const DocArg& auth = args[0].children[1];
  EXPECT_EQ(auth.type, "block");
  EXPECT_EQ(auth.token, "AUTH");
  EXPECT_TRUE(auth.optional);
  ASSERT_EQ(auth.children.size(), 2u);
  EXPECT_TRUE(auth.children[0].token.empty());

  // A one-item group stays a block, so the keyword names the block, not the item.
  args = ParseSyntax("[ID (client-id:integer ...)]", "");
  ASSERT_EQ(args.size(), 1u);
  EXPECT_EQ(args[0].type, "block");
  EXPECT_EQ(args[0].token, "ID");
  ASSERT_EQ(args[0].children.size(), 1u);
  EXPECT_EQ(args[0].children[0].type, "integer");
  EXPECT_TRUE(args[0].children[0].multiple);

  // A keyword before alternatives names the oneof; "ip:port" is a name, not a type.
  args = ParseSyntax("[FILTERBY (MODULE name|PATTERN p:pattern)] ip:port", "");
  ASSERT_EQ(args.size(), 2u);
  EXPECT_EQ(args[0].type, "oneof");
  EXPECT_EQ(args[0].token, "FILTERBY");
  EXPECT_EQ(args[0].children[1].type, "pattern");
  EXPECT_EQ(args[1].name, "ip:port");
  EXPECT_EQ(args[1].type, "string");
}

TEST(ParseSyntax, EmptyAndUnbalancedInputDoNotCrash) {
  EXPECT_TRUE(ParseSyntax("", "").empty());
  ParseSyntax("[[[", "");
  ParseSyntax("]]] | ...", "");
}

}  // namespace
}  // namespace kizuna::server
