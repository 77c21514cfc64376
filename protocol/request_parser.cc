#include "protocol/request_parser.h"

#include <algorithm>
#include <cstring>

#include "protocol/arg_splitter.h"

namespace kizuna::protocol {
namespace {

// Redis string2ll rules for "*N" / "$N" headers: optional '-', digits without a leading zero,
// no '+', no spaces, fits in int64.
bool ParseHeaderNumber(const char* p, size_t n, int64_t* out) {
  if (n == 0 || n > 20) return false;
  bool negative = p[0] == '-';
  size_t i = negative ? 1 : 0;
  if (i == n) return false;
  if (p[i] == '0') {
    if (n != i + 1 || negative) return false;
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

constexpr int64_t kUnauthMaxArgs = 10;
constexpr int64_t kUnauthMaxBulk = 16384;
// An idle buffer above this size is released.
constexpr size_t kIdleShrinkAbove = 1024 * 1024;

}  // namespace

RequestParser::RequestParser(const ParserLimits& limits) : limits_(limits) {}

std::span<char> RequestParser::PrepareRead() {
  if (multibulk_remaining_ == 0) command_start_ = pos_;
  if (command_start_ == end_) {
    pos_ = end_ = command_start_ = 0;
    if (buf_.size() > kIdleShrinkAbove) ShrinkIfIdle();
  } else if (command_start_ > 0) {
    // Keep only the incomplete command; its parsed arguments are offsets, shifted here.
    size_t shift = command_start_;
    std::memmove(buf_.data(), buf_.data() + shift, end_ - shift);
    end_ -= shift;
    pos_ -= shift;
    command_start_ = 0;
    for (auto& off : arg_offsets_) off.first -= shift;
  }
  if (buf_.size() - end_ < kMinReadSize) {
    // Grow with the data actually received (never with a declared bulk length).
    size_t want = std::max(buf_.size() * 2, end_ + kMinReadSize);
    buf_.resize(want);
  }
  args_.clear();
  return {buf_.data() + end_, buf_.size() - end_};
}

void RequestParser::CommitRead(size_t n) { end_ += n; }

void RequestParser::ShrinkIfIdle() {
  if (pos_ != end_ || multibulk_remaining_ != 0) return;
  pos_ = end_ = command_start_ = 0;
  std::vector<char>().swap(buf_);
}

RequestParser::Status RequestParser::Fail(std::string message) {
  error_ = std::move(message);
  failed_ = true;
  return Status::kError;
}

RequestParser::Status RequestParser::Next() {
  if (failed_) return Status::kError;
  while (true) {
    if (multibulk_remaining_ == 0) {
      command_start_ = pos_;
      arg_offsets_.clear();
      if (pos_ == end_) return Status::kNeedMore;
      if (buf_[pos_] != '*') {
        Status st = ParseInline();
        if (st == Status::kCommand && args_.empty()) continue;  // blank line
        return st;
      }
      // "*N\r\n"
      const char* start = buf_.data() + pos_;
      const char* cr = static_cast<const char*>(std::memchr(start, '\r', end_ - pos_));
      if (!cr || cr + 1 >= buf_.data() + end_) {
        if (end_ - pos_ > limits_.max_inline_len) {
          return Fail("Protocol error: too big mbulk count string");
        }
        return Status::kNeedMore;
      }
      int64_t count = 0;
      if (!ParseHeaderNumber(start + 1, cr - start - 1, &count) ||
          count > limits_.max_multibulk_len) {
        return Fail("Protocol error: invalid multibulk length");
      }
      if (limits_.unauthenticated && count > kUnauthMaxArgs) {
        return Fail("Protocol error: unauthenticated multibulk length");
      }
      pos_ = cr + 2 - buf_.data();
      if (count <= 0) continue;  // empty command, skipped as Redis does
      multibulk_remaining_ = count;
      bulk_len_ = -1;
    }
    Status st = ParseMultibulk();
    if (st != Status::kCommand) return st;
    args_.clear();
    for (auto [off, len] : arg_offsets_) args_.emplace_back(buf_.data() + off, len);
    return Status::kCommand;
  }
}

RequestParser::Status RequestParser::ParseMultibulk() {
  while (multibulk_remaining_ > 0) {
    if (bulk_len_ < 0) {
      if (pos_ == end_) return NeedMoreChecked();
      const char* start = buf_.data() + pos_;
      const char* cr = static_cast<const char*>(std::memchr(start, '\r', end_ - pos_));
      if (!cr || cr + 1 >= buf_.data() + end_) {
        if (end_ - pos_ > limits_.max_inline_len) {
          return Fail("Protocol error: too big bulk count string");
        }
        return NeedMoreChecked();
      }
      if (*start != '$') {
        return Fail(std::string("Protocol error: expected '$', got '") + *start + "'");
      }
      int64_t len = 0;
      if (!ParseHeaderNumber(start + 1, cr - start - 1, &len) || len < 0 ||
          len > limits_.max_bulk_len) {
        return Fail("Protocol error: invalid bulk length");
      }
      if (limits_.unauthenticated && len > kUnauthMaxBulk) {
        return Fail("Protocol error: unauthenticated bulk length");
      }
      pos_ = cr + 2 - buf_.data();
      bulk_len_ = len;
    }
    size_t need = static_cast<size_t>(bulk_len_) + 2;
    if (end_ - pos_ < need) return NeedMoreChecked();
    // Redis skips the two bytes after a bulk unchecked; we insist on CRLF so a client that
    // miscounted cannot desynchronise into executing the rest of its payload as commands.
    if (buf_[pos_ + bulk_len_] != '\r' || buf_[pos_ + bulk_len_ + 1] != '\n') {
      return Fail("Protocol error: expected '\\r\\n' after bulk data");
    }
    arg_offsets_.emplace_back(pos_, static_cast<size_t>(bulk_len_));
    pos_ += need;
    bulk_len_ = -1;
    --multibulk_remaining_;
  }
  return Status::kCommand;
}

RequestParser::Status RequestParser::NeedMoreChecked() {
  if (end_ - command_start_ > limits_.max_query_buffer) {
    return Fail("Protocol error: client query buffer limit reached");
  }
  return Status::kNeedMore;
}

RequestParser::Status RequestParser::ParseInline() {
  char* start = buf_.data() + pos_;
  char* nl = static_cast<char*>(std::memchr(start, '\n', end_ - pos_));
  if (!nl) {
    if (end_ - pos_ > limits_.max_inline_len) return Fail("Protocol error: too big inline request");
    return Status::kNeedMore;
  }
  char* line_end = nl;
  if (line_end > start && line_end[-1] == '\r') --line_end;
  size_t line_off = pos_;
  if (!SplitArgsInPlace(start, line_end, &arg_offsets_)) {
    return Fail("Protocol error: unbalanced quotes in request");
  }
  pos_ = nl + 1 - buf_.data();
  args_.clear();
  for (auto [off, len] : arg_offsets_) args_.emplace_back(buf_.data() + line_off + off, len);
  arg_offsets_.clear();
  return Status::kCommand;
}

}  // namespace kizuna::protocol
