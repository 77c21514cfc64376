// MappedVector: contents survive growth through the small (copied) and mapped (mremap) paths,
// large buffers stay on 2 MiB boundaries and are counted as mapped, and growing a mapped
// column writes no page (a copying vector would fault in the whole copy).
#include "store/mapped_vector.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include <cstdint>
#include <string_view>

namespace kizuna::store {
namespace {

long MinorFaults() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

TEST(MappedVectorTest, KeepsContentsWhileGrowingPastTheMappedSize) {
  MappedVector<uint32_t> v;
  constexpr uint32_t kN = 3'000'000;  // 12 MB: several mremaps
  for (uint32_t i = 0; i < kN; ++i) {
    v.push_back(i * 7);
    if (v.capacity() * sizeof(uint32_t) >= kHugeAllocationBytes) {
      ASSERT_EQ(reinterpret_cast<uintptr_t>(v.data()) % kHugePageBytes, 0u) << i;
    }
  }
  ASSERT_EQ(v.size(), kN);
  for (uint32_t i = 0; i < kN; ++i) ASSERT_EQ(v[i], i * 7) << i;
  v.resize(kN + 10, 5);
  EXPECT_EQ(v[kN + 9], 5u);
  EXPECT_EQ(v[kN - 1], (kN - 1) * 7);
}

TEST(MappedVectorTest, AppendsRangesAndFills) {
  MappedVector<unsigned char> bytes;
  std::string_view id = "cust:100000042";
  for (int i = 0; i < 200'000; ++i) {  // 3 MB, like the id arena
    bytes.push_back(static_cast<unsigned char>(id.size()));
    bytes.insert(bytes.end(), id.begin(), id.end());
  }
  ASSERT_EQ(bytes.size(), 200'000u * 15);
  EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(bytes.data()) + 15 * 123 + 1, 14), id);
  MappedVector<double> filled(1 << 18, 2.5);  // 2 MB
  EXPECT_EQ(filled[0], 2.5);
  EXPECT_EQ(filled[(1 << 18) - 1], 2.5);
  filled.assign(10, 1.0);
  EXPECT_EQ(filled.size(), 10u);
  EXPECT_EQ(filled[9], 1.0);
  MappedVector<double> moved(std::move(filled));
  EXPECT_EQ(moved.size(), 10u);
  EXPECT_EQ(filled.size(), 0u);  // NOLINT: a moved-from vector is empty
}

TEST(MappedVectorTest, GrowingAMappedColumnTouchesNoPage) {
  MappedVector<double> scores;
  scores.resize(size_t{4} << 20, 1.0);  // 32 MB, every page written
  const size_t mapped_before = LargeMappedBytes();
  const long faults_before = MinorFaults();
  scores.reserve(size_t{8} << 20);
  const long faults = MinorFaults() - faults_before;
  EXPECT_EQ(faults, 0) << "growth copied the column";
  EXPECT_EQ(LargeMappedBytes() - mapped_before, size_t{32} << 20);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(scores.data()) % kHugePageBytes, 0u);
  EXPECT_EQ(scores[0], 1.0);
  EXPECT_EQ(scores[(size_t{4} << 20) - 1], 1.0);
  scores.resize((size_t{4} << 20) + 1, 3.0);
  EXPECT_EQ(scores.back(), 3.0);
}

TEST(MappedVectorTest, GrowsByMovingWhenTheNextAddressesAreTaken) {
  MappedVector<uint64_t> v;
  v.resize(size_t{1} << 18, 9);  // 2 MB: one huge page
  // Map the 2 MiB right after it, so the mapping cannot grow in place.
  void* after = static_cast<char*>(static_cast<void*>(v.data())) + kHugePageBytes;
  void* guard = mmap(after, kHugePageBytes, PROT_NONE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  const uint64_t* before = v.data();
  const long faults_before = MinorFaults();
  v.reserve(size_t{1} << 20);  // 8 MB
  EXPECT_EQ(MinorFaults() - faults_before, 0);
  if (guard == after) {
    EXPECT_NE(v.data(), before);
    munmap(guard, kHugePageBytes);
  }
  EXPECT_EQ(reinterpret_cast<uintptr_t>(v.data()) % kHugePageBytes, 0u);
  EXPECT_EQ(v[0], 9u);
  EXPECT_EQ(v[(size_t{1} << 18) - 1], 9u);
}

}  // namespace
}  // namespace kizuna::store
