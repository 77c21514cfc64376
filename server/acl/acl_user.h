// AclUser: one ACL user in the Redis 7 model: on/off, password hashes or nopass, a permission
// bit per command id, key patterns, channel patterns (kept for ACL-file compatibility; kizuna
// has no pub/sub), and the command rules as given, so ACL LIST shows them back as written.
//
// Rules (ACL SETUSER / ACL file), applied one at a time by Apply():
//   on off nopass resetpass >pass <pass #sha256hex !sha256hex
//   +cmd -cmd +cmd|sub -cmd|sub +@cat -@cat allcommands(+@all) nocommands(-@all)
//   ~pattern %R~pattern %W~pattern allkeys(~*) resetkeys &pattern allchannels resetchannels
//   reset sanitize-payload skip-sanitize-payload clearselectors
// Not supported: selectors "(...)" and +cmd|first-arg of commands without subcommands.
//
// The check on the request path, CanRun(id), is one bit test; key checks walk the patterns
// only for users without allkeys. Neither allocates.
#ifndef KIZUNA_SERVER_ACL_ACL_USER_H_
#define KIZUNA_SERVER_ACL_ACL_USER_H_

#include <bitset>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "server/command_table.h"

namespace kizuna::server {

class AclUser {
 public:
  // A new user, as ACL SETUSER creates it: off, no password, no commands, keys or channels.
  explicit AclUser(std::string name);
  // The built-in default user: on nopass ~* &* +@all.
  static AclUser MakeDefault();

  // Applies one rule. On error returns false with Redis's reason (e.g. "Syntax error"); the
  // user may then be half-changed, so callers apply rules to a copy.
  bool Apply(std::string_view rule, CommandTable& table, std::string* error);
  // Takes every rule of `other`, keeping this user's name (and identity for its clients).
  void CopyRulesFrom(const AclUser& other);

  bool CanRun(uint16_t id) const { return allowed_[id]; }
  // Whether `key` matches a pattern granting read (write=false) or write access.
  bool CanAccessKey(std::string_view key, bool write) const;
  bool all_keys() const { return all_keys_; }
  bool enabled() const { return enabled_; }
  bool nopass() const { return nopass_; }
  // Whether `password` opens this user (enabled, and nopass or a matching hash).
  bool CheckPassword(std::string_view password) const;

  const std::string& name() const { return name_; }
  const std::vector<std::string>& passwords() const { return passwords_; }
  // What ACL GETUSER shows: flags, command rules ("-@all +@read"), keys ("~a* %R~b"), channels.
  std::vector<std::string_view> Flags() const;
  std::string DescribeCommands() const;
  std::string DescribeKeys() const;
  std::string DescribeChannels() const;
  // The rule list of ACL LIST and the ACL file, without "user <name> ".
  std::string Describe() const;

 private:
  struct KeyPattern {
    std::string pattern;
    bool read = true;
    bool write = true;
  };
  enum class Sanitize { kUnset, kSanitize, kSkip };

  bool ApplyCommandRule(std::string_view rule, CommandTable& table, std::string* error);
  bool ApplyKeyPattern(std::string_view rule, std::string* error);
  void SetCommand(const CommandTable::Entry& entry, CommandTable& table, bool allow);
  void SetCategory(uint64_t bit, CommandTable& table, bool allow);
  // Keeps command_rules_ in the order given, dropping an earlier rule for the same command
  // (and its subcommand rules) or category.
  void RecordRule(std::string_view body, bool allow);

  std::string name_;
  bool enabled_ = false;
  bool nopass_ = false;
  Sanitize sanitize_ = Sanitize::kUnset;
  std::vector<std::string> passwords_;  // SHA-256 hex, in the order added
  std::bitset<CommandTable::kMaxIds> allowed_;
  bool future_commands_ = false;  // set by +@all, cleared by -@all: "+@all ..." vs "-@all ..."
  std::vector<std::string> command_rules_;  // "+@read", "-flushall", "+client|id"
  bool all_keys_ = false;
  std::vector<KeyPattern> keys_;
  bool all_channels_ = false;
  std::vector<std::string> channels_;
};

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_ACL_ACL_USER_H_
