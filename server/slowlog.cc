#include "server/slowlog.h"

#include "store/strings.h"

namespace kizuna::server {
namespace {
constexpr size_t kMaxArgs = 32;
constexpr size_t kMaxArgLen = 128;
}  // namespace

void Slowlog::Add(std::span<const std::string_view> args, int64_t unix_seconds, int64_t micros,
                  std::string_view addr, std::string_view name, size_t max_len) {
  if (max_len == 0) return;
  SlowlogEntry e{next_id_++, unix_seconds, micros, {}, std::string(addr), std::string(name)};
  size_t n = std::min(args.size(), kMaxArgs);
  for (size_t i = 0; i < n; ++i) {
    if (i == kMaxArgs - 1 && args.size() > kMaxArgs) {
      e.args.push_back(StrCat("... (", args.size() - kMaxArgs + 1, " more arguments)"));
    } else if (args[i].size() > kMaxArgLen) {
      e.args.push_back(StrCat(args[i].substr(0, kMaxArgLen), "... (", args[i].size() - kMaxArgLen,
                              " more bytes)"));
    } else {
      e.args.emplace_back(args[i]);
    }
  }
  entries_.push_front(std::move(e));
  Trim(max_len);
}

void Slowlog::Trim(size_t max_len) {
  while (entries_.size() > max_len) entries_.pop_back();
}

}  // namespace kizuna::server
