// AclLog: ACL LOG, the recent denials (a command or key the user may not touch, a failed
// AUTH), newest first, as Redis keeps them: a denial like one of the 10 newest entries (same
// reason, context, object and user, within 60 s) bumps that entry's count instead of adding
// one; the log holds at most acllog-max-len entries.
#ifndef KIZUNA_SERVER_ACL_ACL_LOG_H_
#define KIZUNA_SERVER_ACL_ACL_LOG_H_

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

namespace kizuna::server {

struct AclLogEntry {
  uint64_t count = 1;
  std::string_view reason;  // "command", "key" or "auth" (a string literal)
  std::string object;       // command full name, key, or "AUTH"/"HELLO"
  std::string username;
  std::string client_info;  // CLIENT INFO line of the last offender
  uint64_t entry_id = 0;
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
};

class AclLog {
 public:
  // `reason` must be a string literal ("command", "key", "auth"): entries keep the view.
  void Add(std::string_view reason, std::string_view object, std::string_view username,
           std::string client_info, int64_t now_ms, size_t max_len);
  void Reset() { entries_.clear(); }
  void Trim(size_t max_len);
  const std::deque<AclLogEntry>& entries() const { return entries_; }

  // Denials counted since start (INFO stats acl_access_denied_*), also when max_len is 0.
  uint64_t denied_auth() const { return denied_auth_; }
  uint64_t denied_cmd() const { return denied_cmd_; }
  uint64_t denied_key() const { return denied_key_; }

 private:
  std::deque<AclLogEntry> entries_;
  uint64_t next_entry_id_ = 0;
  uint64_t denied_auth_ = 0;
  uint64_t denied_cmd_ = 0;
  uint64_t denied_key_ = 0;
};

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_ACL_ACL_LOG_H_
