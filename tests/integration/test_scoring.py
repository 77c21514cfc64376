"""Scoring core over the wire: CATEGORY/RULE definitions, EVENT, SCORE, CUSTOMER, TOP, RANK,
DBSIZE, FLUSHALL and INFO, with exact reply shapes (RESP2 and RESP3) and Redis-style errors
that leave state unchanged."""
import os
import subprocess

import pytest
import redis

from conftest import SERVER_BIN

MIN = 60_000
DAY = 86_400_000


def rules(r):
    r.execute_command("RULE.SET", "view", "ACTION", "view", "POINTS", "product", 3, "lifestyle", 5)
    r.execute_command("RULE.SET", "purchase", "ACTION", "purchase", "POINTS", "product", 8,
                      "lifestyle", 1, "lifestance", 1)
    r.execute_command("RULE.SET", "visit", "ACTION", "visit", "POINTS", "product", 5)


def now(r):
    return int(r.execute_command("DEBUG", "CLOCK", "GET"))


def snapshot(r):
    """Everything a bad command must leave unchanged."""
    info = r.info("scoring")
    events = [info[k] for k in ("events", "customers", "rules", "categories", "dedupe_ids")]
    return (r.execute_command("SCORE", "alice"), r.execute_command("CUSTOMER", "alice"),
            r.execute_command("CATEGORY.LIST"), r.execute_command("RULE.LIST"),
            [r.execute_command("RULE.GET", i) for i in r.execute_command("RULE.LIST")],
            r.execute_command("TOP", "total", 10, "WITHSCORES"), r.dbsize(), events)


@pytest.fixture
def r(server):
    c = server.client()
    rules(c)
    return c


def test_issue_worked_example(r):
    assert r.execute_command("EVENT", "alice", "view") == b"8"
    assert r.execute_command("EVENT", "alice", "purchase") == b"18"
    assert r.execute_command("EVENT", "alice", "visit") == b"23"
    assert r.execute_command("SCORE", "alice") == [b"product", b"16", b"lifestyle", b"6",
                                                   b"lifestance", b"1", b"total", b"23"]
    assert r.execute_command("SCORE", "alice", "total") == b"23"
    assert r.execute_command("SCORE", "alice", "lifestance") == b"1"


def test_customer_reply(r):
    t = now(r)
    r.execute_command("EVENT", "alice", "view", "TS", t - 1000)
    r.execute_command("EVENT", "alice", "purchase", "VALUE", "12.5", "TS", t - 500)
    r.execute_command("EVENT", "alice", "view", "ITEM", "product:A")
    reply = r.execute_command("CUSTOMER", "alice")
    assert reply == [
        b"scores", [b"product", b"14", b"lifestyle", b"11", b"lifestance", b"1", b"total", b"26"],
        b"counts", [b"view", 2, b"purchase", 1],
        b"badges", [], b"segments", [],
        b"first_seen", t - 1000, b"last_seen", t,
        b"frequency", 1, b"monetary", b"12.5", b"last_purchase", t - 500,
        b"pending", []]
    r.execute_command("EVENT", "bob", "view")
    assert r.execute_command("CUSTOMER", "bob")[17] is None  # last_purchase


def test_nulls_resp2(server, r):
    conn = server.raw()
    assert conn.request(b"SCORE nobody\r\n") == b"*0\r\n"
    assert conn.request(b"SCORE nobody product\r\n") == b"$-1\r\n"
    assert conn.request(b"CUSTOMER nobody\r\n") == b"*-1\r\n"
    assert conn.request(b"RANK nobody total\r\n") == b"$-1\r\n"
    assert conn.request(b"RULE.GET nothing\r\n") == b"*-1\r\n"
    assert conn.request(b"CUSTOMER.DEL nobody\r\n") == b":0\r\n"
    assert conn.request(b"TOP total 5\r\n") == b"*0\r\n"


