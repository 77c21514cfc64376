// BADGE.SET/DEL/LIST and SEGMENT.SET/DEL/LIST (SPEC §2 "Definitions").
#include "store/engagement.h"

#include <string_view>
#include <vector>

#include "server/arg_parser.h"
#include "server/command_context.h"
#include "server/command_table.h"
#include "server/commands/families.h"
#include "server/commands/store_errors.h"
#include "server/server.h"

namespace kizuna::server {
namespace {

// <name> <keyword> <predicate...>: the predicate's arguments, or an error reply.
bool PredicateArgs(CommandContext& ctx, std::string_view keyword,
                   std::vector<std::string_view>* out) {
  if (!EqualsIgnoreCase(ctx.args[2], keyword)) {
    ctx.reply.Error(kSyntaxError);
    return false;
  }
  out->assign(ctx.args.begin() + 3, ctx.args.end());
  return true;
}

void ReplyDeleted(CommandContext& ctx, const absl::StatusOr<bool>& deleted) {
  if (!deleted.ok()) return ctx.reply.Error(StatusText(deleted.status()));
  ctx.reply.Integer(*deleted ? 1 : 0);
}

void HandleBadgeSet(CommandContext& ctx) {
  std::vector<std::string_view> predicate;
  if (!PredicateArgs(ctx, "WHEN", &predicate)) return;
  absl::Status s = ctx.server.engagement().SetBadge(ctx.args[1], predicate);
  if (!s.ok()) return ctx.reply.Error(StatusText(s));
  ctx.reply.Ok();
}

void HandleBadgeDel(CommandContext& ctx) {
  ReplyDeleted(ctx, ctx.server.engagement().DeleteBadge(ctx.args[1]));
}

void ReplyDefinitions(CommandContext& ctx,
                      const std::vector<store::Engagement::DefinitionInfo>& defs) {
  ctx.reply.Array(defs.size());
  for (const auto& d : defs) {
    ctx.reply.Array(3);
    ctx.reply.Bulk(d.name);
    ctx.reply.Bulk(d.predicate);
    ctx.reply.Integer(static_cast<int64_t>(d.count));
  }
}

void HandleBadgeList(CommandContext& ctx) {
  ReplyDefinitions(ctx, ctx.server.engagement().Badges());
}

void HandleSegmentSet(CommandContext& ctx) {
  std::vector<std::string_view> predicate;
  if (!PredicateArgs(ctx, "WHERE", &predicate)) return;
  absl::Status s =
      ctx.server.engagement().SetSegment(ctx.args[1], predicate, ctx.server.clock().NowMs());
  if (!s.ok()) return ctx.reply.Error(StatusText(s));
  ctx.reply.Ok();
}

void HandleSegmentDel(CommandContext& ctx) {
  ReplyDeleted(ctx, ctx.server.engagement().DeleteSegment(ctx.args[1]));
}

void HandleSegmentList(CommandContext& ctx) {
  ReplyDefinitions(ctx, ctx.server.engagement().Segments());
}

const CommandSpec kEngagementCommands[] = {
    {.name = "badge.set",
     .arity = -4,
     .flags = kWrite | kDenyOom,
     .handler = HandleBadgeSet,
     .summary = "Defines or replaces a badge, awarded once when its predicate first holds.",
     .syntax = "name WHEN predicate ...",
     .group = "definitions",
     .acl = "@write @slow @scoring @definitions",
     .complexity = "O(P) in the predicate's length"},
    {.name = "badge.del",
     .arity = 2,
     .flags = kWrite,
     .handler = HandleBadgeDel,
     .summary = "Deletes a badge and every award of it.",
     .syntax = "name",
     .group = "definitions",
     .acl = "@write @slow @scoring @definitions",
     .complexity = "O(A) in the customers holding badges"},
    {.name = "badge.list",
     .arity = 1,
     .flags = kReadonly | kFast,
     .handler = HandleBadgeList,
     .summary = "Lists badges: name, predicate, number awarded.",
     .group = "definitions",
     .acl = "@read @fast @scoring @definitions",
     .complexity = "O(B)"},
    {.name = "segment.set",
     .arity = -4,
     .flags = kWrite | kDenyOom,
     .handler = HandleSegmentSet,
     .summary = "Defines or replaces a segment; membership of every customer is computed.",
     .syntax = "name WHERE predicate ...",
     .group = "definitions",
     .acl = "@write @slow @scoring @definitions",
     .complexity = "O(N) in the customers"},
    {.name = "segment.del",
     .arity = 2,
     .flags = kWrite,
     .handler = HandleSegmentDel,
     .summary = "Deletes a segment.",
     .syntax = "name",
     .group = "definitions",
     .acl = "@write @slow @scoring @definitions",
     .complexity = "O(1)"},
    {.name = "segment.list",
     .arity = 1,
     .flags = kReadonly | kFast,
     .handler = HandleSegmentList,
     .summary = "Lists segments: name, predicate, size.",
     .group = "definitions",
     .acl = "@read @fast @scoring @definitions",
     .complexity = "O(S)"},
};

}  // namespace

void RegisterEngagementCommands(CommandTable& table) { table.Add(kEngagementCommands); }

}  // namespace kizuna::server
