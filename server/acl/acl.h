// Acl: the users (always including "default"), the permission check of every command, and
// the ACL file. Users live at stable addresses: a client points at its user, and ACL SETUSER
// changes a user in place so its connected clients see the new rules at their next command.
//
// Persistence: the aclfile is the only store of users, as in Redis (ACL SAVE writes it, ACL
// LOAD and start-up read it). ACL commands are not written to the append-only log, because
// replaying them would fight the aclfile (a log replayed after an edited aclfile would undo
// the edit) and would put password hashes in the data files.
#ifndef KIZUNA_SERVER_ACL_ACL_H_
#define KIZUNA_SERVER_ACL_ACL_H_

#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "server/acl/acl_log.h"
#include "server/acl/acl_user.h"
#include "server/command_table.h"

namespace kizuna::server {

// Why a command may not run: nothing, the command itself, or one of its keys.
enum class AclDenial { kNone, kCommand, kKey };

class Acl {
 public:
  using UserMap = std::map<std::string, std::unique_ptr<AclUser>, std::less<>>;
  // Called before a user object goes away (ACL DELUSER, ACL LOAD without it): its clients
  // must be disconnected.
  using RemoveHook = std::function<void(const AclUser&)>;

  explicit Acl(CommandTable& table);
  void set_remove_hook(RemoveHook hook) { remove_hook_ = std::move(hook); }

  AclUser& default_user() { return *default_user_; }
  AclUser* Find(std::string_view name);
  // Sorted by name, as ACL LIST / USERS show them.
  const UserMap& users() const { return users_; }

  // ACL SETUSER: creates the user if needed and applies every rule, or none. On error
  // returns false with Redis's message ("Error in ACL SETUSER modifier '...': ...").
  bool SetUser(std::string_view name, std::span<const std::string_view> rules, std::string* error);
  // ACL DELUSER of one user (not "default"); false if there is none.
  bool DelUser(std::string_view name);
  // requirepass: the default user gets exactly this password, or nopass when empty.
  void SetDefaultPassword(std::string_view password);

  // The user `name` if `password` opens it, else nullptr.
  AclUser* Authenticate(std::string_view name, std::string_view password);

  // May `user` run this resolved command with these arguments? On a key denial *key_index is
  // the offending argument. One bit test, plus a pattern walk per key for users without
  // allkeys; no allocation.
  static AclDenial Check(const AclUser& user, const CommandTable::Entry& entry,
                         std::span<const std::string_view> args, size_t* key_index);
  // The -NOPERM text (without "NOPERM ") for a denial, in Redis's words.
  static std::string DenialMessage(AclDenial denial, const AclUser& user,
                                   const CommandTable::Entry& entry, std::string_view key);

  // ACL LOAD / start-up: replaces every user from `path`, all or nothing. Users kept by name
  // keep their clients. On error returns false with Redis's message and changes nothing.
  bool LoadFile(const std::string& path, std::string* error);
  // ACL SAVE: writes every user to `path` (via a temporary file, fsynced, renamed).
  bool SaveFile(const std::string& path, std::string* error) const;

  AclLog& log() { return log_; }

 private:
  CommandTable& table_;
  UserMap users_;
  AclUser* default_user_ = nullptr;
  RemoveHook remove_hook_;
  AclLog log_;
};

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_ACL_ACL_H_
