#include "store/predicate.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>

#include "store/strings.h"

namespace kizuna::store {
namespace {

// Known names: categories product(0) lifestyle(1); badge vip(0); segment fans(0).
class FakeNames : public PredicateNames {
 public:
  std::optional<uint32_t> Category(std::string_view n) override { return Find(categories, n); }
  std::optional<uint32_t> Badge(std::string_view n) override { return Find(badges, n); }
  std::optional<uint32_t> Segment(std::string_view n) override { return Find(segments, n); }
  std::optional<uint32_t> Action(std::string_view n) override {
    if (n == "full") return std::nullopt;  // the store cannot count more
    return Intern(actions, std::string(n));
  }
  std::optional<uint32_t> Pair(std::string_view a, std::string_view i) override {
    return Intern(pairs, StrCat(a, "\n", i));
  }

  std::map<std::string, uint32_t> categories{{"product", 0}, {"lifestyle", 1}};
  std::map<std::string, uint32_t> badges{{"vip", 0}};
  std::map<std::string, uint32_t> segments{{"fans", 0}};
  std::map<std::string, uint32_t> actions, pairs;

 private:
  static std::optional<uint32_t> Find(const std::map<std::string, uint32_t>& m,
                                      std::string_view n) {
    auto it = m.find(std::string(n));
    return it == m.end() ? std::nullopt : std::optional<uint32_t>(it->second);
  }
  static uint32_t Intern(std::map<std::string, uint32_t>& m, std::string key) {
    return m.emplace(std::move(key), static_cast<uint32_t>(m.size())).first->second;
  }
};

struct FakeCustomer {
  double scores[2] = {0, 0};
  std::map<uint32_t, double> counts, pair_counts;
  double frequency = 0, monetary = 0;
  std::optional<double> recency;
  bool vip = false, fan = false;

  double Score(uint32_t c) const { return c == kTotalScore ? scores[0] + scores[1] : scores[c]; }
  double Count(uint32_t a) const { return counts.count(a) ? counts.at(a) : 0; }
  double PairCount(uint32_t p) const { return pair_counts.count(p) ? pair_counts.at(p) : 0; }
  double Frequency() const { return frequency; }
  double Monetary() const { return monetary; }
  std::optional<double> RecencyDays() const { return recency; }
  bool HasBadge(uint32_t) const { return vip; }
  bool InSegment(uint32_t) const { return fan; }
};

class PredicateTest : public ::testing::Test {
 protected:
  std::optional<Predicate> Compile(std::vector<std::string_view> args) {
    error.clear();
    return Predicate::Compile(args, names, &error);
  }
  bool Holds(std::string_view text) {
    auto p = Compile({text});
    EXPECT_TRUE(p) << text << ": " << error;
    return p && p->Evaluate(customer);
  }

