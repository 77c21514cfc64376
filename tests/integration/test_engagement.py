"""Badges and segments over the wire (SPEC §2 "Definitions", EVENT steps 6–7): awards and
memberships kept current by events, exact LIST figures, CUSTOMER fields, errors that change
nothing, and the same state after a restart."""
import pytest
import redis

DAY = 86_400_000
FLAGS = ["--clock", "manual", "--enable-debug-command", "yes"]


def customer(r, cid):
    reply = r.execute_command("CUSTOMER", cid)
    return dict(zip(reply[::2], reply[1::2]))


@pytest.fixture
def r(server):
    c = server.client()
    c.execute_command("RULE.SET", "view", "ACTION", "view", "POINTS", "product", 3, "lifestyle", 5)
    c.execute_command("RULE.SET", "visit", "ACTION", "visit", "POINTS", "product", 5)
    return c


def test_badge_awarded_once_when_predicate_first_holds(server, r):
    assert r.execute_command("BADGE.SET", "store_regular", "WHEN",
                             "count:visit:store:A >= 3") == b"OK"
    t = int(r.execute_command("DEBUG", "CLOCK", "GET"))
    for i in range(5):
        r.execute_command("EVENT", "alice", "visit", "ITEM", "store:A", "TS", t + i)
        r.execute_command("EVENT", "bob", "visit", "ITEM", "store:B", "TS", t + i)
    # Awarded at the TS of the third visit, once.
    assert customer(r, "alice")[b"badges"] == [b"store_regular", t + 2]
    assert customer(r, "bob")[b"badges"] == []
    assert r.execute_command("BADGE.LIST") == [
        [b"store_regular", b"count:visit:store:A >= 3", 1]]
    # Several arguments are joined; a badge may stand alone as a condition (SPEC's example).
    assert r.execute_command("BADGE.SET", "fan", "WHEN", "lifestyle", ">=", "10", "AND",
                             "NOT", "badge:store_regular") == b"OK"
    r.execute_command("EVENT", "carol", "view", "TS", t)
    r.execute_command("EVENT", "carol", "view", "TS", t + 1)
    r.execute_command("EVENT", "alice", "view", "TS", t + 9)
    r.execute_command("EVENT", "alice", "view", "TS", t + 10)
    assert customer(r, "carol")[b"badges"] == [b"fan", t + 1]
    assert customer(r, "alice")[b"badges"] == [b"store_regular", t + 2]
    assert [b[2] for b in r.execute_command("BADGE.LIST")] == [1, 1]
    assert r.execute_command("BADGE.LIST")[1][1] == b"lifestyle >= 10 AND NOT badge:store_regular"


def test_segments_computed_on_definition_and_kept_current(r):
    for cid, views in (("a", 1), ("b", 2), ("c", 4)):
        for _ in range(views):
            r.execute_command("EVENT", cid, "view")
    assert r.execute_command("SEGMENT.SET", "fans", "WHERE", "lifestyle >= 10") == b"OK"
    assert r.execute_command("SEGMENT.LIST") == [[b"fans", b"lifestyle >= 10", 2]]
    assert customer(r, "b")[b"segments"] == [b"fans"]
    assert customer(r, "a")[b"segments"] == []
    r.execute_command("EVENT", "a", "view")
    assert r.execute_command("SEGMENT.LIST")[0][2] == 3
    # A negative rule takes a customer out again.
    r.execute_command("RULE.SET", "unsub", "ACTION", "unsubscribe", "POINTS", "lifestyle", -100)
    r.execute_command("EVENT", "c", "unsubscribe")
    assert r.execute_command("SEGMENT.LIST")[0][2] == 2
    assert customer(r, "c")[b"segments"] == []
    # Redefinition recomputes everybody.
    r.execute_command("SEGMENT.SET", "fans", "WHERE", "count:view >= 4")
    assert r.execute_command("SEGMENT.LIST") == [[b"fans", b"count:view >= 4", 1]]
    # Segments and badges may name each other; what is named cannot be deleted.
    assert r.execute_command("BADGE.SET", "insider", "WHEN", "segment:fans == 1") == b"OK"
    with pytest.raises(Exception, match="segment 'fans' is used by the predicate of 'insider'"):
        r.execute_command("SEGMENT.DEL", "fans")
    assert r.execute_command("BADGE.DEL", "insider") == 1
    assert r.execute_command("SEGMENT.DEL", "fans") == 1
    assert r.execute_command("SEGMENT.DEL", "fans") == 0
    assert r.execute_command("SEGMENT.LIST") == []
    assert customer(r, "c")[b"segments"] == []


