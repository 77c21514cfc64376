#include "server/acl/acl_log.h"

#include <cstdlib>

namespace kizuna::server {
namespace {

constexpr int64_t kGroupingMs = 60000;
constexpr size_t kGroupingScan = 10;

}  // namespace

void AclLog::Add(std::string_view reason, std::string_view object, std::string_view username,
                 std::string client_info, int64_t now_ms, size_t max_len) {
  if (reason == "auth") {
    ++denied_auth_;
  } else if (reason == "key") {
    ++denied_key_;
  } else {
    ++denied_cmd_;
  }
  for (size_t i = 0; i < entries_.size() && i < kGroupingScan; ++i) {
    AclLogEntry& e = entries_[i];
    if (e.reason == reason && e.object == object && e.username == username &&
        std::llabs(e.updated_ms - now_ms) <= kGroupingMs) {
      AclLogEntry moved = std::move(e);
      entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(i));
      ++moved.count;
      moved.updated_ms = now_ms;
      moved.client_info = std::move(client_info);
      entries_.push_front(std::move(moved));
      return;
    }
  }
  AclLogEntry e;
  e.reason = reason;
  e.object = std::string(object);
  e.username = std::string(username);
  e.client_info = std::move(client_info);
  e.entry_id = next_entry_id_++;
  e.created_ms = e.updated_ms = now_ms;
  entries_.push_front(std::move(e));
  Trim(max_len);
}

void AclLog::Trim(size_t max_len) {
  while (entries_.size() > max_len) entries_.pop_back();
}

}  // namespace kizuna::server
