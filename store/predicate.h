// The predicate language of badges, segments and triggers (SPEC §1 "Predicates"):
//
//   count:visit:store:A >= 10
//   lifestyle >= 20 AND lifestance >= 10
//   frequency >= 2 AND NOT (badge:vip OR recency < 30)
//
// Every operand is compared with a number, except badge:<name> and segment:<name>, which may
// also stand alone as conditions (as in SPEC's `frequency >= 2 AND NOT badge:vip`).
// Compile() parses and resolves every name once, when the predicate is defined, and reports
// the first problem with its token position. The result is a flat postfix program that
// Evaluate() runs per event against one customer, without allocating.
#ifndef KIZUNA_STORE_PREDICATE_H_
#define KIZUNA_STORE_PREDICATE_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kizuna::store {

// What a predicate can read about a customer.
enum class Operand : uint8_t {
  kScore,      // id: category index, or kTotalScore
  kCount,      // id: action id
  kPairCount,  // id: (action, item) counter key
  kFrequency,
  kMonetary,
  kRecency,  // days since the last purchase; absent when there was none
  kBadge,    // id: badge index
  kSegment,  // id: segment index
};
inline constexpr uint32_t kTotalScore = UINT32_MAX;

// Resolves names when a predicate is compiled; nullopt makes the predicate an error. Any action
// and (action, item) pair may be named — the store starts counting pairs that are — unless the
// store cannot count more of them.
class PredicateNames {
 public:
  virtual ~PredicateNames() = default;
  virtual std::optional<uint32_t> Category(std::string_view name) = 0;
  virtual std::optional<uint32_t> Badge(std::string_view name) = 0;
  virtual std::optional<uint32_t> Segment(std::string_view name) = 0;
  virtual std::optional<uint32_t> Action(std::string_view name) = 0;
  virtual std::optional<uint32_t> Pair(std::string_view action, std::string_view item) = 0;
};

class Predicate {
 public:
  enum class Cmp : uint8_t { kGe, kGt, kLe, kLt, kEq, kNe };
  struct Step {
    enum Kind : uint8_t { kTest, kAnd, kOr, kNot } kind;
    Operand operand = Operand::kScore;
    Cmp cmp = Cmp::kGe;
    uint32_t id = 0;
    double number = 0;
  };
  // Deepest nesting the evaluator's fixed stack allows.
  static constexpr size_t kMaxDepth = 64;

  // Joins `args` with single spaces (the normalised text) and compiles it. On failure returns
  // nullopt and sets `error` to a message for an "ERR ..." reply, naming token and position.
  static std::optional<Predicate> Compile(const std::vector<std::string_view>& args,
                                          PredicateNames& names, std::string* error);

  // `in` answers: double Score(uint32_t), double Count(uint32_t), double PairCount(uint32_t),
  // double Frequency(), double Monetary(), std::optional<double> RecencyDays(),
  // bool HasBadge(uint32_t), bool InSegment(uint32_t).
  template <typename Inputs>
  bool Evaluate(const Inputs& in) const;

  const std::string& text() const { return text_; }
  const std::vector<Step>& steps() const { return steps_; }

 private:
  template <typename Inputs>
  static bool Test(const Step& s, const Inputs& in);
  static bool Compare(double value, Cmp cmp, double number);

  std::string text_;
  std::vector<Step> steps_;  // postfix
  // kAllOf / kAnyOf: only tests and AND (only tests and OR); evaluated with short circuit.
  enum class Shape : uint8_t { kGeneral, kAllOf, kAnyOf } shape_ = Shape::kGeneral;
};

inline bool Predicate::Compare(double value, Cmp cmp, double number) {
  // One lookup instead of a branch per operator (they mispredict across a predicate's tests):
  // bit 0 less, 1 equal, 2 greater. Unordered (NaN) is none of them: only != holds.
  constexpr uint8_t kHolds[] = {0b110, 0b100, 0b011, 0b001, 0b010, 0b101};  // by Cmp
  unsigned relation = (value < number) | (value == number) << 1 | (value > number) << 2;
  if (relation == 0) return cmp == Cmp::kNe;
  return (kHolds[static_cast<size_t>(cmp)] & relation) != 0;
}

template <typename Inputs>
bool Predicate::Test(const Step& s, const Inputs& in) {
  switch (s.operand) {
    case Operand::kScore:
      return Compare(in.Score(s.id), s.cmp, s.number);
    case Operand::kCount:
      return Compare(in.Count(s.id), s.cmp, s.number);
    case Operand::kPairCount:
      return Compare(in.PairCount(s.id), s.cmp, s.number);
    case Operand::kFrequency:
      return Compare(in.Frequency(), s.cmp, s.number);
    case Operand::kMonetary:
      return Compare(in.Monetary(), s.cmp, s.number);
    case Operand::kRecency: {
      std::optional<double> days = in.RecencyDays();
      return days && Compare(*days, s.cmp, s.number);  // no purchase: every comparison false
    }
    case Operand::kBadge:
      return Compare(in.HasBadge(s.id) ? 1 : 0, s.cmp, s.number);
    case Operand::kSegment:
      return Compare(in.InSegment(s.id) ? 1 : 0, s.cmp, s.number);
  }
  return false;
}

template <typename Inputs>
bool Predicate::Evaluate(const Inputs& in) const {
  if (shape_ != Shape::kGeneral) {
    // The first test that fails an AND (holds for an OR) decides: tests only read.
    const bool all = shape_ == Shape::kAllOf;
    for (const Step& s : steps_) {
      if (s.kind == Step::kTest && Test(s, in) != all) return !all;
    }
    return all;
  }
  std::array<bool, kMaxDepth> stack;
  size_t top = 0;
  for (const Step& s : steps_) {
    switch (s.kind) {
      case Step::kTest:
        stack[top++] = Test(s, in);
        break;
      case Step::kNot:
        stack[top - 1] = !stack[top - 1];
        break;
      case Step::kAnd:
        --top;
        stack[top - 1] = stack[top - 1] && stack[top];
        break;
      case Step::kOr:
        --top;
        stack[top - 1] = stack[top - 1] || stack[top];
        break;
    }
  }
  return top == 1 && stack[0];
}

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_PREDICATE_H_
