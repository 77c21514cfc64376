// Server commands: INFO DBSIZE TIME FLUSHALL SHUTDOWN SLOWLOG MONITOR.
#include <string>

#include "server/arg_parser.h"
#include "server/command_context.h"
#include "server/command_table.h"
#include "server/commands/families.h"
#include "server/commands/help_text.h"
#include "server/info.h"
#include "server/log.h"
#include "server/server.h"
#include "server/session.h"
#include "store/strings.h"

namespace kizuna::server {
namespace {

void HandleInfo(CommandContext& ctx) {
  std::string text = BuildInfo(ctx.server, ctx.args.subspan(1));
  if (ctx.reply.resp() == 3) return ctx.reply.Verbatim("txt", text);
  ctx.reply.Bulk(text);
}

void HandleDbsize(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.server.store().customer_count()));
}

void HandleTime(CommandContext& ctx) {
  int64_t ms = ctx.server.clock().NowMs();
  ctx.reply.Array(2);
  ctx.reply.Bulk(std::to_string(ms / 1000));
  ctx.reply.Bulk(std::to_string((ms % 1000) * 1000));
}

void HandleFlushall(CommandContext& ctx) {
  if (ctx.args.size() > 2 || (ctx.args.size() == 2 && !EqualsIgnoreCase(ctx.args[1], "SYNC") &&
                              !EqualsIgnoreCase(ctx.args[1], "ASYNC"))) {
    return ctx.reply.Error(kSyntaxError);
  }
  ctx.server.store().FlushAll();
  LogNotice("FLUSHALL from client id=", ctx.session.info().id);
  ctx.reply.Ok();
}

void HandleShutdown(CommandContext& ctx) {
  std::optional<bool> save;
  bool force = false;
  for (size_t i = 1; i < ctx.args.size(); ++i) {
    std::string_view a = ctx.args[i];
    if (EqualsIgnoreCase(a, "NOSAVE") && save != true)
      save = false;
    else if (EqualsIgnoreCase(a, "SAVE") && save != false)
      save = true;
    else if (EqualsIgnoreCase(a, "FORCE"))
      force = true;
    else if (EqualsIgnoreCase(a, "NOW"))
      continue;
    else if (EqualsIgnoreCase(a, "ABORT"))
      return ctx.reply.Error("ERR No shutdown in progress.");
    else
      return ctx.reply.Error(kSyntaxError);
  }
  // No reply on success: the connection closes as the server exits, as with Redis.
  if (!ctx.server.RequestShutdown(save, force)) {
    ctx.reply.Error("ERR Errors trying to SHUTDOWN. Check logs.");
  }
}

void HandleMonitor(CommandContext& ctx) {
  if (!ctx.session.info().monitor) ctx.server.AddMonitor(&ctx.session);
  ctx.reply.Ok();
}

void HandleSlowlogGet(CommandContext& ctx) {
  if (ctx.args.size() > 3) return ReplySubcommandSyntaxError(ctx.reply, ctx.args[1], "SLOWLOG");
  int64_t count = 10;
  if (ctx.args.size() == 3) {
    auto n = ParseInt(ctx.args[2]);
    if (!n || *n < -1) {
      return ctx.reply.Error("ERR count should be greater than or equal to -1");
    }
    count = *n == -1 ? INT64_MAX : *n;
  }
  const auto& entries = ctx.server.slowlog().entries();
  size_t n = std::min<size_t>(entries.size(), static_cast<size_t>(count));
  ctx.reply.Array(n);
  for (size_t i = 0; i < n; ++i) {
    const SlowlogEntry& e = entries[i];
    ctx.reply.Array(6);
    ctx.reply.Integer(static_cast<int64_t>(e.id));
    ctx.reply.Integer(e.unix_seconds);
    ctx.reply.Integer(e.micros);
    ctx.reply.Array(e.args.size());
    for (const std::string& a : e.args) ctx.reply.Bulk(a);
    ctx.reply.Bulk(e.client_addr);
    ctx.reply.Bulk(e.client_name);
  }
}

void HandleSlowlogLen(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.server.slowlog().entries().size()));
}

void HandleSlowlogReset(CommandContext& ctx) {
  ctx.server.slowlog().Reset();
  ctx.reply.Ok();
}

void HandleSlowlogHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET [<count>]",
      "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
      "    Entries are made of:",
      "    id, timestamp, time in microseconds, arguments array, client IP and port,",
      "    client name",
      "LEN",
      "    Return the length of the slowlog.",
      "RESET",
      "    Reset the slowlog.",
      "HELP",
      "    Print this help.",
  };
  ReplyHelp(ctx.reply, kLines);
}

const CommandSpec kSlowlogSubcommands[] = {
    {.name = "get",
     .arity = -2,
     .flags = kAdmin | kLoading | kStale,
     .handler = HandleSlowlogGet,
     .summary = "Returns the slow log's entries.",
     .syntax = "[count:integer]",
     .group = "server",
     .acl = "@admin @slow @dangerous",
     .complexity = "O(N) where N is the number of entries returned"},
    {.name = "len",
     .arity = 2,
     .flags = kAdmin | kLoading | kStale,
     .handler = HandleSlowlogLen,
     .summary = "Returns the number of entries in the slow log.",
     .group = "server",
     .acl = "@admin @slow @dangerous",
     .complexity = "O(1)"},
    {.name = "reset",
     .arity = 2,
     .flags = kAdmin | kLoading | kStale,
     .handler = HandleSlowlogReset,
     .summary = "Clears all entries from the slow log.",
     .group = "server",
     .acl = "@admin @slow @dangerous",
     .complexity = "O(N) where N is the number of entries in the slowlog"},
    {.name = "help",
     .arity = 2,
     .flags = kLoading | kStale,
     .handler = HandleSlowlogHelp,
     .summary = "Show helpful text about the different subcommands.",
     .group = "server",
     .acl = "@slow",
     .complexity = "O(1)"},
};

const CommandSpec kServerCommands[] = {
    {.name = "info",
     .arity = -1,
     .flags = kLoading | kStale,
     .handler = HandleInfo,
     .summary = "Returns information and statistics about the server.",
     .syntax = "[section ...]",
     .group = "server",
     .acl = "@slow @dangerous",
     .complexity = "O(1)"},
    {.name = "dbsize",
     .arity = 1,
     .flags = kReadonly | kFast,
     .handler = HandleDbsize,
     .summary = "Returns the number of customers.",
     .group = "server",
     .acl = "@keyspace @read @fast",
     .complexity = "O(1)"},
    {.name = "time",
     .arity = 1,
     .flags = kLoading | kStale | kFast,
     .handler = HandleTime,
     .summary = "Returns the server time (the manual clock under --clock manual).",
     .group = "server",
     .acl = "@fast",
     .complexity = "O(1)"},
    {.name = "flushall",
     .arity = -1,
     .flags = kWrite | kDangerous,
     .handler = HandleFlushall,
     .summary = "Drops every customer and their timers, awards and outbox; keeps definitions.",
     .syntax = "[ASYNC|SYNC]",
     .group = "server",
     .acl = "@keyspace @write @slow @dangerous",
     .complexity = "O(N) where N is the number of customers"},
    {.name = "shutdown",
     .arity = -1,
     .flags = kAdmin | kLoading | kStale | kNoScript,
     .handler = HandleShutdown,
     .summary = "Flushes the log, snapshots and stops the server.",
     .syntax = "[NOSAVE|SAVE] [NOW] [FORCE] [ABORT]",
     .group = "server",
     .acl = "@admin @slow @dangerous",
     .complexity = "O(N) when saving"},
    {.name = "monitor",
     .arity = 1,
     .flags = kAdmin | kLoading | kStale | kNoScript,
     .handler = HandleMonitor,
     .summary = "Streams every command the server executes.",
     .group = "server",
     .acl = "@admin @slow @dangerous",
     .complexity = "O(1)"},
    {.name = "slowlog",
     .arity = -2,
     .summary = "A container for slow log commands.",
     .group = "server",
     .acl = "@slow",
     .subcommands = kSlowlogSubcommands},
};

}  // namespace

void RegisterServerCommands(CommandTable& table) {
  table.Add(kServerCommands);
  RegisterConfigCommands(table);
  RegisterDebugCommands(table);
  RegisterPersistenceCommands(table);
}

}  // namespace kizuna::server
