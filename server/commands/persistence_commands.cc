// Snapshot commands: SAVE BGSAVE LASTSAVE BGREWRITEAOF (snapshotter.h), with Redis's replies.
#include <string>

#include "server/arg_parser.h"
#include "server/command_context.h"
#include "server/command_table.h"
#include "server/commands/families.h"
#include "server/server.h"
#include "server/snapshotter.h"
#include "store/strings.h"

namespace kizuna::server {
namespace {

using Kind = Snapshotter::Kind;

void HandleSave(CommandContext& ctx) {
  std::string error;
  if (!ctx.server.snapshotter().Save(&error)) return ctx.reply.Error(StrCat("ERR ", error));
  ctx.reply.Ok();
}

void HandleBgsave(CommandContext& ctx) {
  bool schedule = false;
  if (ctx.args.size() > 1) {
    if (ctx.args.size() > 2 || !EqualsIgnoreCase(ctx.args[1], "SCHEDULE")) {
      return ctx.reply.Error(kSyntaxError);
    }
    schedule = true;
  }
  Snapshotter& s = ctx.server.snapshotter();
  if (s.in_progress() && s.child_kind() == Kind::kBgsave) {
    return ctx.reply.Error("ERR Background save already in progress");
  }
  if (s.in_progress()) {
    if (!schedule) {
      return ctx.reply.Error(
          "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE "
          "SCHEDULE in order to schedule a BGSAVE whenever possible.");
    }
    s.Schedule(Kind::kBgsave);
    return ctx.reply.Simple("Background saving scheduled");
  }
  std::string error;
  if (!s.StartBackground(Kind::kBgsave, &error)) return ctx.reply.Error(StrCat("ERR ", error));
  ctx.reply.Simple("Background saving started");
}

void HandleBgrewriteaof(CommandContext& ctx) {
  Snapshotter& s = ctx.server.snapshotter();
  if (s.in_progress() && s.child_kind() == Kind::kRewrite) {
    return ctx.reply.Error("ERR Background append only file rewriting already in progress");
  }
  if (s.in_progress()) {
    s.Schedule(Kind::kRewrite);
    return ctx.reply.Simple("Background append only file rewriting scheduled");
  }
  std::string error;
  if (!s.StartBackground(Kind::kRewrite, &error)) {
    return ctx.reply.Error(
        "ERR Can't execute an AOF background rewriting. Please check the server logs for more "
        "information.");
  }
  ctx.reply.Simple("Background append only file rewriting started");
}

void HandleLastsave(CommandContext& ctx) {
  ctx.reply.Integer(ctx.server.snapshotter().last_save_ms() / 1000);
}

const CommandSpec kPersistenceCommands[] = {
    {.name = "save",
     .arity = 1,
     .flags = kAdmin | kNoScript,
     .handler = HandleSave,
     .summary = "Writes a snapshot in the foreground and drops the logs it replaces.",
     .group = "server",
     .acl = "@admin @slow @dangerous",
     .complexity = "O(N) where N is the number of customers"},
    {.name = "bgsave",
     .arity = -1,
     .flags = kAdmin | kNoScript,
     .handler = HandleBgsave,
     .summary =
         "Writes a snapshot from a forked child; the logs it replaces go when it is durable.",
     .syntax = "[SCHEDULE]",
     .group = "server",
     .acl = "@admin @slow @dangerous",
     .complexity = "O(1) to start; the child's work is O(N)"},
    {.name = "bgrewriteaof",
     .arity = 1,
     .flags = kAdmin | kNoScript,
     .handler = HandleBgrewriteaof,
     .summary = "Compacts the append-only log: a background snapshot, which replaces the logs.",
     .group = "server",
     .acl = "@admin @slow @dangerous",
     .complexity = "O(1) to start; the child's work is O(N)"},
    {.name = "lastsave",
     .arity = 1,
     .flags = kLoading | kStale | kFast,
     .handler = HandleLastsave,
     .summary = "Returns the server-clock Unix time of the last successful snapshot.",
     .group = "server",
     .acl = "@admin @fast @dangerous",
     .complexity = "O(1)"},
};

}  // namespace

void RegisterPersistenceCommands(CommandTable& table) { table.Add(kPersistenceCommands); }

}  // namespace kizuna::server
