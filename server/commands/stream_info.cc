// XINFO STREAM [FULL [COUNT n]] | GROUPS | CONSUMERS | HELP and XTRIM on the outbox, with the
// fields and shapes of Redis 7.2. XADD, XDEL and XSETID are refused: only triggers and badges
// write the outbox, and its ids only grow (SPEC §2).
#include <algorithm>
#include <cctype>

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

// Redis keeps entries in radix-tree nodes of up to 100; these figures say what that would
// take, for tools that read them.
constexpr size_t kEntriesPerNode = 100;

void WriteCommonStreamFields(protocol::ReplyWriter& w, const store::Stream& s) {
  size_t keys = (s.size() + kEntriesPerNode - 1) / kEntriesPerNode;
  w.Bulk("length");
  w.Integer(static_cast<int64_t>(s.size()));
  w.Bulk("radix-tree-keys");
  w.Integer(static_cast<int64_t>(keys));
  w.Bulk("radix-tree-nodes");
  w.Integer(static_cast<int64_t>(keys + 1));
  w.Bulk("last-generated-id");
  WriteStreamId(w, s.last_id());
  w.Bulk("max-deleted-entry-id");
  WriteStreamId(w, s.max_deleted_id());
  w.Bulk("entries-added");
  w.Integer(static_cast<int64_t>(s.entries_added()));
  w.Bulk("recorded-first-entry-id");
  WriteStreamId(w, s.first_id());
}

void WriteEntriesRead(protocol::ReplyWriter& w, const store::Stream& s,
                      const store::ConsumerGroup& g) {
  w.Bulk("entries-read");
  if (g.entries_read() == store::kEntriesReadUnknown) {
    w.Null();
  } else {
    w.Integer(g.entries_read());
  }
  w.Bulk("lag");
  auto lag = s.Lag(g);
  if (lag) {
    w.Integer(*lag);
  } else {
    w.Null();
  }
}

void StreamFull(CommandContext& ctx, const store::Stream& s, size_t count) {
  protocol::ReplyWriter& w = ctx.reply;
  w.Map(9);
  WriteCommonStreamFields(w, s);
  w.Bulk("entries");
  size_t n = count == 0 ? s.size() : std::min(count, s.size());
  w.Array(n);
  for (size_t i = 0; i < n; ++i) WriteEntry(w, s.at(i));
  w.Bulk("groups");
  w.Array(s.groups().size());
  for (const auto& [name, g] : s.groups()) {
    w.Map(7);
    w.Bulk("name");
    w.Bulk(name);
    w.Bulk("last-delivered-id");
    WriteStreamId(w, g.last_id());
    WriteEntriesRead(w, s, g);
    w.Bulk("pel-count");
    w.Integer(static_cast<int64_t>(g.pel().size()));
    w.Bulk("pending");
    size_t pn = count == 0 ? g.pel().size() : std::min(count, g.pel().size());
    w.Array(pn);
    auto it = g.pel().begin();
    for (size_t i = 0; i < pn; ++i, ++it) {
      w.Array(4);
      WriteStreamId(w, it->first);
      w.Bulk(it->second.owner->name);
      w.Integer(it->second.delivery_time);
      w.Integer(static_cast<int64_t>(it->second.delivery_count));
    }
    w.Bulk("consumers");
    w.Array(g.consumers().size());
    for (const auto& [cname, c] : g.consumers()) {
      w.Map(5);
      w.Bulk("name");
      w.Bulk(cname);
      w.Bulk("seen-time");
      w.Integer(c.seen_time);
      w.Bulk("active-time");
      w.Integer(c.active_time);
      w.Bulk("pel-count");
      w.Integer(static_cast<int64_t>(c.pending.size()));
      w.Bulk("pending");
      size_t cn = count == 0 ? c.pending.size() : std::min(count, c.pending.size());
      w.Array(cn);
      auto id = c.pending.begin();
      for (size_t i = 0; i < cn; ++i, ++id) {
        const store::PendingEntry& p = g.pel().at(*id);
        w.Array(3);
        WriteStreamId(w, *id);
        w.Integer(p.delivery_time);
        w.Integer(static_cast<int64_t>(p.delivery_count));
      }
    }
  }
}

