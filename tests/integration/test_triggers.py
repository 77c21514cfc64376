"""Scenario triggers (SPEC EVENT steps 5 and 8) driven by the manual clock: the issue's
scenarios, one pending timer per (trigger, customer), UNLESS, FIRST, IF, ONCE, ON ENTER/BADGE,
the message cap, TRIGGER.DEL/CUSTOMER.DEL cancelling, errors, and a restart that replays the
same timers and firings."""
import signal

import pytest
import redis

DAY = 86_400_000
HOUR = 3_600_000
FLAGS = ["--clock", "manual", "--enable-debug-command", "yes"]


def customer(r, cid):
    reply = r.execute_command("CUSTOMER", cid)
    return dict(zip(reply[::2], reply[1::2])) if reply else None


def pending(r, cid):
    return customer(r, cid)[b"pending"]


def messages(r):
    info = r.info("scoring")
    return {k: info[f"messages_{k}"] for k in ("sent", "capped", "cancelled")} | {
        "pending": info["timers_pending"]}


def now(r):
    return int(r.execute_command("DEBUG", "CLOCK", "GET"))


def advance(r, duration):
    return r.execute_command("DEBUG", "CLOCK", "ADVANCE", duration)


@pytest.fixture
def r(server):
    c = server.client()
    c.execute_command("RULE.SET", "view", "ACTION", "view", "POINTS", "product", 3)
    return c


def test_first_view_mail_one_day_later(r):
    assert r.execute_command("TRIGGER.SET", "a_first", "ON", "view", "ITEM", "product:A",
                             "FIRST", "DELAY", "1d", "SEND", "mail_a") == b"OK"
    t = now(r)
    r.execute_command("EVENT", "alice", "view", "ITEM", "product:A")
    r.execute_command("EVENT", "alice", "view", "ITEM", "product:A")  # not the first: nothing
    r.execute_command("EVENT", "alice", "view", "ITEM", "product:B")
    assert pending(r, "alice") == [[b"a_first", t + DAY]]
    advance(r, "23h")
    assert messages(r)["sent"] == 0
    advance(r, "1h")
    assert messages(r) == {"sent": 1, "capped": 0, "cancelled": 0, "pending": 0}
    assert pending(r, "alice") == []
    r.execute_command("EVENT", "alice", "view", "ITEM", "product:A")  # still not the first
    assert pending(r, "alice") == []
    assert r.execute_command("TRIGGER.LIST") == [
        [b"a_first", b"ON view ITEM product:A FIRST DELAY 1d SEND mail_a", 0]]


def test_cart_abandoned_unless_they_buy(r):
    r.execute_command("TRIGGER.SET", "cart", "ON", "cart_add", "DELAY", "1h", "UNLESS",
                      "purchase", "SEND", "reminder")
    r.execute_command("EVENT", "bob", "cart_add")
    r.execute_command("EVENT", "carol", "cart_add")
    r.execute_command("EVENT", "bob", "cart_add")  # one pending timer per (trigger, customer)
    assert len(pending(r, "bob")) == 1
    advance(r, "30m")
    r.execute_command("EVENT", "bob", "purchase", "VALUE", "10")
    assert pending(r, "bob") == []
    advance(r, "30m")
    assert messages(r) == {"sent": 1, "capped": 0, "cancelled": 1, "pending": 0}


def test_win_back_rearmed_by_every_purchase(r):
    r.execute_command("TRIGGER.SET", "winback", "ON", "purchase", "DELAY", "90d", "UNLESS",
                      "purchase", "SEND", "come_back")
    t = now(r)
    r.execute_command("EVENT", "dan", "purchase")
    advance(r, "60d")
    r.execute_command("EVENT", "dan", "purchase")  # cancels (step 5), then re-arms (step 8)
    assert pending(r, "dan") == [[b"winback", t + 60 * DAY + 90 * DAY]]
    advance(r, "89d")
    assert messages(r)["sent"] == 0
    advance(r, "1d")
    assert messages(r)["sent"] == 1


