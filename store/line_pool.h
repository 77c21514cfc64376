// LinePool: blocks of 1..kMaxLines cache lines carved from 2 MiB chunks of huge pages, for
// structures made of many small blocks that grow and shrink a line at a time (leaderboard
// blocks), which malloc would scatter over 4 KiB pages. One pool for the whole process, shared
// by every user; every size is carved from the same chunk, so at most one chunk is partly
// used. Freed blocks are kept per size and reused; chunks are kept. Thread-safe.
#ifndef KIZUNA_STORE_LINE_POOL_H_
#define KIZUNA_STORE_LINE_POOL_H_

#include <cstddef>

namespace kizuna::store {

class LinePool {
 public:
  static constexpr size_t kLineBytes = 64;
  static constexpr size_t kMaxLines = 16;
  // 64-byte aligned; lines in [1, kMaxLines].
  static void* Take(size_t lines);
  static void Give(void* p, size_t lines);
};

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_LINE_POOL_H_
