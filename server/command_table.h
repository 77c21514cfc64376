// CommandTable: the one declared source of truth for every command: name, arity, flags, key
// positions, ACL categories, documentation and handler. Dispatch checks arity and flags from
// it, and COMMAND / COMMAND INFO|DOCS|COUNT|LIST answer from it, so the two never disagree.
//
// A command family registers itself with a static array (one file per family):
//
//   void HandlePing(CommandContext& ctx);
//   const CommandSpec kConnectionCommands[] = {
//     {.name = "ping", .arity = -1, .flags = kFast | kNoAuth ... , .handler = HandlePing,
//      .summary = "Returns the server's liveliness response.", .syntax = "[message]",
//      .group = "connection", .acl = "@fast @connection"},
//   };
//   void RegisterConnectionCommands(CommandTable& t) { t.Add(kConnectionCommands); }
//
// Commands with subcommands (CLIENT, CONFIG, ...) give `subcommands`; dispatch then looks up
// args[1] among them and reports "unknown subcommand" the way Redis does.
//
// Arity follows Redis: N means exactly N arguments including the name, -N means at least N.
// Key positions: first_key = last_key = 1, step = 1 for commands keyed by a customer; 0 for
// none. `syntax` is the argument grammar after the name, e.g.
// "customer action [ITEM item] [VALUE amount]", from which COMMAND DOCS builds `arguments`.
#ifndef KIZUNA_SERVER_COMMAND_TABLE_H_
#define KIZUNA_SERVER_COMMAND_TABLE_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "store/strings.h"

namespace kizuna::server {

struct CommandContext;
using CommandHandler = void (*)(CommandContext& ctx);

enum CommandFlag : uint32_t {
  kWrite = 1u << 0,         // changes state (logged, refused on MISCONF/OOM)
  kReadonly = 1u << 1,      // only reads state
  kAdmin = 1u << 2,         // administrative (CONFIG, SHUTDOWN, DEBUG, ...)
  kFast = 1u << 3,          // O(1) or O(log N)
  kNoAuth = 1u << 4,        // allowed before AUTH (AUTH, HELLO, QUIT)
  kLoading = 1u << 5,       // allowed while the data set is loading
  kStale = 1u << 6,         // Redis "stale" flag, reported only
  kNoScript = 1u << 7,      // reported only
  kDenyOom = 1u << 8,       // refused when over maxmemory
  kBlocking = 1u << 9,      // may block the client (XREAD BLOCK)
  kSkipMonitor = 1u << 10,  // not echoed to MONITOR
  kSkipSlowlog = 1u << 11,  // not recorded in SLOWLOG
  kDangerous = 1u << 12,    // ACL @dangerous
};

// True for an argument that MONITOR and SLOWLOG show as "(redacted)" (a password).
using SecretArgTest = bool (*)(std::span<const std::string_view> args, size_t index);

// For commands whose keys are not at fixed positions (XREAD ... STREAMS k1 k2 id1 id2): the
// range [*first, *last] (step 1) of key arguments in `args`; false if there is none.
using KeyLocator = bool (*)(std::span<const std::string_view> args, int* first, int* last);

struct CommandSpec {
  std::string_view name;  // lower case; for a subcommand, the subcommand alone ("getname")
  int arity = 0;
  uint32_t flags = 0;
  CommandHandler handler = nullptr;
  std::string_view summary;
  std::string_view syntax;  // argument grammar after the name (and subcommand)
  std::string_view group;   // "connection", "server", "scoring", "stream", ...
  std::string_view acl;     // space-separated ACL categories, e.g. "@fast @connection"
  std::string_view since = "0.1.0";
  std::string_view complexity;
  int first_key = 0;
  int last_key = 0;
  int step = 0;
  std::span<const CommandSpec> subcommands = {};
  SecretArgTest secret_arg = nullptr;
  KeyLocator key_locator = nullptr;  // when first_key is 0 but the command has keys
};

// Usage statistics for INFO commandstats and SLOWLOG, one per command or subcommand.
struct CommandStats {
  uint64_t calls = 0;
  uint64_t usec = 0;
  uint64_t rejected_calls = 0;
  uint64_t failed_calls = 0;
};

class CommandTable {
 public:
  // A resolved entry: the spec and its stats slot. `full_name` is "client|getname" style.
  struct Entry {
    const CommandSpec* spec = nullptr;
    const CommandSpec* parent = nullptr;  // for subcommands
    std::string full_name;
    CommandStats stats;
    uint16_t id = 0;          // dense, assigned at Add: indexes users' permission bitsets
    uint64_t categories = 0;  // AclCategoryMask(spec->acl)
  };
  // Ids stay below this, so a user's permissions fit a fixed bitset.
  static constexpr size_t kMaxIds = 1024;

  void Add(std::span<const CommandSpec> specs);

  // Case-insensitive lookup of a top-level command; nullptr if unknown. No allocation.
  Entry* Find(std::string_view name);
  // A client's last lookup, kept by the exact bytes of the name: a pipeline repeats one
  // command, and comparing a few bytes costs less than lowering and hashing the name.
  class Recent {
   private:
    friend class CommandTable;
    char name_[16];
    size_t size_ = 0;
    Entry* entry_ = nullptr;
  };
  // Find, answered from `recent` when the name is byte for byte the last one it found.
  Entry* Find(std::string_view name, Recent* recent);
  // Subcommand of a container command, case-insensitive; nullptr if unknown.
  Entry* FindSub(const Entry& parent, std::string_view sub);

  // All top-level entries, in registration order.
  const std::vector<Entry*>& commands() const { return order_; }
  // Subcommand entries of a container, in declaration order.
  std::vector<Entry*> Subcommands(const Entry& parent);
  // Every entry (commands and subcommands), for INFO commandstats and CONFIG RESETSTAT.
  std::vector<Entry*> AllEntries();
  // Number of ids assigned (commands and subcommands).
  size_t id_count() const { return next_id_; }

 private:
  // Keys are lower-case; "parent|sub" for subcommands. Entries are stable (node storage) and
  // never removed, so a Recent's pointer stays valid.
  absl::flat_hash_map<std::string, std::unique_ptr<Entry>, StringHash, StringEq> entries_;
  std::vector<Entry*> order_;
  uint16_t next_id_ = 0;
};

// Calls fn(index) for every key argument of a resolved command (args[0] is the name; for a
// subcommand args[1] is its name), from first_key/last_key/step or the spec's key_locator.
template <typename Fn>
void ForEachKeyIndex(const CommandSpec& spec, std::span<const std::string_view> args, Fn&& fn) {
  int first = spec.first_key, last = spec.last_key, step = spec.step > 0 ? spec.step : 1;
  if (first <= 0) {
    if (!spec.key_locator || !spec.key_locator(args, &first, &last)) return;
    step = 1;
  } else if (last < 0) {
    last += static_cast<int>(args.size());
  }
  for (int i = first; i <= last && i < static_cast<int>(args.size()); i += step) fn(i);
}

// Lower-cases `name` into `buf` (size n) and returns the view; empty if it does not fit.
std::string_view LowerInto(std::string_view name, char* buf, size_t n);

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_COMMAND_TABLE_H_
