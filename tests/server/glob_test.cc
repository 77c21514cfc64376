#include "server/glob.h"

#include <gtest/gtest.h>

#include <string>

namespace kizuna::server {
namespace {

TEST(GlobMatch, StarsAndQuestionMarks) {
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("*", "anything"));
  EXPECT_TRUE(GlobMatch("max*", "maxclients"));
  EXPECT_FALSE(GlobMatch("max*", "amaxclients"));
  EXPECT_TRUE(GlobMatch("*-*-*", "client-output-buffer-limit"));
  EXPECT_TRUE(GlobMatch("p?rt", "port"));
  EXPECT_FALSE(GlobMatch("p?rt", "prt"));
  EXPECT_TRUE(GlobMatch("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(GlobMatch("a*b*c", "aXXbYY"));
}

TEST(GlobMatch, ClassesAndEscapes) {
  EXPECT_TRUE(GlobMatch("[abc]x", "bx"));
  EXPECT_FALSE(GlobMatch("[abc]x", "dx"));
  EXPECT_TRUE(GlobMatch("[^abc]x", "dx"));
  EXPECT_TRUE(GlobMatch("[a-c]", "b"));
  EXPECT_FALSE(GlobMatch("[a-c]", "d"));
  EXPECT_TRUE(GlobMatch("a\\*b", "a*b"));
  EXPECT_FALSE(GlobMatch("a\\*b", "axb"));
}

TEST(GlobMatch, CaseFolding) {
  EXPECT_FALSE(GlobMatch("PORT", "port"));
  EXPECT_TRUE(GlobMatch("PORT", "port", /*nocase=*/true));
}

TEST(GlobMatch, HostilePatternIsNotExponential) {
  std::string text(5000, 'a');
  std::string pattern;
  for (int i = 0; i < 50; ++i) pattern += "*a";
  pattern += "b";
  EXPECT_FALSE(GlobMatch(pattern, text));
}

}  // namespace
}  // namespace kizuna::server
