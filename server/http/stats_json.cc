#include "server/http/stats_json.h"

#include <cstdio>
#include <string_view>

#include "protocol/reply_writer.h"
#include "server/server.h"
#include "store/insight.h"
#include "store/strings.h"
#include "store/triggers.h"

namespace kizuna::server {
namespace {

// A minimal JSON writer: objects and arrays with commas placed by a per-level "first" flag.
class Json {
 public:
  Json& Open(char c) {
    Comma();
    out_ += c;
    first_.push_back(true);
    return *this;
  }
  Json& Close(char c) {
    out_ += c;
    first_.pop_back();
    return *this;
  }
  Json& Key(std::string_view k) {
    String(k);
    out_ += ':';
    after_key_ = true;
    return *this;
  }
  Json& String(std::string_view s) {
    Comma();
    out_ += '"';
    for (char c : s) {
      auto u = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\') {
        out_ += '\\';
        out_ += c;
      } else if (u < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof(buf), "\\u%04x", u);
        out_ += buf;
      } else {
        out_ += c;
      }
    }
    out_ += '"';
    return *this;
  }
  Json& Number(double v) {
    Comma();
    char buf[32];
    out_.append(buf, protocol::FormatDouble(v, buf));
    return *this;
  }
  Json& Integer(uint64_t v) {
    Comma();
    StrAppend(&out_, v);
    return *this;
  }
  std::string Take() { return std::move(out_); }

 private:
  void Comma() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_.empty()) {
      if (!first_.back()) out_ += ',';
      first_.back() = false;
    }
  }
  std::string out_;
  std::vector<bool> first_;
  bool after_key_ = false;
};

}  // namespace

std::string BuildStatsJson(Server& server) {
  store::TimeMs now = server.clock().NowMs();
  store::Insight& insight = server.insight();
  store::StatsSummary s = insight.Summary(now);
  Json j;
  j.Open('{');
  j.Key("customers").Integer(s.customers);
  j.Key("events").Integer(s.events);
  j.Key("events_by_action").Open('{');
  for (auto [action, n] : s.events_by_action) j.Key(action).Integer(n);
  j.Close('}');
  j.Key("scores").Open('{');
  for (const auto& [name, sum] : s.scores) {
    j.Key(name).Open('{');
    j.Key("mean").Number(sum.mean).Key("p50").Number(sum.p50).Key("p90").Number(sum.p90);
    j.Key("p99").Number(sum.p99).Key("max").Number(sum.max);
    j.Close('}');
  }
  j.Close('}');
  j.Key("revenue").Number(s.revenue);
  j.Key("purchases").Integer(s.purchases);
  j.Key("buyers").Integer(s.buyers);
  j.Key("funnel").Open('{');
  for (size_t n = 1; n <= 5; ++n) j.Key(StrCat("f", n)).Integer(s.funnel[n - 1]);
  j.Close('}');
  j.Key("repeat_rate").Open('{');
  for (size_t n = 2; n <= 5; ++n) {
    uint64_t prev = s.funnel[n - 2];
    j.Key(StrCat("f", n))
        .Number(prev ? static_cast<double>(s.funnel[n - 1]) / static_cast<double>(prev) : 0);
  }
  j.Close('}');
  store::MessageCounts m = server.triggers().counts();
  j.Key("messages").Open('{');
  j.Key("sent").Integer(m.sent).Key("capped").Integer(m.capped);
  j.Key("cancelled").Integer(m.cancelled).Key("pending").Integer(m.pending);
  j.Close('}');
  j.Key("badges").Open('{');
  for (const auto& b : server.engagement().Badges()) j.Key(b.name).Integer(b.count);
  j.Close('}');

  // For the dashboard: histograms per category and total, revenue bands by total, series.
  const store::CategorySet& cats = server.store().categories();
  j.Key("histograms").Open('{');
  for (size_t k = 0; k <= cats.size(); ++k) {
    bool total = k == cats.size();
    j.Key(total ? std::string_view("total") : std::string_view(cats.all()[k].name)).Open('[');
    for (const auto& b : insight.Histogram(total ? store::kTotal : static_cast<int>(k), 10, now)) {
      j.Open('[').Number(b.low).Number(b.high).Integer(b.count).Close(']');
    }
    j.Close(']');
  }
  j.Close('}');
  j.Key("revenue_bands").Open('[');
  for (const auto& b : insight.Revenue(store::kTotal, 10, now)) {
    j.Open('{');
    j.Key("low").Number(b.low).Key("high").Number(b.high).Key("customers").Integer(b.customers);
    j.Key("buyers").Integer(b.buyers).Key("revenue").Number(b.revenue);
    j.Close('}');
  }
  j.Close(']');
  using Series = store::Insight::Series;
  j.Key("series").Open('{');
  const std::pair<std::string_view, Series> series[] = {{"events", Series::kEvents},
                                                        {"revenue", Series::kRevenue},
                                                        {"customers", Series::kCustomers}};
  for (auto [name, what] : series) {
    j.Key(name).Open('[');
    for (auto [day, value] : insight.DailySeries(what, 30, now)) {
      j.Open('[').Integer(static_cast<uint64_t>(day)).Number(value).Close(']');
    }
    j.Close(']');
  }
  j.Close('}');
  j.Close('}');
  return j.Take();
}

}  // namespace kizuna::server
