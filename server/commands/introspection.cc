// COMMAND, COMMAND COUNT|INFO|DOCS|LIST|GETKEYS|HELP, answered from the command table.
#include <string>
#include <vector>

#include "server/arg_parser.h"
#include "server/command_context.h"
#include "server/command_docs.h"
#include "server/command_table.h"
#include "server/commands/families.h"
#include "server/commands/help_text.h"
#include "server/glob.h"
#include "server/server.h"
#include "store/strings.h"

namespace kizuna::server {
namespace {

using Entry = CommandTable::Entry;

constexpr std::pair<uint32_t, std::string_view> kFlagNames[] = {
    {kWrite, "write"},
    {kReadonly, "readonly"},
    {kDenyOom, "denyoom"},
    {kAdmin, "admin"},
    {kNoScript, "noscript"},
    {kBlocking, "blocking"},
    {kLoading, "loading"},
    {kStale, "stale"},
    {kSkipMonitor, "skip_monitor"},
    {kSkipSlowlog, "skip_slowlog"},
    {kFast, "fast"},
    {kNoAuth, "no_auth"},
};

std::vector<std::string_view> AclCategories(const CommandSpec& spec) {
  return SplitNonEmpty(spec.acl, ' ');
}

void WriteKeySpecs(protocol::ReplyWriter& w, const CommandSpec& spec) {
  // Redis replies with sets here in RESP3; flags are RO/RW plus a lower-case access kind.
  if (spec.first_key <= 0) return w.Set(0);
  w.Set(1);
  w.Map(3);
  w.Bulk("flags");
  bool write = spec.flags & kWrite;
  w.Set(2);
  w.Simple(write ? "RW" : "RO");
  w.Simple(write ? "update" : "access");
  w.Bulk("begin_search");
  w.Map(2);
  w.Bulk("type");
  w.Bulk("index");
  w.Bulk("spec");
  w.Map(1);
  w.Bulk("index");
  w.Integer(spec.first_key);
  w.Bulk("find_keys");
  w.Map(2);
  w.Bulk("type");
  w.Bulk("range");
  w.Bulk("spec");
  w.Map(3);
  w.Bulk("lastkey");
  w.Integer(spec.last_key >= spec.first_key ? spec.last_key - spec.first_key : spec.last_key);
  w.Bulk("keystep");
  w.Integer(spec.step);
  w.Bulk("limit");
  w.Integer(0);
}

void WriteInfo(CommandContext& ctx, Entry& e) {
  protocol::ReplyWriter& w = ctx.reply;
  const CommandSpec& spec = *e.spec;
  w.Array(10);
  w.Bulk(e.full_name);
  w.Integer(spec.arity);
  size_t nflags = 0;
  for (auto [bit, name] : kFlagNames) nflags += (spec.flags & bit) ? 1 : 0;
  w.Set(nflags);
  for (auto [bit, name] : kFlagNames) {
    if (spec.flags & bit) w.Simple(name);
  }
  w.Integer(spec.first_key);
  w.Integer(spec.last_key);
  w.Integer(spec.step);
  auto acl = AclCategories(spec);
  w.Set(acl.size());
  for (std::string_view c : acl) w.Simple(c);
  w.Set(0);  // tips
  WriteKeySpecs(w, spec);
  auto subs = ctx.server.commands().Subcommands(e);
  // Redis: an empty set when there are none, else an array.
  if (subs.empty()) return w.Set(0);
  w.Array(subs.size());
  for (Entry* sub : subs) WriteInfo(ctx, *sub);
}

void WriteDocArg(protocol::ReplyWriter& w, const DocArg& a) {
  size_t fields = 2 + (a.token.empty() ? 0 : 1) + ((a.optional || a.multiple) ? 1 : 0) +
                  (a.children.empty() ? 0 : 1);
  w.Map(fields);
  w.Bulk("name");
  w.Bulk(a.name);
  w.Bulk("type");
  w.Bulk(a.type);
  if (!a.token.empty()) {
    w.Bulk("token");
    w.Bulk(a.token);
  }
  if (a.optional || a.multiple) {
    w.Bulk("flags");
    w.Array((a.optional ? 1 : 0) + (a.multiple ? 1 : 0));
    if (a.optional) w.Simple("optional");
    if (a.multiple) w.Simple("multiple");
  }
  if (!a.children.empty()) {
    w.Bulk("arguments");
    w.Array(a.children.size());
    for (const DocArg& c : a.children) WriteDocArg(w, c);
  }
}

void WriteDocs(CommandContext& ctx, Entry& e) {
  protocol::ReplyWriter& w = ctx.reply;
  const CommandSpec& spec = *e.spec;
  auto args = ParseSyntax(spec.syntax, spec.first_key > 0 ? "customer" : "");
  auto subs = ctx.server.commands().Subcommands(e);
  // Redis leaves out doc_flags when there are none (kizuna marks no command deprecated).
  w.Map(3 + (spec.complexity.empty() ? 0 : 1) + (args.empty() ? 0 : 1) + (subs.empty() ? 0 : 1));
  w.Bulk("summary");
  w.Bulk(spec.summary);
  w.Bulk("since");
  w.Bulk(spec.since);
  w.Bulk("group");
  w.Bulk(spec.group);
  if (!spec.complexity.empty()) {
    w.Bulk("complexity");
    w.Bulk(spec.complexity);
  }
  if (!args.empty()) {
    w.Bulk("arguments");
    w.Array(args.size());
    for (const DocArg& a : args) WriteDocArg(w, a);
  }
  if (!subs.empty()) {
    w.Bulk("subcommands");
    w.Map(subs.size());
    for (Entry* sub : subs) {
      w.Bulk(sub->full_name);
      WriteDocs(ctx, *sub);
    }
  }
}

// "client|getname" or "client" -> entry.
Entry* Resolve(CommandTable& table, std::string_view name) {
  size_t bar = name.find('|');
  if (bar == std::string_view::npos) return table.Find(name);
  Entry* parent = table.Find(name.substr(0, bar));
  return parent ? table.FindSub(*parent, name.substr(bar + 1)) : nullptr;
}

void HandleCommand(CommandContext& ctx) {
  auto& cmds = ctx.server.commands().commands();
  ctx.reply.Array(cmds.size());
  for (Entry* e : cmds) WriteInfo(ctx, *e);
}

void HandleCount(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.server.commands().commands().size()));
}

