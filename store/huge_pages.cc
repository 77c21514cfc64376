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

void* AllocateLarge(size_t bytes) {
  if (bytes < kHugeAllocationBytes) return ::operator new(bytes, std::align_val_t{64});
  // Map one huge page more than needed, then unmap the parts before the first 2 MiB boundary
  // and after the end, so that the array starts on a huge page.
  size_t size = MappedBytes(bytes);
  void* raw = mmap(nullptr, size + kHugePageBytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  auto start = reinterpret_cast<uintptr_t>(raw);
  uintptr_t aligned = (start + kHugePageBytes - 1) & ~(uintptr_t{kHugePageBytes} - 1);
  if (aligned > start) munmap(raw, aligned - start);
  size_t tail = (start + size + kHugePageBytes) - (aligned + size);
  if (tail > 0) munmap(reinterpret_cast<void*>(aligned + size), tail);
  void* p = reinterpret_cast<void*>(aligned);
  // Advice only: where THP is off (mode "never") the pages stay 4 KiB and nothing else changes.
  if (HugePagesEnabled()) madvise(p, size, MADV_HUGEPAGE);
  mapped_bytes.fetch_add(size, std::memory_order_relaxed);
  return p;
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
