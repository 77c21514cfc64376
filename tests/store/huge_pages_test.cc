// Large arrays on huge pages: placement, advice (read back from /proc/self/smaps), the
// setting, zeroing and the block pool's reuse.
#include "store/huge_pages.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "store/mapped_vector.h"

namespace kizuna::store {
namespace {

// The VmFlags line of the mapping that holds p ("" if none): "hg" means MADV_HUGEPAGE.
std::string VmFlagsOf(const void* p) {
  auto addr = reinterpret_cast<uintptr_t>(p);
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    unsigned long lo = 0, hi = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx ", &lo, &hi) == 2 && line.find('-') < 17) {
      inside = addr >= lo && addr < hi;
    } else if (inside && line.rfind("VmFlags:", 0) == 0) {
      return line;
    }
  }
  return "";
}

bool Advised(const void* p) { return VmFlagsOf(p).find(" hg") != std::string::npos; }

// A kernel built without THP refuses the advice; placement is still tested there.
bool KernelHasHugePages() {
  return std::ifstream("/sys/kernel/mm/transparent_hugepage/enabled").good();
}

class HugePagesTest : public testing::Test {
 protected:
  void TearDown() override { SetHugePagesEnabled(true); }
};

TEST_F(HugePagesTest, LargeArraysStartOnHugePagesAndAreAdvised) {
  ASSERT_TRUE(HugePagesEnabled());  // the default
  size_t bytes = 3 * kHugePageBytes + 100;
  void* p = AllocateLarge(bytes);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % kHugePageBytes, 0u);
  if (KernelHasHugePages()) EXPECT_TRUE(Advised(p)) << VmFlagsOf(p);
  // The whole array is usable (the mapping covers the rounded-up size).
  static_cast<char*>(p)[bytes - 1] = 1;
  // Counted for INFO's used_memory, which malloc's statistics would miss.
  size_t mapped = LargeMappedBytes();
  EXPECT_GE(mapped, 4 * kHugePageBytes);
  FreeLarge(p, bytes);
  EXPECT_EQ(LargeMappedBytes(), mapped - 4 * kHugePageBytes);
}

TEST_F(HugePagesTest, DisabledLeavesNewArraysUnadvisedButPlacedAlike) {
  SetHugePagesEnabled(false);
  void* p = AllocateLarge(kHugeAllocationBytes);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % kHugePageBytes, 0u);
  EXPECT_FALSE(Advised(p)) << VmFlagsOf(p);
  SetHugePagesEnabled(true);  // freeing does not depend on the setting at allocation
  FreeLarge(p, kHugeAllocationBytes);
}

TEST_F(HugePagesTest, SmallArraysComeFromTheHeapAlignedToCacheLines) {
  for (size_t bytes : {1ul, 24ul, 4096ul, kHugeAllocationBytes - 1}) {
    void* p = AllocateLarge(bytes);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u) << bytes;
    EXPECT_FALSE(Advised(p)) << bytes;
    FreeLarge(p, bytes);
  }
}

TEST_F(HugePagesTest, VectorsGrowAcrossTheThresholdKeepingTheirContent) {
  MappedVector<uint32_t> v;
  for (uint32_t i = 0; i < 1'000'000; ++i) v.push_back(i * 7);
  if (KernelHasHugePages()) EXPECT_TRUE(Advised(v.data()));
  for (uint32_t i = 0; i < 1'000'000; i += 9973) ASSERT_EQ(v[i], i * 7);
}

TEST_F(HugePagesTest, LargeArraysAreZeroedOnBothPaths) {
  struct Pod {
    uint64_t a;
    uint32_t b;
  };
  for (size_t n : {size_t{10}, size_t{1} << 20}) {
    LargeArray<Pod> arr = MakeLargeArray<Pod>(n);
    for (size_t i = 0; i < n; i += n / 10 + 1) {
      ASSERT_EQ(arr[i].a, 0u);
      ASSERT_EQ(arr[i].b, 0u);
    }
  }
}

}  // namespace
}  // namespace kizuna::store
