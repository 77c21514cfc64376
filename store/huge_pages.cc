#include "store/huge_pages.h"

#include <sys/mman.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <new>

namespace kizuna::store {
namespace {

std::atomic<bool> huge_pages_enabled{true};
std::atomic<size_t> mapped_bytes{0};

size_t MappedBytes(size_t bytes) { return (bytes + kHugePageBytes - 1) & ~(kHugePageBytes - 1); }

}  // namespace

void SetHugePagesEnabled(bool on) { huge_pages_enabled.store(on, std::memory_order_relaxed); }
bool HugePagesEnabled() { return huge_pages_enabled.load(std::memory_order_relaxed); }

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

// Advice only: where THP is off (mode "never") the pages stay 4 KiB and nothing else changes.
void Advise(void* p, size_t size) {
  if (HugePagesEnabled()) madvise(p, size, MADV_HUGEPAGE);
}

}  // namespace

void* AllocateLarge(size_t bytes) {
  if (bytes < kHugeAllocationBytes) return ::operator new(bytes, std::align_val_t{64});
  size_t size = MappedBytes(bytes);
  void* p = MapAligned(size);
  if (p == nullptr) throw std::bad_alloc();
  Advise(p, size);
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
    ::operator delete(p, std::align_val_t{64});
    return;
  }
  munmap(p, MappedBytes(bytes));
  mapped_bytes.fetch_sub(MappedBytes(bytes), std::memory_order_relaxed);
}

size_t LargeMappedBytes() { return mapped_bytes.load(std::memory_order_relaxed); }

uint64_t AnonHugePageBytes() {
  // smaps_rollup walks the page tables (~1.7 ms at 70 MB of 4 KiB pages): skip it where the
  // kernel gives no huge pages at all.
  if (FILE* mode = std::fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r")) {
    char text[64] = {};
    bool never = std::fgets(text, sizeof(text), mode) && std::strstr(text, "[never]");
    std::fclose(mode);
    if (never) return 0;
  } else {
    return 0;
  }
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
