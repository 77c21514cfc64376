// TRIGGER.SET/DEL/LIST (SPEC §2 "Definitions", EVENT step 8).
#include "store/triggers.h"

#include <string_view>
#include <vector>

#include "server/arg_parser.h"
#include "server/command_context.h"
#include "server/command_table.h"
#include "server/commands/families.h"
#include "server/commands/store_errors.h"
#include "server/server.h"
#include "store/strings.h"

namespace kizuna::server {
namespace {

using Source = store::TriggerDefinition::Source;

// Keywords that end IF's predicate.
bool EndsCondition(std::string_view a) {
  return EqualsIgnoreCase(a, "DELAY") || EqualsIgnoreCase(a, "UNLESS") ||
         EqualsIgnoreCase(a, "ONCE") || EqualsIgnoreCase(a, "SEND");
}

// TRIGGER.SET <name> ON <action> [ITEM <pattern>] | ON ENTER <segment> | ON BADGE <badge>
//   [FIRST] [IF <predicate ...>] [DELAY <duration>] [UNLESS <action> [ITEM <pattern>]] [ONCE]
//   SEND <message>
// The clauses after ON may come in any order, each at most once.
void HandleTriggerSet(CommandContext& ctx) {
  store::TriggerDefinition def;
  def.name = ctx.args[1];
  ArgParser p(ctx.args, 2);
  if (!p.Consume("ON")) return ctx.reply.Error(kSyntaxError);
  if (p.Consume("ENTER")) {
    def.source = Source::kEnter;
  } else if (p.Consume("BADGE")) {
    def.source = Source::kBadge;
  }
  def.on = p.Next();
  if (def.source == Source::kAction && p.Consume("ITEM")) def.item = p.Next();
  bool first = false, condition = false, delay = false, unless = false, once = false;
  bool send = false;
  auto once_only = [&](bool& seen) {
    if (seen) p.Fail(kSyntaxError);
    seen = true;
  };
  while (p.HasNext()) {
    if (p.Consume("FIRST")) {
      once_only(first);
      def.first = true;
    } else if (p.Consume("IF")) {
      once_only(condition);
      while (p.HasNext() && !EndsCondition(ctx.args[ctx.args.size() - p.remaining()])) {
        def.condition.push_back(p.Next());
      }
      if (def.condition.empty()) p.Fail(kSyntaxError);
    } else if (p.Consume("DELAY")) {
      once_only(delay);
      def.delay_ms =
          p.NextDuration("ERR invalid duration (expected a whole number with ms, s, m, h, d or w)");
    } else if (p.Consume("UNLESS")) {
      once_only(unless);
      def.unless_action = p.Next();
      if (p.Consume("ITEM")) def.unless_item = p.Next();
    } else if (p.Consume("ONCE")) {
      once_only(once);
      def.once = true;
    } else if (p.Consume("SEND")) {
      once_only(send);
      def.message = p.Next();
    } else {
      p.Fail(kSyntaxError);
    }
  }
  if (p.ok() && !send) p.Fail("ERR SEND <message> is required");
  if (!p.ok()) return ctx.reply.Error(p.error());
  absl::Status s = ctx.server.triggers().Set(def);
  if (!s.ok()) return ctx.reply.Error(StatusText(s));
  ctx.reply.Ok();
}

void HandleTriggerDel(CommandContext& ctx) {
  ctx.reply.Integer(ctx.server.triggers().Delete(ctx.args[1]) ? 1 : 0);
}

void HandleTriggerList(CommandContext& ctx) {
  auto triggers = ctx.server.triggers().List();
  ctx.reply.Array(triggers.size());
  for (const auto& t : triggers) {
    ctx.reply.Array(3);
    ctx.reply.Bulk(t.name);
    ctx.reply.Bulk(t.description);
    ctx.reply.Integer(static_cast<int64_t>(t.pending));
  }
}

const CommandSpec kTriggerCommands[] = {
    {.name = "trigger.set",
     .arity = -5,
     .flags = kWrite | kDenyOom,
     .handler = HandleTriggerSet,
     .summary = "Defines or replaces a scenario trigger.",
     .syntax = "name ON (action [ITEM pattern:pattern] | ENTER segment | BADGE badge) [FIRST] "
               "[IF predicate ...] [DELAY duration] [UNLESS action [ITEM pattern:pattern]] "
               "[ONCE] SEND message",
     .group = "definitions",
     .acl = "@write @slow @scoring @definitions",
     .complexity = "O(P) in the predicate's length"},
    {.name = "trigger.del",
     .arity = 2,
     .flags = kWrite,
     .handler = HandleTriggerDel,
     .summary = "Deletes a trigger and cancels its pending timers.",
     .syntax = "name",
     .group = "definitions",
     .acl = "@write @slow @scoring @definitions",
     .complexity = "O(T) in the pending timers"},
    {.name = "trigger.list",
     .arity = 1,
     .flags = kReadonly | kFast,
     .handler = HandleTriggerList,
     .summary = "Lists triggers: name, definition, pending timers.",
     .group = "definitions",
     .acl = "@read @fast @scoring @definitions",
     .complexity = "O(T)"},
};

}  // namespace

void RegisterTriggerCommands(CommandTable& table) { table.Add(kTriggerCommands); }

}  // namespace kizuna::server
