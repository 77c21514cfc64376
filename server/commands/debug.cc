// DEBUG: test hooks, refused unless enable-debug-command is yes.
//   DEBUG CLOCK GET | SET <ms> | ADVANCE <duration>   (manual clock only)
//   DEBUG OUTBOX.ADD <field> <value> [<field> <value> ...]   an outbox entry, as triggers add
//   DEBUG DIGEST   digest of the whole logical state (snapshot.h): equal across restarts
//   DEBUG SLEEP <seconds>   blocks the server, as Redis's: input of other clients queues up
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "server/arg_parser.h"
#include "server/command_context.h"
#include "server/command_table.h"
#include "server/commands/families.h"
#include "server/commands/help_text.h"
#include "server/persistence.h"
#include "server/server.h"
#include "server/snapshot.h"
#include "store/duration.h"
#include "store/strings.h"

namespace kizuna::server {
namespace {

void HandleClock(CommandContext& ctx) {
  store::ManualClock* clock = ctx.server.manual_clock();
  if (ctx.args.size() < 3) return ctx.reply.Error(WrongArgsError("debug|clock"));
  std::string_view op = ctx.args[2];
  if (EqualsIgnoreCase(op, "GET") && ctx.args.size() == 3) {
    return ctx.reply.Integer(ctx.server.clock().NowMs());
  }
  bool set = EqualsIgnoreCase(op, "SET"), advance = EqualsIgnoreCase(op, "ADVANCE");
  if ((!set && !advance) || ctx.args.size() != 4) return ctx.reply.Error(kSyntaxError);
  if (!clock) return ctx.reply.Error("ERR the clock is not manual (start with --clock manual)");
  int64_t target;
  if (set) {
    auto ms = ParseInt(ctx.args[3]);
    if (!ms) return ctx.reply.Error(kNotInteger);
    if (*ms < clock->NowMs()) return ctx.reply.Error("ERR the clock cannot go backwards");
    target = *ms;
  } else {
    auto d = store::ParseDuration(ctx.args[3]);
    if (!d) return ctx.reply.Error("ERR invalid duration");
    if (*d > INT64_MAX - clock->NowMs()) return ctx.reply.Error("ERR duration out of range");
    target = clock->NowMs() + *d;
  }
  ctx.server.timer_driver().AdvanceManualClock(target);
  ctx.server.blocked_readers().OnClockAdvanced();
  ctx.reply.Integer(clock->NowMs());
}

// Appends at the server clock, like the trigger engine, and is logged so that replay
// rebuilds the same entry ids (DEBUG itself is not a write command).
void HandleOutboxAdd(CommandContext& ctx) {
  if (ctx.args.size() < 4 || ctx.args.size() % 2 != 0) {
    return ctx.reply.Error(WrongArgsError("debug|outbox.add"));
  }
  std::vector<store::StreamField> fields;
  for (size_t i = 2; i + 1 < ctx.args.size(); i += 2)
    fields.emplace_back(ctx.args[i], ctx.args[i + 1]);
  store::StreamId id = ctx.server.store().outbox().Append(fields, ctx.server.clock().NowMs());
  LogAs(ctx, ctx.args);
  ctx.reply.Bulk(store::StreamIdText(id));
}

// At most a minute, so that a typo cannot hang the server for hours.
void HandleSleep(CommandContext& ctx) {
  if (ctx.args.size() != 3) return ctx.reply.Error(WrongArgsError("debug|sleep"));
  auto seconds = ParseFiniteDouble(ctx.args[2]);
  if (!seconds || *seconds < 0 || *seconds > 60) {
    return ctx.reply.Error("ERR sleep time must be a number of seconds from 0 to 60");
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(*seconds));
  ctx.reply.Simple("OK");
}

void HandleDebug(CommandContext& ctx) {
  if (!ctx.server.config().enable_debug_command) {
    return ctx.reply.Error(
        "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", "
        "you can run it from a local connection, otherwise you need to set this option in the "
        "configuration file, and then restart the server.");
  }
  std::string_view sub = ctx.args[1];
  if (EqualsIgnoreCase(sub, "CLOCK")) return HandleClock(ctx);
  if (EqualsIgnoreCase(sub, "OUTBOX.ADD")) return HandleOutboxAdd(ctx);
  if (EqualsIgnoreCase(sub, "SLEEP")) return HandleSleep(ctx);
  if (EqualsIgnoreCase(sub, "DIGEST")) {
    if (ctx.args.size() != 2) return ctx.reply.Error(WrongArgsError("debug|digest"));
    if (ctx.server.loading())
      return ctx.reply.Error("LOADING kizuna is loading the dataset in memory");
    return ctx.reply.Simple(StateDigest(ctx.server));
  }
  if (EqualsIgnoreCase(sub, "HELP")) {
    static constexpr std::string_view kLines[] = {
        "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CLOCK GET",
        "    Return the server clock in milliseconds.",
        "CLOCK SET <ms>",
        "    Move the manual clock to <ms>, firing every timer due by then.",
        "CLOCK ADVANCE <duration>",
        "    Move the manual clock forward by <duration> (e.g. 1d).",
        "OUTBOX.ADD <field> <value> [<field> <value> ...]",
        "    Append an entry to the outbox stream, as a trigger would; returns its id.",
        "DIGEST",
        "    Return a digest of the whole state; a restart must not change it.",
        "SLEEP <seconds>",
        "    Block the server for <seconds> (0 to 60, fractions allowed).",
        "HELP",
        "    Print this help.",
    };
    ReplyHelp(ctx.reply, kLines);
    return;
  }
  ctx.reply.Error(StrCat("ERR unknown subcommand '", sub.substr(0, 128), "'. Try DEBUG HELP."));
}

const CommandSpec kDebugCommands[] = {
    {.name = "debug",
     .arity = -2,
     .flags = kAdmin | kNoScript | kLoading | kStale | kDangerous,
     .handler = HandleDebug,
     .summary = "Test hooks: the manual clock, outbox entries, the state digest, a sleep.",
     .syntax = "subcommand [argument ...]",
     .group = "server",
     .acl = "@admin @slow @dangerous",
     .complexity = "Depends on subcommand."},
};

}  // namespace

void RegisterDebugCommands(CommandTable& table) { table.Add(kDebugCommands); }

}  // namespace kizuna::server
