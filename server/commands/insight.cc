// STATS, STATS.HISTOGRAM, STATS.REVENUE, STATS.SERIES and RFM (SPEC §2 "Insight").
#include "store/insight.h"

#include <optional>
#include <string>
#include <vector>

#include "server/arg_parser.h"
#include "server/command_context.h"
#include "server/command_table.h"
#include "server/commands/families.h"
#include "server/commands/store_errors.h"
#include "server/server.h"
#include "store/strings.h"
#include "store/triggers.h"

namespace kizuna::server {
namespace {

constexpr int64_t kMaxBuckets = 1000;
constexpr int64_t kMaxDays = 3660;

void WriteSummary(protocol::ReplyWriter& w, const store::ScoreSummary& s) {
  w.Map(5);
  const std::pair<std::string_view, double> fields[] = {
      {"mean", s.mean}, {"p50", s.p50}, {"p90", s.p90}, {"p99", s.p99}, {"max", s.max}};
  for (auto [name, value] : fields) {
    w.Bulk(name);
    w.Double(value);
  }
}

void HandleStats(CommandContext& ctx) {
  Server& server = ctx.server;
  store::StatsSummary s = server.insight().Summary(server.clock().NowMs());
  protocol::ReplyWriter& w = ctx.reply;
  w.Map(11);
  w.Bulk("customers");
  w.Integer(static_cast<int64_t>(s.customers));
  w.Bulk("events");
  w.Integer(static_cast<int64_t>(s.events));
  w.Bulk("events_by_action");
  w.Map(s.events_by_action.size());
  for (auto [action, n] : s.events_by_action) {
    w.Bulk(action);
    w.Integer(static_cast<int64_t>(n));
  }
  w.Bulk("scores");
  w.Map(s.scores.size());
  for (const auto& [name, summary] : s.scores) {
    w.Bulk(name);
    WriteSummary(w, summary);
  }
  w.Bulk("revenue");
  w.Double(s.revenue);
  w.Bulk("purchases");
  w.Integer(static_cast<int64_t>(s.purchases));
  w.Bulk("buyers");
  w.Integer(static_cast<int64_t>(s.buyers));
  w.Bulk("funnel");
  w.Map(5);
  for (size_t n = 1; n <= 5; ++n) {
    w.Bulk(StrCat("f", n));
    w.Integer(static_cast<int64_t>(s.funnel[n - 1]));
  }
  w.Bulk("repeat_rate");
  w.Map(4);
  for (size_t n = 2; n <= 5; ++n) {
    w.Bulk(StrCat("f", n));
    uint64_t prev = s.funnel[n - 2];
    w.Double(prev ? static_cast<double>(s.funnel[n - 1]) / static_cast<double>(prev) : 0.0);
  }
  store::MessageCounts m = server.triggers().counts();
  w.Bulk("messages");
  w.Map(4);
  const std::pair<std::string_view, uint64_t> messages[] = {
      {"sent", m.sent}, {"capped", m.capped}, {"cancelled", m.cancelled}, {"pending", m.pending}};
  for (auto [name, n] : messages) {
    w.Bulk(name);
    w.Integer(static_cast<int64_t>(n));
  }
  auto badges = server.engagement().Badges();
  w.Bulk("badges");
  w.Map(badges.size());
  for (const auto& b : badges) {
    w.Bulk(b.name);
    w.Integer(static_cast<int64_t>(b.count));
  }
}

// <category|total> [<keyword> <n>]: the category and n (default 10), or false after replying
// with the error.
bool CategoryAndCount(CommandContext& ctx, std::string_view keyword, int* category, size_t* n) {
  auto k = ctx.server.store().ResolveCategory(ctx.args[1]);
  if (!k.ok()) {
    ctx.reply.Error(StatusText(k.status()));
    return false;
  }
  *category = *k;
  *n = 10;
  ArgParser p(ctx.args, 2);
  if (p.Consume(keyword)) {
    int64_t v = p.NextInt();
    if (p.ok() && (v < 1 || v > kMaxBuckets)) {
      p.Fail(StrCat("ERR ", AsciiLower(keyword), " must be between 1 and ", kMaxBuckets));
    }
    *n = static_cast<size_t>(v);
  }
  if (p.HasNext()) p.Fail(kSyntaxError);
  if (!p.ok()) ctx.reply.Error(p.error());
  return p.ok();
}

void HandleHistogram(CommandContext& ctx) {
  int category;
  size_t buckets;
  if (!CategoryAndCount(ctx, "BUCKETS", &category, &buckets)) return;
  auto out = ctx.server.insight().Histogram(category, buckets, ctx.server.clock().NowMs());
  ctx.reply.Array(out.size());
  for (const store::HistogramBucket& b : out) {
    ctx.reply.Array(3);
    ctx.reply.Double(b.low);
    ctx.reply.Double(b.high);
    ctx.reply.Integer(static_cast<int64_t>(b.count));
  }
}

void HandleRevenue(CommandContext& ctx) {
  int category;
  size_t bands;
  if (!CategoryAndCount(ctx, "BANDS", &category, &bands)) return;
  auto out = ctx.server.insight().Revenue(category, bands, ctx.server.clock().NowMs());
  protocol::ReplyWriter& w = ctx.reply;
  w.Array(out.size());
  for (const store::RevenueBand& b : out) {
    w.Map(6);
    w.Bulk("low");
    w.Double(b.low);
    w.Bulk("high");
    w.Double(b.high);
    w.Bulk("customers");
    w.Integer(static_cast<int64_t>(b.customers));
    w.Bulk("buyers");
    w.Integer(static_cast<int64_t>(b.buyers));
    w.Bulk("revenue");
    w.Double(b.revenue);
    w.Bulk("revenue_per_customer");
    w.Double(b.revenue / static_cast<double>(b.customers));
  }
}

void HandleSeries(CommandContext& ctx) {
  using Series = store::Insight::Series;
  Series what;
  if (EqualsIgnoreCase(ctx.args[1], "events")) {
    what = Series::kEvents;
  } else if (EqualsIgnoreCase(ctx.args[1], "revenue")) {
    what = Series::kRevenue;
  } else if (EqualsIgnoreCase(ctx.args[1], "customers")) {
    what = Series::kCustomers;
  } else {
    return ctx.reply.Error("ERR unknown series (expected events, revenue or customers)");
  }
  int64_t days = 30;
  ArgParser p(ctx.args, 2);
  if (p.Consume("DAYS")) {
    days = p.NextInt();
    if (p.ok() && (days < 1 || days > kMaxDays)) {
      p.Fail(StrCat("ERR days must be between 1 and ", kMaxDays));
    }
  }
  if (p.HasNext()) p.Fail(kSyntaxError);
  if (!p.ok()) return ctx.reply.Error(p.error());
  auto out =
      ctx.server.insight().DailySeries(what, static_cast<size_t>(days), ctx.server.clock().NowMs());
  ctx.reply.Array(out.size());
  for (auto [start, value] : out) {
    ctx.reply.Array(2);
    ctx.reply.Integer(start);
    if (what == Series::kRevenue) {
      ctx.reply.Double(value);
    } else {
      ctx.reply.Integer(static_cast<int64_t>(value));
    }
  }
}

void HandleRfm(CommandContext& ctx) {
  store::CustomerIndex c = ctx.server.store().FindCustomer(ctx.args[1]);
  auto rfm = c == store::kNoCustomer ? std::nullopt
                                     : ctx.server.insight().Rfm(c, ctx.server.clock().NowMs());
  if (!rfm) return ctx.reply.Null();
  protocol::ReplyWriter& w = ctx.reply;
  w.Map(6);
  w.Bulk("r");
  w.Integer(rfm->r);
  w.Bulk("f");
  w.Integer(rfm->f);
  w.Bulk("m");
  w.Integer(rfm->m);
  w.Bulk("recency");
  w.Integer(rfm->recency_days);
  w.Bulk("frequency");
  w.Integer(static_cast<int64_t>(rfm->frequency));
  w.Bulk("monetary");
  w.Double(rfm->monetary);
}

bool IsLookalikeOption(std::string_view a) {
  return EqualsIgnoreCase(a, "MINSIM") || EqualsIgnoreCase(a, "EXCLUDE");
}

// LOOKALIKE <k> SEED <id> [<id> ...] | LOOKALIKE <k> SEGMENT <name>  [MINSIM <x>] [EXCLUDE <seg>]
void HandleLookalike(CommandContext& ctx) {
  Server& server = ctx.server;
  const store::Engagement& engagement = server.engagement();
  ArgParser p(ctx.args, 1);
  int64_t k = p.NextInt();
  if (p.ok() && k < 0) p.Fail("ERR k must be zero or more");
  std::vector<store::CustomerIndex> seeds;
  if (p.Consume("SEED")) {
    if (!p.HasNext() || IsLookalikeOption(ctx.args[ctx.args.size() - p.remaining()])) {
      p.Fail(kSyntaxError);
    }
    while (p.HasNext() && !IsLookalikeOption(ctx.args[ctx.args.size() - p.remaining()])) {
      store::CustomerIndex c = server.store().FindCustomer(p.Next());
      if (c != store::kNoCustomer) seeds.push_back(c);  // unknown seeds are ignored
    }
  } else if (p.Consume("SEGMENT")) {
    std::string_view name = p.Next();
    int segment = engagement.SegmentIndex(name);
    if (p.ok() && segment < 0) p.Fail(StrCat("ERR unknown segment '", name, "'"));
    for (size_t c = 0; p.ok() && c < server.store().customer_slots(); ++c) {
      auto ci = static_cast<store::CustomerIndex>(c);
      if (server.store().customer_live(ci) && engagement.InSegment(segment, ci)) {
        seeds.push_back(ci);
      }
    }
  } else {
    p.Fail(kSyntaxError);
  }
  std::optional<double> min_similarity;
  int exclude = -1;
  while (p.HasNext()) {
    if (p.Consume("MINSIM") && !min_similarity) {
      min_similarity = p.NextDouble();
    } else if (p.Consume("EXCLUDE") && exclude < 0) {
      std::string_view name = p.Next();
      exclude = engagement.SegmentIndex(name);
      if (p.ok() && exclude < 0) p.Fail(StrCat("ERR unknown segment '", name, "'"));
    } else {
      p.Fail(kSyntaxError);
    }
  }
  if (!p.ok()) return ctx.reply.Error(p.error());
  auto excluded = [&](store::CustomerIndex c) {
    return exclude >= 0 && engagement.InSegment(exclude, c);
  };
  auto best = server.insight().Lookalike(seeds, static_cast<size_t>(k), min_similarity, excluded,
                                         server.clock().NowMs());
  if (!best) return ctx.reply.Error("ERR no usable seed");
  ctx.reply.Array(best->size());
  for (auto [c, similarity] : *best) {
    ctx.reply.Array(2);
    ctx.reply.Bulk(server.store().CustomerId(c));
    ctx.reply.Double(similarity);
  }
}

const CommandSpec kInsightCommands[] = {
    {.name = "stats",
     .arity = 1,
     .flags = kReadonly,
     .handler = HandleStats,
     .summary = "Customers, events, score distributions, revenue, funnel, messages, badges.",
     .group = "insight",
     .acl = "@read @slow @insight",
     .complexity = "O(N) in the customers"},
    {.name = "stats.histogram",
     .arity = -2,
     .flags = kReadonly,
     .handler = HandleHistogram,
     .summary = "Equal-width histogram of a category's (or the total) scores.",
     .syntax = "category [BUCKETS n:integer]",
     .group = "insight",
     .acl = "@read @slow @insight",
     .complexity = "O(N)"},
    {.name = "stats.revenue",
     .arity = -2,
     .flags = kReadonly,
     .handler = HandleRevenue,
     .summary = "Revenue by score band (customers sorted by score, cut into n bands).",
     .syntax = "category [BANDS n:integer]",
     .group = "insight",
     .acl = "@read @slow @insight",
     .complexity = "O(N log N)"},
    {.name = "stats.series",
     .arity = -2,
     .flags = kReadonly,
     .handler = HandleSeries,
     .summary = "Daily events, revenue or new customers over the last n days.",
     .syntax = "EVENTS|REVENUE|CUSTOMERS [DAYS n:integer]",
     .group = "insight",
     .acl = "@read @slow @insight",
     .complexity = "O(days), O(N) for customers"},
    {.name = "lookalike",
     .arity = -4,
     .flags = kReadonly,
     .handler = HandleLookalike,
     .summary = "Customers most similar (cosine of score vectors) to seed customers.",
     .syntax = "k:integer (SEED (id ...) | SEGMENT segment) [MINSIM x:double] "
               "[EXCLUDE segment]",
     .group = "insight",
     .acl = "@read @slow @insight",
     .complexity = "O(N·C) in customers and categories"},
    {.name = "rfm",
     .arity = 2,
     .flags = kReadonly,
     .handler = HandleRfm,
     .summary = "Recency, frequency and monetary quintile scores of a customer.",
     .syntax = "customer",
     .group = "insight",
     .acl = "@read @slow @insight",
     .complexity = "O(N)",
     .first_key = 1,
     .last_key = 1,
     .step = 1},
};

}  // namespace

void RegisterInsightCommands(CommandTable& table) { table.Add(kInsightCommands); }

}  // namespace kizuna::server
