#include "store/customer_table.h"

// Inlined: ids are short, and a call into the library costs about as much as hashing one.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <cstring>

namespace kizuna::store {

uint64_t HashBytes(std::string_view s) { return XXH3_64bits(s.data(), s.size()); }

CustomerTable::CustomerTable() : set_(Hash{this}, Eq{this}, size_t{1} << 16, 32) {}

CustomerIndex CustomerTable::Find(const HashedId& id) const {
  // The probe's control bytes and slots are separate arrays: fetch both at once.
  set_.prefetch(id);
  return set_.Find(id).value_or(kNoCustomer);
}

size_t CustomerTable::Candidates(const HashedId& id, CustomerIndex* out, size_t max) const {
  size_t found = 0;
  set_.Find(CandidateProbe{id.hash, out, max, &found});
  for (size_t i = 0; i < found; ++i) __builtin_prefetch(&offsets_[out[i]]);
  return found;
}

CustomerIndex CustomerTable::Insert(std::string_view id) {
  CustomerIndex c;
  if (!free_.empty()) {
    c = free_.back();
    free_.pop_back();
  } else {
    c = static_cast<CustomerIndex>(offsets_.size());
    offsets_.push_back(kFree);
  }
  offsets_[c] = static_cast<uint32_t>(arena_.size());
  arena_.push_back(static_cast<unsigned char>(id.size() - 1));
  arena_.insert(arena_.end(), id.begin(), id.end());
  set_.insert(c);
  return c;
}

void CustomerTable::Reset(size_t slots, std::vector<CustomerIndex> free, size_t live) {
  Clear();
  offsets_.assign(slots, kFree);
  free_ = std::move(free);
  set_.reserve(live);
}

bool CustomerTable::InsertAt(CustomerIndex c, std::string_view id) {
  if (c >= offsets_.size() || offsets_[c] != kFree || id.empty() || id.size() > kMaxCustomerIdLen) {
    return false;
  }
  offsets_[c] = static_cast<uint32_t>(arena_.size());
  arena_.push_back(static_cast<unsigned char>(id.size() - 1));
  arena_.insert(arena_.end(), id.begin(), id.end());
  return set_.insert(c);
}

void CustomerTable::Erase(CustomerIndex c) {
  set_.Take(c);
  garbage_ += Id(c).size() + 1;
  offsets_[c] = kFree;
  free_.push_back(c);
  if (garbage_ > 4096 && garbage_ * 2 > arena_.size()) CompactArena();
}

void CustomerTable::CompactArena() {
  // Offsets grow with insertion order, so live ids can be slid down in index order only if
  // we visit them by offset; copying into a fresh arena is simpler and equally O(size).
  MappedVector<unsigned char> fresh;
  fresh.reserve(arena_.size() - garbage_);
  for (size_t c = 0; c < offsets_.size(); ++c) {
    if (offsets_[c] == kFree) continue;
    size_t len = static_cast<size_t>(arena_[offsets_[c]]) + 2;
    uint32_t at = static_cast<uint32_t>(fresh.size());
    fresh.insert(fresh.end(), arena_.begin() + offsets_[c], arena_.begin() + offsets_[c] + len);
    offsets_[c] = at;
  }
  arena_.swap(fresh);
  garbage_ = 0;
  // Hashes depend on the bytes only, so the set needs no rehash.
}

void CustomerTable::Clear() {
  set_.clear();
  MappedVector<unsigned char>().swap(arena_);
  MappedVector<uint32_t>().swap(offsets_);
  std::vector<CustomerIndex>().swap(free_);
  garbage_ = 0;
}

size_t CustomerTable::MemoryBytes() const {
  // The hash set (both tables while it grows): one control byte plus one slot per bucket.
  return arena_.capacity() + offsets_.capacity() * 4 + free_.capacity() * 4 +
         set_.bucket_count() * (sizeof(uint32_t) + 1);
}

}  // namespace kizuna::store
