#include "store/order_index.h"

#include <algorithm>

namespace kizuna::store {

size_t OrderIndex::FindBlock(const Probe& p) const {
  // upper_bound over block fronts, minus one.
  size_t lo = 0, hi = blocks_.size();
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (BeforeFront(p, mid)) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo == 0 ? 0 : lo - 1;
}

size_t OrderIndex::LowerBound(const Block& b, const Probe& p) const {
  // Two batched rounds instead of a binary search: every entry read is a likely cache miss,
  // and misses issued together overlap. Round 1 finds the group of kGroup entries holding the
  // answer from each group's last entry, round 2 scans that group.
  constexpr size_t kGroup = 16;
  constexpr size_t kMaxGroups = (kMaxBlock + kGroup - 1) / kGroup;
  static_assert(kMaxGroups <= kGroup);
  const uint32_t* items = b.items.data();
  const size_t n = b.items.size();
  if (n == 0) return 0;
  uint32_t cs[kGroup] = {};
  double keys[kGroup];
  uint64_t labels[kGroup];
  const size_t groups = (n + kGroup - 1) / kGroup;
  for (size_t j = 0; j < groups; ++j) cs[j] = items[std::min(j * kGroup + kGroup - 1, n - 1)];
  keys_->Fetch(cs, groups, keys, labels);
  size_t j = 0;
  while (j < groups && Before(Probe{Sanitize(keys[j]), labels[j], cs[j]}, p)) ++j;
  if (j == groups) return n;
  // The answer is in [lo, last]; entries [lo, last) still need a look.
  const size_t lo = j * kGroup, last = std::min(lo + kGroup - 1, n - 1);
  keys_->Fetch(items + lo, last - lo, keys, labels);
  for (size_t i = 0; i < last - lo; ++i) {
    if (!Before(Probe{Sanitize(keys[i]), labels[i], items[lo + i]}, p)) return lo + i;
  }
  return last;
}

void OrderIndex::RefreshFront(size_t b) {
  Probe p = Read(blocks_[b].items.front());
  front_[b] = p.c;
  front_key_[b] = p.key;
  front_label_[b] = p.label;
}

void OrderIndex::RefreshLabels() {
  for (size_t b = 0; b < blocks_.size(); ++b) RefreshFront(b);
}

void OrderIndex::EraseFront(size_t b) {
  front_.erase(front_.begin() + static_cast<ptrdiff_t>(b));
  front_key_.erase(front_key_.begin() + static_cast<ptrdiff_t>(b));
  front_label_.erase(front_label_.begin() + static_cast<ptrdiff_t>(b));
}

void OrderIndex::InsertFront(size_t b) {
  front_.insert(front_.begin() + static_cast<ptrdiff_t>(b), 0);
  front_key_.insert(front_key_.begin() + static_cast<ptrdiff_t>(b), 0);
  front_label_.insert(front_label_.begin() + static_cast<ptrdiff_t>(b), 0);
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
  const Probe p = Read(c);
  size_t bi = FindBlock(p);
  Block& b = blocks_[bi];
  size_t pos = LowerBound(b, p);
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
  size_t bi = FindBlock(Read(c));
  Block& b = blocks_[bi];
  size_t pos = Find(b, c);
  if (pos >= b.items.size() || b.items[pos] != c) return false;
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
  return true;
}

size_t OrderIndex::Rank(uint32_t c) const {
  if (blocks_.empty()) return 0;
  const Probe p = Read(c);
  size_t bi = FindBlock(p);
  return FenwickPrefix(bi) + LowerBound(blocks_[bi], p);
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
    blocks_.push_back(std::move(b));
    front_.push_back(keyed[i].c);
    front_key_.push_back(keyed[i].key);
    front_label_.push_back(keyed[i].label);
  }
  size_ = keyed.size();
  RebuildFenwick();
}

void OrderIndex::Clear() {
  blocks_.clear();
  front_.clear();
  front_key_.clear();
  front_label_.clear();
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
  size_t bytes = blocks_.capacity() * sizeof(Block) + front_.capacity() * 4 +
                 front_key_.capacity() * 8 + fenwick_.capacity() * 4 +
                 front_label_.capacity() * 8;
  for (const Block& b : blocks_) bytes += b.items.capacity() * sizeof(uint32_t);
  return bytes;
}

}  // namespace kizuna::store
