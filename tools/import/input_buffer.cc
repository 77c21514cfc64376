#include "tools/import/input_buffer.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kizuna::import {

InputBuffer::InputBuffer(ReadFn read, size_t chunk)
    : read_(std::move(read)), buf_(2 * chunk), chunk_(chunk) {}

InputBuffer InputBuffer::ForFd(int fd, std::function<void()> before_wait) {
  return InputBuffer([fd, before_wait](char* p, size_t n) -> long {
    pollfd ready{fd, POLLIN, 0};
    if (before_wait && ::poll(&ready, 1, 0) == 0) before_wait();
    while (true) {
      ssize_t r = ::read(fd, p, n);
      if (r >= 0 || errno != EINTR) return r;
    }
  });
}

bool InputBuffer::Fill() {
  if (eof_) return false;
  // Keep the unconsumed tail, at the front.
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (buf_.size() - end_ < chunk_) buf_.resize(std::max(buf_.size() * 2, end_ + chunk_));
  long n = read_(buf_.data() + end_, buf_.size() - end_);
  if (n < 0) {
    error_ = std::strerror(errno);
    eof_ = true;
    return false;
  }
  if (n == 0) {
    eof_ = true;
    return false;
  }
  end_ += static_cast<size_t>(n);
  bytes_read_ += static_cast<uint64_t>(n);
  return true;
}

}  // namespace kizuna::import
