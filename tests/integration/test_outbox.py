"""The outbox stream (SPEC §2 "Timers and the outbox"): the same command sequences against
kizuna and a real redis-server, compared value by value (entry ids are made equal: redis-server
is filled with XADD at the ids kizuna assigned), with only clock readings masked; then what only
kizuna has: one key, refused writes, crashed consumers on the manual clock, restarts."""
import signal

import pytest

import resp
from conftest import assert_same_replies, wait_until

FLAGS = ["--clock", "manual", "--enable-debug-command", "yes"]


def entry_fields(i):
    return ["type", "trigger", "name", f"t{i}", "customer", f"c{i}", "message", f"msg-{i}",
            "due", str(1000 + i), "fired", str(1000 + i), "late", "0"]


def fill(kizuna, redis_peer, n, start=0):
    """Appends n entries to kizuna's outbox and the same (same ids) to redis's `outbox`."""
    ids = []
    for i in range(start, start + n):
        entry_id = kizuna.cmd("DEBUG", "OUTBOX.ADD", *entry_fields(i))
        assert isinstance(entry_id, bytes) and not isinstance(entry_id, resp.Error), entry_id
        if redis_peer is not None:
            assert redis_peer.cmd("XADD", "outbox", entry_id, *entry_fields(i)) == entry_id
        ids.append(entry_id.decode())
    return ids


# ---- comparing with redis-server ---------------------------------------------------------------

def _pairs(reply):
    """A map reply (RESP3 Map or RESP2 flat list) as (key, value) pairs."""
    if isinstance(reply, resp.Map):
        return list(reply)
    return list(zip(reply[0::2], reply[1::2]))


def _rebuild(like, pairs):
    if isinstance(like, resp.Map):
        return resp.Map(pairs)
    return [x for kv in pairs for x in kv]


def _mask_map(reply, zero=(), drop=()):
    """Clock readings zeroed, Redis 7.2-only fields (absent from the 7.0 peer) dropped."""
    pairs = [(k, 0 if k in zero else v) for k, v in _pairs(reply) if k not in drop]
    return _rebuild(reply, pairs)


def mask_clock(args, reply):
    """Replaces values that read the clock (idle times, delivery times), which legitimately
    differ between kizuna's manual clock and redis's real one."""
    if isinstance(reply, (resp.Error, resp.Null)) or not isinstance(reply, list):
        return reply
    cmd = [str(a).upper() for a in args[:2]]
    if cmd[0] == "XPENDING" and len(args) > 3:
        return [[e[0], e[1], 0, e[3]] for e in reply]
    if cmd == ["XINFO", "CONSUMERS"]:
        return [_mask_map(c, zero={b"idle"}, drop={b"inactive"}) for c in reply]
    if cmd == ["XINFO", "STREAM"] and len(args) > 3:
        def group(g):
            g = _mask_map(g)
            out = []
            for k, v in _pairs(g):
                if k == b"pending":
                    v = [[p[0], p[1], 0, p[3]] for p in v]
                elif k == b"consumers":
                    v = [_rebuild(c, [(ck, [[p[0], 0, p[2]] for p in cv] if ck == b"pending"
                                       else cv) for ck, cv in _pairs(
                        _mask_map(c, zero={b"seen-time"}, drop={b"active-time"}))]) for c in v]
                out.append((k, v))
            return _rebuild(g, out)
        return _rebuild(reply, [(k, [group(g) for g in v] if k == b"groups" else v)
                                for k, v in _pairs(reply)])
    return reply


def same(args, a, b):
    a, b = mask_clock(args, a), mask_clock(args, b)
    return a == b and resp.shape(a) == resp.shape(b)


def compare(kizuna, redis_peer, commands, resp3=False):
    if not resp3:
        return assert_same_replies(kizuna, redis_peer, commands, compare=same)
    ours, theirs = kizuna.raw(resp3=True), redis_peer.raw(resp3=True)
    diffs = []
    for args in commands:
        a, b = ours.command(*args), theirs.command(*args)
        if not same(args, a, b):
            diffs.append(f"  {' '.join(map(str, args))}\n    kizuna: {a!r}\n    redis:  {b!r}")
    assert not diffs, "RESP3 replies differ from redis-server:\n" + "\n".join(diffs)


@pytest.fixture
def pair(make_server, redis_server):
    return make_server(), redis_server