void HandleXinfoStream(CommandContext& ctx) {
  auto args = ctx.args;
  bool full = false;
  int64_t count = 10;  // FULL's default, as Redis
  if (args.size() > 3) {
    bool ok = EqualsIgnoreCase(args[3], "FULL") &&
              (args.size() == 4 || (args.size() == 6 && EqualsIgnoreCase(args[4], "COUNT")));
    if (!ok) return ReplySubcommandSyntaxError(ctx.reply, "STREAM", "XINFO");
    full = true;
    if (args.size() == 6) {
      auto n = ParseInt(args[5]);
      if (!n) return ctx.reply.Error(kNotInteger);
      count = std::max<int64_t>(0, *n);
    }
  }
  store::Stream* s = OutboxOrReply(ctx, args[2]);
  if (!s) return;
  if (full) return StreamFull(ctx, *s, static_cast<size_t>(count));
  protocol::ReplyWriter& w = ctx.reply;
  w.Map(10);
  WriteCommonStreamFields(w, *s);
  w.Bulk("groups");
  w.Integer(static_cast<int64_t>(s->groups().size()));
  w.Bulk("first-entry");
  if (s->size() == 0) {
    w.Null();
  } else {
    WriteEntry(w, s->at(0));
  }
  w.Bulk("last-entry");
  if (s->size() == 0) {
    w.Null();
  } else {
    WriteEntry(w, s->at(s->size() - 1));
  }
}

void HandleXinfoGroups(CommandContext& ctx) {
  store::Stream* s = OutboxOrReply(ctx, ctx.args[2]);
  if (!s) return;
  protocol::ReplyWriter& w = ctx.reply;
  w.Array(s->groups().size());
  for (const auto& [name, g] : s->groups()) {
    w.Map(6);
    w.Bulk("name");
    w.Bulk(name);
    w.Bulk("consumers");
    w.Integer(static_cast<int64_t>(g.consumers().size()));
    w.Bulk("pending");
    w.Integer(static_cast<int64_t>(g.pel().size()));
    w.Bulk("last-delivered-id");
    WriteStreamId(w, g.last_id());
    WriteEntriesRead(w, *s, g);
  }
}

void HandleXinfoConsumers(CommandContext& ctx) {
  store::Stream* s = OutboxOrReply(ctx, ctx.args[2]);
  if (!s) return;
  store::ConsumerGroup* g = s->FindGroup(ctx.args[3]);
  if (!g) return ctx.reply.Error(NoGroupForKeyError(ctx.args[2], ctx.args[3]));
  store::TimeMs now = ctx.server.clock().NowMs();
  protocol::ReplyWriter& w = ctx.reply;
  w.Array(g->consumers().size());
  for (const auto& [name, c] : g->consumers()) {
    w.Map(4);
    w.Bulk("name");
    w.Bulk(name);
    w.Bulk("pending");
    w.Integer(static_cast<int64_t>(c.pending.size()));
    w.Bulk("idle");
    w.Integer(now - c.seen_time);
    w.Bulk("inactive");  // Redis 7.2: since the last successful read or claim, -1 if none
    w.Integer(c.active_time < 0 ? -1 : now - c.active_time);
  }
}

void HandleXinfoHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CONSUMERS <key> <groupname>",
      "    Show consumers of <groupname>.",
      "GROUPS <key>",
      "    Show the stream consumer groups.",
      "STREAM <key> [FULL [COUNT <count>]",
      "    Show information about the stream.",
      "HELP",
      "    Prints this help.",
  };
  ReplyHelp(ctx.reply, kLines);
}

// XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]. "~" trims exactly too: the outbox
// promises exact trimming, and Redis allows "~" to remove more or less than asked.
void HandleXtrim(CommandContext& ctx) {
  auto args = ctx.args;
  std::optional<uint64_t> max_len;
  std::optional<StreamId> min_id;
  bool approx = false, limit_given = false;
  int64_t limit = 0;
  for (size_t i = 2; i < args.size(); ++i) {
    bool more = i + 1 < args.size();
    bool is_maxlen = EqualsIgnoreCase(args[i], "MAXLEN");
    if ((is_maxlen || EqualsIgnoreCase(args[i], "MINID")) && more) {
      if (args[i + 1] == "~" || args[i + 1] == "=") {
        approx = args[i + 1] == "~";
        ++i;
        if (i + 1 >= args.size()) return ctx.reply.Error(kSyntaxError);
      }
      if (is_maxlen) {
        auto n = ParseInt(args[++i]);
        if (!n) return ctx.reply.Error(kNotInteger);
        if (*n < 0) return ctx.reply.Error("ERR The MAXLEN argument must be >= 0.");
        max_len = static_cast<uint64_t>(*n);
      } else {
        min_id = ParseIdOrReply(ctx, args[++i]);
        if (!min_id) return;
      }
    } else if (EqualsIgnoreCase(args[i], "LIMIT") && more) {
      auto n = ParseInt(args[++i]);
      if (!n) return ctx.reply.Error(kNotInteger);
      if (*n < 0) return ctx.reply.Error("ERR The LIMIT argument must be >= 0.");
      limit = *n;
      limit_given = true;
    } else {
      return ctx.reply.Error(kSyntaxError);
    }
  }
  if (max_len && min_id) {
    return ctx.reply.Error(
        "ERR syntax error, MAXLEN and MINID options at the same time are not compatible");
  }
  if (!max_len && !min_id) {
    return ctx.reply.Error(
        limit_given ? "ERR syntax error, LIMIT cannot be used without specifying a trimming "
                      "strategy"
                    : kSyntaxError);
  }
  if (limit_given && !approx) {
    return ctx.reply.Error("ERR syntax error, LIMIT cannot be used without the special ~ option");
  }
  store::Stream* s = OutboxOrReply(ctx, args[1]);
  if (!s) return;
  auto lim = static_cast<uint64_t>(limit);
  uint64_t removed = max_len ? s->TrimMaxLen(*max_len, lim) : s->TrimMinId(*min_id, lim);
  ctx.reply.Integer(static_cast<int64_t>(removed));
}

