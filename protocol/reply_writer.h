// ReplyWriter: builds RESP2 or RESP3 replies into one contiguous output buffer.
//
// The same calls produce either protocol, so handlers never branch on the version:
//
//   ReplyWriter w(&out, /*resp=*/3);
//   w.Map(2);                      // RESP3 %2 ; RESP2 *4
//   w.Bulk("total"); w.Double(23); // RESP3 ,23 ; RESP2 $2 23
//   w.Bulk("name");  w.Null();     // RESP3 _   ; RESP2 $-1
//   w.NullArray();                 // RESP3 _   ; RESP2 *-1 (null where a map/array was due)
//
// Doubles use the shortest text that round-trips (2.5, 0.1, 1e+300, 5e-324), and inf, -inf, nan;
// integral values up to 2^62 print as integers, as Redis does (23, 1000000 rather than 1e+06).
// Errors take the full message without the leading '-' ("ERR syntax error"); CR/LF inside a
// message are replaced with spaces so a reply can never break framing.
//
// The writer appends to a caller-owned ReplyBuffer that is reused across batches: after the
// first few batches no call allocates.
#ifndef KIZUNA_PROTOCOL_REPLY_WRITER_H_
#define KIZUNA_PROTOCOL_REPLY_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace kizuna::protocol {

// A growable byte buffer with a cheap append; clear() keeps capacity.
class ReplyBuffer {
 public:
  void Append(const char* p, size_t n) {
    if (n == 0) return;
    if (size_ + n > data_.size()) Grow(n);
    std::memcpy(data_.data() + size_, p, n);
    size_ += n;
  }
  void Append(std::string_view s) { Append(s.data(), s.size()); }
  void Append(char c) {
    if (size_ + 1 > data_.size()) Grow(1);
    data_[size_++] = c;
  }
  // Room for at least n more bytes; write into it, then Commit.
  char* Reserve(size_t n) {
    if (size_ + n > data_.size()) Grow(n);
    return data_.data() + size_;
  }
  void Commit(size_t n) { size_ += n; }

  const char* data() const { return data_.data(); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t capacity() const { return data_.size(); }
  std::string_view view() const { return {data_.data(), size_}; }
  void clear() { size_ = 0; }
  // Drops the first n bytes (after a partial socket write).
  void Consume(size_t n);
  // Releases memory above `keep` bytes when empty (after a burst of large replies).
  void ShrinkTo(size_t keep);

 private:
  void Grow(size_t need);
  std::vector<char> data_;
  size_t size_ = 0;
};

class ReplyWriter {
 public:
  ReplyWriter(ReplyBuffer* out, int resp) : out_(out), resp_(resp) {}

  int resp() const { return resp_; }
  void set_resp(int resp) { resp_ = resp; }
  ReplyBuffer* buffer() const { return out_; }

  void Simple(std::string_view s);                                // +s
  void Error(std::string_view msg);                               // -msg
  void Integer(int64_t v);                                        // :v
  void Bulk(std::string_view s);                                  // $n s
  void Double(double v);                                          // ,v  (RESP2: bulk)
  void Bool(bool v);                                              // #t/#f (RESP2: :1/:0)
  void Null();                                                    // _   (RESP2: $-1)
  void NullArray();                                               // _   (RESP2: *-1)
  void Array(size_t n);                                           // *n
  void Map(size_t pairs);                                         // %n  (RESP2: *2n)
  void Set(size_t n);                                             // ~n  (RESP2: *n)
  void Push(size_t n);                                            // >n  (RESP2: *n)
  void Verbatim(std::string_view format, std::string_view text);  // =n fmt:text (RESP2: bulk)
  void BigNumber(std::string_view digits);                        // (n (RESP2: bulk)
  void Ok() { Raw("+OK\r\n"); }
  // Pre-encoded bytes, e.g. a constant reply.
  void Raw(std::string_view bytes) { out_->Append(bytes); }

 private:
  void Header(char type, int64_t n);
  void Line(char type, std::string_view s);  // +s or -s with CR/LF replaced
  ReplyBuffer* out_;
  int resp_;
};

// Decimal text that parses back to v: an integer for integral |v| <= 2^62 ("23", "1000000",
// "-0"), otherwise the shortest round-trip form from std::to_chars ("2.5", "0.1", "1e+300");
// "inf", "-inf", "nan". Writes at most 32 bytes to buf and returns the length.
size_t FormatDouble(double v, char* buf);

}  // namespace kizuna::protocol

#endif  // KIZUNA_PROTOCOL_REPLY_WRITER_H_
