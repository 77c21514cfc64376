// Consumer groups on the outbox: XGROUP CREATE|DESTROY|CREATECONSUMER|DELCONSUMER|SETID|HELP,
// XACK, XPENDING, XCLAIM, XAUTOCLAIM, with Redis's argument order, errors and replies.
// Every argument is checked before anything changes.
#include <algorithm>
#include <climits>
#include <vector>

#include "server/arg_parser.h"
#include "server/command_context.h"
#include "server/command_table.h"
#include "server/commands/families.h"
#include "server/commands/help_text.h"
#include "server/commands/stream_common.h"
#include "server/server.h"
#include "store/strings.h"

namespace kizuna::server {
namespace {

using store::StreamId;

store::TimeMs Now(CommandContext& ctx) { return ctx.server.clock().NowMs(); }

// ---- XGROUP --------------------------------------------------------------------------------

// The id argument of CREATE / SETID: "$" is the stream's last id.
std::optional<StreamId> GroupIdOrReply(CommandContext& ctx, store::Stream& s,
                                       std::string_view arg) {
  if (arg == "$") return s.last_id();
  return ParseIdOrReply(ctx, arg);
}

// CREATE's and SETID's options after the id; false after replying an error.
bool ParseGroupOptions(CommandContext& ctx, bool create, int64_t* entries_read) {
  for (size_t i = 5; i < ctx.args.size(); ++i) {
    if (create && EqualsIgnoreCase(ctx.args[i], "MKSTREAM")) continue;  // the outbox exists
    if (EqualsIgnoreCase(ctx.args[i], "ENTRIESREAD") && i + 1 < ctx.args.size()) {
      auto n = ParseInt(ctx.args[++i]);
      if (!n) return ctx.reply.Error(kNotInteger), false;
      if (*n < 0 && *n != store::kEntriesReadUnknown) {
        return ctx.reply.Error("ERR value for ENTRIESREAD must be positive or -1"), false;
      }
      *entries_read = *n;
      continue;
    }
    ReplySubcommandSyntaxError(ctx.reply, create ? "CREATE" : "SETID", "XGROUP");
    return false;
  }
  return true;
}

void HandleXgroupCreate(CommandContext& ctx) {
  int64_t entries_read = store::kEntriesReadUnknown;
  if (!ParseGroupOptions(ctx, true, &entries_read)) return;
  store::Stream* s = OutboxOrReply(ctx, ctx.args[2]);
  if (!s) return;
  auto id = GroupIdOrReply(ctx, *s, ctx.args[4]);
  if (!id) return;
  if (!s->CreateGroup(ctx.args[3], *id, entries_read)) {
    return ctx.reply.Error("BUSYGROUP Consumer Group name already exists");
  }
  ctx.reply.Ok();
}

void HandleXgroupSetid(CommandContext& ctx) {
  int64_t entries_read = store::kEntriesReadUnknown;
  if (!ParseGroupOptions(ctx, false, &entries_read)) return;
  store::Stream* s = OutboxOrReply(ctx, ctx.args[2]);
  if (!s) return;
  store::ConsumerGroup* g = s->FindGroup(ctx.args[3]);
  if (!g) return ctx.reply.Error(NoGroupForKeyError(ctx.args[2], ctx.args[3]));
  auto id = GroupIdOrReply(ctx, *s, ctx.args[4]);
  if (!id) return;
  g->SetPosition(*id, entries_read);
  ctx.reply.Ok();
}

void HandleXgroupDestroy(CommandContext& ctx) {
  store::Stream* s = OutboxOrReply(ctx, ctx.args[2]);
  if (s) ctx.reply.Integer(s->DestroyGroup(ctx.args[3]) ? 1 : 0);
}

void HandleXgroupCreateConsumer(CommandContext& ctx) {
  store::Stream* s = OutboxOrReply(ctx, ctx.args[2]);
  if (!s) return;
  store::ConsumerGroup* g = s->FindGroup(ctx.args[3]);
  if (!g) return ctx.reply.Error(NoGroupForKeyError(ctx.args[2], ctx.args[3]));
  bool created = false;
  g->GetConsumer(ctx.args[4], Now(ctx), &created);
  ctx.reply.Integer(created ? 1 : 0);
}

void HandleXgroupDelConsumer(CommandContext& ctx) {
  store::Stream* s = OutboxOrReply(ctx, ctx.args[2]);
  if (!s) return;
  store::ConsumerGroup* g = s->FindGroup(ctx.args[3]);
  if (!g) return ctx.reply.Error(NoGroupForKeyError(ctx.args[2], ctx.args[3]));
  ctx.reply.Integer(std::max<int64_t>(0, g->DeleteConsumer(ctx.args[4])));
}

void HandleXgroupHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CREATE <key> <groupname> <id|$> [option]",
      "    Create a new consumer group. Options are:",
      "    * MKSTREAM",
      "      Create the empty stream if it does not exist.",
      "    * ENTRIESREAD entries_read",
      "      Set the group's entries_read counter (internal use).",
      "CREATECONSUMER <key> <groupname> <consumer>",
      "    Create a new consumer in the specified group.",
      "DELCONSUMER <key> <groupname> <consumer>",
      "    Remove the specified consumer.",
      "DESTROY <key> <groupname>",
      "    Remove the specified group.",
      "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
      "    Set the current group ID and entries_read counter.",
      "HELP",
      "    Prints this help.",
  };
  ReplyHelp(ctx.reply, kLines);
}

