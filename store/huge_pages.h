// Transparent huge pages for the store's large arrays.
//
// An EVENT touches a few dozen random cache lines spread over every per-customer array (hash
// slots, ids, score rows, records, leaderboard blocks, engagement bits, timers). With 4 KiB
// pages each of those is also a TLB miss, and on a virtual machine a TLB miss is a two-level
// page walk: at a million customers that costs more than the cache misses themselves. Backing
// the large arrays with 2 MiB pages removes nearly all of them.
//
// Allocations of at least kHugeAllocationBytes are mmap'd on a 2 MiB boundary; smaller ones
// come from operator new. How the mapped ones get huge pages is the mode (setting huge-pages):
// - kIdle (default): they fault in 4 KiB pages, and CollapseNextRange, which the server calls
//   while it is idle, turns their fully resident 2 MiB ranges into huge pages
//   (madvise(MADV_COLLAPSE)). On a virtual machine a fresh 2 MiB page is memory the guest has
//   usually handed back to its host, and its first touch stalls for milliseconds (~4.4 ms
//   here, bench/RESULTS.md): faulted in the middle of a burst of EVENTs, that stall is the
//   tail latency of a growing server. Made while idle, it costs no request anything, and a
//   range is collapsed only when all its pages are resident, so resident memory does not grow.
// - kEager: advised at once (madvise(MADV_HUGEPAGE)): the first touch of each 2 MiB faults a
//   huge page. Best where fresh memory is cheap (bare metal: ~0.2 ms per 2 MiB).
// - kNo: 4 KiB pages.
// The kernel's THP mode rules over the advice: with "never", nothing gets huge pages (no
// collapse either); with "always", every fault may be huge. Which path an allocation took
// depends on its size only, so changing the mode at run time is safe: advice applies to arrays
// allocated afterwards, collapsing to every array. Resident memory grows by at most one partly
// used 2 MiB page per array (eager). Copy-on-write after a fork (BGSAVE) copies 4 KiB, not
// 2 MiB: the kernel splits a huge page on its first write (and the server does not collapse
// while a child runs).
#ifndef KIZUNA_STORE_HUGE_PAGES_H_
#define KIZUNA_STORE_HUGE_PAGES_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <string_view>
#include <type_traits>

namespace kizuna::store {

inline constexpr size_t kHugePageBytes = size_t{2} << 20;
inline constexpr size_t kHugeAllocationBytes = size_t{1} << 20;

enum class HugePageMode { kNo, kIdle, kEager };
// The mode a name gives: "no", "yes" or "idle" (made while idle), "eager"; nullopt otherwise.
std::optional<HugePageMode> HugePageModeNamed(std::string_view name);
void SetHugePageMode(HugePageMode mode);
HugePageMode GetHugePageMode();

// Collapses one fully resident 2 MiB range of the mapped arrays that it has not collapsed yet
// (~0.6–5.5 ms on this VM: the copy into a fresh huge page). Calls go round the ranges, each
// resuming where the last stopped and checking at most 64 (a mincore each), so a call stays
// short however much is mapped: one that reaches its limit returns true without collapsing.
// Returns false when a round found nothing more (the next call starts a new round), or the
// mode is not kIdle, or the kernel cannot (THP mode "never", read once, or no MADV_COLLAPSE
// before Linux 6.1).
bool CollapseNextRange();
// Makes every range a candidate again: after a fork child (BGSAVE) ends, since the parent's
// writes while it ran split huge pages (copy-on-write copies 4 KiB). Ranges still on huge pages
// then cost a quick madvise each.
void RecollapseAll();
// Ranges CollapseNextRange has turned into huge pages (or found on them), for INFO.
uint64_t CollapsedRanges();

// 64-byte aligned. Throws std::bad_alloc when out of memory.
void* AllocateLarge(size_t bytes);
void FreeLarge(void* p, size_t bytes);
// A larger buffer (new_bytes > old_bytes) holding the first used_bytes of p (p may be null
// when old_bytes is 0): for mapped buffers the mapping itself grows, or its pages move
// (mremap), so nothing is copied and the new part stays untouched; small ones are copied.
// Throws std::bad_alloc when out of memory (p is then still valid).
void* ReallocateLarge(void* p, size_t old_bytes, size_t used_bytes, size_t new_bytes);
// Bytes currently mapped by AllocateLarge (malloc's statistics do not see them).
size_t LargeMappedBytes();

// A fixed array of n value-initialised T (trivially destructible), for blocks handed out whole.
// Large ones are fresh mappings, already zero: they are not written here, so their pages are
// only touched (and resident) once used.
template <typename T>
struct LargeArrayDeleter {
  size_t n;
  void operator()(T* p) const { FreeLarge(p, n * sizeof(T)); }
};
template <typename T>
using LargeArray = std::unique_ptr<T[], LargeArrayDeleter<T>>;
template <typename T>
LargeArray<T> MakeLargeArray(size_t n) {
  static_assert(std::is_trivially_destructible_v<T>);
  T* p = static_cast<T*>(AllocateLarge(n * sizeof(T)));
  if constexpr (!std::is_trivially_default_constructible_v<T>) {
    for (size_t i = 0; i < n; ++i) new (p + i) T();
  } else if (n * sizeof(T) < kHugeAllocationBytes) {
    std::memset(p, 0, n * sizeof(T));
  }
  return LargeArray<T>(p, LargeArrayDeleter<T>{n});
}

// The allocator of the store's hash containers (customer ids, pending timers, awards):
// AllocateLarge. The per-customer columns are MappedVectors (mapped_vector.h), which grow by
// remapping instead of copying; leaderboard blocks come from LinePool (line_pool.h).
template <typename T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) {}  // NOLINT: allocator conversion
  T* allocate(size_t n) { return static_cast<T*>(AllocateLarge(n * sizeof(T))); }
  void deallocate(T* p, size_t n) { FreeLarge(p, n * sizeof(T)); }
  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const {
    return true;
  }
};

// Bytes of the calling process's memory backed by huge pages (AnonHugePages of
// /proc/self/smaps_rollup); 0 when unknown or when the kernel's THP mode is "never" (read
// once). Reading it walks the process's page tables: cheap for memory on huge pages, ~25 µs
// per MB on 4 KiB.
uint64_t AnonHugePageBytes();

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_HUGE_PAGES_H_
