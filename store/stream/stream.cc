#include "store/stream/stream.h"

#include <algorithm>

namespace kizuna::store {

void Stream::set_max_len(uint64_t n) {
  max_len_ = n;
  if (n > 0) TrimMaxLen(n);
}

StreamId Stream::Append(std::span<const StreamField> fields, TimeMs now) {
  StreamId id = last_id_;
  if (now > 0 && static_cast<uint64_t>(now) > last_id_.ms) {
    id = {static_cast<uint64_t>(now), 0};
  } else if (!id.Increment()) {
    return last_id_;  // the id space is exhausted (18446744073709551615-18446744073709551615)
  }
  entry_bytes_ += entries_.emplace_back(id, fields).packed_bytes();
  if (entries_.size() == 1) first_id_ = id;
  last_id_ = id;
  ++entries_added_;
  if (max_len_ > 0) TrimMaxLen(max_len_);
  Changed();
  return id;
}

size_t Stream::LowerBound(StreamId id) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), id,
                             [](const StreamEntry& e, StreamId v) { return e.id() < v; });
  return static_cast<size_t>(it - entries_.begin());
}

size_t Stream::UpperBound(StreamId id) const {
  auto it = std::upper_bound(entries_.begin(), entries_.end(), id,
                             [](StreamId v, const StreamEntry& e) { return v < e.id(); });
  return static_cast<size_t>(it - entries_.begin());
}

const StreamEntry* Stream::Find(StreamId id) const {
  size_t i = LowerBound(id);
  return i < entries_.size() && entries_[i].id() == id ? &entries_[i] : nullptr;
}

void Stream::TrimFront(size_t n) {
  if (n == 0) return;
  for (size_t i = 0; i < n && i < entries_.size(); ++i) entry_bytes_ -= entries_[i].packed_bytes();
  if (n >= entries_.size()) {
    entries_.clear();
  } else {
    entries_.erase(entries_.begin(), entries_.begin() + static_cast<ptrdiff_t>(n));
  }
  // As Redis: the new first entry, 0-0 once empty.
  first_id_ = entries_.empty() ? StreamId::Min() : entries_.front().id();
}

uint64_t Stream::TrimMaxLen(uint64_t max_len, uint64_t limit) {
  uint64_t n = entries_.size() > max_len ? entries_.size() - max_len : 0;
  if (limit > 0) n = std::min(n, limit);
  TrimFront(n);
  return n;
}

uint64_t Stream::TrimMinId(StreamId min_id, uint64_t limit) {
  uint64_t n = LowerBound(min_id);
  if (limit > 0) n = std::min(n, limit);
  TrimFront(n);
  return n;
}

size_t Stream::DeleteIf(absl::FunctionRef<bool(const StreamEntry&)> pred) {
  // One pass moving the kept entries down, then one erase at the back: O(n) however many go.
  std::vector<StreamId> deleted;
  auto out = entries_.begin();
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (pred(*it)) {
      deleted.push_back(it->id());
      entry_bytes_ -= it->packed_bytes();
    } else {
      if (out != it) *out = std::move(*it);
      ++out;
    }
  }
  if (deleted.empty()) return 0;
  entries_.erase(out, entries_.end());
  max_deleted_id_ = std::max(max_deleted_id_, deleted.back());
  first_id_ = entries_.empty() ? StreamId::Min() : entries_.front().id();
  for (auto& [name, g] : groups_) {
    for (StreamId id : deleted) g.Ack(id);
  }
  return deleted.size();
}

bool Stream::HasTombstonesFrom(StreamId from) const {
  if (entries_.empty() || max_deleted_id_ == StreamId::Min()) return false;
  if (first_id_ > max_deleted_id_) return false;  // every deletion is before the first entry
  return from <= max_deleted_id_;
}

ConsumerGroup* Stream::FindGroup(std::string_view name) {
  auto it = groups_.find(name);
  return it == groups_.end() ? nullptr : &it->second;
}

bool Stream::CreateGroup(std::string_view name, StreamId last_id, int64_t entries_read) {
  return groups_.try_emplace(std::string(name), last_id, entries_read).second;
}

bool Stream::DestroyGroup(std::string_view name) {
  auto it = groups_.find(name);
  if (it == groups_.end()) return false;
  groups_.erase(it);
  Changed();  // readers blocked on it get their error
  return true;
}

