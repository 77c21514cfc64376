// The outbox stream in snapshot records: "outbox.entries" (chunks of entries, oldest first)
// then "outbox.groups" (ids, counters, every group with its consumers and pending entries, and
// last the max-deleted id).
// Built on Stream::Dump / Stream::Restore; the groups record comes last and completes it.
#ifndef KIZUNA_STORE_STREAM_STREAM_SNAPSHOT_H_
#define KIZUNA_STORE_STREAM_STREAM_SNAPSHOT_H_

#include <string_view>

#include "store/persistence/state_codec.h"
#include "store/stream/stream.h"

namespace kizuna::store {

void SaveStream(const Stream& stream, StateOut& out);

class StreamLoader {
 public:
  explicit StreamLoader(Stream* stream) : stream_(stream) {}
  // False when the payload is malformed; the groups record restores the stream.
  bool LoadRecord(std::string_view tag, std::string_view payload);

 private:
  Stream* stream_;
  StreamState state_;
};

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_STREAM_STREAM_SNAPSHOT_H_