  FakeNames names;
  FakeCustomer customer;
  std::string error;
};

// Every operator against values below, at and above its number, and NaN (only != holds).
TEST_F(PredicateTest, EveryOperatorOnEveryRelation) {
  const char* ops[] = {">=", ">", "<=", "<", "==", "!="};
  for (double v : {1.5, 2.0, 2.5, -0.0, std::nan("")}) {
    customer.scores[0] = v;  // NaN cannot be a score, but the comparison must still be IEEE
    for (const char* op : ops) {
      std::string_view o = op;
      double n = 2;
      bool want = o == ">="   ? v >= n
                  : o == ">"  ? v > n
                  : o == "<=" ? v <= n
                  : o == "<"  ? v < n
                  : o == "==" ? v == n
                              : v != n;
      EXPECT_EQ(Holds(StrCat("product ", op, " 2")), want) << v << " " << op;
    }
  }
}

TEST_F(PredicateTest, ComparisonsOnEveryOperand) {
  customer.scores[0] = 20;
  customer.scores[1] = 2.5;
  EXPECT_TRUE(Holds("product >= 20"));
  EXPECT_FALSE(Holds("product > 20"));
  EXPECT_TRUE(Holds("lifestyle == 2.5"));
  EXPECT_TRUE(Holds("total == 22.5"));
  EXPECT_TRUE(Holds("TOTAL < 23"));  // keywords and fixed operands are case-insensitive
  EXPECT_TRUE(Holds("product != 1"));
  EXPECT_TRUE(Holds("lifestyle <= 2.5"));

  auto p = Compile({"count:visit:store:A >= 10"});
  ASSERT_TRUE(p) << error;
  uint32_t pair = names.pairs.at("visit\nstore:A");  // the item keeps its own colons
  customer.pair_counts[pair] = 9;
  EXPECT_FALSE(p->Evaluate(customer));
  customer.pair_counts[pair] = 10;
  EXPECT_TRUE(p->Evaluate(customer));

  p = Compile({"count:view", ">=", "2"});
  ASSERT_TRUE(p) << error;
  EXPECT_EQ(p->text(), "count:view >= 2");  // arguments joined by single spaces
  customer.counts[names.actions.at("view")] = 2;
  EXPECT_TRUE(p->Evaluate(customer));

  customer.frequency = 3;
  customer.monetary = 120.5;
  EXPECT_TRUE(Holds("frequency >= 2 AND monetary > 120"));
  EXPECT_FALSE(Holds("badge:vip == 1"));
  customer.vip = true;
  EXPECT_TRUE(Holds("badge:vip == 1"));
  EXPECT_TRUE(Holds("segment:fans < 1"));
  // Badges and segments may stand alone as conditions.
  EXPECT_TRUE(Holds("frequency >= 2 AND badge:vip"));
  EXPECT_FALSE(Holds("NOT badge:vip OR segment:fans"));
  customer.fan = true;
  EXPECT_TRUE(Holds("(segment:fans)"));
}

TEST_F(PredicateTest, RecencyWithoutPurchaseMakesEveryComparisonFalse) {
  EXPECT_FALSE(Holds("recency >= 0"));
  EXPECT_FALSE(Holds("recency < 0"));
  EXPECT_FALSE(Holds("recency != 5"));
  EXPECT_TRUE(Holds("NOT recency < 90"));
  customer.recency = 91;
  EXPECT_TRUE(Holds("recency >= 90"));
  EXPECT_FALSE(Holds("NOT recency >= 90"));
}

TEST_F(PredicateTest, PrecedenceNotAndOrAndParentheses) {
  customer.scores[0] = 10;  // product
  // a OR b AND c is a OR (b AND c)
  EXPECT_TRUE(Holds("product >= 10 OR product > 100 AND lifestyle > 100"));
  EXPECT_FALSE(Holds("(product >= 10 OR product > 100) AND lifestyle > 100"));
  EXPECT_FALSE(Holds("NOT product >= 10 OR lifestyle > 1"));
  EXPECT_TRUE(Holds("not (product > 100 or lifestyle > 100)"));
  EXPECT_TRUE(Holds("((product == 10))"));
  EXPECT_TRUE(Holds("NOT NOT product == 10"));
}

TEST_F(PredicateTest, ErrorsNameTheTokenAndItsPosition) {
  struct Case {
    std::string_view text, error;
  };
  const Case cases[] = {
      {"", "ERR invalid predicate: it is empty"},
      {"product", "ERR invalid predicate at the end: expected one of >= > <= < == !="},
      {"product => 3", "ERR invalid predicate at token 2 '=>': expected one of >= > <= < == !="},
      {"product >= x", "ERR invalid predicate at token 3 'x': expected a number"},
      {"product >= nan", "ERR invalid predicate at token 3 'nan': expected a number"},
      {"product >= 1e999", "ERR invalid predicate at token 3 '1e999': expected a number"},
      {"colour >= 1", "ERR invalid predicate at token 1: unknown category or operand 'colour'"},
      {"badge:gold == 1", "ERR invalid predicate at token 1: unknown badge 'gold'"},
      {"segment:x == 1", "ERR invalid predicate at token 1: unknown segment 'x'"},
      {"count: >= 1",
       "ERR invalid predicate at token 1 'count:': expected count:<action> or "
       "count:<action>:<item>"},
      {"count:view: >= 1",
       "ERR invalid predicate at token 1 'count:view:': expected an item after "
       "'count:<action>:'"},
      {"product >= 1 AND", "ERR invalid predicate at the end: expected an operand"},
      {"count:full >= 1",
       "ERR invalid predicate at token 1: cannot count 'count:full' (invalid action or too many "
       "counters)"},
      {"product >= 1 product >= 2",
       "ERR invalid predicate at token 4 'product': expected AND, OR or the end"},
      {"(product >= 1", "ERR invalid predicate at the end: expected ')'"},
      {"product >= 1)", "ERR invalid predicate at token 4 ')': expected AND, OR or the end"},
      {"AND product >= 1", "ERR invalid predicate at token 1 'AND': expected an operand"},
  };
  for (const Case& c : cases) {
    EXPECT_FALSE(Compile({c.text})) << c.text;
    EXPECT_EQ(error, c.error) << c.text;
  }
}

TEST_F(PredicateTest, DeepNestingIsRefusedNotOverflowed) {
  std::string deep(100000, '(');
  EXPECT_FALSE(Compile({deep}));
  EXPECT_EQ(error, "ERR invalid predicate at token 65: it is nested too deeply");
  std::string ok = std::string(60, '(') + "product >= 1" + std::string(60, ')');
  EXPECT_TRUE(Compile({ok})) << error;
  // Right-nested operands would overflow the evaluator's fixed stack: refused too.
  std::string chain;
  for (int i = 0; i < 70; ++i) chain += "product >= 1 AND (";
  chain += "product >= 1" + std::string(70, ')');
  EXPECT_FALSE(Compile({chain}));
}

}  // namespace
}  // namespace kizuna::store

