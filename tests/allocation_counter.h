// Counts heap allocations for "allocates nothing" tests: replaces the global operator new
// (counting only while CountAllocations runs fn). Include from exactly one source file of a
// test binary, since it defines the replacement operators.
#ifndef KIZUNA_TESTS_ALLOCATION_COUNTER_H_
#define KIZUNA_TESTS_ALLOCATION_COUNTER_H_

#include <cstdlib>
#include <new>

namespace kizuna::testing_internal {
inline bool counting = false;
inline size_t allocations = 0;
}  // namespace kizuna::testing_internal

void* operator new(size_t n) {
  if (kizuna::testing_internal::counting) ++kizuna::testing_internal::allocations;
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void* operator new[](size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }

namespace kizuna {

// The number of allocations made by fn().
template <typename Fn>
size_t CountAllocations(Fn fn) {
  testing_internal::allocations = 0;
  testing_internal::counting = true;
  fn();
  testing_internal::counting = false;
  return testing_internal::allocations;
}

}  // namespace kizuna

#endif  // KIZUNA_TESTS_ALLOCATION_COUNTER_H_
