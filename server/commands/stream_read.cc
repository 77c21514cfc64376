// Stream reads: XLEN XRANGE XREVRANGE XREAD XREADGROUP, on the outbox (SPEC §2 "Timers and
// the outbox"), with Redis's arguments, errors and reply shapes. XREAD/XREADGROUP BLOCK park
// the client in the server's BlockedReaders until an entry arrives or the timeout passes.
#include "server/commands/stream_read.h"

#include <algorithm>
#include <charconv>
#include <vector>

#include "server/arg_parser.h"
#include "server/blocked_readers.h"
#include "server/command_context.h"
#include "server/command_table.h"
#include "server/commands/families.h"
#include "server/commands/stream_common.h"
#include "server/persistence.h"
#include "server/server.h"
#include "server/session.h"
#include "store/strings.h"

namespace kizuna::server {
namespace {

using store::StreamId;

void HandleXlen(CommandContext& ctx) {
  store::Stream* s = OutboxOrReply(ctx, ctx.args[1]);
  if (s) ctx.reply.Integer(static_cast<int64_t>(s->size()));
}

// XRANGE key start end [COUNT n] / XREVRANGE key end start [COUNT n].
void RangeCommand(CommandContext& ctx, bool rev) {
  store::Stream* s = OutboxOrReply(ctx, ctx.args[1]);
  if (!s) return;
  auto lo = store::ParseRangeBound(ctx.args[rev ? 3 : 2], true);
  auto hi = store::ParseRangeBound(ctx.args[rev ? 2 : 3], false);
  if (!lo || !hi) return ctx.reply.Error(kInvalidStreamId);
  auto start = store::InclusiveStart(*lo);
  if (!start) return ctx.reply.Error("ERR invalid start ID for the interval");
  auto end = store::InclusiveEnd(*hi);
  if (!end) return ctx.reply.Error("ERR invalid end ID for the interval");
  int64_t count = -1;  // no limit
  ArgParser p(ctx.args, 4);
  while (p.HasNext()) {
    if (p.remaining() >= 2 && p.Consume("COUNT")) {
      count = std::max<int64_t>(0, p.NextInt());
    } else {
      p.Fail(kSyntaxError);
    }
  }
  if (!p.ok()) return ctx.reply.Error(p.error());
  if (count == 0) return ctx.reply.NullArray();
  size_t first = s->LowerBound(*start);
  size_t last = *start <= *end ? std::max(first, s->UpperBound(*end)) : first;
  size_t n = last - first;
  if (count > 0) n = std::min(n, static_cast<size_t>(count));
  ctx.reply.Array(n);
  for (size_t i = 0; i < n; ++i) WriteEntry(ctx.reply, s->at(rev ? last - 1 - i : first + i));
}

void HandleXrange(CommandContext& ctx) { RangeCommand(ctx, false); }
void HandleXrevrange(CommandContext& ctx) { RangeCommand(ctx, true); }

// Parses XREAD / XREADGROUP into `read` and `block_ms`; false after replying an error.
bool ParseRead(CommandContext& ctx, bool group_read, StreamRead* read,
               std::optional<int64_t>* block_ms) {
  auto args = ctx.args;
  read->group_read = group_read;
  size_t streams_at = 0;
  bool have_group = false;
  for (size_t i = 1; i < args.size() && streams_at == 0; ++i) {
    std::string_view a = args[i];
    size_t more = args.size() - i - 1;
    if (EqualsIgnoreCase(a, "BLOCK") && more >= 1) {
      auto ms = ParseInt(args[++i]);
      if (!ms) return ctx.reply.Error("ERR timeout is not an integer or out of range"), false;
      if (*ms < 0) return ctx.reply.Error("ERR timeout is negative"), false;
      *block_ms = *ms;
    } else if (EqualsIgnoreCase(a, "COUNT") && more >= 1) {
      auto n = ParseInt(args[++i]);
      if (!n) return ctx.reply.Error(kNotInteger), false;
      read->count = static_cast<size_t>(std::max<int64_t>(0, *n));
    } else if (EqualsIgnoreCase(a, "STREAMS") && more >= 1) {
      streams_at = i + 1;
    } else if (EqualsIgnoreCase(a, "GROUP") && more >= 2) {
      if (!group_read) {
        ctx.reply.Error(
            "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
        return false;
      }
      read->group = args[++i];
      read->consumer = args[++i];
      have_group = true;
    } else if (EqualsIgnoreCase(a, "NOACK")) {
      if (!group_read) {
        ctx.reply.Error(
            "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
        return false;
      }
      read->no_ack = true;
    } else {
      return ctx.reply.Error(kSyntaxError), false;
    }
  }
  if (streams_at == 0) return ctx.reply.Error(kSyntaxError), false;
  if ((args.size() - streams_at) % 2 != 0) {
    ctx.reply.Error(
        "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be "
        "specified.");
    return false;
  }
  if (group_read && !have_group) {
    return ctx.reply.Error("ERR Missing GROUP option for XREADGROUP"), false;
  }
  size_t n = (args.size() - streams_at) / 2;
  for (size_t k = 0; k < n; ++k) {
    store::Stream* s = OutboxOrReply(ctx, args[streams_at + k]);
    if (!s) return false;
    if (group_read && !s->FindGroup(read->group)) {
      ctx.reply.Error(NoGroupError(kOutboxKey, read->group, " in XREADGROUP with GROUP option"));
      return false;
    }
    std::string_view id = args[streams_at + n + k];
    StreamRead::Target t;
    if (id == "$") {
      if (group_read) {
        ctx.reply.Error(
            "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the "
            "history of this consumer by specifying a proper ID, or use the > ID to get new "
            "messages. The $ ID would just return an empty result set.");
        return false;
      }
      t.after = s->last_id();
    } else if (id == ">") {
      if (!group_read) {
        ctx.reply.Error(
            "ERR The > ID can be specified only when calling XREADGROUP using the GROUP "
            "<group> <consumer> option.");
        return false;
      }
      t.new_only = true;
    } else {
      auto parsed = ParseIdOrReply(ctx, id);
      if (!parsed) return false;
      t.after = *parsed;
    }
    read->targets.push_back(t);
  }
  return true;
}

void ReadCommand(CommandContext& ctx, bool group_read) {
  StreamRead read;
  std::optional<int64_t> block_ms;
  if (!ParseRead(ctx, group_read, &read, &block_ms)) return;
  if (ServeStreamRead(ctx.server, read, ctx.reply, false) == ReadResult::kReplied) return;
  // The log replays a blocked read as the non-blocking one it first was; internal clients
  // (replay, init file) have nobody to wake.
  if (!block_ms || ctx.session.info().internal) return ctx.reply.NullArray();
  ctx.server.blocked_readers().Block(ctx.session, std::move(read), *block_ms);
}

void HandleXread(CommandContext& ctx) { ReadCommand(ctx, false); }
void HandleXreadgroup(CommandContext& ctx) { ReadCommand(ctx, true); }

// Logs the XREADGROUP that a blocked reader has just been served, as a non-blocking command
// that replays to the same deliveries.
void LogServedRead(Server& server, const StreamRead& read) {
  char count_buf[24];
  auto count_end = std::to_chars(count_buf, count_buf + sizeof(count_buf), read.count).ptr;
  std::vector<std::string_view> args = {
      "XREADGROUP",  "GROUP", read.group,
      read.consumer, "COUNT", std::string_view(count_buf, count_end - count_buf)};
  if (read.no_ack) args.push_back("NOACK");
  args.push_back("STREAMS");
  for (size_t i = 0; i < read.targets.size(); ++i) args.push_back(kOutboxKey);
  for (size_t i = 0; i < read.targets.size(); ++i) args.push_back(">");
  server.persistence().Append(args);
}

// One stream's part of an XREAD/XREADGROUP reply: [key, entries] in RESP2, key => entries
// (a map pair) in RESP3.
void StreamHeader(protocol::ReplyWriter& w, size_t entries) {
  if (w.resp() < 3) w.Array(2);
  w.Bulk(kOutboxKey);
  w.Array(entries);
}

}  // namespace

ReadResult ServeStreamRead(Server& server, const StreamRead& read, protocol::ReplyWriter& w,
                           bool log) {
  store::Stream& s = server.store().outbox();
  store::TimeMs now = server.clock().NowMs();
  store::ConsumerGroup* g = nullptr;
  store::Consumer* consumer = nullptr;
  if (read.group_read) {
    g = s.FindGroup(read.group);
    if (!g) {
      w.Error(NoGroupError(kOutboxKey, read.group, " in XREADGROUP with GROUP option"));
      return ReadResult::kReplied;
    }
    consumer = g->GetConsumer(read.consumer, now);
    consumer->seen_time = now;
  }
  // The reply's length is known only after every stream was read: build the body apart.
  // Reused, so a steady stream of reads allocates nothing here.
  static protocol::ReplyBuffer body;
  body.clear();
  protocol::ReplyWriter bw(&body, w.resp());
  size_t streams = 0;
  bool delivered = false;
  for (const StreamRead::Target& t : read.targets) {
    if (g && !t.new_only) {
      // A consumer's history: always answered, even when empty.
      size_t n = 0;
      for (auto it = consumer->pending.upper_bound(t.after);
           it != consumer->pending.end() && (read.count == 0 || n < read.count); ++it) {
        ++n;
      }
      StreamHeader(bw, n);
      s.ReadPending(
          *g, *consumer, t.after, read.count, now,
          [&](StreamId id, const store::StreamEntry* e) { WriteEntryOrTrimmed(bw, id, e); });
      ++streams;
      continue;
    }
    size_t first, last;
    if (g) {
      std::tie(first, last) = s.ReadNew(*g, *consumer, read.count, read.no_ack, now);
      delivered |= last > first;
    } else {
      first = s.UpperBound(t.after);
      last = read.count == 0 ? s.size() : std::min(s.size(), first + read.count);
    }
    if (last == first) continue;
    StreamHeader(bw, last - first);
    for (size_t i = first; i < last; ++i) WriteEntry(bw, s.at(i));
    ++streams;
  }
  if (streams == 0) return ReadResult::kEmpty;
  if (w.resp() >= 3) {
    w.Map(streams);
  } else {
    w.Array(streams);
  }
  w.Raw(std::string_view(body.data(), body.size()));
  if (log && delivered) LogServedRead(server, read);
  return ReadResult::kReplied;
}

namespace {

// XREAD / XREADGROUP: the keys are the first half of the arguments after STREAMS (ACL key
// patterns and COMMAND GETKEYS use this).
bool StreamsKeys(std::span<const std::string_view> args, int* first, int* last) {
  for (size_t i = 1; i < args.size(); ++i) {
    if (!EqualsIgnoreCase(args[i], "STREAMS")) continue;
    size_t rest = args.size() - i - 1;
    if (rest == 0 || rest % 2 != 0) return false;
    *first = static_cast<int>(i + 1);
    *last = static_cast<int>(i + rest / 2);
    return true;
  }
  return false;
}

const CommandSpec kStreamReadCommands[] = {
    {.name = "xlen",
     .arity = 2,
     .flags = kReadonly | kFast,
     .handler = HandleXlen,
     .summary = "Return the number of messages in the outbox stream.",
     .syntax = "key:key",
     .group = "stream",
     .acl = "@read @stream @fast",
     .complexity = "O(1)",
     .first_key = 1,
     .last_key = 1,
     .step = 1},
    {.name = "xrange",
     .arity = -4,
     .flags = kReadonly,
     .handler = HandleXrange,
     .summary = "Return a range of outbox entries, oldest first.",
     .syntax = "key:key start end [COUNT count:integer]",
     .group = "stream",
     .acl = "@read @stream @slow",
     .complexity = "O(log(N)+M) with M the number of entries returned",
     .first_key = 1,
     .last_key = 1,
     .step = 1},
    {.name = "xrevrange",
     .arity = -4,
     .flags = kReadonly,
     .handler = HandleXrevrange,
     .summary = "Return a range of outbox entries, newest first.",
     .syntax = "key:key end start [COUNT count:integer]",
     .group = "stream",
     .acl = "@read @stream @slow",
     .complexity = "O(log(N)+M) with M the number of entries returned",
     .first_key = 1,
     .last_key = 1,
     .step = 1},
    {.name = "xread",
     .arity = -4,
     .flags = kReadonly | kBlocking,
     .handler = HandleXread,
     .summary = "Return outbox entries after an id, optionally waiting for new ones.",
     .syntax = "[COUNT count:integer] [BLOCK milliseconds:integer] STREAMS (key:key ... id ...)",
     .group = "stream",
     .acl = "@read @stream @slow @blocking",
     .complexity = "O(log(N)+M) per stream, with M the number of entries returned",
     .key_locator = StreamsKeys},
    {.name = "xreadgroup",
     .arity = -7,
     .flags = kWrite | kBlocking,
     .handler = HandleXreadgroup,
     .summary = "Deliver outbox entries to a consumer of a group, optionally waiting.",
     .syntax = "GROUP (group consumer) [COUNT count:integer] [BLOCK milliseconds:integer] "
               "[NOACK] STREAMS (key:key ... id ...)",
     .group = "stream",
     .acl = "@write @stream @slow @blocking",
     .complexity = "O(M) with M the number of entries returned",
     .key_locator = StreamsKeys},
};

}  // namespace

void RegisterStreamReadCommands(CommandTable& table) { table.Add(kStreamReadCommands); }

}  // namespace kizuna::server
