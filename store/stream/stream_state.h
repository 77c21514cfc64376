// StreamState: a Stream as plain values, for snapshots (Stream::Dump / Stream::Restore).
// Owns its strings; nothing points into the live stream.
#ifndef KIZUNA_STORE_STREAM_STREAM_STATE_H_
#define KIZUNA_STORE_STREAM_STREAM_STATE_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "store/clock.h"
#include "store/stream/stream_id.h"

namespace kizuna::store {

struct StreamState {
  struct Entry {
    StreamId id;
    std::vector<std::pair<std::string, std::string>> fields;
  };
  struct Consumer {
    std::string name;
    TimeMs seen_time = 0;
    TimeMs active_time = -1;
  };
  struct Pending {
    StreamId id;
    std::string consumer;
    TimeMs delivery_time = 0;
    uint64_t delivery_count = 0;
  };
  struct Group {
    std::string name;
    StreamId last_id;
    int64_t entries_read = -1;
    std::vector<Consumer> consumers;
    std::vector<Pending> pending;  // ascending id
  };

  std::vector<Entry> entries;  // ascending id
  StreamId last_id;
  StreamId first_id;
  StreamId max_deleted_id;
  uint64_t entries_added = 0;
  std::vector<Group> groups;
};

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_STREAM_STREAM_STATE_H_
