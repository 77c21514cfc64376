// StreamEntry: one stream entry, its field/value pairs packed in one allocation
// (for each string: a native 4-byte length, then the bytes), so an outbox of a million
// entries costs one heap block per entry rather than one per string.
#ifndef KIZUNA_STORE_STREAM_STREAM_ENTRY_H_
#define KIZUNA_STORE_STREAM_STREAM_ENTRY_H_

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "store/stream/stream_id.h"

namespace kizuna::store {

using StreamField = std::pair<std::string_view, std::string_view>;

class StreamEntry {
 public:
  StreamEntry(StreamId id, std::span<const StreamField> fields);

  StreamId id() const { return id_; }
  uint32_t field_count() const { return field_count_; }
  size_t packed_bytes() const { return packed_.capacity(); }

  // Calls fn(field, value) for every pair, in insertion order.
  template <typename Fn>
  void ForEachField(Fn&& fn) const {
    const char* p = packed_.data();
    for (uint32_t i = 0; i < field_count_; ++i) {
      std::string_view field = Read(p);
      std::string_view value = Read(p);
      fn(field, value);
    }
  }

 private:
  static std::string_view Read(const char*& p) {
    uint32_t n;
    std::memcpy(&n, p, sizeof(n));
    std::string_view s(p + sizeof(n), n);
    p += sizeof(n) + n;
    return s;
  }

  StreamId id_;
  uint32_t field_count_;
  std::string packed_;
};

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_STREAM_STREAM_ENTRY_H_