// ---- XACK ----------------------------------------------------------------------------------

void HandleXack(CommandContext& ctx) {
  store::Stream* s = OutboxOrReply(ctx, ctx.args[1]);
  if (!s) return;
  store::ConsumerGroup* g = s->FindGroup(ctx.args[2]);
  if (!g) return ctx.reply.Integer(0);  // as Redis: no group, nothing acknowledged
  // All or nothing: every id is checked before the first is acknowledged.
  for (size_t i = 3; i < ctx.args.size(); ++i) {
    if (!store::ParseStreamId(ctx.args[i])) return ctx.reply.Error(kInvalidStreamId);
  }
  int64_t acked = 0;
  for (size_t i = 3; i < ctx.args.size(); ++i) acked += g->Ack(*store::ParseStreamId(ctx.args[i]));
  ctx.reply.Integer(acked);
}

// ---- XPENDING ------------------------------------------------------------------------------

void PendingSummary(CommandContext& ctx, const store::ConsumerGroup& g) {
  protocol::ReplyWriter& w = ctx.reply;
  w.Array(4);
  w.Integer(static_cast<int64_t>(g.pel().size()));
  if (g.pel().empty()) {
    w.Null();
    w.Null();
    w.NullArray();
    return;
  }
  WriteStreamId(w, g.pel().begin()->first);
  WriteStreamId(w, g.pel().rbegin()->first);
  size_t with_pending = 0;
  for (const auto& [name, c] : g.consumers()) with_pending += !c.pending.empty();
  w.Array(with_pending);
  char buf[24];
  for (const auto& [name, c] : g.consumers()) {
    if (c.pending.empty()) continue;
    w.Array(2);
    w.Bulk(name);
    auto end = std::to_chars(buf, buf + sizeof(buf), c.pending.size()).ptr;
    w.Bulk(std::string_view(buf, static_cast<size_t>(end - buf)));  // a string, as Redis
  }
}

