#include "store/order_index.h"

#include <algorithm>

namespace kizuna::store {

void OrderIndex::RefreshFront(size_t b) {
  fronts_[b] = Front{Read(blocks_[b].items.front()), blocks_[b].items.data()};
  if (b % kFan == 0) top_[b / kFan] = fronts_[b].probe;
}

void OrderIndex::RebuildTop(size_t from_block) {
  top_.resize((fronts_.size() + kFan - 1) / kFan);
  for (size_t j = from_block / kFan; j < top_.size(); ++j) top_[j] = fronts_[j * kFan].probe;
}

void OrderIndex::RefreshLabels() {
  for (size_t b = 0; b < blocks_.size(); ++b) RefreshFront(b);
}

void OrderIndex::EraseFront(size_t b) {
  fronts_.erase(fronts_.begin() + static_cast<ptrdiff_t>(b));
  RebuildTop(b);
}

void OrderIndex::InsertFront(size_t b) {
  fronts_.insert(fronts_.begin() + static_cast<ptrdiff_t>(b), Front{});
  RebuildTop(b);
  RefreshFront(b);
}

void OrderIndex::Insert(uint32_t c) {
  if (blocks_.empty()) {
    blocks_.emplace_back();
    blocks_[0].items.reserve(kMaxBlock);
    blocks_[0].items.push_back(c);
    InsertFront(0);
    ++size_;
    RebuildFenwick();
    return;
  }
  Search s;
  s.index = this;
  s.probe = Read(c);
  LowerBound(&s);
  InsertAt(s.block, s.pos, c);
}

void OrderIndex::InsertAt(size_t bi, size_t pos, uint32_t c) {
  Block& b = blocks_[bi];
  b.items.insert(b.items.begin() + static_cast<ptrdiff_t>(pos), c);
  ++size_;
  if (pos == 0) RefreshFront(bi);
  if (b.items.size() < kMaxBlock) {
    FenwickAdd(bi, 1);
    return;
  }
  // A full block first spills one entry into a neighbour with room, which keeps blocks
  // ~90% full (memory) instead of the ~70% that splitting alone gives.
  if (bi + 1 < blocks_.size() && blocks_[bi + 1].items.size() < kMaxBlock - 1) {
    Block& next = blocks_[bi + 1];
    next.items.insert(next.items.begin(), b.items.back());
    b.items.pop_back();
    RefreshFront(bi + 1);
    FenwickAdd(bi + 1, 1);
    return;
  }
  if (bi > 0 && blocks_[bi - 1].items.size() < kMaxBlock - 1) {
    blocks_[bi - 1].items.push_back(b.items.front());
    b.items.erase(b.items.begin());
    RefreshFront(bi);
    FenwickAdd(bi - 1, 1);
    return;
  }
  // Split a full block (with full neighbours) in halves.
  Block fresh;
  fresh.items.reserve(kMaxBlock);
  size_t half = b.items.size() / 2;
  fresh.items.assign(b.items.begin() + static_cast<ptrdiff_t>(half), b.items.end());
  b.items.resize(half);
  blocks_.insert(blocks_.begin() + static_cast<ptrdiff_t>(bi) + 1, std::move(fresh));
  InsertFront(bi + 1);
  RebuildFenwick();
}

size_t OrderIndex::Find(const Block& b, uint32_t c) {
  // A scan of at most 1 KB with no key reads (they would be cache misses) instead of a search.
  const uint32_t* items = b.items.data();
  const size_t n = b.items.size();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    unsigned hit = 0;
    for (size_t j = 0; j < 16; ++j) hit |= items[i + j] == c ? 1u : 0u;
    if (hit) break;
  }
  while (i < n && items[i] != c) ++i;
  return i;
}