int64_t Stream::EstimateEntriesRead(StreamId id) const {
  // Redis's streamEstimateDistanceFromFirstEverEntry: exact at the ends, and before the first
  // entry unless a deletion fragments the stream; unknown inside.
  if (entries_added_ == 0) return 0;
  if (entries_.empty() && id <= last_id_) return static_cast<int64_t>(entries_added_);
  if (id == last_id_) return static_cast<int64_t>(entries_added_);
  if (id > last_id_) return kEntriesReadUnknown;
  if (max_deleted_id_ == StreamId::Min() || max_deleted_id_ < first_id_) {
    if (id < first_id_) return static_cast<int64_t>(entries_added_ - entries_.size());
    if (id == first_id_) return static_cast<int64_t>(entries_added_ - entries_.size() + 1);
  }
  return kEntriesReadUnknown;
}

std::optional<int64_t> Stream::Lag(const ConsumerGroup& g) const {
  if (entries_added_ == 0) return 0;
  int64_t read = g.entries_read();
  // As Redis: the counter is trusted only without a deletion after the group's last id.
  if (read == kEntriesReadUnknown || HasTombstonesFrom(g.last_id())) {
    read = EstimateEntriesRead(g.last_id());
  }
  if (read == kEntriesReadUnknown) return std::nullopt;
  return static_cast<int64_t>(entries_added_) - read;
}

std::pair<size_t, size_t> Stream::ReadNew(ConsumerGroup& g, Consumer& consumer, size_t count,
                                          bool no_ack, TimeMs now) {
  size_t first = UpperBound(g.last_id());
  size_t last = count == 0 ? entries_.size() : std::min(entries_.size(), first + count);
  for (size_t i = first; i < last; ++i) {
    StreamId id = entries_[i].id();
    int64_t read = g.entries_read();
    // A known counter simply advances (unless a deletion lies ahead); an unknown one may
    // become known at this id.
    read =
        read != kEntriesReadUnknown && !HasTombstonesFrom(id) ? read + 1 : EstimateEntriesRead(id);
    g.SetPosition(id, read);
    if (!no_ack) g.Deliver(id, &consumer, now);
  }
  if (last > first) consumer.active_time = now;
  return {first, last};
}

void Stream::ReadPending(ConsumerGroup& g, Consumer& consumer, StreamId after, size_t count,
                         TimeMs now, absl::FunctionRef<void(StreamId, const StreamEntry*)> fn) {
  size_t n = 0;
  for (auto it = consumer.pending.upper_bound(after);
       it != consumer.pending.end() && (count == 0 || n < count); ++it, ++n) {
    auto pending = g.FindPending(*it);
    pending->second.delivery_time = now;
    ++pending->second.delivery_count;
    fn(*it, Find(*it));
  }
}

void Stream::Claim(ConsumerGroup& g, std::string_view consumer_name, std::span<const StreamId> ids,
                   const ClaimOptions& opt, TimeMs now, std::vector<StreamId>* claimed) {
  claimed->clear();
  if (opt.last_id && *opt.last_id > g.last_id()) g.SetPosition(*opt.last_id, g.entries_read());
  TimeMs delivery_time = opt.delivery_time.value_or(now);
  if (delivery_time < 0 || delivery_time > now) delivery_time = now;
  Consumer* consumer = g.FindConsumer(consumer_name);
  for (StreamId id : ids) {
    auto it = g.FindPending(id);
    if (!Find(id)) {
      if (it != g.pel_end()) g.ErasePending(it);  // its entry was trimmed
      continue;
    }
    bool forced = false;
    if (it == g.pel_end()) {
      if (!opt.force) continue;
      forced = true;
    } else if (opt.min_idle > 0 && now - it->second.delivery_time < opt.min_idle) {
      continue;
    }
    if (!consumer) consumer = g.GetConsumer(consumer_name, now);
    if (forced) {
      // As Redis: a forced entry starts as one delivery, then counts this claim.
      it = g.AddPending(id, consumer, now);
      it->second.delivery_count = 1;
    }
    g.Transfer(it, consumer);
    it->second.delivery_time = delivery_time;
    if (opt.retry_count) {
      it->second.delivery_count = static_cast<uint64_t>(*opt.retry_count);
    } else if (!opt.just_id) {
      ++it->second.delivery_count;
    }
    claimed->push_back(id);
  }
  if (consumer) {
    consumer->seen_time = now;
    if (!claimed->empty()) consumer->active_time = now;
  }
}