void HandleXpending(CommandContext& ctx) {
  auto args = ctx.args;
  size_t argc = args.size();
  if (argc != 3 && (argc < 6 || argc > 9)) return ctx.reply.Error(kSyntaxError);
  int64_t min_idle = 0, count = 0;
  StreamId start, end;
  std::string_view consumer_name;
  bool by_consumer = false;
  if (argc >= 6) {
    size_t at = 3;
    if (EqualsIgnoreCase(args[3], "IDLE")) {
      auto idle = ParseInt(args[4]);
      if (!idle) return ctx.reply.Error(kNotInteger);
      if (argc < 8) return ctx.reply.Error(kSyntaxError);
      min_idle = *idle;
      at = 5;
    }
    auto n = ParseInt(args[at + 2]);
    if (!n) return ctx.reply.Error(kNotInteger);
    count = std::max<int64_t>(0, *n);
    auto lo = store::ParseRangeBound(args[at], true);
    if (!lo) return ctx.reply.Error(kInvalidStreamId);
    auto lo_id = store::InclusiveStart(*lo);
    if (!lo_id) return ctx.reply.Error("ERR invalid start ID for the interval");
    auto hi = store::ParseRangeBound(args[at + 1], false);
    if (!hi) return ctx.reply.Error(kInvalidStreamId);
    auto hi_id = store::InclusiveEnd(*hi);
    if (!hi_id) return ctx.reply.Error("ERR invalid end ID for the interval");
    start = *lo_id;
    end = *hi_id;
    if (at + 3 < argc) {
      if (at + 4 < argc) return ctx.reply.Error(kSyntaxError);
      consumer_name = args[at + 3];
      by_consumer = true;
    }
  }
  store::Stream* s = OutboxOrReply(ctx, args[1]);
  if (!s) return;
  store::ConsumerGroup* g = s->FindGroup(args[2]);
  if (!g) return ctx.reply.Error(NoGroupError(args[1], args[2]));
  if (argc == 3) return PendingSummary(ctx, *g);

  store::TimeMs now = Now(ctx);
  auto matches = [&](const store::PendingEntry& p) { return now - p.delivery_time >= min_idle; };
  // Counted first (the reply's length), then written.
  auto each = [&](auto&& fn) {
    int64_t n = 0;
    if (by_consumer) {
      store::Consumer* c = g->FindConsumer(consumer_name);
      if (!c) return;
      for (auto it = c->pending.lower_bound(start);
           it != c->pending.end() && *it <= end && n < count; ++it) {
        const store::PendingEntry& p = g->pel().at(*it);
        if (matches(p)) fn(*it, p), ++n;
      }
      return;
    }
    for (auto it = g->pel().lower_bound(start);
         it != g->pel().end() && it->first <= end && n < count; ++it) {
      if (matches(it->second)) fn(it->first, it->second), ++n;
    }
  };
  size_t total = 0;
  if (start <= end) each([&](StreamId, const store::PendingEntry&) { ++total; });
  protocol::ReplyWriter& w = ctx.reply;
  w.Array(total);
  if (total == 0) return;
  each([&](StreamId id, const store::PendingEntry& p) {
    w.Array(4);
    WriteStreamId(w, id);
    w.Bulk(p.owner->name);
    w.Integer(now - p.delivery_time);
    w.Integer(static_cast<int64_t>(p.delivery_count));
  });
}

// ---- XCLAIM / XAUTOCLAIM -------------------------------------------------------------------

// Claimed ids as entries, or as bare ids with JUSTID.
void WriteClaimed(protocol::ReplyWriter& w, const store::Stream& s,
                  const std::vector<StreamId>& ids, bool just_id) {
  w.Array(ids.size());
  for (StreamId id : ids) {
    if (just_id) {
      WriteStreamId(w, id);
    } else {
      WriteEntry(w, *s.Find(id));
    }
  }
}