READS = [
    ("XLEN", "outbox"),
    ("XRANGE", "outbox", "-", "+"),
    ("XRANGE", "outbox", "-", "+", "COUNT", 2),
    ("XRANGE", "outbox", "-", "+", "COUNT", 0),
    ("XRANGE", "outbox", "-", "+", "COUNT", -1),
    ("XREVRANGE", "outbox", "+", "-", "COUNT", 3),
    ("XRANGE", "outbox", "9", "1"),
    ("XRANGE", "outbox", "(0-0", "+", "COUNT", 1),
    ("XRANGE", "outbox", "-", "(0-0"),
    ("XRANGE", "outbox", "(18446744073709551615-18446744073709551615", "+"),
    ("XRANGE", "outbox", "(-", "+"),
    ("XRANGE", "outbox", "x", "+"),
    ("XRANGE", "outbox", "1-x", "+"),
    ("XRANGE", "outbox", "-", "+", "COUNT"),
    ("XRANGE", "outbox", "-", "+", "COUNT", "x"),
    ("XRANGE", "outbox", "-", "+", "LIMIT", 1),
    ("XREAD", "COUNT", 2, "STREAMS", "outbox", "0"),
    ("XREAD", "STREAMS", "outbox", "$"),
    ("XREAD", "STREAMS", "outbox", "outbox", "0", "$"),
    ("XREAD", "STREAMS", "outbox", "0", "1"),
    ("XREAD", "STREAMS", "outbox", ">"),
    ("XREAD", "NOACK", "STREAMS", "outbox", "0"),
    ("XREAD", "GROUP", "g", "c", "STREAMS", "outbox", "0"),
    ("XREAD", "BLOCK", -1, "STREAMS", "outbox", "$"),
    ("XREAD", "BLOCK", "x", "STREAMS", "outbox", "$"),
    ("XREAD", "COUNT", "x", "STREAMS", "outbox", "0"),
    ("XREAD", "COUNT", 1, "BLOCK", 0),
    ("XREAD", "FOO", "STREAMS", "outbox", "0"),
    ("XREAD", "STREAMS", "outbox", "bad"),
    ("XLEN",),
    ("XINFO", "STREAM", "outbox"),
    ("XINFO", "STREAM", "outbox", "FULL"),
    ("XINFO", "STREAM", "outbox", "FULL", "COUNT", 2),
    ("XINFO", "STREAM", "outbox", "FOO"),
    ("XINFO", "FOO"),
    ("XINFO", "HELP"),
]


def test_empty_outbox_reads_like_an_empty_redis_stream(pair):
    kizuna, redis_peer = pair
    fill(kizuna, redis_peer, 1)  # redis has no empty stream without an entry: add, trim
    for peer in pair:
        peer.cmd("XTRIM", "outbox", "MAXLEN", 0)
    compare(kizuna, redis_peer, [
        ("XLEN", "outbox"), ("XRANGE", "outbox", "-", "+"), ("XREAD", "STREAMS", "outbox", "0"),
        ("XGROUP", "CREATE", "outbox", "g", "$"), ("XINFO", "GROUPS", "outbox"),
        ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "outbox", ">"),
        ("XPENDING", "outbox", "g"), ("XAUTOCLAIM", "outbox", "g", "c", 0, "0")])


@pytest.mark.parametrize("resp3", [False, True], ids=["resp2", "resp3"])
def test_reads_match_redis(pair, resp3):
    kizuna, redis_peer = pair
    fill(kizuna, redis_peer, 5)
    compare(kizuna, redis_peer, READS, resp3)


