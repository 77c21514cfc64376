// HandlerMemory: room for one outstanding asynchronous operation, so an Asio handler bound to
// it (WithMemory) is stored there instead of on the heap.
//
// Asio 1.74 recycles one block per thread for operation state; a TLS session keeps a read and
// a write in flight at once, so without this every batch would allocate. One HandlerMemory per
// direction; an operation that does not fit, or a second one while the first is outstanding,
// falls back to the heap.
//
//   tls_->stream.async_read_some(buf, WithMemory(tls_->read_memory, std::move(handler)));
#ifndef KIZUNA_SERVER_HANDLER_MEMORY_H_
#define KIZUNA_SERVER_HANDLER_MEMORY_H_

#include <cstddef>
#include <new>
#include <utility>

namespace kizuna::server {

class HandlerMemory {
 public:
  HandlerMemory() = default;
  HandlerMemory(const HandlerMemory&) = delete;
  HandlerMemory& operator=(const HandlerMemory&) = delete;

  void* Allocate(std::size_t size) {
    if (!in_use_ && size <= sizeof(storage_)) {
      in_use_ = true;
      return storage_;
    }
    return ::operator new(size);
  }
  void Deallocate(void* p) {
    if (p == storage_) {
      in_use_ = false;
    } else {
      ::operator delete(p);
    }
  }

 private:
  alignas(std::max_align_t) unsigned char storage_[1024];
  bool in_use_ = false;
};

// A standard allocator over a HandlerMemory (what Asio's associated_allocator looks for).
template <typename T>
class HandlerAllocator {
 public:
  using value_type = T;

  explicit HandlerAllocator(HandlerMemory& memory) : memory_(&memory) {}
  template <typename U>
  HandlerAllocator(const HandlerAllocator<U>& other) : memory_(other.memory_) {}

  T* allocate(std::size_t n) { return static_cast<T*>(memory_->Allocate(sizeof(T) * n)); }
  void deallocate(T* p, std::size_t) { memory_->Deallocate(p); }
  bool operator==(const HandlerAllocator& other) const { return memory_ == other.memory_; }

 private:
  template <typename>
  friend class HandlerAllocator;
  HandlerMemory* memory_;
};

// A completion handler whose operation state lives in `memory`.
template <typename Handler>
class WithMemory {
 public:
  using allocator_type = HandlerAllocator<Handler>;

  WithMemory(HandlerMemory& memory, Handler handler)
      : memory_(&memory), handler_(std::move(handler)) {}

  allocator_type get_allocator() const noexcept { return allocator_type(*memory_); }

  template <typename... Args>
  void operator()(Args&&... args) {
    handler_(std::forward<Args>(args)...);
  }

 private:
  HandlerMemory* memory_;
  Handler handler_;
};

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_HANDLER_MEMORY_H_
