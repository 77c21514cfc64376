"""The dashboard page `/` in a real browser: headless Chromium loads it from a server with data,
the charts are checked against the server's own STATS replies, the page fetches nothing from
elsewhere, a screenshot is saved under the build directory, and the numbers follow new events
on the next refresh."""
import os
import shutil
import urllib.request

import pytest

from browser import Browser
from conftest import SERVER_BIN, free_port

pytestmark = pytest.mark.skipif(shutil.which("chromium") is None, reason="needs chromium")

ARTIFACTS = os.environ.get("KIZUNA_ARTIFACTS", os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(SERVER_BIN))), "test-artifacts"))

CHARTS = "Object.fromEntries([...document.querySelectorAll('svg.chart')].map(s => " \
         "[s.dataset.chart, [...s.querySelectorAll('rect.bar')].map(r => +r.dataset.value)]))"


@pytest.fixture
def dashboard_server(make_server):
    port = free_port()
    s = make_server("--http-port", str(port), "--message-cap", "1 7d")
    s.http_port = port
    r = s.client()
    for rule in (("view", "view", "product", 3, "lifestyle", 5),
                 ("purchase", "purchase", "product", 8, "lifestyle", 1, "lifestance", 1),
                 ("visit", "visit", "product", 5)):
        r.execute_command("RULE.SET", rule[0], "ACTION", rule[1], "POINTS", *rule[2:])
    # Two messages per signup with a cap of one a week: one sent, one capped; the cart
    # reminders are capped too once due (the last day's are still pending).
    r.execute_command("TRIGGER.SET", "welcome", "ON", "signup", "SEND", "welcome")
    r.execute_command("TRIGGER.SET", "coupon", "ON", "signup", "SEND", "coupon")
    r.execute_command("TRIGGER.SET", "cart", "ON", "cart_add", "DELAY", "1h", "UNLESS",
                      "purchase", "SEND", "cart_reminder")
    # Five days of traffic, growing: 60 customers with different mixes of actions.
    for day in range(5):
        for i in range(12):
            c = f"cust:{day:02d}{i:02d}"
            r.execute_command("EVENT", c, "signup")
            for _ in range(i % 4 + day):
                r.execute_command("EVENT", c, "view")
            for n in range(i % 3):
                r.execute_command("EVENT", c, "purchase", "VALUE", 20 + 15 * i + 5 * n)
            if i % 5 == 0:
                r.execute_command("EVENT", c, "visit")
            if i % 4 == 1:
                r.execute_command("EVENT", c, "cart_add")
        if day < 4:
            s.clock_advance("1d")
    return s


def test_dashboard_renders_the_server_figures(dashboard_server):
    s = dashboard_server
    base = f"http://127.0.0.1:{s.http_port}/"
    with urllib.request.urlopen(base, timeout=10) as page:
        source = page.read().decode()
    # Self-contained: nothing that would load a script, style sheet, font or image.
    for needle in ("src=", "<link", "@import", "url(", "@font-face", "//fonts", "cdn"):
        assert needle not in source, needle
    os.makedirs(ARTIFACTS, exist_ok=True)
    with Browser() as b:
        b.open(base)
        b.wait_for("document.querySelectorAll('svg.chart').length == 9")
        charts = b.eval(CHARTS)
        kpis = b.eval("[...document.querySelectorAll('#kpis .kpi')].map(e => e.textContent)")
        shot = b.screenshot(os.path.join(ARTIFACTS, "dashboard.png"))
        print(f"dashboard screenshot: {shot}")
        urls = b.requested_urls()
    assert urls and all(u.startswith(base) for u in urls), urls
    assert any(u.endswith("/api/stats") for u in urls)

    for cat in ("product", "lifestyle", "lifestance", "total"):
        buckets = s.cmd("STATS.HISTOGRAM", cat)
        assert len(buckets) == 10
        assert charts[f"histogram-{cat}"] == [b[2] for b in buckets], cat
    bands = s.cmd("STATS.REVENUE", "total")
    assert len(bands) == 10
    assert charts["revenue-bands"] == pytest.approx(
        [float(dict(zip(b[::2], b[1::2]))[b"revenue"]) for b in bands])
    stats = s.cmd("STATS")
    stats = dict(zip(stats[::2], stats[1::2]))
    funnel = dict(zip(stats[b"funnel"][::2], stats[b"funnel"][1::2]))
    assert charts["funnel"] == [funnel[f"f{n}".encode()] for n in range(1, 6)]
    assert charts["funnel"][:3] == [40, 20, 0]  # i % 3 purchases: 0, 1 or 2 each
    events = s.cmd("STATS.SERIES", "events")
    assert len(charts["events-per-day"]) == 30
    assert charts["events-per-day"] == [v for _, v in events]
    assert sum(charts["events-per-day"]) == stats[b"events"]
    revenue = s.cmd("STATS.SERIES", "revenue")
    assert charts["revenue-per-day"] == pytest.approx([float(v) for _, v in revenue])
    messages = dict(zip(stats[b"messages"][::2], stats[b"messages"][1::2]))
    assert charts["messages"] == [messages[k] for k in (b"sent", b"capped", b"cancelled",
                                                        b"pending")]
    assert charts["messages"] == [60, 60 + 4 * 3, 0, 3]
    assert kpis[0] == "60" and kpis[1] == str(stats[b"events"])


def test_dashboard_refreshes_live(dashboard_server):
    s = dashboard_server
    r = s.client()
    with Browser() as b:
        b.open(f"http://127.0.0.1:{s.http_port}/?refresh=200")
        b.wait_for("document.querySelectorAll('svg.chart').length == 9")
        before = b.eval("document.querySelector('#kpis .kpi').textContent")
        assert before == "60"
        for i in range(5):
            r.execute_command("EVENT", f"new:{i}", "purchase", "VALUE", 1000)
        after = b.wait_for("document.querySelector('#kpis .kpi').textContent === '65' && "
                           "document.querySelector('svg[data-chart=funnel] rect').dataset.value")
        assert after == "45"


def test_dashboard_behind_requirepass(make_server):
    """With requirepass, a browser given Basic credentials (here in the URL, as a user typing
    them into the browser's prompt would) gets the page and its data; without, a 401."""
    port = free_port()
    s = make_server("--http-port", str(port), "--requirepass", "s3cret")
    r = s.client(password="s3cret")
    r.execute_command("RULE.SET", "view", "ACTION", "view", "POINTS", "product", 3)
    for i in range(12):
        r.execute_command("EVENT", f"c{i}", "view")
    with Browser() as b:
        b.open(f"http://127.0.0.1:{port}/")
        b.wait_for("document.readyState === 'complete'")
        assert b.eval("document.querySelectorAll('svg.chart').length") == 0
        b.open(f"http://default:s3cret@127.0.0.1:{port}/")
        b.wait_for("document.querySelectorAll('svg.chart').length == 9")
        assert b.eval("document.querySelector('#kpis .kpi').textContent") == "12"
