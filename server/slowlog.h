// Slowlog: the most recent commands that took longer than slowlog-log-slower-than, as
// SLOWLOG GET shows them (Redis layout: id, unix time, microseconds, args, addr, name).
#ifndef KIZUNA_SERVER_SLOWLOG_H_
#define KIZUNA_SERVER_SLOWLOG_H_

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kizuna::server {

struct SlowlogEntry {
  uint64_t id;
  int64_t unix_seconds;
  int64_t micros;
  std::vector<std::string> args;  // at most 32, each at most 128 bytes (Redis trims the same)
  std::string client_addr;
  std::string client_name;
};

class Slowlog {
 public:
  void Add(std::span<const std::string_view> args, int64_t unix_seconds, int64_t micros,
           std::string_view addr, std::string_view name, size_t max_len);
  const std::deque<SlowlogEntry>& entries() const { return entries_; }  // newest first
  void Reset() { entries_.clear(); }
  void Trim(size_t max_len);

 private:
  std::deque<SlowlogEntry> entries_;
  uint64_t next_id_ = 0;
};

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_SLOWLOG_H_
