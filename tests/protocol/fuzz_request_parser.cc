// libFuzzer target for RequestParser.
//
// Input layout: byte 0 = flags, byte 1 = seed for the read sizes, the rest = the byte stream.
//   flag 1: limits.unauthenticated            flag 2: small limits (inline 64, bulk 4096, ...)
//   flag 4: tiny inline limit (1..16)         flag 8: "AUTH" after the first command
// The stream is parsed twice, in reads of pseudo-random sizes and in reads as large as the
// parser offers; both must give the same commands and the same error (the parser's outcome
// does not depend on how input is split). Along the way: kCommand has arguments, every
// argument lies inside the parser's buffer, the buffer never outgrows the bytes received.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "protocol/arg_splitter.h"
#include "protocol/request_parser.h"

namespace {

using kizuna::protocol::ParserLimits;
using kizuna::protocol::RequestParser;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}

struct Result {
  std::vector<std::vector<std::string>> commands;
  std::string error;
};

// Read sizes: mostly small (1..16), some medium, some as large as the room.
class ReadSizes {
 public:
  explicit ReadSizes(uint8_t seed) : state_(0x9e3779b97f4a7c15ull ^ seed) {}
  size_t Next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    switch (state_ % 4) {
      case 0:
      case 1:
        return 1 + (state_ >> 8) % 16;
      case 2:
        return 1 + (state_ >> 8) % 300;
      default:
        return SIZE_MAX;
    }
  }
  bool Coin() { return Next() == SIZE_MAX; }

 private:
  uint64_t state_;
};

Result Parse(const uint8_t* data, size_t size, const ParserLimits& limits, bool auth_after_first,
             ReadSizes* sizes) {
  RequestParser parser(limits);
  Result result;
  size_t fed = 0;
  // What Peek said the next command starts with, checked when Next returns it.
  std::vector<std::string> peeked;
  while (fed < size) {
    if (sizes != nullptr && sizes->Coin()) parser.ShrinkIfIdle();
    std::span<char> room = parser.PrepareRead();
    Check(room.size() >= RequestParser::kMinReadSize, "room >= kMinReadSize");
    Check(parser.args().empty(), "PrepareRead clears args");
    size_t n = std::min(size - fed, room.size());
    if (sizes != nullptr) n = std::min(n, sizes->Next());
    std::memcpy(room.data(), data + fed, n);
    parser.CommitRead(n);
    fed += n;
    // The room is the buffer's tail; the buffer holds received bytes plus one read's room.
    const char* buffer_end = room.data() + room.size();
    const char* buffer_begin = buffer_end - parser.buffer_capacity();
    Check(parser.buffer_capacity() <= 2 * fed + 2 * RequestParser::kMinReadSize,
          "buffer grows with received bytes only");
    while (true) {
      RequestParser::Status st = parser.Next();
      if (st == RequestParser::Status::kNeedMore) break;
      if (st == RequestParser::Status::kError) {
        Check(!parser.error().empty(), "error has a message");
        Check(parser.error().rfind("Protocol error: ", 0) == 0, "error wording");
        Check(parser.Next() == RequestParser::Status::kError, "errors are final");
        result.error = parser.error();
        return result;
      }
      Check(!parser.args().empty(), "kCommand has arguments");
      for (std::string_view arg : parser.args()) {
        Check(arg.data() >= buffer_begin && arg.data() + arg.size() <= buffer_end,
              "argument inside the buffer");
      }
      result.commands.emplace_back(parser.args().begin(), parser.args().end());
      if (!peeked.empty()) {
        Check(parser.args().size() >= 2 && parser.args()[0] == peeked[0] &&
                  parser.args()[1] == peeked[1],
              "Peek saw the next command's first arguments");
      }
      std::string_view names[3], keys[3];
      size_t ahead = parser.Peek(3, names, keys);
      Check(ahead <= 3, "Peek returns at most n");
      for (size_t i = 0; i < ahead; ++i) {
        Check(names[i].data() >= buffer_begin && names[i].data() + names[i].size() <= buffer_end &&
                  keys[i].data() >= buffer_begin && keys[i].data() + keys[i].size() <= buffer_end,
              "peeked arguments inside the buffer");
      }
      peeked.clear();
      if (ahead > 0) peeked = {std::string(names[0]), std::string(keys[0])};
      if (auth_after_first && result.commands.size() == 1) {
        ParserLimits authenticated = parser.limits();
        authenticated.unauthenticated = false;
        parser.set_limits(authenticated);
      }
    }
    Check(parser.pending_bytes() <= fed, "pending bytes were received");
  }
  return result;
}

// The splitter on its own: spans are in order, inside the line, and never longer than it.
void CheckSplitter(const uint8_t* data, size_t size) {
  std::string line(reinterpret_cast<const char*>(data), std::min<size_t>(size, 512));
  std::vector<std::pair<size_t, size_t>> spans;
  if (!kizuna::protocol::SplitArgsInPlace(line.data(), line.data() + line.size(), &spans)) return;
  size_t prev_end = 0;
  for (auto [off, len] : spans) {
    Check(off >= prev_end && off + len <= line.size(), "split spans ordered and in range");
    prev_end = off + len;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  uint8_t flags = data[0];
  uint8_t seed = data[1];
  data += 2;
  size -= 2;
  ParserLimits limits;
  limits.unauthenticated = flags & 1;
  if (flags & 2) {
    limits.max_inline_len = 64;
    limits.max_bulk_len = 4096;
    limits.max_multibulk_len = 1000;
    limits.max_query_buffer = 8192;
  }
  if (flags & 4) limits.max_inline_len = 1 + seed % 16;
  bool auth_after_first = flags & 8;

  ReadSizes sizes(seed);
  Result split = Parse(data, size, limits, auth_after_first, &sizes);
  Result whole = Parse(data, size, limits, auth_after_first, nullptr);
  Check(split.error == whole.error, "same error however the input is split");
  Check(split.commands == whole.commands, "same commands however the input is split");
  CheckSplitter(data, size);
  return 0;
}
