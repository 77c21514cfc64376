"""STATS, STATS.HISTOGRAM, STATS.REVENUE, STATS.SERIES and RFM on small hand-computed cases
(SPEC §2 "Insight"), in RESP2 and RESP3 shapes, with Redis-style errors."""
import pytest
import redis

DAY = 86_400_000


def as_map(flat):
    return dict(zip(flat[::2], flat[1::2]))


def now(r):
    return int(r.execute_command("DEBUG", "CLOCK", "GET"))


@pytest.fixture
def r(server):
    c = server.client()
    c.execute_command("RULE.SET", "view", "ACTION", "view", "POINTS", "product", 1)
    c.execute_command("RULE.SET", "buy", "ACTION", "purchase", "POINTS", "product", 2,
                      "lifestyle", 1)
    return c


def shop(r):
    """Buyers a (1 purchase of 100, 10 days ago), b (2 of 25, 1 day ago), c (3, 300 in all,
    today); d only views."""
    t = now(r)
    r.execute_command("EVENT", "a", "purchase", "VALUE", 100, "TS", t - 10 * DAY)
    for _ in range(2):
        r.execute_command("EVENT", "b", "purchase", "VALUE", 25, "TS", t - DAY)
    for v in (100, 150, 50):
        r.execute_command("EVENT", "c", "purchase", "VALUE", v, "TS", t)
    for _ in range(4):
        r.execute_command("EVENT", "d", "view", "TS", t)
    return t


def test_stats_summary(r):
    shop(r)
    r.execute_command("BADGE.SET", "buyer", "WHEN", "frequency >= 1")
    r.execute_command("EVENT", "c", "view")
    s = as_map(r.execute_command("STATS"))
    assert s[b"customers"] == 4 and s[b"events"] == 11
    assert as_map(s[b"events_by_action"]) == {b"purchase": 6, b"view": 5}
    scores = as_map(s[b"scores"])
    # product: a 2, b 4, c 7, d 4 -> sorted 2 4 4 7; p50 at ceil(2)-1 = 1 -> 4; p90, p99 -> 7
    assert as_map(scores[b"product"]) == {b"mean": b"4.25", b"p50": b"4", b"p90": b"7",
                                          b"p99": b"7", b"max": b"7"}
    assert as_map(scores[b"total"])[b"max"] == b"10"
    assert as_map(scores[b"lifestance"]) == {k: b"0" for k in (b"mean", b"p50", b"p90",
                                                                b"p99", b"max")}
    assert s[b"revenue"] == b"450" and s[b"purchases"] == 6 and s[b"buyers"] == 3
    assert as_map(s[b"funnel"]) == {b"f1": 3, b"f2": 2, b"f3": 1, b"f4": 0, b"f5": 0}
    assert as_map(s[b"repeat_rate"]) == {b"f2": b"0.6666666666666666", b"f3": b"0.5",
                                         b"f4": b"0", b"f5": b"0"}
    assert as_map(s[b"messages"]) == {b"sent": 0, b"capped": 0, b"cancelled": 0, b"pending": 0}
    assert as_map(s[b"badges"]) == {b"buyer": 1}  # awarded on c's later event only


def test_stats_on_an_empty_server_and_resp3(server, r):
    s = as_map(r.execute_command("STATS"))
    assert s[b"customers"] == 0 and as_map(s[b"funnel"])[b"f1"] == 0
    conn = server.raw()
    conn.command("HELLO", "3")
    reply = conn.command("STATS")
    assert type(reply).__name__ == "Map"


def test_histogram_buckets(r):
    assert r.execute_command("STATS.HISTOGRAM", "product") == []
    t = now(r)
    for cid, views in (("a", 0), ("b", 2), ("c", 5), ("d", 10)):
        r.execute_command("EVENT", cid, "signup", "TS", t)
        for _ in range(views):
            r.execute_command("EVENT", cid, "view", "TS", t)
    assert r.execute_command("STATS.HISTOGRAM", "product", "BUCKETS", 5) == [
        [b"0", b"2", 1], [b"2", b"4", 1], [b"4", b"6", 1], [b"6", b"8", 0], [b"8", b"10", 1]]
    assert len(r.execute_command("STATS.HISTOGRAM", "total")) == 10
    assert r.execute_command("STATS.HISTOGRAM", "lifestyle") == [[b"0", b"0", 4]]


def test_revenue_bands(r):
    shop(r)
    r.execute_command("EVENT", "e", "view")  # ties d on product 4? no: e has 1
    bands = [as_map(b) for b in r.execute_command("STATS.REVENUE", "product", "BANDS", 2)]
    # sorted ascending: e 1, a 2, b 4, d 4, c 7 -> bands [0,2) and [2,5)
    assert bands == [
        {b"low": b"1", b"high": b"2", b"customers": 2, b"buyers": 1, b"revenue": b"100",
         b"revenue_per_customer": b"50"},
        {b"low": b"4", b"high": b"6", b"customers": 3, b"buyers": 2, b"revenue": b"350",
         b"revenue_per_customer": b"116.66666666666667"}]
    assert len(r.execute_command("STATS.REVENUE", "total")) == 5  # N < 10: empty bands left out


def test_daily_series(r):
    t = shop(r)
    today = t // DAY * DAY
    events = r.execute_command("STATS.SERIES", "events", "DAYS", 11)
    assert len(events) == 11 and events[-1] == [today, 7] and events[0] == [today - 10 * DAY, 1]
    assert events[-2] == [today - DAY, 2]
    revenue = r.execute_command("STATS.SERIES", "revenue", "DAYS", 2)
    assert revenue == [[today - DAY, b"50"], [today, b"300"]]
    customers = r.execute_command("STATS.SERIES", "customers")
    assert len(customers) == 30 and customers[-1] == [today, 2] and sum(v for _, v in customers) == 4


def test_rfm(r):
    shop(r)
    assert r.execute_command("RFM", "d") is None
    assert r.execute_command("RFM", "nobody") is None
    assert as_map(r.execute_command("RFM", "b")) == {
        b"r": 2, b"f": 2, b"m": 1, b"recency": 1, b"frequency": 2, b"monetary": b"50"}
    assert as_map(r.execute_command("RFM", "c")) == {
        b"r": 4, b"f": 4, b"m": 4, b"recency": 0, b"frequency": 3, b"monetary": b"300"}


def test_bad_arguments(r):
    bad = [
        (("STATS.HISTOGRAM", "colour"), "unknown category 'colour'"),
        (("STATS.HISTOGRAM", "product", "BUCKETS", 0), "buckets must be between 1 and 1000"),
        (("STATS.HISTOGRAM", "product", "BUCKETS", "x"), "not an integer"),
        (("STATS.HISTOGRAM", "product", "BUCKETS"), "syntax error"),
        (("STATS.REVENUE", "product", "BANDS", 2, "x"), "syntax error"),
        (("STATS.SERIES", "clicks"), "unknown series"),
        (("STATS.SERIES", "events", "DAYS", 0), "days must be between 1 and 3660"),
        (("STATS", "x"), "wrong number of arguments"),
        (("RFM",), "wrong number of arguments"),
    ]
    for args, message in bad:
        with pytest.raises(redis.ResponseError) as error:
            r.execute_command(*args)
        assert message in str(error.value), (args, str(error.value))
