// Large arrays on huge pages: placement, advice and collapses (read back from
// /proc/self/smaps), the modes, zeroing.
#include "store/huge_pages.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include "store/mapped_vector.h"

namespace kizuna::store {
namespace {

// A line of the /proc/self/smaps block of the mapping that holds p ("" if none), e.g.
// "VmFlags:" ("hg" in it means MADV_HUGEPAGE) or "AnonHugePages:".
std::string SmapsLine(const void* p, const std::string& field) {
  auto addr = reinterpret_cast<uintptr_t>(p);
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    unsigned long lo = 0, hi = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx ", &lo, &hi) == 2 && line.find('-') < 17) {
      inside = addr >= lo && addr < hi;
    } else if (inside && line.rfind(field, 0) == 0) {
      return line;
    }
  }
  return "";
}
std::string VmFlagsOf(const void* p) { return SmapsLine(p, "VmFlags:"); }
bool Advised(const void* p) { return VmFlagsOf(p).find(" hg") != std::string::npos; }
// Kilobytes of a smaps field ("Rss:", "AnonHugePages:") for the mapping that holds p.
size_t SmapsKb(const void* p, const std::string& field) {
  std::string line = SmapsLine(p, field);
  return line.empty() ? 0 : std::stoul(line.substr(field.size()));
}

// A kernel built without THP refuses the advice; placement is still tested there.
bool KernelHasHugePages() {
  return std::ifstream("/sys/kernel/mm/transparent_hugepage/enabled").good();
}
// The kernel's THP mode ("always", "madvise", "never"), "" without THP.
std::string ThpMode() {
  std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  size_t open = text.find('['), close = text.find(']');
  return open == std::string::npos ? "" : text.substr(open + 1, close - open - 1);
}

class HugePagesTest : public testing::Test {
 protected:
  void TearDown() override { SetHugePageMode(HugePageMode::kIdle); }
};

TEST_F(HugePagesTest, IdleIsTheDefaultAndFaultsSmallPagesFirst) {
  ASSERT_EQ(GetHugePageMode(), HugePageMode::kIdle);
  size_t bytes = 3 * kHugePageBytes + 100;
  void* p = AllocateLarge(bytes);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % kHugePageBytes, 0u);
  EXPECT_FALSE(Advised(p)) << VmFlagsOf(p);
  // The whole array is usable (the mapping covers the rounded-up size).
  static_cast<char*>(p)[bytes - 1] = 1;
  // Counted for INFO's used_memory, which malloc's statistics would miss.
  size_t mapped = LargeMappedBytes();
  EXPECT_GE(mapped, 4 * kHugePageBytes);
  FreeLarge(p, bytes);
  EXPECT_EQ(LargeMappedBytes(), mapped - 4 * kHugePageBytes);
}

TEST_F(HugePagesTest, EagerAdvisesLargeArraysAndNoLeavesThemAlone) {
  SetHugePageMode(HugePageMode::kEager);
  void* eager = AllocateLarge(kHugeAllocationBytes);
  if (KernelHasHugePages()) {
    EXPECT_TRUE(Advised(eager)) << VmFlagsOf(eager);
  }
  SetHugePageMode(HugePageMode::kNo);
  void* no = AllocateLarge(kHugeAllocationBytes);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(no) % kHugePageBytes, 0u);
  EXPECT_FALSE(Advised(no)) << VmFlagsOf(no);
  EXPECT_FALSE(CollapseNextRange());     // only the idle mode collapses
  SetHugePageMode(HugePageMode::kIdle);  // freeing does not depend on the mode at allocation
  FreeLarge(eager, kHugeAllocationBytes);
  FreeLarge(no, kHugeAllocationBytes);
}

TEST_F(HugePagesTest, CollapsesFullRangesOnlyAndKeepsTheirContent) {
  // Two full 2 MiB ranges and one page of a third, on 4 KiB pages.
  const size_t bytes = 3 * kHugePageBytes;
  auto* p = static_cast<unsigned char*>(AllocateLarge(bytes));
  for (size_t i = 0; i < 2 * kHugePageBytes; ++i) p[i] = static_cast<unsigned char>(i * 7);
  p[2 * kHugePageBytes] = 42;
  const size_t rss_kb = SmapsKb(p, "Rss:");
  EXPECT_EQ(rss_kb, (2 * kHugePageBytes + 4096) / 1024);
  const std::string mode = ThpMode();
  if (mode == "madvise") {
    EXPECT_EQ(SmapsKb(p, "AnonHugePages:"), 0u);
  }

  const uint64_t before = CollapsedRanges();
  for (int i = 0; i < 1000 && CollapseNextRange(); ++i) {
  }
  EXPECT_FALSE(CollapseNextRange());  // each range once: nothing is left
  // After a fork child, every range is looked at again (writes may have split huge pages).
  RecollapseAll();
  if (mode == "madvise" || mode == "always") {
    EXPECT_TRUE(CollapseNextRange());
  }
  while (CollapseNextRange()) {
  }
  if (mode == "madvise" || mode == "always") {
    EXPECT_EQ(SmapsKb(p, "AnonHugePages:"), 2 * kHugePageBytes / 1024);
    EXPECT_GE(CollapsedRanges(), before + 2);
  } else {
    EXPECT_EQ(CollapsedRanges(), before);  // THP "never": the kernel's choice holds
  }
  EXPECT_EQ(SmapsKb(p, "Rss:"), rss_kb);  // the partly used range was not filled in
  for (size_t i = 0; i < 2 * kHugePageBytes; i += 4093) {
    ASSERT_EQ(p[i], static_cast<unsigned char>(i * 7)) << i;
  }
  EXPECT_EQ(p[2 * kHugePageBytes], 42);
  FreeLarge(p, bytes);
}

