#include "store/persistence/file_names.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>

namespace kizuna::store {

std::string SnapshotPath(const std::string& dir) { return dir + "/snapshot.ksnap"; }

std::string LogPath(const std::string& dir, uint64_t seq) {
  char name[48];
  std::snprintf(name, sizeof(name), "/appendonly-%06llu.klog",
                static_cast<unsigned long long>(seq));
  return dir + name;
}

std::vector<LogFile> ListLogs(const std::string& dir) {
  std::vector<LogFile> logs;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    constexpr std::string_view kPrefix = "appendonly-", kSuffix = ".klog";
    if (name.size() <= kPrefix.size() + kSuffix.size() || !name.starts_with(kPrefix) ||
        !name.ends_with(kSuffix)) {
      continue;
    }
    std::string_view digits(name.data() + kPrefix.size(),
                            name.size() - kPrefix.size() - kSuffix.size());
    uint64_t seq = 0;
    auto [ptr, err] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
    if (err != std::errc() || ptr != digits.data() + digits.size()) continue;
    logs.push_back({seq, entry.path().string()});
  }
  std::sort(logs.begin(), logs.end(),
            [](const LogFile& a, const LogFile& b) { return a.seq < b.seq; });
  return logs;
}

}  // namespace kizuna::store
