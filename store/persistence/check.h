// Offline verification and repair of persistence files (the logic behind kizuna-check).
#ifndef KIZUNA_STORE_PERSISTENCE_CHECK_H_
#define KIZUNA_STORE_PERSISTENCE_CHECK_H_

#include <cstdint>
#include <string>
#include <vector>

namespace kizuna::store {

struct FileReport {
  std::string path;
  uint64_t records = 0;
  uint64_t size = 0;
  enum class State { kOk, kTorn, kCorrupt, kUnreadable } state = State::kOk;
  uint64_t bad_offset = 0;  // first byte of the torn or corrupt record
  std::string message;
};

FileReport CheckFile(const std::string& path);
// The snapshot (if any) and every log of `dir`, in load order.
std::vector<FileReport> CheckDirectory(const std::string& dir);
// Cuts `path` to `offset` bytes and fsyncs it. False with `error` on failure.
bool TruncateFile(const std::string& path, uint64_t offset, std::string* error);

const char* StateName(FileReport::State state);

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_PERSISTENCE_CHECK_H_
