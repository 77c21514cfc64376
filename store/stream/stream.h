// Stream: a Redis stream (kizuna's outbox). Entries have strictly increasing `<ms>-<seq>` ids
// and are removed from the front (trimming) or, rarely, wherever they are (CUSTOMER.DEL's
// DeleteIf, one compaction pass; XDEL itself is not offered), so they live in a deque searched
// by binary search: O(log n) seeks, O(1) appends and trims.
//
// Consumer groups (consumer_group.h) track delivery. The read and claim operations here hold
// the Redis semantics the stream commands need; commands turn their results into replies.
// Every operation takes `now` from the caller's clock (never the system clock), so replaying
// the log with the recorded times rebuilds the same ids, delivery times and counts.
//
// Usage (the trigger engine):
//   StreamId id = stream.Append({{"type", "trigger"}, {"name", "welcome"}, ...}, now);
// A StreamListener (the server's blocked-reader registry) hears of every change that may
// unblock a reader: appends, groups destroyed, the stream flushed.
#ifndef KIZUNA_STORE_STREAM_STREAM_H_
#define KIZUNA_STORE_STREAM_STREAM_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "store/clock.h"
#include "store/stream/consumer_group.h"
#include "store/stream/stream_entry.h"
#include "store/stream/stream_id.h"
#include "store/stream/stream_state.h"

namespace kizuna::store {

class StreamListener {
 public:
  virtual ~StreamListener() = default;
  virtual void OnStreamChanged() = 0;
};

// XCLAIM options (Redis names). delivery_time: IDLE/TIME resolved by the caller, else now.
struct ClaimOptions {
  TimeMs min_idle = 0;
  std::optional<TimeMs> delivery_time;
  std::optional<int64_t> retry_count;
  bool force = false;
  bool just_id = false;
  std::optional<StreamId> last_id;
};

struct AutoClaimResult {
  StreamId next;                  // cursor for the next call; 0-0 when the scan is done
  std::vector<StreamId> claimed;  // entries that exist, now owned by the consumer
  std::vector<StreamId> deleted;  // pending ids whose entries were trimmed (dropped)
};

class Stream {
 public:
  using GroupMap = std::map<std::string, ConsumerGroup, std::less<>>;

  void set_listener(StreamListener* listener) { listener_ = listener; }
  // outbox-maxlen: appends keep at most this many entries (0 = no limit). Trims at once.
  void set_max_len(uint64_t n);
  uint64_t max_len() const { return max_len_; }

  // ---- Entries -----------------------------------------------------------------------------
  // Adds an entry with the next id at `now` (ms = max(now, last ms)) and trims to max_len.
  StreamId Append(std::span<const StreamField> fields, TimeMs now);
  StreamId Append(std::initializer_list<StreamField> fields, TimeMs now) {
    return Append(std::span<const StreamField>(fields.begin(), fields.size()), now);
  }
  size_t size() const { return entries_.size(); }
  const StreamEntry& at(size_t i) const { return entries_[i]; }
  // Index of the first entry with id >= / > `id` (size() if none).
  size_t LowerBound(StreamId id) const;
  size_t UpperBound(StreamId id) const;
  const StreamEntry* Find(StreamId id) const;
  StreamId last_id() const { return last_id_; }
  StreamId first_id() const { return first_id_; }  // recorded first entry id (0-0 if none)
  uint64_t entries_added() const { return entries_added_; }
  // The largest id DeleteIf removed (Redis's max-deleted-entry-id), 0-0 if none.
  StreamId max_deleted_id() const { return max_deleted_id_; }

  // XTRIM: removes the oldest entries beyond `max_len` / with ids below `min_id`, at most
  // `limit` (0 = no limit). Returns how many went.
  uint64_t TrimMaxLen(uint64_t max_len, uint64_t limit = 0);
  uint64_t TrimMinId(StreamId min_id, uint64_t limit = 0);
  // Removes every entry `pred` holds for, as Redis's XDEL of their ids followed by XACK of them
  // in every group (so no PEL still names them). Returns how many went.
  size_t DeleteIf(absl::FunctionRef<bool(const StreamEntry&)> pred);

  // ---- Groups ------------------------------------------------------------------------------
  const GroupMap& groups() const { return groups_; }
  ConsumerGroup* FindGroup(std::string_view name);
  // XGROUP CREATE: false if the name is taken.
  bool CreateGroup(std::string_view name, StreamId last_id, int64_t entries_read);
  bool DestroyGroup(std::string_view name);
  // How far the group has read: its own counter, or Redis's estimate from its last id;
  // kEntriesReadUnknown when neither works. Lag = entries_added - that.
  int64_t EstimateEntriesRead(StreamId id) const;
  std::optional<int64_t> Lag(const ConsumerGroup& g) const;

  // XREADGROUP ... >: delivers up to `count` (0 = all) entries after the group's last id to
  // `consumer` and returns their index range [first, last). NOACK skips the PEL.
  std::pair<size_t, size_t> ReadNew(ConsumerGroup& g, Consumer& consumer, size_t count, bool no_ack,
                                    TimeMs now);
  // XREADGROUP ... <id>: the consumer's pending entries after `after`, up to `count`
  // (0 = all); each counts as a new delivery. fn(id, entry or nullptr if trimmed).
  void ReadPending(ConsumerGroup& g, Consumer& consumer, StreamId after, size_t count, TimeMs now,
                   absl::FunctionRef<void(StreamId, const StreamEntry*)> fn);
  // XCLAIM: claims the listed ids for `consumer` (created on the first claim). Ids of trimmed
  // entries leave the PEL. Returns the claimed ids in argument order.
  void Claim(ConsumerGroup& g, std::string_view consumer, std::span<const StreamId> ids,
             const ClaimOptions& opt, TimeMs now, std::vector<StreamId>* claimed);
  // XAUTOCLAIM: scans the PEL from `start`, claiming up to `count` entries idle >= min_idle.
  void AutoClaim(ConsumerGroup& g, std::string_view consumer, TimeMs min_idle, StreamId start,
                 size_t count, bool just_id, TimeMs now, AutoClaimResult* out);

  // ---- Whole stream ------------------------------------------------------------------------
  // FLUSHALL: no entries, no groups, ids start over.
  void Clear();
  StreamState Dump() const;
  // Replaces everything with `state` (from Dump). Pending entries naming unknown consumers
  // are dropped.
  void Restore(const StreamState& state);
  size_t MemoryBytes() const;

 private:
  void TrimFront(size_t n);
  // Redis's streamRangeHasTombstones(from, +inf): a deleted entry may lie at or after `from`.
  bool HasTombstonesFrom(StreamId from) const;
  void Changed() {
    if (listener_) listener_->OnStreamChanged();
  }

  std::deque<StreamEntry> entries_;
  StreamId last_id_;
  StreamId first_id_;
  StreamId max_deleted_id_;
  uint64_t entries_added_ = 0;
  uint64_t max_len_ = 0;
  size_t entry_bytes_ = 0;  // heap bytes of the entries' packed fields
  GroupMap groups_;
  StreamListener* listener_ = nullptr;
};

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_STREAM_STREAM_H_
