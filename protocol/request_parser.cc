#include "protocol/request_parser.h"

#include <algorithm>
#include <cstring>

#include "protocol/arg_splitter.h"

namespace kizuna::protocol {
namespace {

constexpr int64_t kUnauthMaxArgs = 10;
constexpr int64_t kUnauthMaxBulk = 16384;
// Above this capacity the buffer is given back once it holds little live data.
constexpr size_t kShrinkAbove = 1024 * 1024;

// Redis string2ll rules for "*N" / "$N": optional '-', digits without a leading zero ("0"
// alone is fine, "-0" is not), no '+', no spaces, at most 20 characters, fits in int64.
bool ParseHeaderNumber(const char* p, size_t n, int64_t* out) {
  if (n == 0 || n > 20) return false;
  bool negative = p[0] == '-';
  size_t i = negative ? 1 : 0;
  if (i == n) return false;
  if (p[i] == '0') {
    if (n != 1) return false;
    *out = 0;
    return true;
  }
  uint64_t v = 0;
  for (; i < n; ++i) {
    if (p[i] < '0' || p[i] > '9') return false;
    uint64_t d = static_cast<uint64_t>(p[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  if (negative) {
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    *out = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

constexpr size_t kWholeMaxArgs = 16;  // EVENT with every option has 12

// Reads "<type><1 to 10 digits, no leading zero, or 0 alone>\r\n" at *p (before end), a
// length line the general path accepts as it is; advances *p past it. The one reader of
// lengths for Peek, ParseWholeCommand and ReadHeaderLine's fast path.
bool ReadShortLength(const char* buf, size_t* p, size_t end, char type, size_t* value) {
  const char* line = buf + *p;
  const size_t avail = end - *p;
  if (avail < 4 || line[0] != type) return false;
  size_t v = static_cast<unsigned char>(line[1] - '0');
  if (v > 9) return false;
  size_t cr = 2;
  if (v != 0) {
    const size_t digits_end = std::min<size_t>(avail, 11);
    while (cr < digits_end) {
      const size_t d = static_cast<unsigned char>(line[cr] - '0');
      if (d > 9) break;
      v = v * 10 + d;
      ++cr;
    }
  }
  if (cr + 2 > avail || line[cr] != '\r' || line[cr + 1] != '\n') return false;
  *p += cr + 2;
  *value = v;
  return true;
}

}  // namespace

RequestParser::RequestParser(const ParserLimits& limits) : limits_(limits) {}

void RequestParser::Reallocate(size_t capacity) {
  // make_unique_for_overwrite: no zero-fill, so untouched capacity costs no resident memory.
  std::unique_ptr<char[]> bigger = std::make_unique_for_overwrite<char[]>(capacity);
  if (end_ > 0) std::memcpy(bigger.get(), buf_.get(), end_);
  buf_ = std::move(bigger);
  capacity_ = capacity;
}

std::span<char> RequestParser::PrepareRead() {
  args_.clear();
  ++layout_version_;
  // Keep only what a future command needs: the partial command, or the unparsed tail.
  size_t keep = multibulk_remaining_ > 0 ? command_start_ : pos_;
  if (keep > 0) {
    if (keep < end_) std::memmove(buf_.get(), buf_.get() + keep, end_ - keep);
    end_ -= keep;
    pos_ -= keep;
    command_start_ = multibulk_remaining_ > 0 ? command_start_ - keep : 0;
    scan_from_ = scan_from_ > keep ? scan_from_ - keep : 0;
    for (auto& arg : arg_offsets_) arg.first -= keep;
  }
  if (capacity_ > kShrinkAbove && end_ <= kMinReadSize) {
    // After a burst of big commands: back to a small buffer.
    Reallocate(2 * kMinReadSize);
  } else if (capacity_ - end_ < kMinReadSize) {
    // Geometric growth driven by received bytes only.
    Reallocate(std::max(capacity_ * 2, end_ + kMinReadSize));
  }
  return {buf_.get() + end_, capacity_ - end_};
}

void RequestParser::CommitRead(size_t n) { end_ += std::min(n, capacity_ - end_); }

void RequestParser::ShrinkIfIdle() {
  if (pending_bytes() != 0 || multibulk_remaining_ != 0) return;
  args_.clear();
  ++layout_version_;
  buf_.reset();
  capacity_ = pos_ = end_ = scan_from_ = command_start_ = 0;
}

RequestParser::Status RequestParser::Fail(std::string message) {
  error_ = std::move(message);
  failed_ = true;
  return Status::kError;
}

RequestParser::Line RequestParser::ReadHeaderLine(int64_t* value, size_t* next) {
  // Fast path, one pass: a complete short line ("$4\r\n"), which cannot overflow. Anything
  // else (sign, leading zero, long, incomplete, malformed) goes the general way. The type
  // byte is the caller's to check.
  size_t p = pos_, v = 0;
  if (ReadShortLength(buf_.get(), &p, end_, buf_[pos_], &v) &&
      p - pos_ - 2 <= limits_.max_inline_len) {
    *value = static_cast<int64_t>(v);
    *next = p;
    return Line::kOk;
  }
  return ReadHeaderLineSlow(value, next);
}

RequestParser::Line RequestParser::ReadHeaderLineSlow(int64_t* value, size_t* next) {
  const char* line = buf_.get() + pos_;
  const size_t avail = end_ - pos_;
  // Find the CR among the first max_inline_len + 1 bytes, resuming where the previous read
  // left off.
  size_t limit = std::min(avail, limits_.max_inline_len + 1);
  size_t from = std::max(scan_from_, pos_) - pos_;
  const char* cr = nullptr;
  if (from < limit) cr = static_cast<const char*>(std::memchr(line + from, '\r', limit - from));
  if (cr == nullptr) {
    if (avail > limits_.max_inline_len) return Line::kTooLong;
    scan_from_ = pos_ + limit;
    return Line::kIncomplete;
  }
  size_t cr_off = static_cast<size_t>(cr - line);
  if (cr_off + 1 == avail) {
    scan_from_ = pos_ + cr_off;
    return Line::kIncomplete;
  }
  *next = pos_ + cr_off + 2;
  // Strict: Redis skips the byte after CR unchecked; a header must end in CRLF.
  if (cr[1] != '\n' || !ParseHeaderNumber(line + 1, cr_off - 1, value)) return Line::kInvalid;
  return Line::kOk;
}

size_t RequestParser::Peek(size_t n, std::string_view* names, std::string_view* keys) const {
  size_t at = pos_;
  for (size_t found = 0; found < n; ++found) {
    if (!PeekAt(&at, &names[found], &keys[found])) return found;
  }
  return n;
}

bool RequestParser::PeekAt(size_t* at, std::string_view* name, std::string_view* key) const {
  if (failed_ || multibulk_remaining_ != 0 || *at < pos_) return false;
  const char* buf = buf_.get();
  size_t p = *at;
  size_t count = 0;
  if (!ReadShortLength(buf, &p, end_, '*', &count) || count < 2 || count > kPeekMaxArgs) {
    return false;
  }
  std::string_view first, second;
  for (size_t i = 0; i < count; ++i) {
    size_t len = 0;
    if (!ReadShortLength(buf, &p, end_, '$', &len) || end_ - p < len + 2) return false;
    if (i == 0) first = std::string_view(buf + p, len);
    if (i == 1) second = std::string_view(buf + p, len);
    p += len + 2;
  }
  *name = first;
  *key = second;
  *at = p;
  return true;
}

bool RequestParser::ParseWholeCommand() {
  // Header lines here are at most 13 bytes; a smaller line limit is the general path's to check.
  if (limits_.max_inline_len < 13) return false;
  const char* buf = buf_.get();
  size_t p = pos_;
  size_t count = 0;
  if (!ReadShortLength(buf, &p, end_, '*', &count) || count == 0 || count > kWholeMaxArgs) {
    return false;
  }
  if (static_cast<int64_t>(count) > limits_.max_multibulk_len ||
      (limits_.unauthenticated && static_cast<int64_t>(count) > kUnauthMaxArgs)) {
    return false;
  }
  const int64_t max_len = limits_.unauthenticated ? std::min(limits_.max_bulk_len, kUnauthMaxBulk)
                                                  : limits_.max_bulk_len;
  struct Arg {
    const char* data;
    size_t size;
  } found[kWholeMaxArgs];  // no initializer: set below before use
  for (size_t i = 0; i < count; ++i) {
    size_t len = 0;
    if (!ReadShortLength(buf, &p, end_, '$', &len) || static_cast<int64_t>(len) > max_len ||
        end_ - p < len + 2 || buf[p + len] != '\r' || buf[p + len + 1] != '\n') {
      return false;
    }
    found[i] = {buf + p, len};
    p += len + 2;
  }
  // The general path checks the query buffer limit at each bulk header; the last check, on
  // the whole command, is the one that decides.
  if (p - pos_ > limits_.max_query_buffer) return false;
  args_.clear();
  for (size_t i = 0; i < count; ++i) args_.emplace_back(found[i].data, found[i].size);
  pos_ = p;
  return true;
}

RequestParser::Status RequestParser::Next() {
  if (failed_) return Status::kError;
  while (true) {
    if (multibulk_remaining_ == 0) {
      if (pos_ == end_) return Status::kNeedMore;
      if (ParseWholeCommand()) return Status::kCommand;
      if (buf_[pos_] != '*') {
        Status st = ParseInline();
        if (st == Status::kCommand && args_.empty()) continue;  // blank line: skipped
        return st;
      }
      int64_t count = 0;
      size_t next = 0;
      switch (ReadHeaderLine(&count, &next)) {
        case Line::kIncomplete:
          return Status::kNeedMore;
        case Line::kTooLong:
          return Fail("Protocol error: too big mbulk count string");
        case Line::kInvalid:
          return Fail("Protocol error: invalid multibulk length");
        case Line::kOk:
          break;
      }
      if (count > limits_.max_multibulk_len) {
        return Fail("Protocol error: invalid multibulk length");
      }
      if (limits_.unauthenticated && count > kUnauthMaxArgs) {
        return Fail("Protocol error: unauthenticated multibulk length");
      }
      command_start_ = pos_;
      pos_ = next;
      if (count <= 0) continue;  // "*0" and "*-1" are empty commands, skipped as Redis does
      multibulk_remaining_ = count;
      bulk_len_ = -1;
      arg_offsets_.clear();
    }
    Status st = ParseMultibulk();
    if (st != Status::kCommand) return st;
    args_.clear();
    for (auto [off, len] : arg_offsets_) args_.emplace_back(buf_.get() + off, len);
    return Status::kCommand;
  }
}

RequestParser::Status RequestParser::ParseMultibulk() {
  while (multibulk_remaining_ > 0) {
    if (bulk_len_ < 0) {
      if (pos_ == end_) return Status::kNeedMore;
      int64_t len = 0;
      size_t next = 0;
      Line line = ReadHeaderLine(&len, &next);
      if (line == Line::kIncomplete) return Status::kNeedMore;
      if (line == Line::kTooLong) return Fail("Protocol error: too big bulk count string");
      // As in Redis, the '$' is checked once the whole line is there.
      if (buf_[pos_] != '$') {
        return Fail(std::string("Protocol error: expected '$', got '") + buf_[pos_] + "'");
      }
      if (line == Line::kInvalid || len < 0 || len > limits_.max_bulk_len) {
        return Fail("Protocol error: invalid bulk length");
      }
      if (limits_.unauthenticated && len > kUnauthMaxBulk) {
        return Fail("Protocol error: unauthenticated bulk length");
      }
      // Decided from the declaration, before any payload arrives, so the outcome does not
      // depend on how the input is split.
      if (next - command_start_ + static_cast<size_t>(len) + 2 > limits_.max_query_buffer) {
        return Fail("Protocol error: client query buffer limit reached");
      }
      pos_ = next;
      bulk_len_ = len;
    }
    size_t len = static_cast<size_t>(bulk_len_);
    if (end_ - pos_ < len + 2) return Status::kNeedMore;
    // Redis skips the two bytes after a bulk unchecked; we insist on CRLF so a client that
    // miscounted cannot desynchronise into running the rest of its payload as commands.
    if (buf_[pos_ + len] != '\r' || buf_[pos_ + len + 1] != '\n') {
      return Fail("Protocol error: expected '\\r\\n' after bulk data");
    }
    arg_offsets_.emplace_back(pos_, len);
    pos_ += len + 2;
    bulk_len_ = -1;
    --multibulk_remaining_;
  }
  return Status::kCommand;
}

RequestParser::Status RequestParser::ParseInline() {
  char* line = buf_.get() + pos_;
  const size_t avail = end_ - pos_;
  // The newline must come within max_inline_len + 1 bytes, wherever the read boundaries fall.
  size_t limit = std::min(avail, limits_.max_inline_len + 1);
  size_t from = std::max(scan_from_, pos_) - pos_;
  char* nl = nullptr;
  if (from < limit) nl = static_cast<char*>(std::memchr(line + from, '\n', limit - from));
  if (nl == nullptr) {
    if (avail > limits_.max_inline_len) return Fail("Protocol error: too big inline request");
    scan_from_ = pos_ + limit;
    return Status::kNeedMore;
  }
  char* line_end = nl;
  if (line_end > line && line_end[-1] == '\r') --line_end;
  if (!SplitArgsInPlace(line, line_end, &arg_offsets_)) {
    return Fail("Protocol error: unbalanced quotes in request");
  }
  args_.clear();
  for (auto [off, len] : arg_offsets_) args_.emplace_back(line + off, len);
  pos_ = static_cast<size_t>(nl + 1 - buf_.get());
  return Status::kCommand;
}

}  // namespace kizuna::protocol
