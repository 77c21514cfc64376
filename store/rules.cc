#include "store/rules.h"

#include <algorithm>

#include "absl/status/status.h"

namespace kizuna::store {

absl::StatusOr<ItemPattern> ItemPattern::Parse(std::string_view pattern) {
  ItemPattern p;
  p.given = true;
  size_t star = pattern.find('*');
  if (star != std::string_view::npos && star != pattern.size() - 1) {
    return absl::InvalidArgumentError(
        StrCat("ERR invalid item pattern '", pattern, "': '*' is allowed only at the end"));
  }
  if (pattern == "*") {
    p.kind = kAny;
  } else if (star != std::string_view::npos) {
    p.kind = kPrefix;
    p.text = std::string(pattern.substr(0, pattern.size() - 1));
  } else {
    p.kind = kExact;
    p.text = std::string(pattern);
  }
  return p;
}

bool ItemPattern::Matches(std::optional<std::string_view> item) const {
  switch (kind) {
    case kAny:
      return true;
    case kPrefix:
      return item && item->substr(0, text.size()) == text && item->size() >= text.size();
    case kExact:
      return item && *item == text;
  }
  return false;
}

std::string ItemPattern::ToString() const {
  switch (kind) {
    case kAny:
      return "*";
    case kPrefix:
      return text + "*";
    case kExact:
      return text;
  }
  return {};
}

ActionId ActionTable::Find(std::string_view name) const {
  // Events come in runs of one action: the last one found is checked before hashing.
  if (last_found_ != kNoAction && actions_[last_found_].name == name) return last_found_;
  auto it = ids_.find(name);
  if (it == ids_.end()) return kNoAction;
  last_found_ = it->second;
  return it->second;
}

ActionId ActionTable::Intern(std::string_view name) {
  auto it = ids_.find(name);
  if (it != ids_.end()) return it->second;
  if (size() >= kMaxActions) return kNoAction;
  ActionId id = static_cast<ActionId>(actions_.size());
  actions_.emplace_back();
  actions_.back().name = std::string(name);
  ids_.emplace(std::string(name), id);
  return id;
}

void ActionTable::RebuildMatching(ActionId action) {
  Action& a = actions_[action];
  a.any.clear();
  a.exact.clear();
  a.prefix.clear();
  a.prefix_lengths.clear();
  // Rules apply in id order within each group, so sums are reproducible.
  std::sort(a.rules.begin(), a.rules.end(),
            [](const Rule* x, const Rule* y) { return x->id < y->id; });
  for (const Rule* r : a.rules) {
    switch (r->item.kind) {
      case ItemPattern::kAny:
        a.any.push_back(r);
        break;
      case ItemPattern::kExact:
        a.exact[r->item.text].push_back(r);
        break;
      case ItemPattern::kPrefix:
        a.prefix[r->item.text].push_back(r);
        if (std::find(a.prefix_lengths.begin(), a.prefix_lengths.end(), r->item.text.size()) ==
            a.prefix_lengths.end()) {
          a.prefix_lengths.push_back(r->item.text.size());
        }
        break;
    }
  }
  std::sort(a.prefix_lengths.begin(), a.prefix_lengths.end());
}

std::optional<uint32_t> ActionTable::TrackPair(ActionId action, std::string_view item) {
  Action& a = actions_[action];
  auto it = a.tracked.find(item);
  if (it != a.tracked.end()) {
    ++pairs_[it->second].refs;
    return it->second;
  }
  if (live_pairs_ >= kMaxTrackedPairs) return std::nullopt;
  uint32_t id;
  if (!free_pairs_.empty()) {
    id = free_pairs_.back();
    free_pairs_.pop_back();
  } else {
    id = static_cast<uint32_t>(pairs_.size());
    pairs_.emplace_back();
  }
  pairs_[id] = {action, 1};
  a.tracked.emplace(std::string(item), id);
  ++live_pairs_;
  return id;
}

std::optional<uint32_t> ActionTable::UntrackPair(ActionId action, std::string_view item) {
  Action& a = actions_[action];
  auto it = a.tracked.find(item);
  if (it == a.tracked.end()) return std::nullopt;
  uint32_t id = it->second;
  if (--pairs_[id].refs > 0) return std::nullopt;
  a.tracked.erase(it);
  free_pairs_.push_back(id);
  --live_pairs_;
  return id;
}

std::optional<uint32_t> ActionTable::FindPair(ActionId action, std::string_view item) const {
  const Action& a = actions_[action];
  if (a.tracked.empty()) return std::nullopt;
  auto it = a.tracked.find(item);
  if (it == a.tracked.end()) return std::nullopt;
  return it->second;
}

void ActionTable::ResetEventCounts() {
  for (Action& a : actions_) a.events = 0;
}

const Rule* RuleSet::Find(std::string_view id) const {
  auto it = rules_.find(id);
  return it == rules_.end() ? nullptr : it->second.get();
}

void RuleSet::Set(Rule rule) {
  Delete(rule.id);
  ActionId action = actions_->Intern(rule.action);
  auto owned = std::make_unique<Rule>(std::move(rule));
  const Rule* r = owned.get();
  rules_.emplace(r->id, std::move(owned));
  actions_->at(action).rules.push_back(r);
  actions_->RebuildMatching(action);
}

bool RuleSet::Delete(std::string_view id) {
  auto it = rules_.find(id);
  if (it == rules_.end()) return false;
  ActionId action = actions_->Find(it->second->action);
  auto& list = actions_->at(action).rules;
  list.erase(std::remove(list.begin(), list.end(), it->second.get()), list.end());
  actions_->RebuildMatching(action);
  rules_.erase(it);
  return true;
}

}  // namespace kizuna::store
