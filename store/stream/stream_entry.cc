#include "store/stream/stream_entry.h"

namespace kizuna::store {

StreamEntry::StreamEntry(StreamId id, std::span<const StreamField> fields)
    : id_(id), field_count_(static_cast<uint32_t>(fields.size())) {
  size_t bytes = 0;
  for (const auto& [f, v] : fields) bytes += 2 * sizeof(uint32_t) + f.size() + v.size();
  packed_.reserve(bytes);
  auto put = [this](std::string_view s) {
    auto n = static_cast<uint32_t>(s.size());
    packed_.append(reinterpret_cast<const char*>(&n), sizeof(n));
    packed_.append(s);
  };
  for (const auto& [f, v] : fields) {
    put(f);
    put(v);
  }
}

}  // namespace kizuna::store
