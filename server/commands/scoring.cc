// Scoring commands: EVENT SCORE CUSTOMER CUSTOMER.DEL TOP RANK, and the store's INFO sections.
// Handlers resolve defaults and check arguments against the clock, then call one store
// operation (store/store.h), which validates the rest before changing anything.
#include <string>
#include <vector>

#include "server/arg_parser.h"
#include "server/command_context.h"
#include "server/command_table.h"
#include "server/commands/families.h"
#include "server/commands/store_errors.h"
#include "server/server.h"
#include "server/session.h"
#include "store/store.h"
#include "store/strings.h"

namespace kizuna::server {
namespace {

// SPEC: TS more than 5 minutes ahead of the clock is refused (exactly 5 minutes is fine).
constexpr int64_t kMaxFutureMs = 5 * store::kMsPerMinute;

void HandleEvent(CommandContext& ctx) {
  store::EventInput in;
  in.customer = ctx.args[1];
  in.customer_hash = ctx.session.CustomerKeyHash(in.customer);
  in.action = ctx.args[2];
  std::optional<int64_t> ts;
  ArgParser p(ctx.args, 3);
  while (p.HasNext()) {
    if (p.Consume("ITEM")) {
      in.item = p.Next();
    } else if (p.Consume("VALUE")) {
      in.value = p.NextDouble();
    } else if (p.Consume("TS")) {
      ts = p.NextInt();
    } else if (p.Consume("ID")) {
      in.id = p.Next();
    } else if (p.Consume("IMPORT")) {
      in.import = true;
    } else {
      p.Fail(kSyntaxError);
    }
  }
  if (!p.ok()) return ctx.reply.Error(p.error());
  int64_t now = ctx.server.clock().NowMs();
  if (ts) {
    if (*ts < 0) return ctx.reply.Error("ERR invalid timestamp");
    if (*ts > now && *ts - now > kMaxFutureMs) {
      return ctx.reply.Error("ERR timestamp is more than 5 minutes in the future");
    }
  }
  in.ts = ts.value_or(now);
  auto result = ctx.server.store().ApplyEvent(in, now);
  if (!result.ok()) return ctx.reply.Error(StatusText(result.status()));
  ctx.reply.Double(result->total);
}

void WriteScoreMap(CommandContext& ctx, const std::vector<double>& scores, double total) {
  const auto& cats = ctx.server.store().categories();
  ctx.reply.Map(cats.size() + 1);
  for (size_t k = 0; k < cats.size(); ++k) {
    ctx.reply.Bulk(cats.at(k).name);
    ctx.reply.Double(scores[k]);
  }
  ctx.reply.Bulk("total");
  ctx.reply.Double(total);
}

void HandleScore(CommandContext& ctx) {
  if (ctx.args.size() > 3) return ctx.reply.Error(kSyntaxError);
  store::Store& st = ctx.server.store();
  int64_t now = ctx.server.clock().NowMs();
  if (ctx.args.size() == 3) {
    auto cat = st.ResolveCategory(ctx.args[2]);
    if (!cat.ok()) return ctx.reply.Error(StatusText(cat.status()));
    store::CustomerIndex c = st.FindCustomer(ctx.args[1]);
    if (c == store::kNoCustomer) return ctx.reply.Null();
    return ctx.reply.Double(st.Score(c, *cat, now));
  }
  store::CustomerIndex c = st.FindCustomer(ctx.args[1]);
  if (c == store::kNoCustomer) return ctx.reply.Map(0);
  store::CustomerView view;
  st.ReadCustomer(c, now, &view);
  WriteScoreMap(ctx, view.scores, view.total);
}

void HandleCustomer(CommandContext& ctx) {
  store::Store& st = ctx.server.store();
  store::CustomerIndex c = st.FindCustomer(ctx.args[1]);
  if (c == store::kNoCustomer) return ctx.reply.NullArray();
  store::CustomerView v;
  st.ReadCustomer(c, ctx.server.clock().NowMs(), &v);
  protocol::ReplyWriter& w = ctx.reply;
  w.Map(10);
  w.Bulk("scores");
  WriteScoreMap(ctx, v.scores, v.total);
  w.Bulk("counts");
  w.Map(v.counts.size());
  for (const auto& [action, n] : v.counts) {
    w.Bulk(action);
    w.Integer(static_cast<int64_t>(n));
  }
  const store::Engagement& engagement = ctx.server.engagement();
  w.Bulk("badges");
  auto badges = engagement.CustomerBadges(c);
  w.Map(badges.size());
  for (const auto& [name, at] : badges) {
    w.Bulk(name);
    w.Integer(at);
  }
  w.Bulk("segments");
  auto segments = engagement.CustomerSegments(c);
  w.Array(segments.size());
  for (std::string_view name : segments) w.Bulk(name);
  w.Bulk("first_seen");
  w.Integer(v.first_seen);
  w.Bulk("last_seen");
  w.Integer(v.last_seen);
  w.Bulk("frequency");
  w.Integer(static_cast<int64_t>(v.frequency));
  w.Bulk("monetary");
  w.Double(v.monetary);
  w.Bulk("last_purchase");
  if (v.last_purchase) {
    w.Integer(*v.last_purchase);
  } else {
    w.Null();
  }
  w.Bulk("pending");
  auto pending = ctx.server.triggers().Pending(c);
  w.Array(pending.size());
  for (const auto& [trigger, due] : pending) {
    w.Array(2);
    w.Bulk(trigger);
    w.Integer(due);
  }
}

void HandleCustomerDel(CommandContext& ctx) {
  ctx.reply.Integer(ctx.server.store().DeleteCustomer(ctx.args[1]) ? 1 : 0);
}

void HandleTop(CommandContext& ctx) {
  store::Store& st = ctx.server.store();
  auto cat = st.ResolveCategory(ctx.args[1]);
  if (!cat.ok()) return ctx.reply.Error(StatusText(cat.status()));
  std::optional<int64_t> n = ParseInt(ctx.args[2]);
  if (!n) return ctx.reply.Error(kNotInteger);
  if (*n < 0) return ctx.reply.Error("ERR value is out of range, must be positive");
  bool with_scores = false;
  if (ctx.args.size() == 4 && EqualsIgnoreCase(ctx.args[3], "WITHSCORES")) {
    with_scores = true;
  } else if (ctx.args.size() > 3) {
    return ctx.reply.Error(kSyntaxError);
  }
  std::vector<std::pair<store::CustomerIndex, double>> top;
  st.Top(*cat, static_cast<size_t>(*n), ctx.server.clock().NowMs(), &top);
  protocol::ReplyWriter& w = ctx.reply;
  if (!with_scores) {
    w.Array(top.size());
    for (const auto& [c, score] : top) w.Bulk(st.CustomerId(c));
    return;
  }
  // RESP3: [id, score] pairs; RESP2: flat id, score, ... (as ZRANGE WITHSCORES).
  bool nested = w.resp() >= 3;
  w.Array(nested ? top.size() : top.size() * 2);
  for (const auto& [c, score] : top) {
    if (nested) w.Array(2);
    w.Bulk(st.CustomerId(c));
    w.Double(score);
  }
}

void HandleRank(CommandContext& ctx) {
  store::Store& st = ctx.server.store();
  auto cat = st.ResolveCategory(ctx.args[2]);
  if (!cat.ok()) return ctx.reply.Error(StatusText(cat.status()));
  store::CustomerIndex c = st.FindCustomer(ctx.args[1]);
  if (c == store::kNoCustomer) return ctx.reply.Null();
  ctx.reply.Integer(static_cast<int64_t>(st.Rank(c, *cat, ctx.server.clock().NowMs())));
}

const CommandSpec kScoringCommands[] = {
    {.name = "event",
     .arity = -3,
     .flags = kWrite | kDenyOom | kFast,
     .handler = HandleEvent,
     .summary = "Records a behaviour event and returns the customer's new total score.",
     .syntax =
         "customer action [ITEM item] [VALUE amount:double] [TS ms:integer] [ID event-id] [IMPORT]",
     .group = "scoring",
     .acl = "@write @fast @scoring @ingest",
     .complexity = "O(R + log N) where R is the number of matching rules",
     .first_key = 1,
     .last_key = 1,
     .step = 1},
    {.name = "score",
     .arity = -2,
     .flags = kReadonly | kFast,
     .handler = HandleScore,
     .summary = "Returns a customer's scores (every category and total), or one of them.",
     .syntax = "customer [category]",
     .group = "scoring",
     .acl = "@read @fast @scoring",
     .complexity = "O(C) where C is the number of categories",
     .first_key = 1,
     .last_key = 1,
     .step = 1},
    {.name = "customer",
     .arity = 2,
     .flags = kReadonly | kFast,
     .handler = HandleCustomer,
     .summary = "Returns everything known about a customer.",
     .syntax = "customer",
     .group = "scoring",
     .acl = "@read @fast @scoring",
     .complexity = "O(C + A) where A is the number of the customer's counters",
     .first_key = 1,
     .last_key = 1,
     .step = 1},
    {.name = "customer.del",
     .arity = 2,
     .flags = kWrite | kDangerous,
     .handler = HandleCustomerDel,
     .summary = "Removes every trace of a customer, their sent outbox entries too.",
     .syntax = "customer",
     .group = "scoring",
     .acl = "@write @slow @scoring @dangerous",
     .complexity = "O(C log N + M) where M is the outbox length (one scan)",
     .first_key = 1,
     .last_key = 1,
     .step = 1},
    {.name = "top",
     .arity = -3,
     .flags = kReadonly,
     .handler = HandleTop,
     .summary = "Returns the customers with the highest scores in a category or total.",
     .syntax = "category n:integer [WITHSCORES]",
     .group = "scoring",
     .acl = "@read @scoring",
     .complexity = "O(n) (O(N log n) for total when categories decay at different rates)"},
    {.name = "rank",
     .arity = 3,
     .flags = kReadonly | kFast,
     .handler = HandleRank,
     .summary = "Returns a customer's 0-based rank in a category or total.",
     .syntax = "customer category",
     .group = "scoring",
     .acl = "@read @fast @scoring",
     .complexity = "O(log N) (O(N) for total when categories decay at different rates)",
     .first_key = 1,
     .last_key = 1,
     .step = 1},
};

}  // namespace

void RegisterScoringCommands(CommandTable& table) { table.Add(kScoringCommands); }

void AppendStoreInfo(const store::Store& store, std::string_view section, std::string* out) {
  if (section == "keyspace") {
    // Redis omits db0 when it is empty.
    if (store.customer_count() > 0) {
      StrAppend(out, "db0:keys=", store.customer_count(), ",expires=0,avg_ttl=0\r\n");
    }
    return;
  }
  if (section != "scoring") return;
  store::StoreStats s = store.stats();
  StrAppend(out, "customers:", s.customers, "\r\n");
  StrAppend(out, "events:", s.events, "\r\n");
  StrAppend(out, "events_deduped:", s.events_deduped, "\r\n");
  StrAppend(out, "categories:", s.categories, "\r\n");
  StrAppend(out, "rules:", s.rules, "\r\n");
  StrAppend(out, "actions:", s.actions, "\r\n");
  StrAppend(out, "tracked_items:", s.tracked_pairs, "\r\n");
  StrAppend(out, "total_indexed:", s.total_indexed ? 1 : 0, "\r\n");
  StrAppend(out, "decay_rebases:", s.rebases, "\r\n");
  StrAppend(out, "dedupe_customers:", s.dedupe_customers, "\r\n");
  StrAppend(out, "dedupe_ids:", s.dedupe_ids, "\r\n");
  StrAppend(out, "dedupe_max_ids_per_customer:", s.dedupe_max_ids_per_customer, "\r\n");
  StrAppend(out, "dedupe_evictions:", s.dedupe_evictions, "\r\n");
  StrAppend(out, "dedupe_memory_bytes:", s.dedupe_memory_bytes, "\r\n");
  StrAppend(out, "store_memory_bytes:", s.memory_bytes, "\r\n");
  StrAppend(out, "store_memory_per_customer:", s.customers ? s.memory_bytes / s.customers : 0,
            "\r\n");
}

}  // namespace kizuna::server
