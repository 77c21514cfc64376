// Actions, rules and tracked (action, item) pairs.
//
// ActionTable interns action names to dense ids (so per-customer counters and per-event work
// use integers) and keeps, per action, the rules that can match it:
//   - `any`:    rules without ITEM or with ITEM "*" (match every event of the action);
//   - `exact`:  item -> rules with that exact ITEM;
//   - `prefix`: prefix -> rules with ITEM "prefix*", probed once per distinct prefix length.
// Matching an event is therefore a hash lookup of the action, one of the item, and one per
// distinct prefix length — never a scan over all rules.
//
// Tracked pairs: the (action, exact item) pairs whose per-customer counters must be kept
// (SPEC §1: any pair a rule, badge, segment or trigger names). Registrations are reference
// counted; rules with an exact ITEM register theirs, issue 5's definitions will register
// theirs through Store::TrackPair/UntrackPair.
#ifndef KIZUNA_STORE_RULES_H_
#define KIZUNA_STORE_RULES_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "store/strings.h"

namespace kizuna::store {

using ActionId = uint32_t;
inline constexpr ActionId kNoAction = 0;  // ids start at 1
inline constexpr size_t kMaxActions = 65536;
inline constexpr size_t kMaxTrackedPairs = 65536;

// An ITEM pattern: absent (every event), "*" (every event), "prefix*", or an exact item.
struct ItemPattern {
  enum Kind { kAny, kPrefix, kExact };
  Kind kind = kAny;
  std::string text;    // prefix without '*', or the exact item
  bool given = false;  // ITEM was present (for RULE.GET)

  // "ERR invalid item pattern '...'" when '*' appears anywhere but at the end.
  static absl::StatusOr<ItemPattern> Parse(std::string_view pattern);
  bool Matches(std::optional<std::string_view> item) const;
  std::string ToString() const;  // as written
};

struct Rule {
  std::string id;
  std::string action;
  ItemPattern item;
  std::vector<std::pair<int, double>> points;  // category index -> points, in given order
  std::optional<double> per;
};

class ActionTable {
 public:
  struct Action {
    std::string name;
    uint64_t events = 0;  // applied events of this action (STATS events_by_action)
    std::vector<const Rule*> any;
    absl::flat_hash_map<std::string, std::vector<const Rule*>, StringHash, StringEq> exact;
    absl::flat_hash_map<std::string, std::vector<const Rule*>, StringHash, StringEq> prefix;
    std::vector<size_t> prefix_lengths;  // distinct, ascending
    std::vector<const Rule*> rules;      // every rule of this action
    // Tracked items -> pair id; refcounts live in ActionTable::pairs_.
    absl::flat_hash_map<std::string, uint32_t, StringHash, StringEq> tracked;
  };

  ActionTable() { actions_.emplace_back(); }  // id 0 unused

  ActionId Find(std::string_view name) const;
  // Interns `name`; kNoAction when the table is full (kMaxActions).
  ActionId Intern(std::string_view name);
  Action& at(ActionId id) { return actions_[id]; }
  const Action& at(ActionId id) const { return actions_[id]; }
  size_t size() const { return actions_.size() - 1; }

  // Calls f(rule) for every rule matching the event, in a fixed order.
  template <typename F>
  void ForEachMatch(ActionId action, std::optional<std::string_view> item, F&& f) const {
    const Action& a = actions_[action];
    for (const Rule* r : a.any) f(*r);
    if (!item) return;
    if (!a.exact.empty()) {
      auto it = a.exact.find(*item);
      if (it != a.exact.end()) {
        for (const Rule* r : it->second) f(*r);
      }
    }
    for (size_t len : a.prefix_lengths) {
      if (len > item->size()) break;
      auto it = a.prefix.find(item->substr(0, len));
      if (it != a.prefix.end()) {
        for (const Rule* r : it->second) f(*r);
      }
    }
  }

  // Rebuilds the matching structures of one action from its rule list.
  void RebuildMatching(ActionId action);

  // Tracked pairs. Track returns the pair id (new or existing), or nullopt when full.
  std::optional<uint32_t> TrackPair(ActionId action, std::string_view item);
  // Drops one reference; returns the pair id if it is no longer tracked (its counters must go).
  std::optional<uint32_t> UntrackPair(ActionId action, std::string_view item);
  // Pair id of a tracked (action, item), if any.
  std::optional<uint32_t> FindPair(ActionId action, std::string_view item) const;
  size_t tracked_pairs() const { return live_pairs_; }

  void ResetEventCounts();

 private:
  std::vector<Action> actions_;
  absl::flat_hash_map<std::string, ActionId, StringHash, StringEq> ids_;
  // What Find returned last (actions are never removed, so an id stays right for its name).
  mutable ActionId last_found_ = kNoAction;
  struct Pair {
    ActionId action = kNoAction;
    uint32_t refs = 0;
  };
  std::vector<Pair> pairs_;           // by pair id
  std::vector<uint32_t> free_pairs_;  // ids with refs == 0, reusable
  size_t live_pairs_ = 0;
};

// RuleSet: rules by id (sorted, for RULE.LIST), wired into the ActionTable.
class RuleSet {
 public:
  explicit RuleSet(ActionTable* actions) : actions_(actions) {}

  const Rule* Find(std::string_view id) const;
  // Adds or replaces. The rule's action must be internable (checked by the caller).
  void Set(Rule rule);
  bool Delete(std::string_view id);
  size_t size() const { return rules_.size(); }
  const std::map<std::string, std::unique_ptr<Rule>, std::less<>>& all() const { return rules_; }

 private:
  ActionTable* actions_;
  std::map<std::string, std::unique_ptr<Rule>, std::less<>> rules_;
};

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_RULES_H_