def test_resp3_shapes(server, r):
    r.execute_command("EVENT", "a", "view")
    r.execute_command("EVENT", "b", "visit")
    conn = server.raw()
    assert conn.request(b"HELLO 3\r\n", terminator=b"modules").startswith(b"%")
    conn.recv_until(terminator=b"*0\r\n", timeout=0.2)
    assert conn.request(b"SCORE a\r\n", terminator=b",8\r\n") == (
        b"%4\r\n$7\r\nproduct\r\n,3\r\n$9\r\nlifestyle\r\n,5\r\n$10\r\nlifestance\r\n,0\r\n"
        b"$5\r\ntotal\r\n,8\r\n")
    assert conn.request(b"SCORE nobody product\r\n") == b"_\r\n"
    assert conn.request(b"CUSTOMER nobody\r\n") == b"_\r\n"
    assert conn.request(b"TOP total 2 WITHSCORES\r\n", terminator=b",5\r\n") == (
        b"*2\r\n*2\r\n$1\r\na\r\n,8\r\n*2\r\n$1\r\nb\r\n,5\r\n")
    assert conn.request(b"RULE.GET visit\r\n", terminator=b"_\r\n") == (
        b"%4\r\n$6\r\naction\r\n$5\r\nvisit\r\n$4\r\nitem\r\n_\r\n$6\r\npoints\r\n%1\r\n"
        b"$7\r\nproduct\r\n,5\r\n$3\r\nper\r\n_\r\n")
    assert conn.request(b"CATEGORY.LIST\r\n", terminator=b":0\r\n*2") .startswith(b"*3\r\n*2\r\n")


def test_top_rank_order_and_withscores_resp2(r):
    for cust, action in [("b", "view"), ("a", "view"), ("c", "visit"), ("d", "signup")]:
        r.execute_command("EVENT", cust, action)
    assert r.execute_command("TOP", "total", 10) == [b"a", b"b", b"c", b"d"]
    assert r.execute_command("TOP", "product", 2, "WITHSCORES") == [b"c", b"5", b"a", b"3"]
    assert r.execute_command("TOP", "product", 0) == []
    assert r.execute_command("RANK", "c", "product") == 0
    assert r.execute_command("RANK", "d", "total") == 3
    assert r.execute_command("TOP", "total", 2, "withscores") == [b"a", b"8", b"b", b"8"]


def test_rules_definitions(r):
    r.execute_command("RULE.SET", "p", "ACTION", "view", "ITEM", "product:*", "POINTS",
                      "product", "1.5", "PER", "100")
    assert r.execute_command("RULE.GET", "p") == [b"action", b"view", b"item", b"product:*",
                                                  b"points", [b"product", b"1.5"], b"per", b"100"]
    assert r.execute_command("RULE.LIST") == [b"p", b"purchase", b"view", b"visit"]
    # Any clause order; negative points.
    r.execute_command("RULE.SET", "u", "POINTS", "lifestance", "-2", "ACTION", "unsub")
    assert r.execute_command("EVENT", "x", "view", "ITEM", "product:A", "VALUE", "200") == b"11"
    assert r.execute_command("EVENT", "x", "view", "ITEM", "page:/") == b"19"
    assert r.execute_command("EVENT", "x", "unsub") == b"17"
    assert r.execute_command("RULE.DEL", "p") == 1
    assert r.execute_command("RULE.DEL", "p") == 0
    assert r.execute_command("RULE.GET", "p") is None


def test_categories_and_decay(server, r):
    assert r.execute_command("CATEGORY.LIST") == [[b"product", 0], [b"lifestyle", 0],
                                                  [b"lifestance", 0]]
    assert r.execute_command("CATEGORY.SET", "product", "HALFLIFE", "1d") == b"OK"
    r.execute_command("CATEGORY.SET", "loyalty", "HALFLIFE", "500ms")
    assert r.execute_command("CATEGORY.LIST")[0] == [b"product", DAY]
    assert r.execute_command("CATEGORY.LIST")[3] == [b"loyalty", 500]
    r.execute_command("EVENT", "a", "view")
    r.execute_command("DEBUG", "CLOCK", "ADVANCE", "1d")
    assert r.execute_command("SCORE", "a", "product") == b"1.5"
    assert r.execute_command("SCORE", "a", "lifestyle") == b"5"
    # Out of order: an event 1 day old adds half its points.
    assert r.execute_command("EVENT", "a", "visit", "TS", now(r) - DAY) == b"9"
    # Redefinition decays to now under the old half-life, then NODECAY keeps it.
    r.execute_command("DEBUG", "CLOCK", "ADVANCE", "1d")
    assert r.execute_command("CATEGORY.SET", "product", "NODECAY") == b"OK"
    r.execute_command("DEBUG", "CLOCK", "ADVANCE", "30d")
    assert r.execute_command("SCORE", "a", "product") == b"2"
    assert r.execute_command("CATEGORY.SET", "product") == b"OK"  # no option: no decay


