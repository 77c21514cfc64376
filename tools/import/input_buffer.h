// InputBuffer: bytes of one input (a file or stdin) read in large chunks into one reused,
// growing buffer, so readers can parse records in place without a copy per row.
//
// Readers look at [data(), data() + size()), Consume() what they parsed, and call Fill() when
// a record runs past the end: the unconsumed tail moves to the front and more is read after
// it (the buffer doubles when a single record is larger than it). Views into the buffer stay
// valid until the next Fill().
#ifndef KIZUNA_TOOLS_IMPORT_INPUT_BUFFER_H_
#define KIZUNA_TOOLS_IMPORT_INPUT_BUFFER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace kizuna::import {

class InputBuffer {
 public:
  // Reads up to n bytes into p: bytes read, 0 at end of input, -1 on error (errno set).
  using ReadFn = std::function<long(char* p, size_t n)>;

  explicit InputBuffer(ReadFn read, size_t chunk = 1 << 20);
  // Reads from a file descriptor (not closed here). When no byte is ready (a pipe whose
  // writer is slow), `before_wait` runs first: the importer sends what it has queued and
  // handles replies until input arrives, instead of sitting on unsent rows.
  static InputBuffer ForFd(int fd, std::function<void()> before_wait = nullptr);

  char* data() { return buf_.data() + begin_; }
  size_t size() const { return end_ - begin_; }
  void Consume(size_t n) { begin_ += n; }

  // Reads more input after the unconsumed bytes. False at end of input or on a read error
  // (then error() is non-empty); size() may still be > 0 with a last unterminated record.
  bool Fill();
  bool eof() const { return eof_; }
  const std::string& error() const { return error_; }
  // Bytes read from the input so far (for progress against the file size).
  uint64_t bytes_read() const { return bytes_read_; }
  // Bytes consumed by readers so far.
  uint64_t bytes_consumed() const { return bytes_read_ - size(); }

 private:
  ReadFn read_;
  std::vector<char> buf_;
  size_t chunk_;
  size_t begin_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
  std::string error_;
  uint64_t bytes_read_ = 0;
};

}  // namespace kizuna::import

#endif  // KIZUNA_TOOLS_IMPORT_INPUT_BUFFER_H_