void Stream::AutoClaim(ConsumerGroup& g, std::string_view consumer_name, TimeMs min_idle,
                       StreamId start, size_t count, bool just_id, TimeMs now,
                       AutoClaimResult* out) {
  out->claimed.clear();
  out->deleted.clear();
  Consumer* consumer = g.GetConsumer(consumer_name, now);
  consumer->seen_time = now;
  // Like Redis, look at no more than 10 pending entries per requested one.
  size_t attempts = count * 10;
  auto it = g.PendingFrom(start);
  while (attempts > 0 && count > 0 && it != g.pel_end()) {
    --attempts;
    StreamId id = it->first;
    if (!Find(id)) {
      out->deleted.push_back(id);
      it = g.ErasePending(it);
      --count;  // deleted ids count toward the reply size too
      continue;
    }
    if (min_idle > 0 && now - it->second.delivery_time < min_idle) {
      ++it;
      continue;
    }
    g.Transfer(it, consumer);
    it->second.delivery_time = now;
    if (!just_id) ++it->second.delivery_count;
    out->claimed.push_back(id);
    --count;
    ++it;
  }
  out->next = it == g.pel_end() ? StreamId::Min() : it->first;
  if (!out->claimed.empty()) consumer->active_time = now;
}

void Stream::Clear() {
  entries_.clear();
  entry_bytes_ = 0;
  groups_.clear();
  last_id_ = first_id_ = max_deleted_id_ = StreamId::Min();
  entries_added_ = 0;
  Changed();
}

StreamState Stream::Dump() const {
  StreamState s;
  s.last_id = last_id_;
  s.first_id = first_id_;
  s.max_deleted_id = max_deleted_id_;
  s.entries_added = entries_added_;
  s.entries.reserve(entries_.size());
  for (const StreamEntry& e : entries_) {
    StreamState::Entry& out = s.entries.emplace_back();
    out.id = e.id();
    e.ForEachField([&](std::string_view f, std::string_view v) {
      out.fields.emplace_back(std::string(f), std::string(v));
    });
  }
  for (const auto& [name, g] : groups_) {
    StreamState::Group& out = s.groups.emplace_back();
    out.name = name;
    out.last_id = g.last_id();
    out.entries_read = g.entries_read();
    for (const auto& [cname, c] : g.consumers()) {
      out.consumers.push_back({cname, c.seen_time, c.active_time});
    }
    for (const auto& [id, p] : g.pel()) {
      out.pending.push_back({id, p.owner->name, p.delivery_time, p.delivery_count});
    }
  }
  return s;
}

void Stream::Restore(const StreamState& state) {
  entries_.clear();
  entry_bytes_ = 0;
  groups_.clear();
  std::vector<StreamField> fields;
  for (const StreamState::Entry& e : state.entries) {
    fields.clear();
    for (const auto& [f, v] : e.fields) fields.emplace_back(f, v);
    entry_bytes_ += entries_.emplace_back(e.id, fields).packed_bytes();
  }
  last_id_ = state.last_id;
  first_id_ = state.first_id;
  max_deleted_id_ = state.max_deleted_id;
  entries_added_ = state.entries_added;
  for (const StreamState::Group& sg : state.groups) {
    ConsumerGroup& g = groups_.try_emplace(sg.name, sg.last_id, sg.entries_read).first->second;
    for (const StreamState::Consumer& sc : sg.consumers) {
      Consumer* c = g.GetConsumer(sc.name, sc.seen_time);
      c->active_time = sc.active_time;
    }
    for (const StreamState::Pending& p : sg.pending) {
      Consumer* owner = g.FindConsumer(p.consumer);
      if (!owner) continue;
      auto it = g.AddPending(p.id, owner, p.delivery_time);
      it->second.delivery_count = p.delivery_count;
    }
  }
  Changed();
}

size_t Stream::MemoryBytes() const {
  size_t bytes = entries_.size() * sizeof(StreamEntry) + entry_bytes_;
  for (const auto& [name, g] : groups_) {
    // btree nodes hold about this much per element, with their slack.
    bytes += g.pel().size() * (sizeof(StreamId) + sizeof(PendingEntry) + sizeof(StreamId)) * 3 / 2;
    bytes += g.consumers().size() * (sizeof(Consumer) + 64);
  }
  return bytes;
}

}  // namespace kizuna::store