def test_event_ts_limit_and_dedupe(r):
    t = now(r)
    assert r.execute_command("EVENT", "a", "view", "TS", t + 5 * MIN) == b"8"  # exactly 5 min
    with pytest.raises(redis.ResponseError, match="more than 5 minutes in the future"):
        r.execute_command("EVENT", "a", "view", "TS", t + 5 * MIN + 1)
    assert r.execute_command("EVENT", "a", "visit", "ID", "e1") == b"13"
    assert r.execute_command("EVENT", "a", "visit", "ID", "e1") == b"13"  # duplicate
    assert r.execute_command("EVENT", "a", "visit", "ID", "e1", "TS", t - DAY) == b"13"  # |Δ|=24h
    assert r.execute_command("EVENT", "a", "visit", "ID", "e1", "TS", t - DAY - 1) == b"18"
    r.config_set("dedupe-window", "1s")
    assert r.execute_command("EVENT", "a", "visit", "ID", "e9", "TS", t) == b"23"
    assert r.execute_command("EVENT", "a", "visit", "ID", "e9", "TS", t + 1001) == b"28"
    assert r.execute_command("CUSTOMER.DEL", "a") == 1
    assert r.execute_command("EVENT", "a", "visit", "ID", "e1") == b"5"  # ids forgotten
    info = r.info("scoring")
    assert info["events_deduped"] == 2 and info["dedupe_ids"] == 1


def test_dbsize_flushall_info(r):
    assert r.info("keyspace") == {}
    for i in range(5):
        r.execute_command("EVENT", f"c{i}", "view")
    assert r.dbsize() == 5
    assert r.info("keyspace") == {"db0": {"keys": 5, "expires": 0, "avg_ttl": 0}}
    info = r.info("scoring")
    assert (info["customers"], info["events"], info["categories"], info["rules"]) == (5, 5, 3, 3)
    assert info["dedupe_ids"] == 0 and info["store_memory_bytes"] > 0
    assert r.execute_command("FLUSHALL") is True
    assert r.dbsize() == 0
    assert r.execute_command("RULE.LIST") == [b"purchase", b"view", b"visit"]
    assert r.execute_command("EVENT", "c1", "view") == b"8"


def test_command_info_keys_and_flags(r):
    r.set_response_callback("COMMAND", lambda response, **kw: response)
    info = r.execute_command("COMMAND", "INFO", "event", "score", "top", "rank", "customer.del")
    assert info[0][1] == -3 and info[0][3:6] == [1, 1, 1] and b"write" in info[0][2]
    assert info[1][3:6] == [1, 1, 1] and b"readonly" in info[1][2]
    assert info[2][3:6] == [0, 0, 0]
    assert info[3][1] == 3 and info[3][3:6] == [1, 1, 1]
    assert info[4][3:6] == [1, 1, 1] and b"write" in info[4][2]


