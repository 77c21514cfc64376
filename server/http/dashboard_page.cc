#include "server/http/dashboard_page.h"

namespace kizuna::server {

// Each chart is an <svg class="chart" data-chart="..."> of <rect class="bar" data-value="...">
// elements (one per value), so a test — or a person — can check what was drawn. `/?refresh=ms`
// changes the refresh period (default 5 s).
std::string_view DashboardPage() {
  static constexpr std::string_view kPage = R"HTML(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kizuna</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;margin:1.5rem;background:#fafafa;color:#222}
h1{font-size:1.3rem;margin:0 0 .2rem} .sub{color:#666;margin-bottom:1rem}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:1rem}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.8rem}
.card h2{font-size:.95rem;margin:0 0 .5rem} .kpi{font-size:1.6rem;font-weight:600}
svg.chart{width:100%;height:170px} rect.bar{fill:#4a7bd0} rect.bar.alt{fill:#d07b4a}
text{font-size:9px;fill:#555} text.val{fill:#222} .err{color:#b00} #kpis{margin-bottom:1rem}
</style></head><body>
<h1>kizuna</h1><div class="sub" id="sub">loading…</div>
<div class="grid" id="kpis"></div>
<div class="grid" id="charts"></div>
<script>
"use strict";
const fmt = v => (Math.abs(v) >= 1000 ? Math.round(v).toLocaleString() : +v.toFixed(2));
function bars(title, name, labels, values, alt) {
  // Few bars: every label under its bar and every value above it. Many (daily series): the
  // first, middle and last labels and the highest value.
  const w = 320, top = 14, h = 126, n = Math.max(values.length, 1), max = Math.max(...values, 1e-9);
  const bw = w / n, few = values.length <= 12;
  let svg = `<svg class="chart" data-chart="${name}" viewBox="0 0 ${w} ${top + h + 16}">`;
  values.forEach((v, i) => {
    const bh = Math.max(0, v) / max * h, x = i * bw + 1, mid = i * bw + bw / 2;
    svg += `<rect class="bar${alt ? " alt" : ""}" x="${x}" y="${top + h - bh}" ` +
           `width="${Math.max(bw - 2, 1)}" height="${bh}" data-value="${v}">` +
           `<title>${labels[i]}: ${fmt(v)}</title></rect>`;
    if (few) {
      svg += `<text class="val" x="${mid}" y="${top + h - bh - 3}" text-anchor="middle">${fmt(v)}</text>` +
             `<text x="${mid}" y="${top + h + 12}" text-anchor="middle">${labels[i]}</text>`;
    }
  });
  if (!few && labels.length) {
    const m = Math.floor(labels.length / 2);
    svg += `<text x="0" y="${top + h + 12}">${labels[0]}</text>` +
           `<text x="${m * bw + bw / 2}" y="${top + h + 12}" text-anchor="middle">${labels[m]}</text>` +
           `<text x="${w}" y="${top + h + 12}" text-anchor="end">${labels[labels.length - 1]}</text>` +
           `<text class="val" x="0" y="10">max ${fmt(Math.max(...values, 0))}</text>`;
  }
  return `<div class="card"><h2>${title}</h2>${svg}</svg></div>`;
}
const day = ms => new Date(ms).toISOString().slice(5, 10);
async function refresh() {
  try {
    // Relative to the page, minus user:password@ (a page opened with credentials in its
    // address may not fetch URLs holding them); the browser's cached Basic credentials go along.
    const url = new URL("api/stats", location.href);
    url.username = url.password = "";
    const r = await fetch(url, {credentials: "same-origin"});
    if (!r.ok) throw new Error("HTTP " + r.status);
    const s = await r.json();
    document.getElementById("sub").textContent = "updated " + new Date().toLocaleTimeString();
    const kpi = (t, v) => `<div class="card"><h2>${t}</h2><div class="kpi">${fmt(v)}</div></div>`;
    document.getElementById("kpis").innerHTML =
      kpi("Customers", s.customers) + kpi("Events", s.events) + kpi("Revenue", s.revenue) +
      kpi("Buyers", s.buyers) + kpi("Messages sent", s.messages.sent);
    let html = "";
    for (const [cat, buckets] of Object.entries(s.histograms)) {
      html += bars(`Score distribution: ${cat}`, `histogram-${cat}`,
                   buckets.map(b => fmt(b[0])), buckets.map(b => b[2]));
    }
    const bands = s.revenue_bands;
    html += bars("Revenue per score band (total)", "revenue-bands",
                 bands.map(b => fmt(b.low)), bands.map(b => b.revenue), true);
    const f = s.funnel;
    html += bars("Repeat-purchase funnel", "funnel", ["1+", "2+", "3+", "4+", "5+"],
                 [f.f1, f.f2, f.f3, f.f4, f.f5]);
    html += bars("Events per day", "events-per-day", s.series.events.map(p => day(p[0])),
                 s.series.events.map(p => p[1]));
    html += bars("Revenue per day", "revenue-per-day", s.series.revenue.map(p => day(p[0])),
                 s.series.revenue.map(p => p[1]), true);
    const m = s.messages;
    html += bars("Messages", "messages", ["sent", "capped", "cancelled", "pending"],
                 [m.sent, m.capped, m.cancelled, m.pending]);
    document.getElementById("charts").innerHTML = html;
  } catch (e) {
    document.getElementById("sub").innerHTML = `<span class="err">${e}</span>`;
  }
}
const period = Math.max(100, +new URLSearchParams(location.search).get("refresh") || 5000);
refresh();
setInterval(refresh, period);
</script></body></html>
)HTML";
  return kPage;
}

}  // namespace kizuna::server