void HandleRefused(CommandContext& ctx) {
  std::string name(ctx.args[0]);
  for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  ctx.reply.Error(StrCat("ERR ", name,
                         " is not supported: the outbox stream is written only by triggers and "
                         "badges"));
}

const CommandSpec kXinfoSubcommands[] = {
    {.name = "consumers",
     .arity = 4,
     .flags = kReadonly,
     .handler = HandleXinfoConsumers,
     .summary = "List the consumers of a consumer group.",
     .syntax = "key:key group",
     .group = "stream",
     .acl = "@read @stream @slow",
     .complexity = "O(1)",
     .first_key = 2,
     .last_key = 2,
     .step = 1},
    {.name = "groups",
     .arity = 3,
     .flags = kReadonly,
     .handler = HandleXinfoGroups,
     .summary = "List the consumer groups of the outbox.",
     .syntax = "key:key",
     .group = "stream",
     .acl = "@read @stream @slow",
     .complexity = "O(1)",
     .first_key = 2,
     .last_key = 2,
     .step = 1},
    {.name = "help",
     .arity = 2,
     .flags = kLoading | kStale,
     .handler = HandleXinfoHelp,
     .summary = "Show helpful text about the different subcommands.",
     .group = "stream",
     .acl = "@stream @slow",
     .complexity = "O(1)"},
    {.name = "stream",
     .arity = -3,
     .flags = kReadonly,
     .handler = HandleXinfoStream,
     .summary = "Describe the outbox stream.",
     .syntax = "key:key [FULL ([COUNT count:integer])]",
     .group = "stream",
     .acl = "@read @stream @slow",
     .complexity = "O(1); FULL: O(N) with N = COUNT",
     .first_key = 2,
     .last_key = 2,
     .step = 1},
};

const CommandSpec kStreamInfoCommands[] = {
    {.name = "xinfo",
     .arity = -2,
     .summary = "A container for stream introspection commands.",
     .group = "stream",
     .acl = "@slow",
     .complexity = "Depends on subcommand.",
     .subcommands = kXinfoSubcommands},
    {.name = "xtrim",
     .arity = -4,
     .flags = kWrite,
     .handler = HandleXtrim,
     .summary = "Delete the oldest outbox entries, by count or by id.",
     .syntax = "key:key ((MAXLEN|MINID) [=|~] threshold [LIMIT count:integer])",
     .group = "stream",
     .acl = "@write @stream @slow",
     .complexity = "O(N) with N the number of entries removed",
     .first_key = 1,
     .last_key = 1,
     .step = 1},
    {.name = "xadd",
     .arity = -5,
     .flags = kWrite | kDenyOom | kFast,
     .handler = HandleRefused,
     .summary = "Refused: only triggers and badges append to the outbox.",
     .syntax = "key:key [NOMKSTREAM] [(MAXLEN|MINID) [=|~] threshold [LIMIT count:integer]] "
               "(*|id) (field value) ...",
     .group = "stream",
     .acl = "@write @stream @fast",
     .complexity = "O(1)",
     .first_key = 1,
     .last_key = 1,
     .step = 1},
    {.name = "xdel",
     .arity = -3,
     .flags = kWrite | kFast,
     .handler = HandleRefused,
     .summary = "Refused: outbox entries leave only by trimming.",
     .syntax = "key:key id ...",
     .group = "stream",
     .acl = "@write @stream @fast",
     .complexity = "O(1)",
     .first_key = 1,
     .last_key = 1,
     .step = 1},
    {.name = "xsetid",
     .arity = -3,
     .flags = kWrite | kDenyOom | kFast,
     .handler = HandleRefused,
     .summary = "Refused: outbox ids follow the server clock.",
     .syntax = "key:key last-id [ENTRIESADDED entries-added:integer] "
               "[MAXDELETEDID max-deleted-id]",
     .group = "stream",
     .acl = "@write @stream @fast",
     .complexity = "O(1)",
     .first_key = 1,
     .last_key = 1,
     .step = 1},
};

}  // namespace

void RegisterStreamInfoCommands(CommandTable& table) { table.Add(kStreamInfoCommands); }

}  // namespace kizuna::server