void HandleInfo(CommandContext& ctx) {
  if (ctx.args.size() == 2) return HandleCommand(ctx);
  ctx.reply.Array(ctx.args.size() - 2);
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    Entry* e = Resolve(ctx.server.commands(), ctx.args[i]);
    if (e)
      WriteInfo(ctx, *e);
    else
      ctx.reply.Null();
  }
}

void HandleDocs(CommandContext& ctx) {
  std::vector<Entry*> picked;
  if (ctx.args.size() == 2) {
    picked = ctx.server.commands().commands();
  } else {
    for (size_t i = 2; i < ctx.args.size(); ++i) {
      if (Entry* e = Resolve(ctx.server.commands(), ctx.args[i])) picked.push_back(e);
    }
  }
  ctx.reply.Map(picked.size());
  for (Entry* e : picked) {
    ctx.reply.Bulk(e->full_name);
    WriteDocs(ctx, *e);
  }
}

void HandleList(CommandContext& ctx) {
  enum { kAll, kModule, kAclCat, kPattern } filter = kAll;
  std::string_view value;
  if (ctx.args.size() != 2) {
    if (ctx.args.size() != 5 || !EqualsIgnoreCase(ctx.args[2], "FILTERBY")) {
      return ctx.reply.Error(kSyntaxError);
    }
    value = ctx.args[4];
    if (EqualsIgnoreCase(ctx.args[3], "MODULE"))
      filter = kModule;
    else if (EqualsIgnoreCase(ctx.args[3], "ACLCAT"))
      filter = kAclCat;
    else if (EqualsIgnoreCase(ctx.args[3], "PATTERN"))
      filter = kPattern;
    else
      return ctx.reply.Error(kSyntaxError);
  }
  std::vector<std::string_view> names;
  for (Entry* e : ctx.server.commands().AllEntries()) {
    bool keep = filter == kAll;
    if (filter == kAclCat) {
      for (std::string_view c : AclCategories(*e->spec)) {
        keep |= EqualsIgnoreCase(c.substr(1), value);
      }
    } else if (filter == kPattern) {
      keep = GlobMatch(value, e->full_name, /*nocase=*/true);
    }
    if (keep) names.push_back(e->full_name);
  }
  ctx.reply.Array(names.size());
  for (std::string_view n : names) ctx.reply.Bulk(n);
}

