#include "store/huge_pages.h"

#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <vector>

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25  // Linux 6.1; older headers lack the name
#endif

namespace kizuna::store {
namespace {

std::atomic<HugePageMode> huge_page_mode{HugePageMode::kIdle};
std::atomic<size_t> mapped_bytes{0};
std::atomic<uint64_t> collapsed_ranges{0};
std::atomic<bool> collapse_unsupported{false};

size_t MappedBytes(size_t bytes) { return (bytes + kHugePageBytes - 1) & ~(kHugePageBytes - 1); }

// The mapped arrays by start address, each with its 2 MiB ranges that CollapseNextRange has
// done with, and where its next call resumes (a mapping's start, a range in it). The store runs
// on one thread; the lock keeps the map sound should another thread ever allocate.
std::mutex mappings_mu;
std::map<uintptr_t, std::vector<bool>> mappings;
uintptr_t cursor_start = 0;
size_t cursor_range = 0;
size_t fruitless_visits = 0;  // ranges passed over since the last collapse or round's start

// Ranges CollapseNextRange checks for residence per call (a mincore each): at 10 GB of mapped
// arrays, 5000 ranges, a call that looked at every one would stall the loop for milliseconds.
constexpr size_t kMaxChecks = 64;

void Register(void* p, size_t size) {
  std::lock_guard lock(mappings_mu);
  mappings[reinterpret_cast<uintptr_t>(p)].assign(size / kHugePageBytes, false);
}

void Unregister(void* p) {
  std::lock_guard lock(mappings_mu);
  mappings.erase(reinterpret_cast<uintptr_t>(p));
}

// A mapping grown or moved by mremap: its pages, huge ones included, went with it.
void Reregister(void* from, void* to, size_t new_size) {
  std::lock_guard lock(mappings_mu);
  std::vector<bool> done;
  if (auto it = mappings.find(reinterpret_cast<uintptr_t>(from)); it != mappings.end()) {
    done = std::move(it->second);
    mappings.erase(it);
  }
  done.resize(new_size / kHugePageBytes, false);
  mappings[reinterpret_cast<uintptr_t>(to)] = std::move(done);
}

bool FullyResident(const void* range) {
  static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  unsigned char resident[kHugePageBytes / 4096];
  if (page != 4096 || mincore(const_cast<void*>(range), kHugePageBytes, resident) != 0) {
    return false;
  }
  for (unsigned char r : resident) {
    if (!(r & 1)) return false;
  }
  return true;
}

bool ThpModeNever() {
  static const bool never = [] {
    FILE* f = std::fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    if (f == nullptr) return true;  // a kernel without THP
    char text[64] = {};
    bool off = !std::fgets(text, sizeof(text), f) || std::strstr(text, "[never]");
    std::fclose(f);
    return off;
  }();
  return never;
}

}  // namespace

std::optional<HugePageMode> HugePageModeNamed(std::string_view name) {
  if (name == "no") return HugePageMode::kNo;
  if (name == "yes" || name == "idle") return HugePageMode::kIdle;
  if (name == "eager") return HugePageMode::kEager;
  return std::nullopt;
}

void SetHugePageMode(HugePageMode mode) { huge_page_mode.store(mode, std::memory_order_relaxed); }
HugePageMode GetHugePageMode() { return huge_page_mode.load(std::memory_order_relaxed); }

bool CollapseNextRange() {
  if (GetHugePageMode() != HugePageMode::kIdle || ThpModeNever() ||
      collapse_unsupported.load(std::memory_order_relaxed)) {
    return false;
  }
  void* range = nullptr;
  {
    // Round the ranges from the cursor, at most kMaxChecks checks per call. A round that ends
    // (every range visited since the last collapse) returns false, and the next call starts a
    // new one: ranges not resident then may be by now.
    std::lock_guard lock(mappings_mu);
    size_t total = 0;
    for (const auto& [start, done] : mappings) total += done.size();
    auto it = mappings.lower_bound(cursor_start);
    size_t i = it != mappings.end() && it->first == cursor_start ? cursor_range : 0;
    size_t checks = 0;
    while (range == nullptr) {
      if (fruitless_visits >= total) {
        fruitless_visits = 0;
        return false;
      }
      if (it == mappings.end()) {
        it = mappings.begin();
        i = 0;
        continue;
      }
      if (i >= it->second.size()) {
        ++it;
        i = 0;
        continue;
      }
      cursor_start = it->first;
      cursor_range = i;
      if (!it->second[i]) {
        if (++checks > kMaxChecks) return true;  // this range unchecked: resume here
        void* candidate = reinterpret_cast<void*>(it->first + i * kHugePageBytes);
        if (FullyResident(candidate)) {
          it->second[i] = true;
          range = candidate;
          fruitless_visits = 0;
          continue;
        }
      }
      ++fruitless_visits;
      ++i;
    }
  }
  if (madvise(range, kHugePageBytes, MADV_COLLAPSE) == 0) {
    collapsed_ranges.fetch_add(1, std::memory_order_relaxed);
  } else if (errno == EINVAL) {
    collapse_unsupported.store(true, std::memory_order_relaxed);
    return false;
  }
  return true;  // other failures (EAGAIN, ENOMEM): that range stays as it is, try the next
}

void RecollapseAll() {
  std::lock_guard lock(mappings_mu);
  for (auto& [start, done] : mappings) done.assign(done.size(), false);
  fruitless_visits = 0;  // a new round
}

uint64_t CollapsedRanges() { return collapsed_ranges.load(std::memory_order_relaxed); }

namespace {

// A fresh mapping of `size` bytes (a multiple of 2 MiB) starting on a 2 MiB boundary: one huge
// page more is mapped, then the parts before the boundary and after the end are unmapped.
void* MapAligned(size_t size) {
  void* raw = mmap(nullptr, size + kHugePageBytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  auto start = reinterpret_cast<uintptr_t>(raw);
  uintptr_t aligned = (start + kHugePageBytes - 1) & ~(uintptr_t{kHugePageBytes} - 1);
  if (aligned > start) munmap(raw, aligned - start);
  size_t tail = (start + size + kHugePageBytes) - (aligned + size);
  if (tail > 0) munmap(reinterpret_cast<void*>(aligned + size), tail);
  return reinterpret_cast<void*>(aligned);
}

// Eager mode only. Advice, not a demand: with THP mode "never" pages stay 4 KiB.
void Advise(void* p, size_t size) {
  if (GetHugePageMode() == HugePageMode::kEager) madvise(p, size, MADV_HUGEPAGE);
}

}  // namespace

void* AllocateLarge(size_t bytes) {
  if (bytes < kHugeAllocationBytes) return ::operator new (bytes, std::align_val_t{64});
  size_t size = MappedBytes(bytes);
  void* p = MapAligned(size);
  if (p == nullptr) throw std::bad_alloc();
  Advise(p, size);
  Register(p, size);
  mapped_bytes.fetch_add(size, std::memory_order_relaxed);
  return p;
}

void* ReallocateLarge(void* p, size_t old_bytes, size_t used_bytes, size_t new_bytes) {
  if (p != nullptr && old_bytes >= kHugeAllocationBytes && new_bytes >= kHugeAllocationBytes) {
    size_t old_size = MappedBytes(old_bytes), new_size = MappedBytes(new_bytes);
    if (new_size == old_size) return p;
    // Grow the mapping in place when the addresses after it are free; else move its pages
    // to a fresh aligned range. Either way the kernel moves page table entries: nothing is
    // copied, and the new part is touched (zeroed) only when used.
    void* q = mremap(p, old_size, new_size, 0);
    if (q == MAP_FAILED) {
      void* target = MapAligned(new_size);
      if (target != nullptr) {
        q = mremap(p, old_size, new_size, MREMAP_MAYMOVE | MREMAP_FIXED, target);
        if (q == MAP_FAILED) munmap(target, new_size);
      }
    }
    if (q != MAP_FAILED) {
      Advise(q, new_size);
      Reregister(p, q, new_size);
      mapped_bytes.fetch_add(new_size - old_size, std::memory_order_relaxed);
      return q;
    }
  }
  void* q = AllocateLarge(new_bytes);
  if (used_bytes > 0) std::memcpy(q, p, used_bytes);
  FreeLarge(p, old_bytes);
  return q;
}

void FreeLarge(void* p, size_t bytes) {
  if (p == nullptr) return;
  if (bytes < kHugeAllocationBytes) {
    ::operator delete (p, std::align_val_t{64});
    return;
  }
  Unregister(p);
  munmap(p, MappedBytes(bytes));
  mapped_bytes.fetch_sub(MappedBytes(bytes), std::memory_order_relaxed);
}

size_t LargeMappedBytes() { return mapped_bytes.load(std::memory_order_relaxed); }

uint64_t AnonHugePageBytes() {
  // smaps_rollup walks the page tables (~1.7 ms at 70 MB of 4 KiB pages): skip it where the
  // kernel gives no huge pages at all.
  if (ThpModeNever()) return 0;
  FILE* f = std::fopen("/proc/self/smaps_rollup", "r");
  if (f == nullptr) return 0;
  char line[256];
  unsigned long long kb = 0;
  while (std::fgets(line, sizeof(line), f) != nullptr) {
    if (std::sscanf(line, "AnonHugePages: %llu kB", &kb) == 1) break;
  }
  std::fclose(f);
  return static_cast<uint64_t>(kb) * 1024;
}

}  // namespace kizuna::store