TEST_F(HugePagesTest, EachCallChecksABoundedNumberOfRanges) {
  // 200 untouched ranges before one full one: a call gives up after 64 checks (true, nothing
  // collapsed), and the calls after it go on from there until the full range is collapsed.
  const size_t untouched = 200 * kHugePageBytes;
  auto* cold = static_cast<unsigned char*>(AllocateLarge(untouched));
  auto* hot = static_cast<unsigned char*>(AllocateLarge(kHugePageBytes));
  std::memset(hot, 7, kHugePageBytes);
  while (CollapseNextRange()) {  // whatever earlier tests left
  }
  RecollapseAll();
  const std::string mode = ThpMode();
  if (mode == "madvise" || mode == "always") {
    const uint64_t before = CollapsedRanges();
    int calls = 0;
    while (CollapseNextRange()) ++calls;
    EXPECT_GE(calls, 200 / 64);  // at least one call per 64 untouched ranges
    EXPECT_EQ(CollapsedRanges(), before + 1);
    EXPECT_EQ(SmapsKb(hot, "AnonHugePages:"), kHugePageBytes / 1024);
  }
  EXPECT_EQ(SmapsKb(cold, "Rss:"), 0u);  // checking residence touched nothing
  FreeLarge(cold, untouched);
  FreeLarge(hot, kHugePageBytes);
}

TEST_F(HugePagesTest, ModesHaveTheSettingsNames) {
  EXPECT_EQ(HugePageModeNamed("no"), HugePageMode::kNo);
  EXPECT_EQ(HugePageModeNamed("yes"), HugePageMode::kIdle);
  EXPECT_EQ(HugePageModeNamed("idle"), HugePageMode::kIdle);
  EXPECT_EQ(HugePageModeNamed("eager"), HugePageMode::kEager);
  EXPECT_EQ(HugePageModeNamed("maybe"), std::nullopt);
  EXPECT_EQ(HugePageModeNamed(""), std::nullopt);
}

TEST_F(HugePagesTest, SmallArraysComeFromTheHeapAlignedToCacheLines) {
  SetHugePageMode(HugePageMode::kEager);
  for (size_t bytes : {1ul, 24ul, 4096ul, kHugeAllocationBytes - 1}) {
    void* p = AllocateLarge(bytes);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u) << bytes;
    EXPECT_FALSE(Advised(p)) << bytes;
    FreeLarge(p, bytes);
  }
}

TEST_F(HugePagesTest, VectorsGrowAcrossTheThresholdKeepingTheirContentAndAdvice) {
  SetHugePageMode(HugePageMode::kEager);
  MappedVector<uint32_t> v;
  for (uint32_t i = 0; i < 1'000'000; ++i) v.push_back(i * 7);
  if (KernelHasHugePages()) {
    EXPECT_TRUE(Advised(v.data()));
  }
  for (uint32_t i = 0; i < 1'000'000; i += 9973) ASSERT_EQ(v[i], i * 7);
}

TEST_F(HugePagesTest, CollapsedRangesMoveWithAGrowingVector) {
  // Collapse a vector's filled ranges, then grow it (mremap): the huge pages and the content
  // move along, and the new ranges are collapsed once they are full in turn.
  MappedVector<uint64_t> v;
  const size_t per_range = kHugePageBytes / sizeof(uint64_t);
  for (size_t i = 0; i < 2 * per_range; ++i) v.push_back(i);
  while (CollapseNextRange()) {
  }
  for (size_t i = 2 * per_range; i < 8 * per_range; ++i) v.push_back(i);
  while (CollapseNextRange()) {
  }
  for (size_t i = 0; i < v.size(); i += 4099) ASSERT_EQ(v[i], i);
  const std::string mode = ThpMode();
  if (mode == "madvise" || mode == "always") {
    EXPECT_GE(SmapsKb(v.data(), "AnonHugePages:"), 8 * kHugePageBytes / 1024 - 2048);
  }
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
