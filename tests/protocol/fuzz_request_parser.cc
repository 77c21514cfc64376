// libFuzzer target: feeds arbitrary bytes to RequestParser in chunks chosen by the input, with
// limits toggled by the input, and checks the parser's invariants.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "protocol/request_parser.h"

using kizuna::protocol::ParserLimits;
using kizuna::protocol::RequestParser;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  ParserLimits limits;
  limits.unauthenticated = data[0] & 1;
  if (data[0] & 2) {
    limits.max_inline_len = 64;
    limits.max_bulk_len = 1 << 20;
    limits.max_query_buffer = 4096;
  }
  size_t chunk = 1 + data[1] % 64;
  data += 2;
  size -= 2;
  RequestParser parser(limits);
  size_t fed = 0;
  while (fed < size) {
    std::span<char> room = parser.PrepareRead();
    if (room.size() < RequestParser::kMinReadSize) abort();
    size_t n = std::min({chunk, size - fed, room.size()});
    std::memcpy(room.data(), data + fed, n);
    parser.CommitRead(n);
    fed += n;
    while (true) {
      RequestParser::Status st = parser.Next();
      if (st == RequestParser::Status::kError) {
        if (parser.error().empty()) abort();
        return 0;
      }
      if (st == RequestParser::Status::kNeedMore) break;
      if (parser.args().empty()) abort();
      for (std::string_view a : parser.args()) {
        volatile char sink = 0;
        for (char c : a) sink ^= c;  // touch every byte: ASan catches views outside the buffer
        (void)sink;
      }
    }
  }
  return 0;
}