def test_customer_del_and_flushall_forget_awards_and_memberships(r):
    r.execute_command("BADGE.SET", "viewer", "WHEN", "count:view >= 1")
    r.execute_command("SEGMENT.SET", "all", "WHERE", "total >= 0")
    r.execute_command("EVENT", "a", "view")
    r.execute_command("EVENT", "b", "view")
    assert r.execute_command("CUSTOMER.DEL", "a") == 1
    assert r.execute_command("BADGE.LIST")[0][2] == 1
    assert r.execute_command("SEGMENT.LIST")[0][2] == 1
    r.execute_command("EVENT", "a", "visit")  # a new customer "a": no old award comes back
    assert customer(r, "a")[b"badges"] == []
    assert r.execute_command("FLUSHALL")
    assert r.execute_command("BADGE.LIST") == [[b"viewer", b"count:view >= 1", 0]]
    assert r.execute_command("SEGMENT.LIST") == [[b"all", b"total >= 0", 0]]


def test_bad_definitions_are_errors_and_change_nothing(r):
    r.execute_command("BADGE.SET", "ok", "WHEN", "product >= 1")
    r.execute_command("SEGMENT.SET", "seg", "WHERE", "product >= 1")
    r.execute_command("EVENT", "a", "view")
    before = (r.execute_command("BADGE.LIST"), r.execute_command("SEGMENT.LIST"),
              r.execute_command("CUSTOMER", "a"), r.info("scoring")["tracked_items"])
    bad = [
        (("BADGE.SET", "x", "IF", "product >= 1"), "ERR syntax error"),
        (("BADGE.SET", "x", "WHEN"), "wrong number of arguments"),
        (("BADGE.SET", "x", "WHEN", "colour >= 1"),
         "ERR invalid predicate at token 1: unknown category or operand 'colour'"),
        (("BADGE.SET", "x", "WHEN", "count:visit:store:Z >= 1 AND"),
         "ERR invalid predicate at the end: expected an operand"),
        (("BADGE.SET", "ok", "WHEN", "badge:nosuch == 1"),
         "ERR invalid predicate at token 1: unknown badge 'nosuch'"),
        (("SEGMENT.SET", "seg", "WHERE", "segment:seg == 1"),
         "ERR segment 'seg' cannot be defined in terms of itself"),
        (("SEGMENT.SET", "s2", "WHERE", "product >=", "x"),
         "ERR invalid predicate at token 3 'x': expected a number"),
        (("BADGE.SET", "has space", "WHEN", "product >= 1"), "ERR invalid badge name"),
        (("BADGE.DEL",), "wrong number of arguments"),
    ]
    for args, message in bad:
        with pytest.raises(redis.ResponseError) as error:
            r.execute_command(*args)
        assert message.removeprefix("ERR ") in str(error.value), args
    after = (r.execute_command("BADGE.LIST"), r.execute_command("SEGMENT.LIST"),
             r.execute_command("CUSTOMER", "a"), r.info("scoring")["tracked_items"])
    assert after == before  # no counter left tracked by a refused predicate


def test_restart_rebuilds_the_same_awards_and_memberships(make_server, workdir):
    args = ["--dir", workdir, "--appendonly", "yes", "--appendfsync", "always"]
    s = make_server(*args, flags=FLAGS)
    r = s.client()
    r.execute_command("RULE.SET", "view", "ACTION", "view", "POINTS", "product", 3)
    r.execute_command("BADGE.SET", "devotee", "WHEN", "count:view:product:A >= 2")
    r.execute_command("SEGMENT.SET", "keen", "WHERE", "product >= 6")
    t = int(r.execute_command("DEBUG", "CLOCK", "GET"))
    for i in range(3):
        r.execute_command("EVENT", f"c{i}", "view", "ITEM", "product:A", "TS", t + i)
        r.execute_command("EVENT", "c0", "view", "ITEM", "product:A", "TS", t + 10 + i)
    before = [customer(r, f"c{i}") for i in range(3)] + [
        r.execute_command("BADGE.LIST"), r.execute_command("SEGMENT.LIST")]
    assert before[0][b"badges"] == [b"devotee", t + 10]
    assert s.stop() == 0
    r = make_server(*args, flags=FLAGS).client()
    after = [customer(r, f"c{i}") for i in range(3)] + [
        r.execute_command("BADGE.LIST"), r.execute_command("SEGMENT.LIST")]
    assert after == before