def group_commands(ids):
    return [
        ("XGROUP", "CREATE", "outbox", "g", "0"),
        ("XGROUP", "CREATE", "outbox", "g", "$"),
        ("XGROUP", "CREATE", "outbox", "tail", "$", "MKSTREAM"),
        ("XGROUP", "CREATE", "outbox", "mid", ids[2], "ENTRIESREAD", 3),
        ("XGROUP", "CREATE", "outbox", "x", "bad"),
        ("XGROUP", "CREATE", "outbox", "x", "0", "ENTRIESREAD", -5),
        ("XGROUP", "CREATE", "outbox", "x", "0", "FOO"),
        ("XGROUP", "CREATE", "outbox"),
        ("XGROUP", "FOO", "outbox"),
        ("XREADGROUP", "GROUP", "g", "alice", "COUNT", 2, "STREAMS", "outbox", ">"),
        ("XREADGROUP", "GROUP", "g", "bob", "COUNT", 1, "NOACK", "STREAMS", "outbox", ">"),
        ("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "outbox", ">"),
        ("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "outbox", ">"),
        ("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "outbox", "0"),
        ("XREADGROUP", "GROUP", "g", "alice", "COUNT", 1, "STREAMS", "outbox", ids[0]),
        ("XREADGROUP", "GROUP", "g", "carol", "STREAMS", "outbox", "0"),
        ("XREADGROUP", "GROUP", "nope", "c", "STREAMS", "outbox", ">"),
        ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "outbox", "$"),
        ("XREADGROUP", "GROUP", "g", "c", "BLOCK", -1, "STREAMS", "outbox", ">"),
        ("XREADGROUP", "GROUP", "g", "c", "FOO", "STREAMS", "outbox", ">"),
        ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "outbox", "0", "0"),
        ("XREADGROUP", "GROUP", "g", "STREAMS", "outbox", ">"),
        ("XPENDING", "outbox", "g"),
        ("XPENDING", "outbox", "g", "-", "+", 10),
        ("XPENDING", "outbox", "g", "-", "+", 10, "alice"),
        ("XPENDING", "outbox", "g", "IDLE", 0, "-", "+", 10, "bob"),
        ("XPENDING", "outbox", "g", f"({ids[0]}", "+", 1),
        ("XPENDING", "outbox", "g", "-", "+", -1),
        ("XPENDING", "outbox", "g", "-", "+"),
        ("XPENDING", "outbox", "g", "-", "+", "x"),
        ("XPENDING", "outbox", "g", "IDLE", "x", "-", "+", 10),
        ("XPENDING", "outbox", "g", "x", "+", 10),
        ("XPENDING", "outbox", "nope"),
        ("XPENDING", "outbox", "tail"),
        ("XINFO", "GROUPS", "outbox"),
        ("XINFO", "CONSUMERS", "outbox", "g"),
        ("XINFO", "CONSUMERS", "outbox", "nope"),
        ("XACK", "outbox", "g", ids[0], ids[4], "1-0"),
        ("XACK", "outbox", "g", ids[1], "bad"),
        ("XACK", "outbox", "nope", "bad"),
        ("XPENDING", "outbox", "g"),
        ("XGROUP", "CREATECONSUMER", "outbox", "g", "dave"),
        ("XGROUP", "CREATECONSUMER", "outbox", "g", "dave"),
        ("XGROUP", "CREATECONSUMER", "outbox", "nope", "dave"),
        ("XGROUP", "DELCONSUMER", "outbox", "g", "alice"),
        ("XGROUP", "DELCONSUMER", "outbox", "g", "nobody"),
        ("XGROUP", "DELCONSUMER", "outbox", "nope", "x"),
        ("XGROUP", "SETID", "outbox", "g", ids[1]),
        ("XGROUP", "SETID", "outbox", "g", "bad"),
        ("XGROUP", "SETID", "outbox", "nope", "0"),
        ("XGROUP", "SETID", "outbox", "g", "0", "FOO"),
        ("XINFO", "GROUPS", "outbox"),
        ("XREADGROUP", "GROUP", "g", "erin", "COUNT", 2, "STREAMS", "outbox", ">"),
        ("XINFO", "GROUPS", "outbox"),
        ("XINFO", "STREAM", "outbox", "FULL"),
        ("XGROUP", "SETID", "outbox", "mid", "$", "ENTRIESREAD", 5),
        ("XGROUP", "DESTROY", "outbox", "mid"),
        ("XGROUP", "DESTROY", "outbox", "mid"),
        ("XINFO", "GROUPS", "outbox"),
        ("XGROUP", "HELP"),
    ]


@pytest.mark.parametrize("resp3", [False, True], ids=["resp2", "resp3"])
def test_consumer_groups_match_redis(pair, resp3):
    kizuna, redis_peer = pair
    ids = fill(kizuna, redis_peer, 5)
    compare(kizuna, redis_peer, group_commands(ids), resp3)


def test_claims_match_redis(pair):
    """A consumer that read and never acknowledged (it crashed) loses nothing: another claims
    its entries with XCLAIM and XAUTOCLAIM, on both servers alike."""
    kizuna, redis_peer = pair
    ids = fill(kizuna, redis_peer, 6)
    compare(kizuna, redis_peer, [
        ("XGROUP", "CREATE", "outbox", "g", "0"),
        ("XREADGROUP", "GROUP", "g", "crashed", "COUNT", 4, "STREAMS", "outbox", ">"),
        ("XCLAIM", "outbox", "g", "rescuer", 0, ids[0], ids[1]),
        ("XCLAIM", "outbox", "g", "rescuer", 0, ids[5]),
        ("XCLAIM", "outbox", "g", "other", 0, ids[5], "FORCE"),
        ("XCLAIM", "outbox", "g", "other", 0, ids[1], "JUSTID"),
        ("XCLAIM", "outbox", "g", "other", 0, ids[2], "RETRYCOUNT", 9, "IDLE", 5, "JUSTID"),
        ("XCLAIM", "outbox", "g", "other", 0, ids[3], "TIME", 1, "LASTID", ids[5]),
        ("XCLAIM", "outbox", "g", "other", 3_600_000, ids[3]),
        ("XPENDING", "outbox", "g", "-", "+", 10),
        ("XCLAIM", "outbox", "nope", "c", 0, ids[0]),
        ("XCLAIM", "outbox", "g", "c", "x", ids[0]),
        ("XCLAIM", "outbox", "g", "c", 0, "bad"),
        ("XCLAIM", "outbox", "g", "c", 0, ids[0], "IDLE", "x"),
        ("XCLAIM", "outbox", "g", "c", 0, ids[0], "TIME", "x"),
        ("XCLAIM", "outbox", "g", "c", 0, ids[0], "LASTID", "x"),
        ("XCLAIM", "outbox", "g", "c", 0, ids[0], "IDLE"),
        ("XAUTOCLAIM", "outbox", "g", "auto", 0, "0", "COUNT", 2),
        ("XAUTOCLAIM", "outbox", "g", "auto", 0, ids[2], "COUNT", 2, "JUSTID"),
        ("XAUTOCLAIM", "outbox", "g", "auto", 3_600_000, "-"),
        ("XAUTOCLAIM", "outbox", "g", "auto", 0, "(0-0", "COUNT", 1),
        ("XAUTOCLAIM", "outbox", "g", "c", "x", "0"),
        ("XAUTOCLAIM", "outbox", "g", "c", 0, "bad"),
        ("XAUTOCLAIM", "outbox", "g", "c", 0, "0", "COUNT", 0),
        ("XAUTOCLAIM", "outbox", "g", "c", 0, "0", "BOGUS"),
        ("XAUTOCLAIM", "outbox", "nope", "c", 0, "0"),
        ("XTRIM", "outbox", "MAXLEN", 4),
        ("XAUTOCLAIM", "outbox", "g", "auto", 0, "0"),
        ("XCLAIM", "outbox", "g", "auto", 0, ids[1], ids[2], ids[3]),
        ("XREADGROUP", "GROUP", "g", "auto", "STREAMS", "outbox", "0"),
        ("XPENDING", "outbox", "g"),
        ("XINFO", "CONSUMERS", "outbox", "g"),
    ])


def test_trim_matches_redis(pair):
    kizuna, redis_peer = pair
    ids = fill(kizuna, redis_peer, 8)
    compare(kizuna, redis_peer, [
        ("XTRIM", "outbox", "MAXLEN", 6),
        ("XTRIM", "outbox", "MAXLEN", "=", 5),
        ("XTRIM", "outbox", "MINID", ids[4]),
        ("XTRIM", "outbox", "MINID", "=", ids[4]),
        ("XTRIM", "outbox", "MAXLEN", "x"),
        ("XTRIM", "outbox", "MAXLEN", -1),
        ("XTRIM", "outbox", "MAXLEN"),
        ("XTRIM", "outbox", "FOO", 1),
        ("XTRIM", "outbox", "MAXLEN", 1, "FOO"),
        ("XTRIM", "outbox", "MAXLEN", "=", 1, "LIMIT", 5),
        ("XTRIM", "outbox", "MAXLEN", "~", 1, "LIMIT", -1),
        ("XTRIM", "outbox", "MAXLEN", 1, "MINID", "0"),
        ("XTRIM", "outbox", "LIMIT", 5),
        ("XTRIM", "outbox", "MINID", "bad"),
        ("XLEN", "outbox"),
        ("XINFO", "STREAM", "outbox"),
        ("XTRIM", "outbox", "MAXLEN", 0),
        ("XINFO", "STREAM", "outbox"),
    ])


# ---- blocking reads ------------------------------------------------------------------------------

def blocked_clients(peer):
    info = peer.cmd("INFO", "clients").decode()
    return int(info.split("blocked_clients:")[1].split("\r\n")[0])


def add_to_both(kizuna, redis_peer, i):
    fill(kizuna, redis_peer, 1, start=i)


@pytest.fixture
def blocked_trio(pair):
    """On each server: XREAD $ and two XREADGROUP > readers (the second with a PING pipelined
    behind it) blocked, in that order; yields their connections."""
    kizuna, redis_peer = pair
    fill(kizuna, redis_peer, 1)
    conns = {}
    for peer in (kizuna, redis_peer):
        assert peer.cmd("XGROUP", "CREATE", "outbox", "g", "$") == b"OK"
        c = [peer.raw() for _ in range(3)]
        c[0].send_command("XREAD", "BLOCK", 0, "STREAMS", "outbox", "$")
        wait_until(lambda: blocked_clients(peer) == 1)
        c[1].send_command("XREADGROUP", "GROUP", "g", "first", "BLOCK", 0, "STREAMS", "outbox",
                          ">")
        wait_until(lambda: blocked_clients(peer) == 2)
        c[2].send_command("XREADGROUP", "GROUP", "g", "second", "COUNT", 5, "BLOCK", 0,
                          "STREAMS", "outbox", ">")
        c[2].send_command("PING")  # pipelined behind a blocked read: waits for it
        wait_until(lambda: blocked_clients(peer) == 3)
        conns[peer] = c
    yield kizuna, redis_peer, conns
    for c in conns.values():
        for conn in c:
            conn.close()


def test_new_entries_wake_blocked_readers_in_order(blocked_trio):
    kizuna, redis_peer, conns = blocked_trio
    add_to_both(kizuna, redis_peer, 1)
    first = {p: (c[0].read_reply(), c[1].read_reply()) for p, c in conns.items()}
    for peer in (kizuna, redis_peer):
        wait_until(lambda: blocked_clients(peer) == 1, what=f"{peer}: one reader left")
    add_to_both(kizuna, redis_peer, 2)
    second = {p: (c[2].read_reply(), c[2].read_reply()) for p, c in conns.items()}
    assert first[kizuna] == first[redis_peer]
    assert [resp.shape(r) for r in first[kizuna]] == [resp.shape(r) for r in first[redis_peer]]
    assert second[kizuna] == second[redis_peer]
    assert second[kizuna][1] == b"PONG"
    assert second[kizuna][0][0][1][0][1][3] == b"t2"  # the second entry, not the first
    assert kizuna.cmd("XPENDING", "outbox", "g")[:1] == [2]


def test_blocked_read_times_out_on_the_manual_clock(server):
    conn = server.raw()
    conn.send_command("XREAD", "BLOCK", 1000, "STREAMS", "outbox", "$")
    conn.send_command("XREADGROUP", "GROUP", "nope", "c", "STREAMS", "outbox", ">")
    wait_until(lambda: blocked_clients(server) == 1)
    server.clock_advance("999ms")
    assert blocked_clients(server) == 1  # ADVANCE replies after timing out what is due
    server.clock_advance("1ms")
    assert blocked_clients(server) == 0
    assert conn.read_reply() == resp.Null("*")
    assert conn.read_reply().startswith(b"NOGROUP")  # the pipelined command ran after it


@pytest.mark.parametrize("resp3", [False, True], ids=["resp2", "resp3"])
def test_block_timeout_replies_null_as_redis(make_server, redis_server, resp3):
    real_clock = make_server(flags=["--appendonly", "no", "--enable-debug-command", "yes"])
    for args in [("XREAD", "BLOCK", 20, "STREAMS", "outbox", "$"),
                 ("XREADGROUP", "GROUP", "g", "c", "BLOCK", 20, "STREAMS", "outbox", ">")]:
        real_clock.cmd("XGROUP", "CREATE", "outbox", "g", "$")
        redis_server.cmd("XGROUP", "CREATE", "outbox", "g", "$", "MKSTREAM")
        a = real_clock.cmd(*args, resp3=resp3)
        b = redis_server.cmd(*args, resp3=resp3)
        assert a == b and resp.shape(a) == resp.shape(b), (args, a, b)


def test_killed_or_disconnected_reader_leaves_and_others_still_get_entries(server):
    server.cmd("XGROUP", "CREATE", "outbox", "g", "$")
    victim, gone, survivor = server.raw(), server.raw(), server.raw()
    victim_id = victim.command("CLIENT", "ID")
    for conn, name in ((victim, "v"), (gone, "g"), (survivor, "s")):
        conn.send_command("XREADGROUP", "GROUP", "g", name, "BLOCK", 0, "STREAMS", "outbox", ">")
    wait_until(lambda: blocked_clients(server) == 3)
    assert server.cmd("CLIENT", "KILL", "ID", victim_id) == 1
    gone.close()
    wait_until(lambda: blocked_clients(server) == 1)
    server.cmd("DEBUG", "OUTBOX.ADD", "type", "badge")
    reply = survivor.read_reply()
    assert reply[0][0] == b"outbox" and len(reply[0][1]) == 1
    assert server.cmd("XPENDING", "outbox", "g", "-", "+", 10)[0][1] == b"s"


def test_destroying_the_group_or_flushall_fails_blocked_group_readers(server):
    server.cmd("XGROUP", "CREATE", "outbox", "g", "$")
    server.cmd("XGROUP", "CREATE", "outbox", "h", "$")
    a, b = server.raw(), server.raw()
    a.send_command("XREADGROUP", "GROUP", "g", "c", "BLOCK", 0, "STREAMS", "outbox", ">")
    b.send_command("XREADGROUP", "GROUP", "h", "c", "BLOCK", 0, "STREAMS", "outbox", ">")
    wait_until(lambda: blocked_clients(server) == 2)
    assert server.cmd("XGROUP", "DESTROY", "outbox", "g") == 1
    assert a.read_reply() == resp.Error(
        b"NOGROUP No such key 'outbox' or consumer group 'g' in XREADGROUP with GROUP option")
    server.cmd("DEBUG", "OUTBOX.ADD", "type", "badge")
    assert server.cmd("FLUSHALL") == b"OK"
    assert len(b.read_reply()[0][1]) == 1  # served by the entry, before the flush
    assert server.cmd("XLEN", "outbox") == 0
    assert server.cmd("XINFO", "GROUPS", "outbox") == []


# ---- kizuna only ---------------------------------------------------------------------------------

def test_only_the_outbox_key_and_no_direct_writes(server):
    for args in [("XLEN", "other"), ("XRANGE", "other", "-", "+"),
                 ("XREAD", "STREAMS", "outbox", "other", "0", "0"),
                 ("XGROUP", "CREATE", "other", "g", "$", "MKSTREAM"),
                 ("XINFO", "STREAM", "other"), ("XTRIM", "other", "MAXLEN", 0),
                 ("XACK", "other", "g", "1-0"), ("XPENDING", "other", "g")]:
        assert server.cmd(*args) == resp.Error(
            b"ERR no such stream: the only stream is 'outbox'"), args
    for args in [("XADD", "outbox", "*", "a", "b"), ("XDEL", "outbox", "1-0"),
                 ("XSETID", "outbox", "5-0")]:
        reply = server.cmd(*args)
        assert isinstance(reply, resp.Error) and b"not supported" in reply, reply
    assert server.cmd("XADD", "outbox") == resp.Error(
        b"ERR wrong number of arguments for 'xadd' command")
    # The outbox always exists: a group needs no MKSTREAM.
    assert server.cmd("XGROUP", "CREATE", "outbox", "senders", "$") == b"OK"
    assert server.cmd("XLEN", "outbox") == 0


def test_entry_ids_follow_the_server_clock_and_strictly_increase(server):
    now = server.clock()
    ids = [server.cmd("DEBUG", "OUTBOX.ADD", "type", "badge") for _ in range(3)]
    assert ids == [f"{now}-{i}".encode() for i in range(3)]
    server.clock_advance("1s")
    assert server.cmd("DEBUG", "OUTBOX.ADD", "type", "badge") == f"{now + 1000}-0".encode()
    assert server.cmd("DEBUG", "OUTBOX.ADD", "type") == resp.Error(
        b"ERR wrong number of arguments for 'debug|outbox.add' command")


def test_crashed_sender_loses_nothing(server):
    """A sender reads an entry and dies before XACK. It stays pending; once idle long enough,
    another sender claims it (XAUTOCLAIM), handles it and acknowledges it."""
    server.cmd("XGROUP", "CREATE", "outbox", "senders", "$")
    entry_id = server.cmd("DEBUG", "OUTBOX.ADD", *entry_fields(0))
    crashing = server.raw()
    got = crashing.command("XREADGROUP", "GROUP", "senders", "s1", "COUNT", 10, "STREAMS",
                           "outbox", ">")
    assert got[0][1][0][0] == entry_id
    crashing.close()  # no XACK

    healthy = server.raw()
    assert healthy.command("XREADGROUP", "GROUP", "senders", "s2", "STREAMS", "outbox",
                           ">") == resp.Null("*")
    assert healthy.command("XAUTOCLAIM", "outbox", "senders", "s2", 60000, "0") == [
        b"0-0", [], []]  # not idle for a minute yet
    server.clock_advance("1m")
    assert healthy.command("XPENDING", "outbox", "senders", "-", "+", 10) == [
        [entry_id, b"s1", 60000, 1]]
    next_id, claimed, deleted = healthy.command("XAUTOCLAIM", "outbox", "senders", "s2", 60000,
                                                "0")
    assert (next_id, deleted) == (b"0-0", [])
    assert claimed[0][0] == entry_id and claimed[0][1][7] == b"msg-0"
    assert healthy.command("XPENDING", "outbox", "senders", "-", "+", 10) == [
        [entry_id, b"s2", 0, 2]]
    assert healthy.command("XACK", "outbox", "senders", entry_id) == 1
    assert healthy.command("XPENDING", "outbox", "senders")[0] == 0


def test_outbox_maxlen_trims_exactly(make_server):
    s = make_server("--outbox-maxlen", "3")
    ids = [s.cmd("DEBUG", "OUTBOX.ADD", "i", str(i)) for i in range(5)]
    assert s.cmd("XLEN", "outbox") == 3
    assert [e[0] for e in s.cmd("XRANGE", "outbox", "-", "+")] == ids[2:]
    assert s.cmd("CONFIG", "SET", "outbox-maxlen", "2") == b"OK"
    s.cmd("DEBUG", "OUTBOX.ADD", "i", "5")
    assert s.cmd("XLEN", "outbox") == 2


def stream_state(peer):
    return [peer.cmd("XINFO", "STREAM", "outbox", "FULL", "COUNT", 0),
            peer.cmd("XINFO", "GROUPS", "outbox")]


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "kill9"])
def test_restart_keeps_entries_groups_consumers_and_pending_lists(make_server, workdir, stop):
    def start():
        return make_server("--dir", workdir, "--appendonly", "yes", "--appendfsync", "always",
                           flags=FLAGS)

    s = start()
    for i in range(6):
        s.cmd("DEBUG", "OUTBOX.ADD", *entry_fields(i))
        s.clock_advance("1s")
    s.cmd("XGROUP", "CREATE", "outbox", "g", "0")
    s.cmd("XGROUP", "CREATE", "outbox", "h", "$")
    s.cmd("XREADGROUP", "GROUP", "g", "a", "COUNT", 3, "STREAMS", "outbox", ">")
    s.clock_advance("5s")
    s.cmd("XREADGROUP", "GROUP", "g", "b", "COUNT", 2, "NOACK", "STREAMS", "outbox", ">")
    waiting = s.raw()  # served after blocking: logged when the entry wakes it
    waiting.send_command("XREADGROUP", "GROUP", "h", "w", "BLOCK", 0, "STREAMS", "outbox", ">")
    wait_until(lambda: blocked_clients(s) == 1)
    s.cmd("DEBUG", "OUTBOX.ADD", *entry_fields(6))
    assert len(waiting.read_reply()[0][1]) == 1
    ids = [e[0] for e in s.cmd("XRANGE", "outbox", "-", "+")]
    s.cmd("XACK", "outbox", "g", ids[0])
    s.clock_advance("1m")
    s.cmd("XCLAIM", "outbox", "g", "c", 1000, ids[1])
    s.cmd("XGROUP", "CREATECONSUMER", "outbox", "g", "idle-one")
    s.cmd("XTRIM", "outbox", "MAXLEN", 5)
    s.cmd("XAUTOCLAIM", "outbox", "g", "d", 0, "0", "COUNT", 1)
    before = stream_state(s)
    assert s.stop(stop) in (0, -signal.SIGKILL)

    s2 = start()
    assert stream_state(s2) == before
    # Ids keep increasing from where they were, whatever the clock says now.
    new_id = s2.cmd("DEBUG", "OUTBOX.ADD", "type", "badge")
    assert tuple(map(int, new_id.split(b"-"))) > tuple(map(int, ids[-1].split(b"-")))