def test_bought_after_opening_mail_and_follow_up(r):
    r.execute_command("TRIGGER.SET", "after_mail", "ON", "purchase", "ITEM", "product:A", "IF",
                      "count:mail_open:msg:1", ">=", "1", "DELAY", "3d", "SEND", "thanks")
    r.execute_command("TRIGGER.SET", "follow", "ON", "purchase", "ITEM", "product:A", "DELAY",
                      "180d", "SEND", "follow_up")
    r.execute_command("EVENT", "erin", "purchase", "ITEM", "product:A")
    r.execute_command("EVENT", "fred", "mail_open", "ITEM", "msg:1")
    r.execute_command("EVENT", "fred", "purchase", "ITEM", "product:A")
    assert [p[0] for p in pending(r, "erin")] == [b"follow"]
    assert [p[0] for p in pending(r, "fred")] == [b"after_mail", b"follow"]
    advance(r, "180d")
    assert messages(r)["sent"] == 3


def test_once_enter_and_badge_triggers(r):
    r.execute_command("SEGMENT.SET", "high", "WHERE", "product >= 6")
    r.execute_command("BADGE.SET", "viewer", "WHEN", "count:view >= 1")
    r.execute_command("TRIGGER.SET", "invite", "ON", "ENTER", "high", "SEND", "event_invite")
    r.execute_command("TRIGGER.SET", "thanks", "ON", "BADGE", "viewer", "SEND", "thank_you")
    r.execute_command("TRIGGER.SET", "hello", "ON", "view", "ONCE", "SEND", "hi")
    r.execute_command("EVENT", "gina", "view")  # badge: thanks; hello
    r.execute_command("EVENT", "gina", "view")  # enters high: invite; hello is ONCE
    # Due at once (no DELAY): fired before EVENT replied.
    assert messages(r) == {"sent": 3, "capped": 0, "cancelled": 0, "pending": 0}
    r.execute_command("RULE.SET", "unsub", "ACTION", "unsub", "POINTS", "product", -100)
    r.execute_command("EVENT", "gina", "unsub")  # leaves high
    r.execute_command("EVENT", "gina", "view")
    r.execute_command("EVENT", "gina", "view")
    r.execute_command("EVENT", "gina", "view")
    for _ in range(33):
        r.execute_command("EVENT", "gina", "view")  # re-enters high once: invite again
    assert messages(r)["sent"] == 4
    with pytest.raises(redis.ResponseError, match="used by the predicate of 'invite'"):
        r.execute_command("SEGMENT.DEL", "high")


def test_message_cap_counts_capped(server, r):
    r.execute_command("CONFIG", "SET", "message-cap", "2 7d")
    r.execute_command("TRIGGER.SET", "daily", "ON", "view", "DELAY", "1d", "SEND", "m")
    for _ in range(4):
        r.execute_command("EVENT", "hank", "view")
        advance(r, "1d")
    assert messages(r) == {"sent": 2, "capped": 2, "cancelled": 0, "pending": 0}
    advance(r, "7d")
    r.execute_command("EVENT", "hank", "view")
    advance(r, "1d")
    assert messages(r)["sent"] == 3


def test_delete_trigger_and_customer_cancel_timers(r):
    r.execute_command("TRIGGER.SET", "t1", "ON", "view", "DELAY", "1d", "SEND", "x")
    r.execute_command("TRIGGER.SET", "t2", "ON", "view", "DELAY", "2d", "SEND", "y")
    r.execute_command("EVENT", "a", "view")
    r.execute_command("EVENT", "b", "view")
    assert [t[2] for t in r.execute_command("TRIGGER.LIST")] == [2, 2]
    assert r.execute_command("TRIGGER.DEL", "t1") == 1
    assert r.execute_command("TRIGGER.DEL", "t1") == 0
    assert r.execute_command("CUSTOMER.DEL", "a") == 1
    assert messages(r)["pending"] == 1
    advance(r, "3d")
    assert messages(r)["sent"] == 1