void HandleXclaim(CommandContext& ctx) {
  auto args = ctx.args;
  store::Stream* s = OutboxOrReply(ctx, args[1]);
  if (!s) return;
  store::ConsumerGroup* g = s->FindGroup(args[2]);
  if (!g) return ctx.reply.Error(NoGroupError(args[1], args[2]));
  auto min_idle = ParseInt(args[4]);
  if (!min_idle) return ctx.reply.Error("ERR Invalid min-idle-time argument for XCLAIM");
  static std::vector<StreamId> ids, claimed;  // reused across calls
  ids.clear();
  size_t i = 5;
  for (; i < args.size(); ++i) {
    auto id = store::ParseStreamId(args[i]);
    if (!id) break;  // the options start here
    ids.push_back(*id);
  }
  store::ClaimOptions opt;
  opt.min_idle = std::max<int64_t>(0, *min_idle);
  store::TimeMs now = Now(ctx);
  for (; i < args.size(); ++i) {
    std::string_view o = args[i];
    bool more = i + 1 < args.size();
    if (EqualsIgnoreCase(o, "FORCE")) {
      opt.force = true;
    } else if (EqualsIgnoreCase(o, "JUSTID")) {
      opt.just_id = true;
    } else if (EqualsIgnoreCase(o, "IDLE") && more) {
      auto idle = ParseInt(args[++i]);
      if (!idle) return ctx.reply.Error("ERR Invalid IDLE option argument for XCLAIM");
      opt.delivery_time = now - *idle;
    } else if (EqualsIgnoreCase(o, "TIME") && more) {
      auto at = ParseInt(args[++i]);
      if (!at) return ctx.reply.Error("ERR Invalid TIME option argument for XCLAIM");
      opt.delivery_time = *at;
    } else if (EqualsIgnoreCase(o, "RETRYCOUNT") && more) {
      auto n = ParseInt(args[++i]);
      if (!n) return ctx.reply.Error(kNotInteger);
      opt.retry_count = *n >= 0 ? std::optional<int64_t>(*n) : std::nullopt;
    } else if (EqualsIgnoreCase(o, "LASTID") && more) {
      auto id = ParseIdOrReply(ctx, args[++i]);
      if (!id) return;
      opt.last_id = *id;
    } else {
      return ctx.reply.Error(StrCat("ERR Unrecognized XCLAIM option '", o, "'"));
    }
  }
  s->Claim(*g, args[3], ids, opt, now, &claimed);
  WriteClaimed(ctx.reply, *s, claimed, opt.just_id);
}

// Redis caps COUNT so that COUNT * 10 attempts cannot overflow.
constexpr int64_t kMaxAutoClaimCount = LONG_MAX / 16;

void HandleXautoclaim(CommandContext& ctx) {
  auto args = ctx.args;
  auto min_idle = ParseInt(args[4]);
  if (!min_idle) return ctx.reply.Error("ERR Invalid min-idle-time argument for XAUTOCLAIM");
  auto bound = store::ParseRangeBound(args[5], true);
  if (!bound) return ctx.reply.Error(kInvalidStreamId);
  auto start = store::InclusiveStart(*bound);
  if (!start) return ctx.reply.Error("ERR invalid start ID for the interval");
  int64_t count = 100;
  bool just_id = false;
  for (size_t i = 6; i < args.size(); ++i) {
    if (EqualsIgnoreCase(args[i], "COUNT") && i + 1 < args.size()) {
      auto n = ParseInt(args[++i]);
      if (!n || *n < 1 || *n > kMaxAutoClaimCount) return ctx.reply.Error("ERR COUNT must be > 0");
      count = *n;
    } else if (EqualsIgnoreCase(args[i], "JUSTID")) {
      just_id = true;
    } else {
      return ctx.reply.Error(kSyntaxError);
    }
  }
  store::Stream* s = OutboxOrReply(ctx, args[1]);
  if (!s) return;
  store::ConsumerGroup* g = s->FindGroup(args[2]);
  if (!g) return ctx.reply.Error(NoGroupError(args[1], args[2]));
  static store::AutoClaimResult result;  // reused across calls
  s->AutoClaim(*g, args[3], std::max<int64_t>(0, *min_idle), *start, static_cast<size_t>(count),
               just_id, Now(ctx), &result);
  protocol::ReplyWriter& w = ctx.reply;
  w.Array(3);
  WriteStreamId(w, result.next);
  WriteClaimed(w, *s, result.claimed, just_id);
  w.Array(result.deleted.size());
  for (StreamId id : result.deleted) WriteStreamId(w, id);
}

// ---- Table ---------------------------------------------------------------------------------

