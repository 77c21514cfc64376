// CONFIG GET|SET|RESETSTAT|REWRITE|HELP over the declared config table (server/config.h).
#include <set>
#include <string>
#include <vector>

#include "server/arg_parser.h"
#include "server/command_context.h"
#include "server/command_table.h"
#include "server/commands/families.h"
#include "server/commands/help_text.h"
#include "server/config.h"
#include "server/glob.h"
#include "server/log.h"
#include "server/persistence.h"
#include "server/server.h"
#include "server/session.h"
#include "store/strings.h"

namespace kizuna::server {
namespace {

void HandleGet(CommandContext& ctx) {
  std::vector<const ConfigParam*> matched;
  for (const ConfigParam& p : ConfigParams()) {
    for (size_t i = 2; i < ctx.args.size(); ++i) {
      if (GlobMatch(ctx.args[i], p.name, /*nocase=*/true)) {
        matched.push_back(&p);
        break;
      }
    }
  }
  ctx.reply.Map(matched.size());
  for (const ConfigParam* p : matched) {
    ctx.reply.Bulk(p->name);
    ctx.reply.Bulk(p->Get(ctx.server.config()));
  }
}

// All pairs are validated on a copy first, so a bad pair changes nothing (as Redis 7).
void HandleSet(CommandContext& ctx) {
  if (ctx.args.size() % 2 != 0) return ctx.reply.Error(kSyntaxError);  // as Redis 7
  Config next = ctx.server.config();
  std::set<const ConfigParam*> seen;
  for (size_t i = 2; i + 1 < ctx.args.size(); i += 2) {
    const ConfigParam* p = FindConfigParam(ctx.args[i]);
    if (!p) {
      return ctx.reply.Error(
          StrCat("ERR Unknown option or number of arguments for CONFIG SET - '", ctx.args[i], "'"));
    }
    std::string reason;
    if (!seen.insert(p).second) {
      reason = "duplicate parameter";
    } else if (!p->mutable_at_runtime) {
      reason = "can't set immutable config";
    } else {
      p->Set(next, ctx.args[i + 1], &reason);
    }
    if (!reason.empty()) {
      return ctx.reply.Error(StrCat("ERR CONFIG SET failed (possibly related to argument '",
                                    ctx.args[i], "') - ", reason));
    }
  }
  ctx.server.config() = std::move(next);
  ctx.server.ApplyConfig();
  // Settings that change what later writes do go to the log, so replay applies them at the
  // same point (only those: a password must not reach the data files).
  ctx.server.persistence().NoteSettings(ctx.session.info().replaying);
  ctx.reply.Ok();
}

void HandleResetStat(CommandContext& ctx) {
  for (CommandTable::Entry* e : ctx.server.commands().AllEntries()) e->stats = {};
  ServerStats& st = ctx.server.stats();
  st = ServerStats{};
  ctx.reply.Ok();
}

void HandleRewrite(CommandContext& ctx) {
  std::string error;
  if (!RewriteConfigFile(ctx.server.config(), &error)) return ctx.reply.Error("ERR " + error);
  LogNotice("CONFIG REWRITE executed with success.");
  ctx.reply.Ok();
}

void HandleHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET <pattern>",
      "    Return parameters matching the glob-like <pattern> and their values.",
      "SET <directive> <value> [<directive> <value> ...]",
      "    Set the configuration <directive> to <value>.",
      "RESETSTAT",
      "    Reset statistics reported by the INFO command.",
      "REWRITE",
      "    Rewrite the configuration file.",
      "HELP",
      "    Print this help.",
  };
  ReplyHelp(ctx.reply, kLines);
}

constexpr uint32_t kConfigFlags = kAdmin | kNoScript | kLoading | kStale;

const CommandSpec kConfigSubcommands[] = {
    {.name = "get",
     .arity = -3,
     .flags = kConfigFlags,
     .handler = HandleGet,
     .summary = "Returns the effective values of configuration parameters.",
     .syntax = "parameter ...",
     .group = "server",
     .acl = "@admin @slow @dangerous",
     .complexity = "O(N) when N is the number of configuration parameters provided"},
    {.name = "set",
     .arity = -4,
     .flags = kConfigFlags | kDangerous,
     .handler = HandleSet,
     .summary = "Sets configuration parameters in-flight.",
     .syntax = "(parameter value) ...",
     .group = "server",
     .acl = "@admin @slow @dangerous",
     .complexity = "O(N) when N is the number of configuration parameters provided"},
    {.name = "resetstat",
     .arity = 2,
     .flags = kConfigFlags,
     .handler = HandleResetStat,
     .summary = "Resets the server's statistics.",
     .group = "server",
     .acl = "@admin @slow @dangerous",
     .complexity = "O(1)"},
    {.name = "rewrite",
     .arity = 2,
     .flags = kConfigFlags,
     .handler = HandleRewrite,
     .summary = "Persists the effective configuration to file.",
     .group = "server",
     .acl = "@admin @slow @dangerous",
     .complexity = "O(1)"},
    {.name = "help",
     .arity = 2,
     .flags = kLoading | kStale,
     .handler = HandleHelp,
     .summary = "Returns helpful text about the different subcommands.",
     .group = "server",
     .acl = "@slow",
     .complexity = "O(1)"},
};

const CommandSpec kConfigCommand[] = {
    {.name = "config",
     .arity = -2,
     .summary = "A container for server configuration commands.",
     .group = "server",
     .acl = "@slow",
     .subcommands = kConfigSubcommands},
};

}  // namespace

void RegisterConfigCommands(CommandTable& table) { table.Add(kConfigCommand); }

}  // namespace kizuna::server
