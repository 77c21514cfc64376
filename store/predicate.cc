#include "store/predicate.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "store/strings.h"

namespace kizuna::store {
namespace {

bool IsKeyword(std::string_view token, std::string_view keyword) {
  return token.size() == keyword.size() && AsciiLower(token) == keyword;
}

// Spaces separate tokens; parentheses also stand alone when glued to a token's ends, so
// "(badge:vip OR recency < 30)" reads as the author meant.
std::vector<std::string_view> Tokenize(std::string_view text) {
  std::vector<std::string_view> tokens;
  for (std::string_view word : SplitNonEmpty(text, ' ')) {
    while (!word.empty() && word.front() == '(') {
      tokens.push_back(word.substr(0, 1));
      word.remove_prefix(1);
    }
    size_t closing = 0;
    while (closing < word.size() && word[word.size() - 1 - closing] == ')') ++closing;
    if (closing < word.size()) tokens.push_back(word.substr(0, word.size() - closing));
    for (size_t i = 0; i < closing && i < word.size(); ++i) tokens.push_back(")");
  }
  return tokens;
}

// Recursive descent, lowest precedence first: OR, AND, NOT, parenthesis / comparison.
class Compiler {
 public:
  Compiler(std::vector<std::string_view> tokens, PredicateNames& names)
      : tokens_(std::move(tokens)), names_(names) {}

  bool Run(std::vector<Predicate::Step>* steps, std::string* error) {
    steps_ = steps;
    bool ok = tokens_.empty() ? Problem("it is empty") : Or();
    if (ok && pos_ < tokens_.size()) ok = Expected("AND, OR or the end");
    if (!ok) *error = error_;
    return ok;
  }

 private:
  using Step = Predicate::Step;

  bool Or() { return Chain("or", Step::kOr, &Compiler::And); }
  bool And() { return Chain("and", Step::kAnd, &Compiler::Unary); }

  // operand (keyword operand)*, left-associative.
  bool Chain(std::string_view keyword, Step::Kind kind, bool (Compiler::*operand)()) {
    if (!(this->*operand)()) return false;
    while (AtKeyword(keyword)) {
      ++pos_;
      if (!(this->*operand)()) return false;
      Emit(kind);
    }
    return true;
  }

  bool Unary() {
    if (++nesting_ > Predicate::kMaxDepth) return Problem("it is nested too deeply");
    bool ok;
    if (AtKeyword("not")) {
      ++pos_;
      ok = Unary();
      if (ok) Emit(Step::kNot);
    } else if (At("(")) {
      ++pos_;
      ok = Or() && (At(")") || Expected("')'"));
      if (ok) ++pos_;
    } else {
      ok = Comparison();
    }
    --nesting_;
    return ok;
  }

  bool Comparison() {
    Step step{.kind = Step::kTest};
    if (!OperandAt(&step)) return false;
    ++pos_;
    bool flag = step.operand == Operand::kBadge || step.operand == Operand::kSegment;
    if (flag && !CmpAt(&step.cmp)) {
      // A bare badge:<name> / segment:<name> is a condition of its own ("NOT badge:vip").
      step.cmp = Predicate::Cmp::kEq;
      step.number = 1;
    } else {
      if (!CmpAt(&step.cmp)) return Expected("one of >= > <= < == !=");
      ++pos_;
      if (!NumberAt(&step.number)) return Expected("a number");
      ++pos_;
    }
    steps_->push_back(step);
    if (++depth_ > Predicate::kMaxDepth) return Problem("it is nested too deeply");
    return true;
  }

