// AlignedAllocator: a std::allocator whose blocks start on an `Align`-byte boundary.
#ifndef KIZUNA_STORE_ALIGNED_ALLOCATOR_H_
#define KIZUNA_STORE_ALIGNED_ALLOCATOR_H_

#include <cstddef>
#include <new>

namespace kizuna::store {

template <typename T, size_t Align>
struct AlignedAllocator {
  using value_type = T;
  template <typename U>
  struct rebind {
    using other = AlignedAllocator<U, Align>;
  };
  AlignedAllocator() = default;
  template <typename U>
  AlignedAllocator(const AlignedAllocator<U, Align>&) {}  // NOLINT: allocator conversion
  T* allocate(size_t n) {
    return static_cast<T*>(::operator new (n * sizeof(T), std::align_val_t{Align}));
  }
  void deallocate(T* p, size_t) { ::operator delete (p, std::align_val_t{Align}); }
  template <typename U>
  bool operator==(const AlignedAllocator<U, Align>&) const {
    return true;
  }
};

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_ALIGNED_ALLOCATOR_H_
