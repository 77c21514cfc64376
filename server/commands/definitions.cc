// Definition commands: CATEGORY.SET/LIST and RULE.SET/GET/DEL/LIST (SPEC §2 "Definitions").
#include <optional>
#include <string>
#include <vector>

#include "server/arg_parser.h"
#include "server/command_context.h"
#include "server/command_table.h"
#include "server/commands/families.h"
#include "server/commands/store_errors.h"
#include "server/server.h"
#include "store/store.h"
#include "store/strings.h"

namespace kizuna::server {
namespace {

// CATEGORY.SET <name> [HALFLIFE <duration> | NODECAY]
void HandleCategorySet(CommandContext& ctx) {
  int64_t halflife = 0;
  ArgParser p(ctx.args, 2);
  if (p.Consume("HALFLIFE")) {
    if (!p.HasNext()) return ctx.reply.Error(kSyntaxError);
    std::string_view text = ctx.args[3];
    halflife = p.NextDuration(StrCat("ERR invalid duration '", text,
                                     "' (expected a whole number with ms, s, m, h, d or w)"));
  } else if (p.Consume("NODECAY")) {
    halflife = 0;
  }
  if (p.HasNext()) p.Fail(kSyntaxError);
  if (!p.ok()) return ctx.reply.Error(p.error());
  absl::Status s =
      ctx.server.store().SetCategory(ctx.args[1], halflife, ctx.server.clock().NowMs());
  if (!s.ok()) return ctx.reply.Error(StatusText(s));
  ctx.reply.Ok();
}

void HandleCategoryList(CommandContext& ctx) {
  const auto& cats = ctx.server.store().categories();
  ctx.reply.Array(cats.size());
  for (const store::Category& c : cats.all()) {
    ctx.reply.Array(2);
    ctx.reply.Bulk(c.name);
    ctx.reply.Integer(c.halflife_ms);
  }
}

bool IsRuleKeyword(std::string_view a) {
  return EqualsIgnoreCase(a, "ACTION") || EqualsIgnoreCase(a, "ITEM") ||
         EqualsIgnoreCase(a, "POINTS") || EqualsIgnoreCase(a, "PER");
}

// RULE.SET <id> ACTION <action> [ITEM <pattern>] POINTS <cat> <n> [<cat> <n> ...] [PER <a>]
// Clauses may come in any order; POINTS takes pairs up to the next keyword.
void HandleRuleSet(CommandContext& ctx) {
  store::RuleDefinition def;
  def.id = ctx.args[1];
  std::optional<std::string_view> action;
  bool points_given = false;
  ArgParser p(ctx.args, 2);
  while (p.HasNext()) {
    if (p.Consume("ACTION")) {
      action = p.Next();
    } else if (p.Consume("ITEM")) {
      def.item = p.Next();
    } else if (p.Consume("PER")) {
      def.per = p.NextDouble();
    } else if (p.Consume("POINTS")) {
      points_given = true;
      def.points.clear();
      do {
        std::string_view cat = p.Next();
        double n = p.NextDouble();
        def.points.emplace_back(cat, n);
      } while (p.HasNext() && !IsRuleKeyword(ctx.args[ctx.args.size() - p.remaining()]));
    } else {
      p.Fail(kSyntaxError);
    }
  }
  if (p.ok() && (!action || !points_given)) p.Fail(kSyntaxError);
  if (!p.ok()) return ctx.reply.Error(p.error());
  def.action = *action;
  absl::Status s = ctx.server.store().SetRule(def);
  if (!s.ok()) return ctx.reply.Error(StatusText(s));
  ctx.reply.Ok();
}

void HandleRuleGet(CommandContext& ctx) {
  store::Store& st = ctx.server.store();
  const store::Rule* r = st.GetRule(ctx.args[1]);
  if (!r) return ctx.reply.NullArray();
  protocol::ReplyWriter& w = ctx.reply;
  w.Map(4);
  w.Bulk("action");
  w.Bulk(r->action);
  w.Bulk("item");
  if (r->item.given) {
    w.Bulk(r->item.ToString());
  } else {
    w.Null();
  }
  w.Bulk("points");
  w.Map(r->points.size());
  for (const auto& [k, n] : r->points) {
    w.Bulk(st.categories().at(static_cast<size_t>(k)).name);
    w.Double(n);
  }
  w.Bulk("per");
  if (r->per) {
    w.Double(*r->per);
  } else {
    w.Null();
  }
}

void HandleRuleDel(CommandContext& ctx) {
  ctx.reply.Integer(ctx.server.store().DeleteRule(ctx.args[1]) ? 1 : 0);
}

void HandleRuleList(CommandContext& ctx) {
  const auto& rules = ctx.server.store().rules().all();
  ctx.reply.Array(rules.size());
  for (const auto& [id, rule] : rules) ctx.reply.Bulk(id);
}

const CommandSpec kDefinitionCommands[] = {
    {.name = "category.set",
     .arity = -2,
     .flags = kWrite | kDenyOom,
     .handler = HandleCategorySet,
     .summary = "Defines a score category or changes its decay.",
     .syntax = "name [HALFLIFE duration | NODECAY]",
     .group = "definitions",
     .acl = "@write @slow @scoring @definitions",
     .complexity = "O(1) for a known category with the same decay, else O(N log N)"},
    {.name = "category.list",
     .arity = 1,
     .flags = kReadonly | kFast,
     .handler = HandleCategoryList,
     .summary = "Lists the categories with their half-life in ms (0 = no decay).",
     .group = "definitions",
     .acl = "@read @fast @scoring @definitions",
     .complexity = "O(C)"},
    {.name = "rule.set",
     .arity = -7,
     .flags = kWrite | kDenyOom,
     .handler = HandleRuleSet,
     .summary = "Defines or replaces a scoring rule.",
     .syntax = "id ACTION action [ITEM pattern:pattern] POINTS (category n:double) ... [PER "
               "amount:double]",
     .group = "definitions",
     .acl = "@write @slow @scoring @definitions",
     .complexity = "O(R) where R is the number of rules of the action"},
    {.name = "rule.get",
     .arity = 2,
     .flags = kReadonly | kFast,
     .handler = HandleRuleGet,
     .summary = "Returns a rule's action, item pattern, points and PER amount.",
     .syntax = "id",
     .group = "definitions",
     .acl = "@read @fast @scoring @definitions",
     .complexity = "O(1)"},
    {.name = "rule.del",
     .arity = 2,
     .flags = kWrite,
     .handler = HandleRuleDel,
     .summary = "Deletes a rule.",
     .syntax = "id",
     .group = "definitions",
     .acl = "@write @slow @scoring @definitions",
     .complexity = "O(R) where R is the number of rules of the action"},
    {.name = "rule.list",
     .arity = 1,
     .flags = kReadonly,
     .handler = HandleRuleList,
     .summary = "Lists rule ids in ascending order.",
     .group = "definitions",
     .acl = "@read @slow @scoring @definitions",
     .complexity = "O(R)"},
};

}  // namespace

void RegisterDefinitionCommands(CommandTable& table) { table.Add(kDefinitionCommands); }

}  // namespace kizuna::server