  bool OperandAt(Step* step) {
    if (pos_ == tokens_.size() || At("(") || At(")") || AtKeyword("and") || AtKeyword("or") ||
        AtKeyword("not")) {
      return Expected("an operand");
    }
    std::string_view t = tokens_[pos_];
    std::string lower = AsciiLower(t);
    auto simple = [&](Operand op) {
      step->operand = op;
      return true;
    };
    if (lower == "total") {
      step->id = kTotalScore;
      return simple(Operand::kScore);
    }
    if (lower == "frequency") return simple(Operand::kFrequency);
    if (lower == "monetary") return simple(Operand::kMonetary);
    if (lower == "recency") return simple(Operand::kRecency);
    if (lower.starts_with("count:")) {
      std::string_view rest = t.substr(6);
      size_t colon = rest.find(':');
      std::string_view action = rest.substr(0, colon);
      if (action.empty()) return Expected("count:<action> or count:<action>:<item>");
      std::string_view item = colon == std::string_view::npos ? "" : rest.substr(colon + 1);
      if (colon != std::string_view::npos && item.empty()) {
        return Expected("an item after 'count:<action>:'");
      }
      std::optional<uint32_t> id = item.empty() ? names_.Action(action) : names_.Pair(action, item);
      if (!id)
        return Problem(StrCat("cannot count '", t, "' (invalid action or too many counters)"));
      step->id = *id;
      return simple(item.empty() ? Operand::kCount : Operand::kPairCount);
    }
    if (lower.starts_with("badge:") || lower.starts_with("segment:")) {
      bool badge = lower.starts_with("badge:");
      std::string_view name = t.substr(badge ? 6 : 8);
      std::optional<uint32_t> id = badge ? names_.Badge(name) : names_.Segment(name);
      if (!id) return Problem(StrCat(badge ? "unknown badge '" : "unknown segment '", name, "'"));
      step->id = *id;
      return simple(badge ? Operand::kBadge : Operand::kSegment);
    }
    std::optional<uint32_t> category = names_.Category(t);
    if (!category) return Problem(StrCat("unknown category or operand '", t, "'"));
    step->id = *category;
    return simple(Operand::kScore);
  }

  bool CmpAt(Predicate::Cmp* cmp) const {
    if (pos_ == tokens_.size()) return false;
    using C = Predicate::Cmp;
    constexpr std::pair<std::string_view, C> kOps[] = {{">=", C::kGe}, {">", C::kGt},
                                                       {"<=", C::kLe}, {"<", C::kLt},
                                                       {"==", C::kEq}, {"!=", C::kNe}};
    for (auto [text, c] : kOps) {
      if (tokens_[pos_] == text) return *cmp = c, true;
    }
    return false;
  }

  bool NumberAt(double* number) const {
    if (pos_ == tokens_.size()) return false;
    std::string_view t = tokens_[pos_];
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), *number);
    return ec == std::errc() && end == t.data() + t.size() && std::isfinite(*number);
  }

  void Emit(Step::Kind kind) {
    steps_->push_back(Step{.kind = kind});
    if (kind != Step::kNot) --depth_;
  }

  bool At(std::string_view t) const { return pos_ < tokens_.size() && tokens_[pos_] == t; }
  bool AtKeyword(std::string_view k) const {
    return pos_ < tokens_.size() && IsKeyword(tokens_[pos_], k);
  }

  // Both record the first problem for the reply and return false.
  bool Expected(std::string_view what) {
    std::string where = pos_ < tokens_.size()
                            ? StrCat("at token ", pos_ + 1, " '", tokens_[pos_], "'")
                            : std::string("at the end");
    error_ = StrCat("ERR invalid predicate ", where, ": expected ", what);
    return false;
  }
  bool Problem(std::string_view what) {
    error_ = pos_ < tokens_.size() ? StrCat("ERR invalid predicate at token ", pos_ + 1, ": ", what)
                                   : StrCat("ERR invalid predicate: ", what);
    return false;
  }

  std::vector<std::string_view> tokens_;
  PredicateNames& names_;
  std::vector<Step>* steps_ = nullptr;
  size_t pos_ = 0;
  size_t nesting_ = 0;
  size_t depth_ = 0;  // operands on the evaluation stack after the steps emitted so far
  std::string error_;
};

}  // namespace

std::optional<Predicate> Predicate::Compile(const std::vector<std::string_view>& args,
                                            PredicateNames& names, std::string* error) {
  Predicate p;
  p.text_ = Join(args, " ");
  // The normalised text is the arguments joined by single spaces; tokens come from it.
  if (!Compiler(Tokenize(p.text_), names).Run(&p.steps_, error)) return std::nullopt;
  // Tests joined only by AND (or only by OR), in any nesting, are one conjunction
  // (disjunction) of all of them: Evaluate may stop at the first test that decides it.
  auto only = [&](Step::Kind join) {
    return std::all_of(p.steps_.begin(), p.steps_.end(),
                       [&](const Step& s) { return s.kind == Step::kTest || s.kind == join; });
  };
  p.shape_ = only(Step::kAnd) ? Shape::kAllOf : only(Step::kOr) ? Shape::kAnyOf : Shape::kGeneral;
  return p;
}

}  // namespace kizuna::store
