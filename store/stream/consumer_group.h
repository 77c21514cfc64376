// ConsumerGroup: a stream consumer group as Redis keeps it. The group remembers the last
// delivered id and how many entries it has read; every entry delivered and not yet
// acknowledged sits in the pending entries list (PEL) with its owner, delivery time and
// delivery count. Each consumer indexes the pending entries it owns.
//
// Invariant: an id is in a consumer's `pending` exactly when the group PEL holds it with that
// consumer as owner.
#ifndef KIZUNA_STORE_STREAM_CONSUMER_GROUP_H_
#define KIZUNA_STORE_STREAM_CONSUMER_GROUP_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "store/clock.h"
#include "store/stream/stream_id.h"

namespace kizuna::store {

// entries_read when the group cannot tell how far into the stream it is (Redis: lag unknown).
inline constexpr int64_t kEntriesReadUnknown = -1;

struct Consumer {
  std::string name;
  TimeMs seen_time = 0;     // last attempted interaction (read or claim)
  TimeMs active_time = -1;  // last successful one; -1 = never
  absl::btree_set<StreamId> pending;
};

struct PendingEntry {
  Consumer* owner = nullptr;
  TimeMs delivery_time = 0;
  uint64_t delivery_count = 0;
};

class ConsumerGroup {
 public:
  using ConsumerMap = std::map<std::string, Consumer, std::less<>>;
  using Pel = absl::btree_map<StreamId, PendingEntry>;

  ConsumerGroup(StreamId last_id, int64_t entries_read)
      : last_id_(last_id), entries_read_(entries_read) {}

  StreamId last_id() const { return last_id_; }
  int64_t entries_read() const { return entries_read_; }
  void SetPosition(StreamId last_id, int64_t entries_read) {
    last_id_ = last_id;
    entries_read_ = entries_read;
  }

  const ConsumerMap& consumers() const { return consumers_; }
  const Pel& pel() const { return pel_; }
  Consumer* FindConsumer(std::string_view name);
  // Finds or creates; *created tells which.
  Consumer* GetConsumer(std::string_view name, TimeMs now, bool* created = nullptr);
  // XGROUP DELCONSUMER: drops the consumer and its pending entries; returns how many it had,
  // or -1 if there was no such consumer.
  int64_t DeleteConsumer(std::string_view name);

  // Gives `id` to `owner` as a fresh delivery (count 1 at `now`); an existing pending entry
  // of it (possible after XGROUP SETID moved the group back) changes owner.
  void Deliver(StreamId id, Consumer* owner, TimeMs now);
  // Moves a pending entry to `owner` (no-op for ownership if already its).
  void Transfer(Pel::iterator it, Consumer* owner);
  // Adds a pending entry that was never delivered (XCLAIM FORCE).
  Pel::iterator AddPending(StreamId id, Consumer* owner, TimeMs delivery_time);
  // Removes a pending entry; true if it was there (XACK).
  bool Ack(StreamId id);
  Pel::iterator ErasePending(Pel::iterator it);
  Pel::iterator FindPending(StreamId id) { return pel_.find(id); }
  Pel::iterator PendingFrom(StreamId id) { return pel_.lower_bound(id); }
  Pel::iterator pel_end() { return pel_.end(); }

 private:
  StreamId last_id_;
  int64_t entries_read_;
  ConsumerMap consumers_;  // ordered by name, as XINFO CONSUMERS lists them
  Pel pel_;
};

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_STREAM_CONSUMER_GROUP_H_