BAD = [
    # (command, expected error text or prefix)
    (["EVENT", "alice"], "wrong number of arguments for 'event' command"),
    (["EVENT", "alice", "view", "BOGUS"], "syntax error"),
    (["EVENT", "alice", "view", "ITEM"], "syntax error"),
    (["EVENT", "alice", "view", "VALUE", "abc"], "value is not a valid float"),
    (["EVENT", "alice", "view", "VALUE", "nan"], "value is not a valid float"),
    (["EVENT", "alice", "view", "VALUE", "inf"], "value is not a valid float"),
    (["EVENT", "alice", "view", "TS", "1.5"], "value is not an integer or out of range"),
    (["EVENT", "alice", "view", "TS", "-1"], "invalid timestamp"),
    (["EVENT", "alice", "view", "TS", "99999999999999"],
     "timestamp is more than 5 minutes in the future"),
    (["EVENT", "", "view"], "invalid customer id (must be 1 to 256 bytes)"),
    (["EVENT", "x" * 257, "view"], "invalid customer id (must be 1 to 256 bytes)"),
    (["EVENT", "alice", ""], "invalid action ''"),
    (["EVENT", "alice", "a b"], "invalid action 'a b'"),
    (["EVENT", "alice", "view", "ID"], "syntax error"),
    (["SCORE"], "wrong number of arguments for 'score' command"),
    (["SCORE", "alice", "nope"], "unknown category 'nope'"),
    (["SCORE", "alice", "product", "x"], "syntax error"),
    (["CUSTOMER"], "wrong number of arguments for 'customer' command"),
    (["CUSTOMER", "a", "b"], "wrong number of arguments for 'customer' command"),
    (["CUSTOMER.DEL"], "wrong number of arguments for 'customer.del' command"),
    (["TOP", "total"], "wrong number of arguments for 'top' command"),
    (["TOP", "nope", "3"], "unknown category 'nope'"),
    (["TOP", "total", "x"], "value is not an integer or out of range"),
    (["TOP", "total", "-1"], "value is out of range, must be positive"),
    (["TOP", "total", "3", "WITHSCORE"], "syntax error"),
    (["TOP", "total", "3", "WITHSCORES", "x"], "syntax error"),
    (["RANK", "alice"], "wrong number of arguments for 'rank' command"),
    (["RANK", "alice", "nope"], "unknown category 'nope'"),
    (["CATEGORY.SET"], "wrong number of arguments for 'category.set' command"),
    (["CATEGORY.SET", "total"], "category name 'total' is reserved"),
    (["CATEGORY.SET", "Bad"], "invalid category name 'Bad' (expected [a-z0-9_-]{1,32})"),
    (["CATEGORY.SET", "a" * 33], "invalid category name"),
    (["CATEGORY.SET", "a.b"], "invalid category name"),
    (["CATEGORY.SET", "x", "HALFLIFE"], "syntax error"),
    (["CATEGORY.SET", "x", "HALFLIFE", "10"], "invalid duration '10'"),
    (["CATEGORY.SET", "x", "HALFLIFE", "1.5d"], "invalid duration '1.5d'"),
    (["CATEGORY.SET", "x", "HALFLIFE", "-1d"], "invalid duration '-1d'"),
    (["CATEGORY.SET", "x", "HALFLIFE", "1h30m"], "invalid duration '1h30m'"),
    (["CATEGORY.SET", "x", "HALFLIFE", "1y"], "invalid duration '1y'"),
    (["CATEGORY.SET", "x", "HALFLIFE", "1D"], "invalid duration '1D'"),
    (["CATEGORY.SET", "x", "HALFLIFE", "1d", "NODECAY"], "syntax error"),
    (["CATEGORY.SET", "x", "NODECAY", "x"], "syntax error"),
    (["CATEGORY.SET", "x", "FOO"], "syntax error"),
    (["CATEGORY.LIST", "x"], "wrong number of arguments for 'category.list' command"),
    (["RULE.SET", "r", "ACTION", "view", "POINTS", "product"],
     "wrong number of arguments for 'rule.set' command"),
    (["RULE.SET", "r", "ACTION", "view", "ITEM", "a", "POINTS"], "syntax error"),
    (["RULE.SET", "r", "ACTION", "view", "ITEM", "x", "PER", "2"], "syntax error"),
    (["RULE.SET", "r", "ITEM", "x", "POINTS", "product", "1"], "syntax error"),
    (["RULE.SET", "r", "ACTION", "view", "POINTS", "nope", "1"], "unknown category 'nope'"),
    (["RULE.SET", "r", "ACTION", "view", "POINTS", "product", "abc"],
     "value is not a valid float"),
    (["RULE.SET", "r", "ACTION", "view", "POINTS", "product", "inf"],
     "value is not a valid float"),
    (["RULE.SET", "r", "ACTION", "view", "POINTS", "product", "1", "lifestyle"], "syntax error"),
    (["RULE.SET", "r", "ACTION", "view", "POINTS", "product", "1", "PER", "0"],
     "PER must be a positive number"),
    (["RULE.SET", "r", "ACTION", "view", "POINTS", "product", "1", "PER", "-5"],
     "PER must be a positive number"),
    (["RULE.SET", "r", "ACTION", "view", "POINTS", "product", "1", "PER", "x"],
     "value is not a valid float"),
    (["RULE.SET", "r", "ACTION", "view", "ITEM", "a*b", "POINTS", "product", "1"],
     "invalid item pattern 'a*b': '*' is allowed only at the end"),
    (["RULE.SET", "r", "ACTION", "view", "ITEM", "*a", "POINTS", "product", "1"],
     "invalid item pattern"),
    (["RULE.SET", "r", "ACTION", "a b", "POINTS", "product", "1"], "invalid action 'a b'"),
    (["RULE.SET", "r", "ACTION", "view", "POINTS", "product", "1", "EXTRA"], "syntax error"),
    (["RULE.GET"], "wrong number of arguments for 'rule.get' command"),
    (["RULE.DEL"], "wrong number of arguments for 'rule.del' command"),
    (["RULE.LIST", "x"], "wrong number of arguments for 'rule.list' command"),
]