void HandleGetKeys(CommandContext& ctx) {
  auto args = ctx.args.subspan(2);
  Entry* e = ctx.server.commands().Find(args[0]);
  if (!e) return ctx.reply.Error("ERR Invalid command specified");
  if (!e->spec->subcommands.empty() && args.size() > 1) {
    if (Entry* sub = ctx.server.commands().FindSub(*e, args[1])) e = sub;
  }
  const CommandSpec& spec = *e->spec;
  bool arity_ok = spec.arity > 0 ? args.size() == static_cast<size_t>(spec.arity)
                                 : args.size() >= static_cast<size_t>(-spec.arity);
  if (!arity_ok) return ctx.reply.Error("ERR Invalid number of arguments specified for command");
  std::vector<std::string_view> keys;
  ForEachKeyIndex(spec, args, [&](int i) { keys.push_back(args[i]); });
  if (keys.empty()) return ctx.reply.Error("ERR The command has no key arguments");
  ctx.reply.Array(keys.size());
  for (std::string_view k : keys) ctx.reply.Bulk(k);
}

void HandleHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "(no subcommand)",
      "    Return details about all commands.",
      "COUNT",
      "    Return the total number of commands in this server.",
      "LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]",
      "    Return a list of all commands in this server.",
      "INFO [<command-name> ...]",
      "    Return details about the given commands, or all of them.",
      "DOCS [<command-name> ...]",
      "    Return documentation details about the given commands.",
      "GETKEYS <full-command>",
      "    Return the keys from a full command.",
      "HELP",
      "    Print this help.",
  };
  ReplyHelp(ctx.reply, kLines);
}

constexpr uint32_t kIntroFlags = kLoading | kStale;

const CommandSpec kCommandSubcommands[] = {
    {.name = "count",
     .arity = 2,
     .flags = kIntroFlags,
     .handler = HandleCount,
     .summary = "Returns a count of commands.",
     .group = "server",
     .acl = "@slow @connection",
     .complexity = "O(1)"},
    {.name = "info",
     .arity = -2,
     .flags = kIntroFlags,
     .handler = HandleInfo,
     .summary = "Returns information about one, multiple or all commands.",
     .syntax = "[command-name ...]",
     .group = "server",
     .acl = "@slow @connection",
     .complexity = "O(N) where N is the number of commands to look up"},
    {.name = "docs",
     .arity = -2,
     .flags = kIntroFlags,
     .handler = HandleDocs,
     .summary = "Returns documentary information about one, multiple or all commands.",
     .syntax = "[command-name ...]",
     .group = "server",
     .acl = "@slow @connection",
     .complexity = "O(N) where N is the number of commands to look up"},
    {.name = "list",
     .arity = -2,
     .flags = kIntroFlags,
     .handler = HandleList,
     .summary = "Returns a list of command names.",
     .syntax = "[FILTERBY (MODULE module-name|ACLCAT category|PATTERN pattern:pattern)]",
     .group = "server",
     .acl = "@slow @connection",
     .complexity = "O(N) where N is the total number of commands"},
    {.name = "getkeys",
     .arity = -3,
     .flags = kIntroFlags,
     .handler = HandleGetKeys,
     .summary = "Extracts the key names from an arbitrary command.",
     .syntax = "command arg ...",
     .group = "server",
     .acl = "@slow @connection",
     .complexity = "O(N) where N is the number of arguments to the command"},
    {.name = "help",
     .arity = 2,
     .flags = kIntroFlags,
     .handler = HandleHelp,
     .summary = "Returns helpful text about the different subcommands.",
     .group = "server",
     .acl = "@slow @connection",
     .complexity = "O(1)"},
};

// COMMAND alone lists everything: a container with a handler of its own, which the
// dispatcher runs when no subcommand is given.
const CommandSpec kCommandCommand[] = {
    {.name = "command",
     .arity = -1,
     .flags = kIntroFlags,
     .handler = HandleCommand,
     .summary = "Returns detailed information about all commands.",
     .syntax = "[subcommand]",
     .group = "server",
     .acl = "@slow @connection",
     .complexity = "O(N) where N is the total number of commands",
     .subcommands = kCommandSubcommands},
};

}  // namespace

void RegisterIntrospectionCommands(CommandTable& table) { table.Add(kCommandCommand); }

}  // namespace kizuna::server
