// Engagement and Triggers: saving to and loading from snapshot records (see their headers).
#include <algorithm>
#include <bit>
#include <tuple>

#include "store/engagement.h"
#include "store/persistence/state_codec.h"
#include "store/triggers.h"

namespace kizuna::store {

void Engagement::SaveState(StateOut& out) const {
  out.Begin("eng.awards");
  for (CustomerIndex c : SortedKeys(awards_)) {
    const std::vector<Award>& awards = awards_.find(c)->second;
    out.U(c);
    out.U(awards.size());
    for (const Award& a : awards) {
      out.U(a.badge);
      out.I(a.at);
    }
    out.EndItem();
  }
  out.End();
  out.Begin("eng.members");
  for (uint32_t i = 0; i < segments_.size(); ++i) {
    if (!segments_[i].live) continue;
    out.U(i);
    out.U(segments_[i].members.size());
    for (uint64_t word : segments_[i].members) out.U(word);
    out.EndItem();
  }
  out.End();
}

bool Engagement::LoadRecord(std::string_view tag, std::string_view payload) {
  Changed();  // awards and memberships change behind the per-customer caches: void them
  StateIn in(payload);
  if (tag == "eng.awards") {
    while (!in.done()) {
      uint32_t c;
      uint64_t n;
      if (!in.U32(&c) || !in.U(&n) || n > badges_.size()) return in.Fail();
      if (!store_->customer_live(c) || awards_.contains(c)) return in.Fail();
      std::vector<Award>& awards = awards_[c];
      for (uint64_t i = 0; i < n; ++i) {
        Award a;
        if (!in.U32(&a.badge) || !in.I(&a.at)) return false;
        if (a.badge >= badges_.size() || !badges_[a.badge].live) return in.Fail();
        awards.push_back(a);
        ++badges_[a.badge].awarded;
      }
    }
    return in.ok();
  }
  if (tag == "eng.members") {
    while (!in.done()) {
      uint32_t i;
      uint64_t words;
      if (!in.U32(&i) || !in.U(&words)) return false;
      if (i >= segments_.size() || !segments_[i].live || words > payload.size()) return in.Fail();
      Segment& s = segments_[i];
      s.members.assign(words, 0);
      s.size = 0;
      for (uint64_t& word : s.members) {
        if (!in.U(&word)) return false;
        s.size += static_cast<uint64_t>(std::popcount(word));
      }
    }
    return in.ok();
  }
  return false;
}

void Triggers::SaveState(StateOut& out) const {
  out.Begin("trig.meta");
  out.U(counts_.sent);
  out.U(counts_.capped);
  out.U(counts_.cancelled);
  out.U(triggers_.size());
  out.End();

  // Pending timers in firing order: (due, arming sequence).
  std::vector<std::tuple<TimeMs, uint64_t, uint64_t>> timers;
  timers.reserve(pending_.size());
  pending_.ForEach([&](uint32_t node) {
    TimerWheel::Handle h = wheel_.HandleAt(node);
    TimeMs due;
    uint64_t payload;
    if (wheel_.Get(h, &due, &payload)) timers.emplace_back(due, h.seq, payload);
  });
  std::sort(timers.begin(), timers.end());
  out.Begin("trig.timers");
  for (const auto& [due, seq, payload] : timers) {
    out.U(payload >> 32);
    out.U(payload & 0xffffffffu);
    out.I(due);
    out.EndItem();
  }
  out.End();

  out.Begin("trig.once");
  for (CustomerIndex c : SortedKeys(fired_once_)) {
    const std::vector<uint32_t>& fired = fired_once_.find(c)->second;
    out.U(c);
    out.U(fired.size());
    for (uint32_t t : fired) out.U(t);
    out.EndItem();
  }
  out.End();
  out.Begin("trig.recent");
  for (CustomerIndex c : SortedKeys(recent_)) {
    const std::vector<TimeMs>& sent = recent_.find(c)->second;
    out.U(c);
    out.U(sent.size());
    for (TimeMs at : sent) out.I(at);
    out.EndItem();
  }
  out.End();
}

bool Triggers::LoadRecord(std::string_view tag, std::string_view payload) {
  StateIn in(payload);
  auto live_trigger = [&](uint32_t t) { return t < triggers_.size() && triggers_[t].live; };
  if (tag == "trig.meta") {
    uint64_t slots;
    if (!in.U(&counts_.sent) || !in.U(&counts_.capped) || !in.U(&counts_.cancelled) ||
        !in.U(&slots)) {
      return false;
    }
    return slots == triggers_.size() && in.ok();
  }
  if (tag == "trig.timers") {
    while (!in.done()) {
      uint32_t t, c;
      TimeMs due;
      if (!in.U32(&t) || !in.U32(&c) || !in.I(&due)) return false;
      uint64_t key = (static_cast<uint64_t>(t) << 32) | c;
      if (!live_trigger(t) || !store_->customer_live(c) || pending_.contains(TimerKey{key})) {
        return in.Fail();
      }
      pending_.insert(wheel_.Arm(due, key).index);
      Armed(t, c);
      ++triggers_[t].pending;
    }
    return in.ok();
  }
  bool once = tag == "trig.once";
  if (!once && tag != "trig.recent") return false;
  while (!in.done()) {
    uint32_t c;
    uint64_t n;
    if (!in.U32(&c) || !in.U(&n) || n > payload.size() || !store_->customer_live(c)) {
      return in.Fail();
    }
    for (uint64_t i = 0; i < n; ++i) {
      if (once) {
        uint32_t t;
        if (!in.U32(&t) || !live_trigger(t)) return in.Fail();
        fired_once_[c].push_back(t);
      } else {
        TimeMs at;
        if (!in.I(&at)) return false;
        recent_[c].push_back(at);
      }
    }
  }
  return in.ok();
}

}  // namespace kizuna::store