namespace kizuna::store {
namespace {

// Chains of only AND or only OR are evaluated with a short circuit; every truth assignment of
// three tests, in several nestings and mixed with NOT, against the expected value.
TEST_F(PredicateTest, ShortCircuitChainsAgreeWithFullEvaluation) {
  struct Case {
    const char* text;
    bool (*expected)(bool a, bool b, bool c);
  };
  const Case cases[] = {
      {"product >= 1 AND lifestyle >= 1 AND badge:vip", [](bool a, bool b, bool c) {
         return a && b && c;
       }},
      {"product >= 1 OR lifestyle >= 1 OR badge:vip", [](bool a, bool b, bool c) {
         return a || b || c;
       }},
      {"product >= 1 AND (lifestyle >= 1 AND badge:vip)", [](bool a, bool b, bool c) {
         return a && b && c;
       }},
      {"(product >= 1 OR lifestyle >= 1) OR badge:vip", [](bool a, bool b, bool c) {
         return a || b || c;
       }},
      {"(product >= 1 OR lifestyle >= 1) AND badge:vip", [](bool a, bool b, bool c) {
         return (a || b) && c;
       }},
      {"NOT product >= 1 AND lifestyle >= 1 OR badge:vip", [](bool a, bool b, bool c) {
         return (!a && b) || c;
       }},
      {"product >= 1", [](bool a, bool, bool) { return a; }},
  };
  for (const Case& k : cases) {
    for (int bits = 0; bits < 8; ++bits) {
      bool a = bits & 1, b = bits & 2, c = bits & 4;
      customer.scores[0] = a ? 1 : 0;
      customer.scores[1] = b ? 1 : 0;
      customer.vip = c;
      EXPECT_EQ(Holds(k.text), k.expected(a, b, c)) << k.text << " a=" << a << " b=" << b
                                                    << " c=" << c;
    }
  }
}

}  // namespace
}  // namespace kizuna::store
