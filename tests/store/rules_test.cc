#include "store/rules.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kizuna::store {
namespace {

std::vector<std::string> Matches(const ActionTable& t, std::string_view action,
                                 std::optional<std::string_view> item) {
  std::vector<std::string> ids;
  ActionId a = t.Find(action);
  if (a == kNoAction) return ids;
  t.ForEachMatch(a, item, [&](const Rule& r) { ids.push_back(r.id); });
  return ids;
}

Rule MakeRule(std::string id, std::string action, std::optional<std::string> item) {
  Rule r;
  r.id = std::move(id);
  r.action = std::move(action);
  if (item) r.item = *ItemPattern::Parse(*item);
  r.points = {{0, 1}};
  return r;
}

TEST(ItemPatternTest, ParsesAndRejectsInnerStar) {
  EXPECT_EQ(ItemPattern::Parse("*")->kind, ItemPattern::kAny);
  EXPECT_EQ(ItemPattern::Parse("product:*")->kind, ItemPattern::kPrefix);
  EXPECT_EQ(ItemPattern::Parse("product:A")->kind, ItemPattern::kExact);
  EXPECT_FALSE(ItemPattern::Parse("pro*duct").ok());
  EXPECT_FALSE(ItemPattern::Parse("**").ok());
  EXPECT_EQ(std::string(ItemPattern::Parse("pro*duct").status().message()),
            "ERR invalid item pattern 'pro*duct': '*' is allowed only at the end");
}

TEST(RuleSetTest, ExactPrefixAndAnyRulesAllMatch) {
  ActionTable actions;
  RuleSet rules(&actions);
  rules.Set(MakeRule("all", "view", std::nullopt));
  rules.Set(MakeRule("star", "view", "*"));
  rules.Set(MakeRule("prod", "view", "product:*"));
  rules.Set(MakeRule("p", "view", "p*"));
  rules.Set(MakeRule("exact", "view", "product:A"));
  rules.Set(MakeRule("other", "visit", std::nullopt));
  EXPECT_EQ(Matches(actions, "view", "product:A"),
            (std::vector<std::string>{"all", "star", "exact", "p", "prod"}));
  EXPECT_EQ(Matches(actions, "view", "product:"),
            (std::vector<std::string>{"all", "star", "p", "prod"}));
  EXPECT_EQ(Matches(actions, "view", "page:/x"), (std::vector<std::string>{"all", "star", "p"}));
  EXPECT_EQ(Matches(actions, "view", std::nullopt), (std::vector<std::string>{"all", "star"}));
  EXPECT_EQ(Matches(actions, "visit", "x"), (std::vector<std::string>{"other"}));
  EXPECT_TRUE(Matches(actions, "buy", std::nullopt).empty());
}

TEST(RuleSetTest, ReplaceAndDelete) {
  ActionTable actions;
  RuleSet rules(&actions);
  rules.Set(MakeRule("r", "view", "a"));
  rules.Set(MakeRule("r", "visit", std::nullopt));  // replaces: moves to another action
  EXPECT_TRUE(Matches(actions, "view", "a").empty());
  EXPECT_EQ(Matches(actions, "visit", std::nullopt), (std::vector<std::string>{"r"}));
  EXPECT_TRUE(rules.Delete("r"));
  EXPECT_FALSE(rules.Delete("r"));
  EXPECT_TRUE(Matches(actions, "visit", std::nullopt).empty());
  EXPECT_EQ(rules.size(), 0u);
}

// Find checks the name it found last before hashing: a run of one name, a switch, names
// that share the last one's prefix, and the empty name (action 0's) must all be answered
// by name.
TEST(ActionTableTest, FindAnswersByNameWhateverItFoundLast) {
  ActionTable actions;
  ActionId view = actions.Intern("view");
  ActionId visit = actions.Intern("visit");
  EXPECT_EQ(actions.Find("view"), view);
  EXPECT_EQ(actions.Find("view"), view);
  EXPECT_EQ(actions.Find("visit"), visit);
  EXPECT_EQ(actions.Find("vie"), kNoAction);
  EXPECT_EQ(actions.Find("views"), kNoAction);
  EXPECT_EQ(actions.Find("visit"), visit);
  EXPECT_EQ(actions.Find(""), kNoAction);
  EXPECT_EQ(actions.Find("view"), view);
  ActionId buy = actions.Intern("buy");  // interned after a find: ids stay
  EXPECT_EQ(actions.Find("buy"), buy);
  EXPECT_EQ(actions.Find("view"), view);
}

TEST(ActionTableTest, TrackedPairsAreReferenceCounted) {
  ActionTable actions;
  ActionId v = actions.Intern("view");
  auto p1 = actions.TrackPair(v, "a");
  auto p2 = actions.TrackPair(v, "a");
  ASSERT_TRUE(p1 && p2);
  EXPECT_EQ(*p1, *p2);
  EXPECT_EQ(actions.tracked_pairs(), 1u);
  EXPECT_FALSE(actions.UntrackPair(v, "a"));  // still referenced
  EXPECT_EQ(actions.UntrackPair(v, "a"), p1);
  EXPECT_FALSE(actions.FindPair(v, "a"));
  EXPECT_EQ(actions.tracked_pairs(), 0u);
}

}  // namespace
}  // namespace kizuna::store