def test_triggers_and_badges_append_entries_with_the_spec_fields(server):
    """The trigger engine writes through the same stream: a sender blocked in XREADGROUP is
    woken by a delayed trigger firing when DEBUG CLOCK moves past its due time."""
    server.cmd("XGROUP", "CREATE", "outbox", "senders", "$")
    assert server.cmd("BADGE.SET", "newcomer", "WHEN", "count:signup", ">=", 1) == b"OK"
    assert server.cmd("TRIGGER.SET", "welcome", "ON", "signup", "DELAY", "1h", "SEND",
                      "welcome-mail") == b"OK"
    t0 = server.clock()
    server.cmd("EVENT", "alice", "signup")
    badge = server.cmd("XREADGROUP", "GROUP", "senders", "s1", "STREAMS", "outbox", ">")
    fields = badge[0][1][0][1]
    assert fields == [b"type", b"badge", b"name", b"newcomer", b"customer", b"alice",
                      b"message", b"newcomer", b"due", str(t0).encode(), b"fired",
                      str(t0).encode(), b"late", b"0"]
    sender = server.raw()
    sender.send_command("XREADGROUP", "GROUP", "senders", "s1", "BLOCK", 0, "STREAMS", "outbox",
                        ">")
    wait_until(lambda: blocked_clients(server) == 1)
    server.clock_advance("2h")
    entry_id, fields = sender.read_reply()[0][1][0]
    due = t0 + 3_600_000
    assert entry_id == f"{due}-0".encode()
    assert dict(zip(fields[::2], fields[1::2])) == {
        b"type": b"trigger", b"name": b"welcome", b"customer": b"alice",
        b"message": b"welcome-mail", b"due": str(due).encode(), b"fired": str(due).encode(),
        b"late": b"0"}
    assert server.cmd("XACK", "outbox", "senders", entry_id, badge[0][1][0][0]) == 2