def test_bad_trigger_definitions_change_nothing(r):
    r.execute_command("SEGMENT.SET", "seg", "WHERE", "product >= 1")
    before = (r.execute_command("TRIGGER.LIST"), r.info("scoring")["tracked_items"])
    bad = [
        (("TRIGGER.SET", "t", "WHEN", "view", "SEND", "m"), "syntax error"),
        (("TRIGGER.SET", "t", "ON", "view", "DELAY", "1d"), "SEND <message> is required"),
        (("TRIGGER.SET", "t", "ON", "view", "DELAY", "1x", "SEND", "m"), "invalid duration"),
        (("TRIGGER.SET", "t", "ON", "view", "ONCE", "ONCE", "SEND", "m"), "syntax error"),
        (("TRIGGER.SET", "t", "ON", "view", "IF", "SEND", "m"), "syntax error"),
        (("TRIGGER.SET", "t", "ON", "view", "ITEM", "a*b", "SEND", "m"), "invalid item pattern"),
        (("TRIGGER.SET", "t", "ON", "view", "ITEM", "p:*", "FIRST", "SEND", "m"),
         "FIRST needs an exact ITEM"),
        (("TRIGGER.SET", "t", "ON", "ENTER", "nosuch", "SEND", "m"), "unknown segment 'nosuch'"),
        (("TRIGGER.SET", "t", "ON", "BADGE", "nosuch", "SEND", "m"), "unknown badge 'nosuch'"),
        (("TRIGGER.SET", "t", "ON", "view", "ITEM", "x:1", "FIRST", "IF", "colour", ">", "1",
          "SEND", "m"), "unknown category or operand 'colour'"),
        (("TRIGGER.SET", "t", "ON", "view", "SEND"), "syntax error"),
    ]
    for args, message in bad:
        with pytest.raises(redis.ResponseError) as error:
            r.execute_command(*args)
        assert message in str(error.value), args
    assert (r.execute_command("TRIGGER.LIST"), r.info("scoring")["tracked_items"]) == before


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "kill-9"])
def test_restart_replays_timers_and_firings(make_server, workdir, stop):
    args = ["--dir", workdir, "--appendonly", "yes", "--appendfsync", "always"]
    s = make_server(*args, flags=FLAGS)
    r = s.client()
    r.execute_command("TRIGGER.SET", "soon", "ON", "view", "DELAY", "1h", "SEND", "a")
    r.execute_command("TRIGGER.SET", "later", "ON", "view", "DELAY", "30d", "SEND", "b")
    r.execute_command("TRIGGER.SET", "once", "ON", "view", "ONCE", "DELAY", "2h", "SEND", "c")
    for cid in ("x", "y", "z"):
        r.execute_command("EVENT", cid, "view")
    advance(r, "3h")  # soon and once fire (logged), later stays pending
    r.execute_command("EVENT", "x", "view")  # once already fired for x: not re-armed
    before = ([customer(r, c) for c in ("x", "y", "z")], messages(r),
              r.execute_command("TRIGGER.LIST"))
    assert before[1] == {"sent": 6, "capped": 0, "cancelled": 0, "pending": 4}
    assert s.stop(stop) == (0 if stop == signal.SIGTERM else -signal.SIGKILL)
    r = make_server(*args, flags=FLAGS).client()
    after = ([customer(r, c) for c in ("x", "y", "z")], messages(r),
             r.execute_command("TRIGGER.LIST"))
    assert after == before
    # The ONCE history came back too: x's view re-arms soon but not once.
    r.execute_command("EVENT", "x", "view")
    assert sorted(p[0] for p in pending(r, "x")) == [b"later", b"soon"]


def test_decayed_interest_leaves_a_segment_without_an_event(make_server, workdir):
    args = ["--dir", workdir, "--appendonly", "yes"]
    s = make_server(*args, flags=FLAGS)
    r = s.client()
    r.execute_command("CATEGORY.SET", "product", "HALFLIFE", "1d")
    r.execute_command("RULE.SET", "view", "ACTION", "view", "POINTS", "product", 6)
    r.execute_command("SEGMENT.SET", "keen", "WHERE", "product >= 10")
    r.execute_command("EVENT", "a", "view")
    r.execute_command("EVENT", "a", "view")  # 12
    r.execute_command("EVENT", "b", "view")
    assert r.execute_command("SEGMENT.LIST")[0][2] == 1
    advance(r, "12h")  # 12 / sqrt(2) = 8.49: re-checked as the clock moves
    assert r.execute_command("SEGMENT.LIST")[0][2] == 0
    assert customer(r, "a")[b"segments"] == []
    assert s.stop() == 0
    r = make_server(*args, flags=FLAGS).client()  # the re-check was logged and replays
    assert r.execute_command("SEGMENT.LIST")[0][2] == 0


