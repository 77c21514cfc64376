// Where persistence files live in `dir`:
//   snapshot.ksnap            the latest snapshot (records; first names the log it continues)
//   appendonly-000001.klog    append-only logs, replayed in sequence order after the snapshot
#ifndef KIZUNA_STORE_PERSISTENCE_FILE_NAMES_H_
#define KIZUNA_STORE_PERSISTENCE_FILE_NAMES_H_

#include <cstdint>
#include <string>
#include <vector>

namespace kizuna::store {

std::string SnapshotPath(const std::string& dir);
std::string LogPath(const std::string& dir, uint64_t seq);

struct LogFile {
  uint64_t seq;
  std::string path;
};
// The logs in `dir`, oldest first.
std::vector<LogFile> ListLogs(const std::string& dir);

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_PERSISTENCE_FILE_NAMES_H_
