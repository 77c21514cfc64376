#include "store/line_pool.h"

#include <mutex>
#include <vector>

#include "store/huge_pages.h"

namespace kizuna::store {
namespace {

struct Pool {
  struct Chunk {
    alignas(64) unsigned char bytes[kHugePageBytes];
  };
  static constexpr size_t kLinesPerChunk = kHugePageBytes / LinePool::kLineBytes;

  std::mutex mu;
  std::vector<LargeArray<Chunk>> chunks;
  std::vector<void*> free[LinePool::kMaxLines + 1];  // by size in lines
  size_t used = kLinesPerChunk;                      // lines handed out of the last chunk

  void* Take(size_t lines) {
    std::lock_guard<std::mutex> lock(mu);
    if (!free[lines].empty()) {
      void* p = free[lines].back();
      free[lines].pop_back();
      return p;
    }
    if (used + lines > kLinesPerChunk) {
      // The chunk's last few lines become a free block of their size.
      if (used < kLinesPerChunk) free[kLinesPerChunk - used].push_back(Line(used));
      chunks.push_back(MakeLargeArray<Chunk>(1));
      used = 0;
    }
    void* p = Line(used);
    used += lines;
    return p;
  }
  void Give(void* p, size_t lines) {
    std::lock_guard<std::mutex> lock(mu);
    free[lines].push_back(p);
  }
  void* Line(size_t i) { return chunks.back()[0].bytes + i * LinePool::kLineBytes; }
};

Pool& Instance() {
  static Pool* pool = new Pool;  // never destroyed: blocks may outlive statics
  return *pool;
}

}  // namespace

void* LinePool::Take(size_t lines) { return Instance().Take(lines); }
void LinePool::Give(void* p, size_t lines) { Instance().Give(p, lines); }

}  // namespace kizuna::store