def test_real_clock_fires_timers_and_rechecks_from_the_event_loop(make_server):
    from conftest import wait_until
    r = make_server("--segment-recheck", "100ms", flags=[]).client()
    r.execute_command("TRIGGER.SET", "soon", "ON", "view", "DELAY", "300ms", "SEND", "m")
    r.execute_command("CATEGORY.SET", "product", "HALFLIFE", "100ms")
    r.execute_command("RULE.SET", "view", "ACTION", "view", "POINTS", "product", 8)
    r.execute_command("SEGMENT.SET", "keen", "WHERE", "product >= 4")
    r.execute_command("EVENT", "a", "view")
    assert r.execute_command("SEGMENT.LIST")[0][2] == 1
    assert messages(r)["pending"] == 1
    # Nothing but time passes: the loop fires the timer and the re-check drops the member.
    wait_until(lambda: messages(r)["sent"] == 1, timeout=5, what="the timer to fire")
    wait_until(lambda: r.execute_command("SEGMENT.LIST")[0][2] == 0, timeout=5,
               what="the decayed member to leave")


def outbox(r):
    """Outbox entries as dicts of str fields."""
    return [{k.decode(): v.decode() for k, v in fields.items()}
            for _, fields in r.xrange("outbox")]


def test_timers_due_while_down_fire_at_start_with_late_1(make_server, workdir):
    args = ["--dir", workdir, "--appendonly", "yes", "--appendfsync", "always"]
    s = make_server(*args, flags=FLAGS)
    r = s.client()
    r.execute_command("TRIGGER.SET", "soon", "ON", "view", "DELAY", "1h", "SEND", "m")
    t = now(r)
    # Armed an hour in the past plus 200 ms: due 200 ms from now, while the server is down.
    r.execute_command("EVENT", "a", "view", "TS", t - HOUR + 200)
    assert pending(r, "a") == [[b"soon", t + 200]]
    assert s.stop() == 0
    import time
    time.sleep(0.3)  # real time must pass the due time: the manual clock restarts at real time
    r = make_server(*args, flags=FLAGS).client()
    entries = outbox(r)
    assert [(e["name"], e["late"], int(e["due"])) for e in entries] == [("soon", "1", t + 200)]
    assert int(entries[0]["fired"]) >= t + 200
    # A timer armed after the restart, already due, is not late.
    r.execute_command("EVENT", "b", "view", "TS", now(r) - 2 * HOUR)
    assert [e["late"] for e in outbox(r)] == ["1", "0"]


def test_real_clock_fires_within_10ms_of_due(make_server):
    import time
    r = make_server(flags=[]).client()
    r.execute_command("TRIGGER.SET", "quick", "ON", "view", "DELAY", "150ms", "SEND", "m")
    for i in range(5):
        r.execute_command("EVENT", f"c{i}", "view")
    deadline = time.monotonic() + 5
    while len(outbox(r)) < 5 and time.monotonic() < deadline:
        time.sleep(0.02)
    entries = outbox(r)
    assert len(entries) == 5
    lateness = [int(e["fired"]) - int(e["due"]) for e in entries]
    assert all(0 <= ms <= 10 for ms in lateness), lateness


def test_import_updates_badges_and_segments_but_arms_and_sends_nothing(r):
    """SPEC step 8: IMPORT loads history without mailing anybody."""
    r.execute_command("BADGE.SET", "viewer", "WHEN", "count:view >= 1")
    r.execute_command("SEGMENT.SET", "viewers", "WHERE", "product >= 3")
    r.execute_command("TRIGGER.SET", "later", "ON", "view", "DELAY", "1h", "SEND", "m")
    r.execute_command("TRIGGER.SET", "now", "ON", "view", "SEND", "n")
    r.execute_command("TRIGGER.SET", "cart", "ON", "cart", "DELAY", "1h", "UNLESS", "view",
                      "SEND", "c")
    r.execute_command("EVENT", "ivy", "cart")  # a live event: one timer pending
    assert r.execute_command("EVENT", "ivy", "view", "IMPORT") == b"3"
    c = customer(r, "ivy")
    assert c[b"badges"][0] == b"viewer" and c[b"segments"] == [b"viewers"]
    assert [p[0] for p in c[b"pending"]] == [b"cart"]  # not cancelled by the imported view
    assert r.execute_command("XLEN", "outbox") == 0  # no badge entry, no message
    assert messages(r) == {"sent": 0, "capped": 0, "cancelled": 0, "pending": 1}
    r.execute_command("EVENT", "ivy", "view")  # a live one arms and sends again
    assert messages(r)["sent"] == 1 and messages(r)["cancelled"] == 1
