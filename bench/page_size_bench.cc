// Whether huge pages pay on this machine (setting huge-pages, docs/operating.md): a chain of
// dependent random reads over 256 MiB, each to another cache line, as an EVENT's reads of a
// million customers' arrays are, on 4 KiB pages and on 2 MiB pages. Where a TLB miss costs a
// two-level page walk (a VM with nested paging), the 4 KiB reads cost clearly more; where it
// costs little (bare metal, or a hypervisor that shadows the guest's page tables), they cost
// the same, and huge pages only add their collapse stalls.
#include <benchmark/benchmark.h>
#include <sys/mman.h>

#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include "store/huge_pages.h"

namespace {

constexpr size_t kBytes = size_t{256} << 20;
constexpr size_t kHugePage = size_t{2} << 20;
constexpr size_t kLine = 64;

// kBytes on 2 MiB boundaries, advised as asked, every line holding the offset of the next
// line of one random cycle through all of them.
class ReadChain {
 public:
  explicit ReadChain(int advice) {
    raw_ = static_cast<char*>(mmap(nullptr, kBytes + kHugePage, PROT_READ | PROT_WRITE,
                                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    if (raw_ == MAP_FAILED) {
      raw_ = nullptr;
      return;
    }
    base_ = reinterpret_cast<char*>((reinterpret_cast<uintptr_t>(raw_) + kHugePage - 1) &
                                    ~(kHugePage - 1));
    madvise(base_, kBytes, advice);
    std::vector<uint32_t> order(kBytes / kLine);
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), std::mt19937_64(20261202));
    for (size_t i = 0; i < order.size(); ++i) {
      *reinterpret_cast<uint64_t*>(base_ + size_t{order[i]} * kLine) =
          uint64_t{order[(i + 1) % order.size()]} * kLine;
    }
  }
  ~ReadChain() {
    if (raw_) munmap(raw_, kBytes + kHugePage);
  }
  bool ok() const { return raw_ != nullptr; }
  // Follows the chain n steps from `at`; returns where it ended.
  uint64_t Follow(uint64_t at, size_t n) const {
    for (size_t i = 0; i < n; ++i) at = *reinterpret_cast<const uint64_t*>(base_ + at);
    return at;
  }

 private:
  char* raw_ = nullptr;
  char* base_ = nullptr;
};

// Counter huge_mib: how much of the chain the kernel put on huge pages.
void RandomReads(benchmark::State& state, int advice) {
  const uint64_t huge_before = kizuna::store::AnonHugePageBytes();
  ReadChain chain(advice);
  if (!chain.ok()) return state.SkipWithError("mmap failed");
  state.counters["huge_mib"] =
      static_cast<double>(kizuna::store::AnonHugePageBytes() - huge_before) / (1 << 20);
  uint64_t at = 0;
  for (auto _ : state) at = chain.Follow(at, 1024);
  benchmark::DoNotOptimize(at);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * 1024);
}

void BM_RandomReadOn4KiBPages(benchmark::State& state) { RandomReads(state, MADV_NOHUGEPAGE); }
BENCHMARK(BM_RandomReadOn4KiBPages);

// 2 MiB pages where the kernel's THP mode allows them (madvise or always).
void BM_RandomReadOn2MiBPages(benchmark::State& state) { RandomReads(state, MADV_HUGEPAGE); }
BENCHMARK(BM_RandomReadOn2MiBPages);

}  // namespace