def test_every_bad_argument_is_an_error_and_changes_nothing(r):
    r.execute_command("EVENT", "alice", "view", "ID", "e1")
    r.execute_command("EVENT", "alice", "purchase", "VALUE", "3")
    r.execute_command("EVENT", "bob", "visit")
    before = snapshot(r)
    for args, message in BAD:
        with pytest.raises(redis.ResponseError) as err:
            r.execute_command(*args)
        assert str(err.value).startswith(message), (args, str(err.value))
        assert snapshot(r) == before, args


def test_category_limit(r):
    for i in range(29):
        r.execute_command("CATEGORY.SET", f"c{i}")
    before = snapshot(r)
    with pytest.raises(redis.ResponseError, match="too many categories"):
        r.execute_command("CATEGORY.SET", "one-more")
    assert snapshot(r) == before
    assert r.execute_command("CATEGORY.SET", "c3", "HALFLIFE", "1h") == b"OK"
    assert len(r.execute_command("SCORE", "nobody")) == 0
    r.execute_command("EVENT", "z", "view")
    assert len(r.execute_command("SCORE", "z")) == 2 * 33


def test_init_file_loads_definitions(make_server, workdir):
    path = os.path.join(workdir, "rules.conf")
    with open(path, "w") as f:
        f.write("# scoring rules\n\nCATEGORY.SET loyalty HALFLIFE 30d\n"
                "RULE.SET view ACTION view POINTS product 3 lifestyle 5\n"
                "RULE.SET \"sns share\" ACTION sns ITEM \"page:*\" POINTS loyalty 2\n")
    s = make_server("--init-file", path)
    c = s.client()
    assert c.execute_command("EVENT", "a", "sns", "ITEM", "page:/x") == b"2"
    assert c.execute_command("RULE.LIST") == [b"sns share", b"view"]


def test_init_file_bad_line_stops_startup(workdir):
    path = os.path.join(workdir, "bad.conf")
    with open(path, "w") as f:
        f.write("RULE.SET view ACTION view POINTS product 3\nRULE.SET x ACTION v POINTS nope 1\n")
    out = subprocess.run([SERVER_BIN, "--port", "0", "--appendonly", "no", "--init-file", path],
                         capture_output=True, timeout=30, cwd=workdir)
    assert out.returncode != 0
    assert f"{path}:2:" in (out.stdout + out.stderr).decode()
    assert "unknown category 'nope'" in (out.stdout + out.stderr).decode()
