#include "server/acl/acl_user.h"

#include <algorithm>

#include "server/acl/acl_categories.h"
#include "server/acl/password_hash.h"
#include "server/arg_parser.h"
#include "server/glob.h"
#include "store/strings.h"

namespace kizuna::server {
namespace {

// Redis's reasons (ACLSetUserStringError), by the errno it would set.
constexpr std::string_view kSyntax = "Syntax error";                              // EINVAL
constexpr std::string_view kUnknown = "Unknown command or category name in ACL";  // ENOENT
constexpr std::string_view kAfterAllKeys =
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not "
    "have any effect. Try 'resetkeys' to start with an empty list of patterns";
constexpr std::string_view kAfterAllChannels =
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does "
    "not have any effect. Try 'resetchannels' to start with an empty list of channels";
constexpr std::string_view kNoSuchPassword =
    "The password you are trying to remove from the user does not exist";
constexpr std::string_view kBadHash =
    "The password hash must be exactly 64 characters and contain only lowercase hexadecimal "
    "characters";
constexpr std::string_view kSubFirstArg = "Allowing first-arg of a subcommand is not supported";
constexpr std::string_view kFirstArg =
    "Allowing first-arg of a command without subcommands is not supported";

bool Fail(std::string* error, std::string_view reason) {
  *error = std::string(reason);
  return false;
}

// Patterns and names may not hold spaces or NULs: the ACL file is split on spaces.
bool HasSpaces(std::string_view s) {
  return s.find(' ') != std::string_view::npos || s.find('\0') != std::string_view::npos;
}

// The hash a password rule names: >pw and <pw hash the text, #hash and !hash give it (false
// if it is not a valid hash).
bool RuleHash(std::string_view op, std::string* hash) {
  if (op[0] == '>' || op[0] == '<') {
    *hash = HashPassword(op.substr(1));
    return true;
  }
  if (!ValidPasswordHash(op.substr(1))) return false;
  *hash = std::string(op.substr(1));
  return true;
}

}  // namespace

AclUser::AclUser(std::string name) : name_(std::move(name)) {}

AclUser AclUser::MakeDefault() {
  AclUser u("default");
  u.enabled_ = true;
  u.nopass_ = true;
  u.allowed_.set();
  u.future_commands_ = true;
  u.all_keys_ = true;
  u.all_channels_ = true;
  return u;
}

void AclUser::CopyRulesFrom(const AclUser& other) {
  std::string name = std::move(name_);
  *this = other;
  name_ = std::move(name);
}

bool AclUser::Apply(std::string_view op, CommandTable& table, std::string* error) {
  auto is = [&](std::string_view word) { return EqualsIgnoreCase(op, word); };
  if (op.empty()) return true;
  if (is("on")) {
    enabled_ = true;
  } else if (is("off")) {
    enabled_ = false;
  } else if (is("skip-sanitize-payload")) {
    sanitize_ = Sanitize::kSkip;
  } else if (is("sanitize-payload")) {
    sanitize_ = Sanitize::kSanitize;
  } else if (is("nopass") || is("resetpass")) {
    nopass_ = is("nopass");
    passwords_.clear();
  } else if (op[0] == '>' || op[0] == '#' || op[0] == '<' || op[0] == '!') {
    std::string hash;
    if (!RuleHash(op, &hash)) return Fail(error, kBadHash);
    auto it = std::find(passwords_.begin(), passwords_.end(), hash);
    if (op[0] == '<' || op[0] == '!') {
      if (it == passwords_.end()) return Fail(error, kNoSuchPassword);
      passwords_.erase(it);
    } else {
      if (it == passwords_.end()) passwords_.push_back(std::move(hash));
      nopass_ = false;
    }
  } else if (is("clearselectors")) {
    // Selectors are not supported, so there are none to clear.
  } else if (is("reset")) {
    nopass_ = false;
    passwords_.clear();
    all_keys_ = false;
    keys_.clear();
    all_channels_ = false;
    channels_.clear();
    enabled_ = false;
    sanitize_ = Sanitize::kSanitize;
    allowed_.reset();
    future_commands_ = false;
    command_rules_.clear();
  } else if (is("allkeys") || op == "~*") {
    all_keys_ = true;
    keys_.clear();
  } else if (is("resetkeys")) {
    all_keys_ = false;
    keys_.clear();
  } else if (is("allchannels") || op == "&*") {
    all_channels_ = true;
    channels_.clear();
  } else if (is("resetchannels")) {
    all_channels_ = false;
    channels_.clear();
  } else if (is("allcommands") || is("+@all")) {
    allowed_.set();
    future_commands_ = true;
    command_rules_.clear();
  } else if (is("nocommands") || is("-@all")) {
    allowed_.reset();
    future_commands_ = false;
    command_rules_.clear();
  } else if (op[0] == '~' || op[0] == '%') {
    return ApplyKeyPattern(op, error);
  } else if (op[0] == '&') {
    if (all_channels_) return Fail(error, kAfterAllChannels);
    if (HasSpaces(op.substr(1))) return Fail(error, kSyntax);
    std::string channel(op.substr(1));
    if (std::find(channels_.begin(), channels_.end(), channel) == channels_.end()) {
      channels_.push_back(std::move(channel));
    }
  } else if (op[0] == '+' || op[0] == '-') {
    return ApplyCommandRule(op, table, error);
  } else {
    return Fail(error, kSyntax);
  }
  return true;
}

bool AclUser::ApplyKeyPattern(std::string_view op, std::string* error) {
  if (all_keys_) return Fail(error, kAfterAllKeys);
  KeyPattern p;
  size_t offset = 1;
  if (op[0] == '%') {
    p.read = p.write = false;
    bool ok = false;
    for (; offset < op.size(); ++offset) {
      char c = static_cast<char>(std::toupper(static_cast<unsigned char>(op[offset])));
      if (c == 'R' && !p.read) {
        p.read = true;
      } else if (c == 'W' && !p.write) {
        p.write = true;
      } else {
        ok = op[offset] == '~';
        ++offset;
        break;
      }
    }
    if (!ok || !(p.read || p.write)) return Fail(error, kSyntax);
  }
  if (HasSpaces(op.substr(offset))) return Fail(error, kSyntax);
  p.pattern = std::string(op.substr(offset));
  auto it = std::find_if(keys_.begin(), keys_.end(),
                         [&](const KeyPattern& k) { return k.pattern == p.pattern; });
  if (it == keys_.end()) {
    keys_.push_back(std::move(p));
  } else {
    it->read |= p.read;
    it->write |= p.write;
  }
  return true;
}

bool AclUser::ApplyCommandRule(std::string_view op, CommandTable& table, std::string* error) {
  bool allow = op[0] == '+';
  std::string_view body = op.substr(1);
  if (body.starts_with('@')) {
    uint64_t bit = AclCategoryBit(body.substr(1));
    if (bit == 0) return Fail(error, kUnknown);
    RecordRule(body, allow);
    SetCategory(bit, table, allow);
    return true;
  }
  size_t bar = body.rfind('|');
  if (bar == std::string_view::npos) {
    CommandTable::Entry* e = table.Find(body);
    if (!e) return Fail(error, kUnknown);
    SetCommand(*e, table, allow);
    RecordRule(e->full_name, allow);
    return true;
  }
  std::string_view parent_name = body.substr(0, bar), sub_name = body.substr(bar + 1);
  CommandTable::Entry* parent = table.Find(parent_name);
  if (!parent) {
    // "client|id|x": Redis finds client|id, a subcommand, and refuses a first-arg of it.
    size_t inner = parent_name.find('|');
    CommandTable::Entry* outer =
        inner == std::string_view::npos ? nullptr : table.Find(parent_name.substr(0, inner));
    if (allow && outer && table.FindSub(*outer, parent_name.substr(inner + 1))) {
      return Fail(error, kSubFirstArg);
    }
    return Fail(error, kUnknown);
  }
  if (allow && sub_name.empty()) return Fail(error, kSyntax);
  if (parent->spec->subcommands.empty()) return Fail(error, allow ? kFirstArg : kUnknown);
  CommandTable::Entry* sub = table.FindSub(*parent, sub_name);
  if (!sub) return Fail(error, kUnknown);
  SetCommand(*sub, table, allow);
  RecordRule(sub->full_name, allow);
  return true;
}

void AclUser::SetCommand(const CommandTable::Entry& entry, CommandTable& table, bool allow) {
  allowed_[entry.id] = allow;
  if (entry.parent == nullptr && !entry.spec->subcommands.empty()) {
    for (CommandTable::Entry* sub : table.Subcommands(entry)) allowed_[sub->id] = allow;
  }
}

void AclUser::SetCategory(uint64_t bit, CommandTable& table, bool allow) {
  for (CommandTable::Entry* e : table.commands()) {
    if (e->categories & bit) SetCommand(*e, table, allow);
    for (CommandTable::Entry* sub : table.Subcommands(*e)) {
      if (sub->categories & bit) allowed_[sub->id] = allow;
    }
  }
}

void AclUser::RecordRule(std::string_view body, bool allow) {
  std::string lower = AsciiLower(body);
  std::erase_if(command_rules_, [&](const std::string& r) {
    std::string_view old = std::string_view(r).substr(1);
    return old == lower ||
           (old.size() > lower.size() && old.starts_with(lower) && old[lower.size()] == '|');
  });
  command_rules_.push_back(StrCat(allow ? "+" : "-", lower));
}

bool AclUser::CanAccessKey(std::string_view key, bool write) const {
  if (all_keys_) return true;
  for (const KeyPattern& p : keys_) {
    if ((write ? p.write : p.read) && GlobMatch(p.pattern, key)) return true;
  }
  return false;
}

bool AclUser::CheckPassword(std::string_view password) const {
  if (!enabled_) return false;
  if (nopass_) return true;
  std::string hash = HashPassword(password);
  bool match = false;
  for (const std::string& stored : passwords_) match |= HashesEqual(stored, hash);
  return match;
}

std::vector<std::string_view> AclUser::Flags() const {
  std::vector<std::string_view> flags = {enabled_ ? "on" : "off"};
  if (nopass_) flags.push_back("nopass");
  if (sanitize_ == Sanitize::kSkip) flags.push_back("skip-sanitize-payload");
  if (sanitize_ == Sanitize::kSanitize) flags.push_back("sanitize-payload");
  return flags;
}

std::string AclUser::DescribeCommands() const {
  std::string out = future_commands_ ? "+@all" : "-@all";
  for (const std::string& r : command_rules_) StrAppend(&out, " ", r);
  return out;
}

std::string AclUser::DescribeKeys() const {
  if (all_keys_) return "~*";
  std::string out;
  for (const KeyPattern& p : keys_) {
    if (!out.empty()) out += ' ';
    if (p.read && p.write) {
      StrAppend(&out, "~", p.pattern);
    } else {
      StrAppend(&out, p.read ? "%R~" : "%W~", p.pattern);
    }
  }
  return out;
}

std::string AclUser::DescribeChannels() const {
  if (all_channels_) return "&*";
  std::string out;
  for (const std::string& c : channels_) StrAppend(&out, out.empty() ? "&" : " &", c);
  return out;
}

std::string AclUser::Describe() const {
  std::string out;
  for (std::string_view f : Flags()) StrAppend(&out, f, " ");
  for (const std::string& h : passwords_) StrAppend(&out, "#", h, " ");
  std::string keys = DescribeKeys();
  if (!keys.empty()) StrAppend(&out, keys, " ");
  if (!all_channels_) out += "resetchannels ";
  std::string channels = DescribeChannels();
  if (!channels.empty()) StrAppend(&out, channels, " ");
  out += DescribeCommands();
  return out;
}

}  // namespace kizuna::server