const CommandSpec kXgroupSubcommands[] = {
    {.name = "create",
     .arity = -5,
     .flags = kWrite | kDenyOom,
     .handler = HandleXgroupCreate,
     .summary = "Create a consumer group of the outbox.",
     .syntax = "key:key group (id|$) [MKSTREAM] [ENTRIESREAD entries-read:integer]",
     .group = "stream",
     .acl = "@write @stream @slow",
     .complexity = "O(1)",
     .first_key = 2,
     .last_key = 2,
     .step = 1},
    {.name = "createconsumer",
     .arity = 5,
     .flags = kWrite | kDenyOom,
     .handler = HandleXgroupCreateConsumer,
     .summary = "Create a consumer in a consumer group.",
     .syntax = "key:key group consumer",
     .group = "stream",
     .acl = "@write @stream @slow",
     .complexity = "O(1)",
     .first_key = 2,
     .last_key = 2,
     .step = 1},
    {.name = "delconsumer",
     .arity = 5,
     .flags = kWrite,
     .handler = HandleXgroupDelConsumer,
     .summary = "Delete a consumer and its pending entries from a consumer group.",
     .syntax = "key:key group consumer",
     .group = "stream",
     .acl = "@write @stream @slow",
     .complexity = "O(1)",
     .first_key = 2,
     .last_key = 2,
     .step = 1},
    {.name = "destroy",
     .arity = 4,
     .flags = kWrite,
     .handler = HandleXgroupDestroy,
     .summary = "Destroy a consumer group.",
     .syntax = "key:key group",
     .group = "stream",
     .acl = "@write @stream @slow",
     .complexity = "O(N) where N is the number of entries in the group's pending entries list",
     .first_key = 2,
     .last_key = 2,
     .step = 1},
    {.name = "help",
     .arity = 2,
     .flags = kLoading | kStale,
     .handler = HandleXgroupHelp,
     .summary = "Show helpful text about the different subcommands.",
     .group = "stream",
     .acl = "@stream @slow",
     .complexity = "O(1)"},
    {.name = "setid",
     .arity = -5,
     .flags = kWrite,
     .handler = HandleXgroupSetid,
     .summary = "Set the last delivered id of a consumer group.",
     .syntax = "key:key group (id|$) [ENTRIESREAD entries-read:integer]",
     .group = "stream",
     .acl = "@write @stream @slow",
     .complexity = "O(1)",
     .first_key = 2,
     .last_key = 2,
     .step = 1},
};

const CommandSpec kStreamGroupCommands[] = {
    {.name = "xgroup",
     .arity = -2,
     .summary = "A container for consumer group commands.",
     .group = "stream",
     .acl = "@slow",
     .complexity = "Depends on subcommand.",
     .subcommands = kXgroupSubcommands},
    {.name = "xack",
     .arity = -4,
     .flags = kWrite | kFast,
     .handler = HandleXack,
     .summary = "Acknowledge outbox entries delivered to a consumer group.",
     .syntax = "key:key group id ...",
     .group = "stream",
     .acl = "@write @stream @fast",
     .complexity = "O(1) for each id",
     .first_key = 1,
     .last_key = 1,
     .step = 1},
    {.name = "xpending",
     .arity = -3,
     .flags = kReadonly,
     .handler = HandleXpending,
     .summary = "Return the pending entries list of a consumer group.",
     .syntax = "key:key group [[IDLE min-idle-time:integer] start end count:integer [consumer]]",
     .group = "stream",
     .acl = "@read @stream @slow",
     .complexity = "O(N) with N the number of entries returned",
     .first_key = 1,
     .last_key = 1,
     .step = 1},
    {.name = "xclaim",
     .arity = -6,
     .flags = kWrite | kFast,
     .handler = HandleXclaim,
     .summary = "Take over pending entries of a consumer group.",
     .syntax = "key:key group consumer min-idle-time id ... [IDLE ms:integer] "
               "[TIME unix-time-milliseconds:unix-time] [RETRYCOUNT count:integer] [FORCE] "
               "[JUSTID] [LASTID lastid]",
     .group = "stream",
     .acl = "@write @stream @fast",
     .complexity = "O(log N) per id",
     .first_key = 1,
     .last_key = 1,
     .step = 1},
    {.name = "xautoclaim",
     .arity = -6,
     .flags = kWrite | kFast,
     .handler = HandleXautoclaim,
     .summary = "Take over pending entries idle long enough, scanning with a cursor.",
     .syntax = "key:key group consumer min-idle-time start [COUNT count:integer] [JUSTID]",
     .group = "stream",
     .acl = "@write @stream @fast",
     .complexity = "O(1) per entry examined",
     .first_key = 1,
     .last_key = 1,
     .step = 1},
};

}  // namespace

void RegisterStreamGroupCommands(CommandTable& table) { table.Add(kStreamGroupCommands); }

}  // namespace kizuna::server
