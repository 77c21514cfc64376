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


def lookalike(r, *args):
    return [(cid.decode(), float(sim)) for cid, sim in r.execute_command("LOOKALIKE", *args)]


def test_lookalike_small_cases(r):
    r.execute_command("RULE.SET", "life", "ACTION", "life", "POINTS", "lifestyle", 1)
    r.execute_command("RULE.SET", "stance", "ACTION", "stance", "POINTS", "lifestance", 1)
    vectors = {"s1": (1, 0, 0), "s2": (0, 1, 0), "a": (1, 1, 0), "b": (2, 2, 0), "c": (0, 0, 3),
               "d": (1, 0, 0), "z": (0, 0, 0)}
    for cid, (p, l, s) in vectors.items():
        r.execute_command("EVENT", cid, "signup")
        for action, n in (("view", p), ("life", l), ("stance", s)):
            for _ in range(n):
                r.execute_command("EVENT", cid, action)
    # mean of unit seeds (1,0,0),(0,1,0) -> direction (1,1,0)/sqrt2: a and b are identical in
    # direction (tie -> by id), d is at 45 degrees, c is orthogonal, z (all zero) is skipped.
    got = lookalike(r, 10, "SEED", "s1", "s2", "nosuch")
    assert [cid for cid, _ in got] == ["a", "b", "d", "c"]
    assert got[0][1] == pytest.approx(1.0) and got[2][1] == pytest.approx(2 ** -0.5)
    assert got[3][1] == 0
    assert [cid for cid, _ in lookalike(r, 2, "SEED", "s1", "s2")] == ["a", "b"]
    assert [cid for cid, _ in lookalike(r, 10, "SEED", "s1", "s2", "MINSIM", "0.5")] == \
        ["a", "b", "d"]
    r.execute_command("SEGMENT.SET", "pair", "WHERE", "product >= 1 AND lifestyle >= 1")
    assert [cid for cid, _ in lookalike(r, 10, "SEGMENT", "pair")] == ["d", "s1", "s2", "c"]
    assert [cid for cid, _ in lookalike(r, 10, "SEED", "s1", "s2", "EXCLUDE", "pair")] == \
        ["d", "c"]
    assert lookalike(r, 0, "SEED", "s1") == []
    for args, message in (((3, "SEED", "z", "nosuch"), "no usable seed"),
                          ((3, "SEGMENT", "nosuch"), "unknown segment 'nosuch'"),
                          ((3, "SEED", "a", "EXCLUDE", "nosuch"), "unknown segment 'nosuch'"),
                          ((-1, "SEED", "a"), "k must be zero or more"),
                          (("x", "SEED", "a"), "not an integer"),
                          ((3, "SEED", "MINSIM", "1"), "syntax error"),
                          ((3, "SEED", "a", "MINSIM", "x"), "not a valid float"),
                          ((3, "PEERS", "a"), "syntax error")):
        with pytest.raises(redis.ResponseError) as error:
            r.execute_command("LOOKALIKE", *args)
        assert message in str(error.value), (args, str(error.value))


def test_lookalike_matches_brute_force_on_100k_customers(server):
    import math
    import random
    r = server.client()
    for k, cat in enumerate(("product", "lifestyle", "lifestance")):
        r.execute_command("RULE.SET", f"r{k}", "ACTION", f"a{k}", "POINTS", cat, 1, "PER", 1)
    rng = random.Random(11)
    vectors = {}
    pipe = r.pipeline(transaction=False)
    for i in range(100_000):
        cid = f"c{i:06d}"
        v = tuple(round(rng.uniform(0, 100), 3) if rng.random() < 0.8 else 0.0 for _ in range(3))
        vectors[cid] = v
        for k, x in enumerate(v):
            pipe.execute_command("EVENT", cid, f"a{k}", "VALUE", x)
        if i % 5000 == 4999:
            pipe.execute()
    pipe.execute()
    seeds = ["c000001", "c000002", "c000003"]
    direction = [0.0, 0.0, 0.0]
    for s in seeds:
        norm = math.sqrt(sum(x * x for x in vectors[s]))
        for k in range(3):
            direction[k] += vectors[s][k] / norm if norm else 0
    dnorm = math.sqrt(sum(x * x for x in direction))
    expected = {}
    for cid, v in vectors.items():
        norm = math.sqrt(sum(x * x for x in v))
        if cid in seeds or norm == 0:
            continue
        expected[cid] = sum(a * b for a, b in zip(v, direction)) / (norm * dnorm)
    got = lookalike(r, 50, "SEED", *seeds)
    ranked = sorted(expected.items(), key=lambda kv: (-kv[1], kv[0]))
    assert len(got) == 50
    for (cid, sim), (want_cid, want_sim) in zip(got, ranked[:50]):
        assert sim == pytest.approx(expected[cid], abs=1e-12)
        assert sim == pytest.approx(want_sim, abs=1e-12)  # same order up to rounding ties
    assert all(a[1] >= b[1] for a, b in zip(got, got[1:]))
    # MINSIM keeps exactly those at or above it (up to rounding right at the threshold).
    threshold = ranked[999][1]
    kept = len(lookalike(r, 100000, "SEED", *seeds, "MINSIM", repr(threshold)))
    above = sum(1 for s in expected.values() if s > threshold + 1e-12)
    near = sum(1 for s in expected.values() if abs(s - threshold) <= 1e-12)
    assert above <= kept <= above + near and above + near >= 1000
