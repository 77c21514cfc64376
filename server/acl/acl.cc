#include "server/acl/acl.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "server/log.h"
#include "store/strings.h"

namespace kizuna::server {
namespace {

bool ValidUserName(std::string_view name) {
  return name.find(' ') == std::string_view::npos && name.find('\0') == std::string_view::npos;
}

// Writes `data` to `fd` entirely; false with errno set on failure.
bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

Acl::Acl(CommandTable& table) : table_(table) {
  auto def = std::make_unique<AclUser>(AclUser::MakeDefault());
  default_user_ = def.get();
  users_.emplace("default", std::move(def));
}

AclUser* Acl::Find(std::string_view name) {
  auto it = users_.find(name);
  return it == users_.end() ? nullptr : it->second.get();
}

bool Acl::SetUser(std::string_view name, std::span<const std::string_view> rules,
                  std::string* error) {
  if (!ValidUserName(name)) {
    *error = "Usernames can't contain spaces or null characters";
    return false;
  }
  AclUser* existing = Find(name);
  // Staged on a copy: one bad rule leaves the user exactly as it was.
  AclUser staged = existing ? *existing : AclUser(std::string(name));
  for (std::string_view rule : rules) {
    std::string reason;
    if (!staged.Apply(rule, table_, &reason)) {
      *error = StrCat("Error in ACL SETUSER modifier '", rule, "': ", reason);
      return false;
    }
  }
  if (existing) {
    existing->CopyRulesFrom(staged);
  } else {
    users_.emplace(std::string(name), std::make_unique<AclUser>(std::move(staged)));
  }
  return true;
}

bool Acl::DelUser(std::string_view name) {
  auto it = users_.find(name);
  if (it == users_.end() || it->second.get() == default_user_) return false;
  if (remove_hook_) remove_hook_(*it->second);
  users_.erase(it);
  return true;
}

void Acl::SetDefaultPassword(std::string_view password) {
  std::string reason;
  default_user_->Apply("resetpass", table_, &reason);
  if (password.empty()) {
    default_user_->Apply("nopass", table_, &reason);
  } else {
    default_user_->Apply(StrCat(">", password), table_, &reason);
  }
}

AclUser* Acl::Authenticate(std::string_view name, std::string_view password) {
  AclUser* user = Find(name);
  return user && user->CheckPassword(password) ? user : nullptr;
}

AclDenial Acl::Check(const AclUser& user, const CommandTable::Entry& entry,
                     std::span<const std::string_view> args, size_t* key_index) {
  const CommandSpec& spec = *entry.spec;
  // Commands allowed before AUTH (AUTH, HELLO, QUIT) are never refused, as in Redis.
  if (!(spec.flags & kNoAuth) && !user.CanRun(entry.id)) return AclDenial::kCommand;
  if (user.all_keys()) return AclDenial::kNone;
  bool write = spec.flags & kWrite;
  AclDenial denial = AclDenial::kNone;
  ForEachKeyIndex(spec, args, [&](int i) {
    if (denial == AclDenial::kNone && !user.CanAccessKey(args[i], write)) {
      denial = AclDenial::kKey;
      *key_index = static_cast<size_t>(i);
    }
  });
  return denial;
}

std::string Acl::DenialMessage(AclDenial denial, const AclUser& user,
                               const CommandTable::Entry& entry, std::string_view key) {
  if (denial == AclDenial::kKey) {
    // The reply to the client does not name the key (Redis); ACL DRYRUN and the log do.
    if (key.empty()) return "No permissions to access a key";
    return StrCat("User ", user.name(), " has no permissions to access the '", key, "' key");
  }
  return StrCat("User ", user.name(), " has no permissions to run the '", entry.full_name,
                "' command");
}

bool Acl::LoadFile(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = StrCat("Error loading ACLs, opening file '", path, "': ", std::strerror(errno));
    return false;
  }
  std::stringstream content;
  content << in.rdbuf();
  UserMap loaded;
  std::string errors;
  std::string text = content.str();
  // Split on single spaces like Redis (no quoting: rules never hold spaces).
  size_t line_no = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string_view line(text.data() + pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    while (!line.empty() && std::string_view(" \t\r").find(line.front()) != std::string_view::npos)
      line.remove_prefix(1);
    while (!line.empty() && std::string_view(" \t\r").find(line.back()) != std::string_view::npos)
      line.remove_suffix(1);
    if (line.empty()) continue;
    std::vector<std::string_view> words;
    for (size_t start = 0;;) {
      size_t sp = line.find(' ', start);
      words.push_back(line.substr(start, sp == std::string_view::npos ? sp : sp - start));
      if (sp == std::string_view::npos) break;
      start = sp + 1;
    }
    if (words.size() < 2 || words[0] != "user") {
      StrAppend(&errors, path, ":", line_no,
                " should start with user keyword followed by the username. ");
      continue;
    }
    std::string_view name = words[1];
    if (!ValidUserName(name)) {
      StrAppend(&errors, "'", path, ":", line_no, ": username '", name,
                "' contains invalid characters. ");
      continue;
    }
    if (loaded.contains(name)) {
      StrAppend(&errors, "WARNING: Duplicate user '", name, "' found on line ", line_no, ". ");
      continue;
    }
    auto user = std::make_unique<AclUser>(std::string(name));
    bool syntax_error = false;
    for (size_t i = 2; i < words.size(); ++i) {
      std::string reason;
      if (user->Apply(words[i], table_, &reason)) continue;
      if (reason == "Unknown command or category name in ACL") {
        StrAppend(&errors, path, ":", line_no, ": Error in applying operation '", words[i],
                  "': ", reason, ". ");
      } else if (!syntax_error) {
        StrAppend(&errors, path, ":", line_no, ": ", reason, ". ");
        syntax_error = true;
      }
    }
    loaded.emplace(std::string(name), std::move(user));
  }
  if (!errors.empty()) {
    *error = errors +
             "WARNING: ACL errors detected, no change to the previously active ACL rules was "
             "performed";
    return false;
  }
  // Users that stay keep their objects (and so their clients); the others go.
  if (!loaded.contains("default")) {
    loaded.emplace("default", std::make_unique<AclUser>(AclUser::MakeDefault()));
  }
  for (auto& [name, user] : users_) {
    auto it = loaded.find(name);
    if (it == loaded.end()) {
      if (remove_hook_) remove_hook_(*user);
      continue;
    }
    user->CopyRulesFrom(*it->second);
    it->second = std::move(user);
  }
  users_ = std::move(loaded);
  default_user_ = users_.find("default")->second.get();
  return true;
}

bool Acl::SaveFile(const std::string& path, std::string* error) const {
  std::string content;
  for (const auto& [name, user] : users_) {
    StrAppend(&content, "user ", name, " ", user->Describe(), "\n");
  }
  std::string tmp = StrCat(path, ".tmp-", getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  bool ok = fd >= 0 && WriteAll(fd, content) && ::fsync(fd) == 0;
  int saved_errno = errno;
  if (fd >= 0) ::close(fd);
  if (ok && std::rename(tmp.c_str(), path.c_str()) != 0) {
    ok = false;
    saved_errno = errno;
  }
  if (!ok) {
    LogWarning("Writing ACL file for ACL SAVE (", path, "): ", std::strerror(saved_errno));
    ::unlink(tmp.c_str());
    *error =
        "There was an error trying to save the ACLs. Please check the server logs for more "
        "information";
    return false;
  }
  // The rename reaches the disk with the directory.
  std::string dir = path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/'));
  int dfd = ::open(dir.empty() ? "/" : dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

}  // namespace kizuna::server