def test_customer_del_removes_their_entries_as_xdel_and_xack_do_on_redis(pair):
    """CUSTOMER.DEL removes the customer's sent messages: kizuna's outbox then reads exactly as
    redis-server's after XDEL of those ids and XACK of them in every group (no PEL names them),
    including the max-deleted id, the first id, entries-read and lag around the gaps."""
    kizuna, redis_peer = pair
    owners = ["gone", "kept", "gone", "gone", "kept", "kept", "gone", "kept", "kept", "gone"]
    ids = []
    for i, who in enumerate(owners):
        fields = entry_fields(i)
        fields[5] = who
        entry_id = kizuna.cmd("DEBUG", "OUTBOX.ADD", *fields)
        assert redis_peer.cmd("XADD", "outbox", entry_id, *fields) == entry_id
        ids.append(entry_id)
    for who in ("gone", "kept"):
        kizuna.cmd("EVENT", who, "view")
    compare(kizuna, redis_peer, [
        ("XGROUP", "CREATE", "outbox", "g", "0"),
        ("XGROUP", "CREATE", "outbox", "late", "0"),
        ("XGROUP", "CREATE", "outbox", "mid", ids[4], "ENTRIESREAD", 5),
        ("XREADGROUP", "GROUP", "g", "alice", "COUNT", 4, "STREAMS", "outbox", ">"),
        ("XREADGROUP", "GROUP", "g", "bob", "COUNT", 3, "STREAMS", "outbox", ">"),
        ("XACK", "outbox", "g", ids[1], ids[2]),
        ("XREADGROUP", "GROUP", "mid", "carol", "COUNT", 2, "STREAMS", "outbox", ">"),
    ])
    gone = [ids[i] for i, who in enumerate(owners) if who == "gone"]
    assert kizuna.cmd("CUSTOMER.DEL", "gone") == 1
    assert redis_peer.cmd("XDEL", "outbox", *gone) == len(gone)
    for group in ("g", "late", "mid"):
        redis_peer.cmd("XACK", "outbox", group, *gone)
    after = [
        ("XLEN", "outbox"),
        ("XRANGE", "outbox", "-", "+"),
        ("XREVRANGE", "outbox", "+", "-", "COUNT", 2),
        ("XRANGE", "outbox", gone[1], gone[2]),
        ("XINFO", "STREAM", "outbox"),
        ("XINFO", "STREAM", "outbox", "FULL"),
        ("XINFO", "GROUPS", "outbox"),
        ("XINFO", "CONSUMERS", "outbox", "g"),
        ("XPENDING", "outbox", "g"),
        ("XPENDING", "outbox", "g", "-", "+", 20),
        ("XPENDING", "outbox", "g", "-", "+", 20, "alice"),
        ("XPENDING", "outbox", "mid", "-", "+", 20),
        ("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "outbox", "0"),
        ("XCLAIM", "outbox", "g", "bob", 0, *gone),
        ("XREADGROUP", "GROUP", "late", "dave", "COUNT", 1, "STREAMS", "outbox", ">"),
        ("XINFO", "GROUPS", "outbox"),
        ("XREADGROUP", "GROUP", "late", "dave", "STREAMS", "outbox", ">"),
        ("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "outbox", ">"),
        ("XINFO", "GROUPS", "outbox"),
        ("XAUTOCLAIM", "outbox", "g", "erin", 0, "0"),
        ("XPENDING", "outbox", "g"),
    ]
    compare(kizuna, redis_peer, after)
    # Later entries: counters and lag go on as redis's do past the gaps.
    more = fill(kizuna, redis_peer, 2, start=20)
    compare(kizuna, redis_peer, [
        ("XINFO", "GROUPS", "outbox"),
        ("XREADGROUP", "GROUP", "mid", "carol", "STREAMS", "outbox", ">"),
        ("XREADGROUP", "GROUP", "g", "bob", "COUNT", 1, "STREAMS", "outbox", ">"),
        ("XINFO", "GROUPS", "outbox"),
        ("XINFO", "STREAM", "outbox", "FULL"),
    ])
    # Deleting a customer with no entries, or an unknown one, changes nothing in the outbox.
    before = kizuna.cmd("XINFO", "STREAM", "outbox", "FULL")
    kizuna.cmd("EVENT", "silent", "view")
    assert kizuna.cmd("CUSTOMER.DEL", "silent") == 1
    assert kizuna.cmd("CUSTOMER.DEL", "gone") == 0
    assert kizuna.cmd("XINFO", "STREAM", "outbox", "FULL") == before
    info = kizuna.cmd("XINFO", "STREAM", "outbox")
    assert info[8:10] == [b"max-deleted-entry-id", gone[-1]]
    assert info[6:8] == [b"last-generated-id", more[-1].encode()]
    # Everything gone: the empty stream, as redis's.
    assert kizuna.cmd("CUSTOMER.DEL", "kept") == 1
    kept = [ids[i] for i, who in enumerate(owners) if who == "kept"]
    redis_peer.cmd("XDEL", "outbox", *kept)
    for group in ("g", "late", "mid"):
        redis_peer.cmd("XACK", "outbox", group, *kept)
    # fill's entries name customers c20 and c21, who do not exist: both servers keep them.
    compare(kizuna, redis_peer, [("XLEN", "outbox"), ("XINFO", "STREAM", "outbox"),
                                 ("XINFO", "GROUPS", "outbox"), ("XPENDING", "outbox", "g")])
