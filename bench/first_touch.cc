// What the first write to fresh memory costs here, per 2 MiB: a region of MIB mebibytes
// (default 1024), mapped and advised like the store's large arrays (MADV_HUGEPAGE, or
// MADV_NOHUGEPAGE with "4k"), written once a page, then unmapped. Prints the mean and the
// largest time per 2 MiB.
//
// On a virtual machine the first touch of guest memory the host has not backed yet is far
// slower than zeroing a page (the host faults it in too). Memory the guest freed a moment ago
// is cheap again, but not for long where the guest hands free memory back to the host (virtio
// balloon free page reporting, as on the machine of bench/RESULTS.md): run it twice in a row,
// then again after 15 s, to see which holds.
//   first_touch [MIB] [4k]
#include <sys/mman.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv) {
  const size_t mib = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 1024;
  const bool huge = !(argc > 2 && std::strcmp(argv[2], "4k") == 0);
  constexpr size_t kHuge = size_t{2} << 20;
  const size_t pages = mib / 2;
  const size_t bytes = pages * kHuge;
  if (pages == 0) return 0;
  void* mapped = mmap(nullptr, bytes + kHuge, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (mapped == MAP_FAILED) {
    std::perror("mmap");
    return 1;
  }
  // Aligned on 2 MiB so that each step below is one huge page.
  auto* base = reinterpret_cast<char*>((reinterpret_cast<uintptr_t>(mapped) + kHuge - 1) &
                                       ~(kHuge - 1));
  madvise(base, bytes, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
  double total_us = 0, max_us = 0;
  for (size_t p = 0; p < pages; ++p) {
    auto start = std::chrono::steady_clock::now();
    for (size_t off = 0; off < kHuge; off += 4096) base[p * kHuge + off] = 1;
    double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
                    .count();
    total_us += us;
    if (us > max_us) max_us = us;
  }
  munmap(mapped, bytes + kHuge);
  std::printf("first_touch mib=%zu pages=%s mean_us_per_2mib=%.0f max_us_per_2mib=%.0f\n", mib,
              huge ? "huge" : "4k", total_us / pages, max_us);
  return 0;
}
