// MappedVector: the store's per-customer columns (scores, last seen, record handles, id
// offsets and bytes, engagement bits), which grow with the customer count.
//
// A std::vector doubles by allocating a new buffer and copying into it. For these columns, at
// a million customers, that wrote ~50 MB of fresh pages inside one EVENT; the kernel zeroes
// every fresh page first, and on a virtual machine first touches are slow: the EVENT that
// crossed 2^20 customers took ~100 ms, nearly all of it in clear_page (perf). Here a buffer of
// 1 MiB or more is a mapping of huge pages (huge_pages.h) that grows with mremap: the kernel
// extends the mapping or moves its page table entries, nothing is copied, and the new part is
// touched only as customers arrive, one page at a time.
//
// Elements are trivially copyable; iterators are pointers (invalidated by growth, as with
// std::vector). Only what the store uses is here: appending, resizing, filling.
#ifndef KIZUNA_STORE_MAPPED_VECTOR_H_
#define KIZUNA_STORE_MAPPED_VECTOR_H_

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <iterator>
#include <type_traits>
#include <utility>

#include "store/huge_pages.h"

namespace kizuna::store {

template <typename T>
class MappedVector {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  using value_type = T;
  using iterator = T*;
  using const_iterator = const T*;

  MappedVector() = default;
  MappedVector(size_t n, const T& value) { resize(n, value); }
  MappedVector(const MappedVector&) = delete;
  MappedVector& operator=(const MappedVector&) = delete;
  MappedVector(MappedVector&& other) noexcept { swap(other); }
  MappedVector& operator=(MappedVector&& other) noexcept {
    MappedVector(std::move(other)).swap(*this);
    return *this;
  }
  ~MappedVector() { FreeLarge(data_, capacity_ * sizeof(T)); }

  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  bool empty() const { return size_ == 0; }
  T* data() { return data_; }
  const T* data() const { return data_; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }
  T& back() { return data_[size_ - 1]; }

  void reserve(size_t n) {
    if (n > capacity_) Reallocate(n);
  }
  void resize(size_t n) { resize(n, T()); }
  void resize(size_t n, const T& value) {
    if (n > capacity_) Reallocate(std::max(n, 2 * size_));
    if (n > size_) std::fill(data_ + size_, data_ + n, value);
    size_ = n;
  }
  void assign(size_t n, const T& value) {
    size_ = 0;
    resize(n, value);
  }
  void push_back(const T& value) {
    if (size_ == capacity_) Reallocate(std::max<size_t>(1, 2 * size_));
    data_[size_++] = value;
  }
  // Appends [first, last); `at` must be end() (the columns only ever append).
  template <typename It>
  void insert(const T* at, It first, It last) {
    assert(at == end());
    (void)at;
    size_t n = static_cast<size_t>(std::distance(first, last));
    if (size_ + n > capacity_) Reallocate(size_ + std::max(size_, n));
    std::copy(first, last, data_ + size_);
    size_ += n;
  }
  void clear() { size_ = 0; }
  void swap(MappedVector& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(capacity_, other.capacity_);
  }

 private:
  // Growth doubles the size, as libstdc++'s vector does (so the memory figures match it).
  void Reallocate(size_t n) {
    data_ = static_cast<T*>(
        ReallocateLarge(data_, capacity_ * sizeof(T), size_ * sizeof(T), n * sizeof(T)));
    capacity_ = n;
  }

  T* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_MAPPED_VECTOR_H_
