#include "store/stream/consumer_group.h"

namespace kizuna::store {

Consumer* ConsumerGroup::FindConsumer(std::string_view name) {
  auto it = consumers_.find(name);
  return it == consumers_.end() ? nullptr : &it->second;
}

Consumer* ConsumerGroup::GetConsumer(std::string_view name, TimeMs now, bool* created) {
  auto it = consumers_.find(name);
  bool is_new = it == consumers_.end();
  if (is_new) {
    it = consumers_.emplace(std::string(name), Consumer{}).first;
    it->second.name = it->first;
    it->second.seen_time = now;
  }
  if (created) *created = is_new;
  return &it->second;
}

int64_t ConsumerGroup::DeleteConsumer(std::string_view name) {
  auto it = consumers_.find(name);
  if (it == consumers_.end()) return -1;
  auto n = static_cast<int64_t>(it->second.pending.size());
  for (StreamId id : it->second.pending) pel_.erase(id);
  consumers_.erase(it);
  return n;
}

void ConsumerGroup::Deliver(StreamId id, Consumer* owner, TimeMs now) {
  auto [it, inserted] = pel_.try_emplace(id, PendingEntry{owner, now, 1});
  if (inserted) {
    owner->pending.insert(id);
    return;
  }
  Transfer(it, owner);
  it->second.delivery_time = now;
  it->second.delivery_count = 1;
}

void ConsumerGroup::Transfer(Pel::iterator it, Consumer* owner) {
  if (it->second.owner == owner) return;
  it->second.owner->pending.erase(it->first);
  owner->pending.insert(it->first);
  it->second.owner = owner;
}

ConsumerGroup::Pel::iterator ConsumerGroup::AddPending(StreamId id, Consumer* owner,
                                                       TimeMs delivery_time) {
  owner->pending.insert(id);
  return pel_.try_emplace(id, PendingEntry{owner, delivery_time, 0}).first;
}

bool ConsumerGroup::Ack(StreamId id) {
  auto it = pel_.find(id);
  if (it == pel_.end()) return false;
  ErasePending(it);
  return true;
}

ConsumerGroup::Pel::iterator ConsumerGroup::ErasePending(Pel::iterator it) {
  it->second.owner->pending.erase(it->first);
  return pel_.erase(it);
}

}  // namespace kizuna::store