bool OrderIndex::Erase(uint32_t c) {
  if (blocks_.empty()) return false;
  Search s;
  s.index = this;
  s.probe = Read(c);
  s.locate = true;
  RunSearches(&s, 1);
  if (s.pos >= blocks_[s.block].items.size()) return false;
  EraseAt(s.block, s.pos);
  return true;
}

bool OrderIndex::EraseAt(size_t bi, size_t pos) {
  Block& b = blocks_[bi];
  b.items.erase(b.items.begin() + static_cast<ptrdiff_t>(pos));
  --size_;
  bool restructure = false;
  if (b.items.empty()) {
    blocks_.erase(blocks_.begin() + static_cast<ptrdiff_t>(bi));
    EraseFront(bi);
    restructure = true;
  } else {
    if (pos == 0) RefreshFront(bi);
    // Merge a small block into its successor so blocks stay at least a quarter full.
    if (b.items.size() < kMaxBlock / 4 && bi + 1 < blocks_.size() &&
        b.items.size() + blocks_[bi + 1].items.size() <= kMaxBlock / 2) {
      Block& next = blocks_[bi + 1];
      b.items.insert(b.items.end(), next.items.begin(), next.items.end());
      blocks_.erase(blocks_.begin() + static_cast<ptrdiff_t>(bi) + 1);
      EraseFront(bi + 1);
      restructure = true;
    }
  }
  if (restructure) {
    RebuildFenwick();
  } else {
    FenwickAdd(bi, -1);
  }
  return restructure;
}

void OrderIndex::Build(std::vector<uint32_t> all) {
  Clear();
  // Sort with keys and labels fetched once; ids only break label ties.
  std::vector<Probe> keyed;
  keyed.reserve(all.size());
  for (uint32_t c : all) keyed.push_back(Read(c));
  std::vector<uint32_t>().swap(all);
  std::sort(keyed.begin(), keyed.end(),
            [this](const Probe& a, const Probe& b) { return Before(a, b); });
  constexpr size_t kFill = kMaxBlock * 7 / 8;
  for (size_t i = 0; i < keyed.size(); i += kFill) {
    Block b;
    b.items.reserve(kMaxBlock);
    size_t end = std::min(keyed.size(), i + kFill);
    for (size_t j = i; j < end; ++j) b.items.push_back(keyed[j].c);
    fronts_.push_back(Front{keyed[i], b.items.data()});
    blocks_.push_back(std::move(b));
  }
  RebuildTop(0);
  size_ = keyed.size();
  RebuildFenwick();
}

void OrderIndex::Clear() {
  blocks_.clear();
  fronts_.clear();
  top_.clear();
  fenwick_.clear();
  size_ = 0;
}

void OrderIndex::RebuildFenwick() {
  size_t n = blocks_.size();
  fenwick_.assign(n + 1, 0);
  for (size_t i = 1; i <= n; ++i) {
    fenwick_[i] += static_cast<uint32_t>(blocks_[i - 1].items.size());
    size_t parent = i + (i & (~i + 1));
    if (parent <= n) fenwick_[parent] += fenwick_[i];
  }
}

void OrderIndex::FenwickAdd(size_t b, int delta) {
  for (size_t i = b + 1; i < fenwick_.size(); i += i & (~i + 1)) {
    fenwick_[i] = static_cast<uint32_t>(static_cast<int64_t>(fenwick_[i]) + delta);
  }
}

size_t OrderIndex::FenwickPrefix(size_t b) const {
  size_t sum = 0;
  for (size_t i = b; i > 0; i -= i & (~i + 1)) sum += fenwick_[i];
  return sum;
}

size_t OrderIndex::MemoryBytes() const {
  size_t bytes = blocks_.capacity() * sizeof(Block) + fronts_.capacity() * sizeof(Front) +
                 top_.capacity() * sizeof(Probe) + fenwick_.capacity() * 4;
  for (const Block& b : blocks_) bytes += b.items.capacity() * sizeof(uint32_t);
  return bytes;
}

}  // namespace kizuna::store
