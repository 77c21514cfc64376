"""Snapshots with real files and real processes: SAVE, BGSAVE, BGREWRITEAOF, LASTSAVE, the
`save` rules, SHUTDOWN [SAVE|NOSAVE], restart equality by DEBUG DIGEST (log only, snapshot
only, snapshot + log) with engagement state, kill -9 during and after BGSAVE, CUSTOMER.DEL
leaving no trace, the log hand-over, and corrupt snapshots."""
import os
import signal
import subprocess
import time

import pytest
import redis

import resp
from conftest import (SERVER_BIN, HotWriters, assert_same_replies, process_rss, small_disk,
                      wait_until)

CHECK_BIN = os.path.join(os.path.dirname(SERVER_BIN), "..", "tools", "kizuna-check")
FLAGS = ["--clock", "manual", "--enable-debug-command", "yes"]
# Far ahead of the real clock, so a restarted server's manual clock can be set to it again.
T0 = 4102444800000  # 2100-01-01


def client(s):
    """redis-py without its reply callbacks: replies as the server sent them."""
    r = s.client()
    r.response_callbacks = {}
    return r


def data_dir(workdir):
    """A directory holding only the server's data files (its log file stays in workdir)."""
    path = os.path.join(workdir, "data")
    os.makedirs(path, exist_ok=True)
    return path


def start(make_server, workdir, *extra, save="", fsync="always", appendonly="yes", wait=True):
    return make_server("--dir", data_dir(workdir), "--appendonly", appendonly, "--appendfsync",
                       fsync, "--save", save, *extra, flags=FLAGS, wait=wait)


def files(workdir):
    return sorted(os.listdir(data_dir(workdir)))


def info(s):
    text = s.cmd("INFO", "persistence").decode()
    return dict(line.split(":", 1) for line in text.split("\r\n") if ":" in line)


def digest(s):
    reply = s.cmd("DEBUG", "DIGEST")
    assert isinstance(reply, bytes) and len(reply) == 16, reply
    return reply


def child_pids(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except FileNotFoundError:
        return []


def build_state(r):
    """Definitions and customers touching every kind of state a snapshot must hold."""
    cmds = [
        ("CATEGORY.SET", "buzz", "HALFLIFE", "7d"),
        ("RULE.SET", "v", "ACTION", "view", "POINTS", "product", 3, "lifestyle", 5, "buzz", 2),
        ("RULE.SET", "p", "ACTION", "purchase", "POINTS", "product", 8, "lifestance", 1),
        ("RULE.SET", "s", "ACTION", "visit", "ITEM", "store:A", "POINTS", "lifestance", 4),
        ("RULE.SET", "gone", "ACTION", "visit", "ITEM", "store:B", "POINTS", "product", 1),
        ("RULE.DEL", "gone"),
        ("BADGE.SET", "tmp", "WHEN", "frequency", ">=", 100),
        ("BADGE.SET", "regular", "WHEN", "count:visit:store:A", ">=", 2),
        ("BADGE.DEL", "tmp"),
        ("BADGE.SET", "buyer", "WHEN", "frequency", ">=", 1),
        ("SEGMENT.SET", "fans", "WHERE", "lifestyle", ">=", 10),
        ("SEGMENT.SET", "hot", "WHERE", "buzz", ">=", 3),
        ("TRIGGER.SET", "welcome", "ON", "view", "FIRST", "SEND", "hello"),
        ("TRIGGER.SET", "cart", "ON", "cart_add", "DELAY", "1h", "UNLESS", "purchase",
         "SEND", "reminder"),
        ("TRIGGER.SET", "winback", "ON", "purchase", "DELAY", "90d", "SEND", "come_back"),
        ("TRIGGER.SET", "invite", "ON", "ENTER", "fans", "DELAY", "2d", "ONCE", "SEND", "party"),
    ]
    for c in cmds:
        assert r.execute_command(*c) in (b"OK", 1, True), c
    for i in range(40):
        c = f"cust{i:03d}"
        r.execute_command("EVENT", c, "view", "ID", f"ev{i}")
        if i % 2 == 0:
            r.execute_command("EVENT", c, "view")
        if i % 3 == 0:
            r.execute_command("EVENT", c, "cart_add")
        if i % 5 == 0:
            r.execute_command("EVENT", c, "purchase", "VALUE", 10 + i, "ID", f"o{i}")
        if i % 4 == 0:
            r.execute_command("EVENT", c, "visit", "ITEM", "store:A")
            r.execute_command("EVENT", c, "visit", "ITEM", "store:A")
    for c in ("cust007", "cust013"):
        r.execute_command("CUSTOMER.DEL", c)  # freed indices: the free list must come back
    r.execute_command("XGROUP", "CREATE", "outbox", "senders", "0")
    r.execute_command("XGROUP", "CREATE", "outbox", "audit", "$")
    r.execute_command("XREADGROUP", "GROUP", "senders", "a", "COUNT", 5, "STREAMS", "outbox", ">")
    r.execute_command("XREADGROUP", "GROUP", "senders", "b", "COUNT", 3, "STREAMS", "outbox", ">")
    first = r.execute_command("XRANGE", "outbox", "-", "+", "COUNT", 1)[0][0]
    r.execute_command("XACK", "outbox", "senders", first)


def advance_and_use(s, r):
    """Moves time (firing timers, re-checking decaying segments) and writes a little more."""
    s.clock_advance("1h")  # cart reminders fire (some were cancelled by purchases)
    s.clock_advance("3d")  # invites fire; `hot` members decay out
    r.execute_command("EVENT", "cust001", "purchase", "VALUE", 5)
    r.execute_command("EVENT", "newbie", "view")
    r.execute_command("XREADGROUP", "GROUP", "senders", "a", "COUNT", 4, "STREAMS", "outbox", ">")


def observable(r):
    """What clients can see, to compare beside the digest."""
    customers = sorted(r.execute_command("TOP", "total", 1000))
    return {
        "customers": {c: r.execute_command("CUSTOMER", c) for c in customers},
        "top": r.execute_command("TOP", "buzz", 10, "WITHSCORES"),
        "badges": r.execute_command("BADGE.LIST"),
        "segments": r.execute_command("SEGMENT.LIST"),
        "triggers": r.execute_command("TRIGGER.LIST"),
        "outbox": r.execute_command("XRANGE", "outbox", "-", "+"),
        "groups": r.execute_command("XINFO", "GROUPS", "outbox"),
        "pending": r.execute_command("XPENDING", "outbox", "senders", "-", "+", 100),
        "stats": r.execute_command("STATS"),
        "dbsize": r.execute_command("DBSIZE"),
    }


def run_sequence(s):
    r = client(s)
    s.clock_set(T0)
    build_state(r)
    return r


@pytest.mark.parametrize("mode", ["log-only", "snapshot-only", "snapshot+log"])
def test_restart_reproduces_the_state(make_server, workdir, mode):
    # A reference server gets the same commands and is never restarted.
    # message-cap: the per-customer windows of sent messages are state too.
    cap = ("--message-cap", "3 1d")
    ref = make_server("--appendonly", "no", "--save", "", *cap, flags=FLAGS)
    s = start(make_server, workdir, *cap)
    ref_r, r = run_sequence(ref), run_sequence(s)
    if mode != "log-only":
        assert r.execute_command("SAVE") == b"OK"
    if mode == "snapshot+log":
        for peer, peer_client in ((s, r), (ref, ref_r)):
            advance_and_use(peer, peer_client)
    assert digest(s) == digest(ref)
    before, seen = digest(s), observable(r)
    clock = s.clock()
    names = files(workdir)
    assert ("snapshot.ksnap" in names) == (mode != "log-only")
    if mode == "snapshot-only":
        # Nothing was written after SAVE: the only log left is the one it started, holding
        # only the settings every log starts with.
        assert [n for n in names if n.endswith(".klog")] == ["appendonly-000002.klog"]
        with open(os.path.join(data_dir(workdir), "appendonly-000002.klog"), "rb") as f:
            log = f.read()
        assert b"CONFIG" in log and b"EVENT" not in log and len(log) < 200
    s.stop()
    s2 = start(make_server, workdir, *cap)
    assert digest(s2) == before
    s2.clock_set(clock)
    assert observable(client(s2)) == seen
    # And it behaves the same from here on: timers fire, counters and groups move on alike.
    for peer in (s2, ref):
        advance_and_use(peer, client(peer))
        peer.clock_advance("100d")  # winback timers
    assert digest(s2) == digest(ref)


def test_a_restarted_server_holds_no_more_memory_than_the_one_that_saved(make_server, workdir):
    # Loading frees buffers of megabytes (each leaderboard's sort among them). Left in glibc's
    # heap, they kept a restarted server ~20% above the one that saved (bench/RESULTS.md).
    s = start(make_server, workdir, appendonly="no")
    r = client(s)
    r.execute_command("RULE.SET", "view", "ACTION", "view", "POINTS", "product", "3",
                      "lifestyle", "5")
    subprocess.run(["redis-benchmark", "-p", str(s.port), "-n", "600000", "-P", "16", "-c", "20",
                    "-r", "300000", "-q", "EVENT", "cust:__rand_int__", "view"],
                   check=True, capture_output=True, timeout=120)
    customers = r.execute_command("DBSIZE")
    assert customers > 200000
    assert r.execute_command("SAVE") == b"OK"
    saved_rss = process_rss(s.proc.pid)
    s.stop()
    s2 = start(make_server, workdir, appendonly="no")
    assert client(s2).execute_command("DBSIZE") == customers
    loaded_rss = process_rss(s2.proc.pid)
    assert loaded_rss <= saved_rss * 1.05, (saved_rss, loaded_rss)


def test_kill_9_after_save_and_during_bgsave_keeps_every_acknowledged_write(
        make_server, workdir):
    s = start(make_server, workdir)
    client(s).execute_command("RULE.SET", "v", "ACTION", "view", "POINTS", "product", 1)
    acked = 0
    for round_ in range(3):
        writers = HotWriters(lambda: client(s), 3)
        wait_until(lambda: writers.acked >= 100, what="writes before BGSAVE")
        saves = int(info(s)["rdb_saves"])
        assert s.cmd("BGSAVE") == b"Background saving started"
        if round_ < 2:
            wait_until(lambda: int(info(s)["rdb_saves"]) == saves + 1, what="BGSAVE to finish")
            assert info(s)["rdb_last_bgsave_status"] == "ok"
            mark = writers.acked
            wait_until(lambda: writers.acked >= mark + 100, what="writes after BGSAVE")
        # Round 2: killed while the child may still be writing.
        os.kill(s.pid, signal.SIGKILL)
        s.proc.wait()
        acked += writers.stop()
        s = start(make_server, workdir)
        score = float(client(s).execute_command("SCORE", "hot", "product"))
        assert acked <= score <= acked + 3 * (round_ + 1), (acked, score)
        acked = int(score)
        assert not [n for n in files(workdir) if n.startswith("temp-")]


@pytest.mark.parametrize("save", ["SAVE", "BGSAVE"])
def test_customer_del_then_save_leaves_no_trace_in_any_file(make_server, workdir, save):
    s = start(make_server, workdir, "--message-cap", "10 1d")
    s.clock_set(T0)
    r = client(s)
    secret = "secret-customer-4711"
    for c in (("RULE.SET", "v", "ACTION", "view", "POINTS", "product", 1),
              ("BADGE.SET", "fan", "WHEN", "count:view", ">=", 2),
              ("TRIGGER.SET", "hi", "ON", "view", "DELAY", "1m", "ONCE", "SEND", "hello"),
              ("TRIGGER.SET", "again", "ON", "view", "DELAY", "1m", "SEND", "more"),
              ("XGROUP", "CREATE", "outbox", "mail", "0"),
              ("XGROUP", "CREATE", "outbox", "audit", "0")):
        assert r.execute_command(*c) in (b"OK", 1), c
    for _ in range(3):  # each round: a dedupe id, a message or two, the badge once
        for c in (secret, "other"):
            r.execute_command("EVENT", c, "view", "ID", "x-" + c)
            r.execute_command("EVENT", c, "view")
            r.execute_command("EVENT", c, "purchase", "VALUE", 25)  # insight's buyer figures
        s.clock_advance("1m")
    r.execute_command("XREADGROUP", "GROUP", "mail", "sender", "COUNT", 5, "STREAMS", "outbox", ">")
    r.execute_command("XREADGROUP", "GROUP", "audit", "x", "STREAMS", "outbox", ">")
    outbox = r.execute_command("XRANGE", "outbox", "-", "+")
    mine = [e[0] for e in outbox if secret.encode() in e[1]]
    assert len(mine) >= 4 and len(outbox) > len(mine)
    pending = r.execute_command("XPENDING", "outbox", "mail", "-", "+", 100)
    assert any(p[0] in mine for p in pending)
    r.execute_command("XACK", "outbox", "mail", mine[0])
    assert r.execute_command("BGSAVE") == b"Background saving started"
    wait_until(lambda: info(s)["rdb_bgsave_in_progress"] == "0", what="BGSAVE")
    r.execute_command("EVENT", secret, "view")  # and a timer pending at the deletion

    def holding():
        out = []
        for name in files(workdir):
            with open(os.path.join(data_dir(workdir), name), "rb") as f:
                if secret.encode() in f.read():
                    out.append(name)
        return out

    assert "snapshot.ksnap" in holding()  # on disk until deleted and snapshotted
    assert r.execute_command("CUSTOMER.DEL", secret) == 1
    rest = [e for e in outbox if e[0] not in mine]
    assert r.execute_command("XRANGE", "outbox", "-", "+") == rest
    assert r.execute_command("XLEN", "outbox") == len(rest)
    for group in ("mail", "audit"):
        left = r.execute_command("XPENDING", "outbox", group, "-", "+", 100)
        assert left and not [p for p in left if p[0] in mine]
    # The log record of the deletion replays to the same state.
    before = digest(s)
    assert s.stop() == 0
    s = start(make_server, workdir, "--message-cap", "10 1d")
    r = client(s)
    assert digest(s) == before
    assert r.execute_command(save) in (b"OK", b"Background saving started")
    wait_until(lambda: info(s)["rdb_bgsave_in_progress"] == "0" and not holding(),
               what="the snapshot and the old logs' removal")
    assert info(s)["rdb_last_bgsave_status"] == "ok"
    assert s.stop() == 0
    s2 = start(make_server, workdir, "--message-cap", "10 1d")
    assert digest(s2) == before
    assert client(s2).execute_command("SCORE", secret, "product") is None
    assert s2.cmd("SCORE", "other", "product") == b"4"  # the repeated ID counted once
    assert s2.cmd("XRANGE", "outbox", "-", "+") == rest


def frozen_child(s, workdir):
    """The running snapshot child, stopped (SIGSTOP) once it has created its temp file."""
    child = wait_until(lambda: child_pids(s.pid), what="the snapshot child")[0]
    wait_until(lambda: f"temp-{child}.ksnap" in files(workdir), what="the temp file")
    os.kill(child, signal.SIGSTOP)
    return child


def test_old_logs_go_only_after_the_snapshot_is_durable(make_server, workdir):
    # rdb-key-save-delay: the child sleeps 20 ms per record, long enough to be caught.
    s = start(make_server, workdir, "--rdb-key-save-delay", "20000")
    r = client(s)
    r.execute_command("RULE.SET", "v", "ACTION", "view", "POINTS", "product", 1)
    for i in range(50):
        r.execute_command("EVENT", f"c{i}", "view")
    assert files(workdir) == ["appendonly-000001.klog"]
    assert r.execute_command("BGSAVE") == b"Background saving started"
    # Freeze the child before it finishes: the hand-over must wait for it.
    child = frozen_child(s, workdir)
    try:
        r.execute_command("EVENT", "c0", "view")  # goes to the new log
        names = files(workdir)
        assert "appendonly-000001.klog" in names and "appendonly-000002.klog" in names
        assert "snapshot.ksnap" not in names
        assert f"temp-{child}.ksnap" in names
        st = info(s)
        assert st["rdb_bgsave_in_progress"] == "1" and st["aof_current_seq"] == "2"
        assert st["rdb_current_bgsave_time_sec"] != "-1"
        # While it runs: SAVE and BGSAVE are refused, BGREWRITEAOF is scheduled.
        assert_error(r, "SAVE", "Background save already in progress")
        assert_error(r, "BGSAVE", "Background save already in progress")
        assert r.execute_command("BGREWRITEAOF") == b"Background append only file rewriting scheduled"
        assert info(s)["aof_rewrite_scheduled"] == "1"
    finally:
        os.kill(child, signal.SIGCONT)
    wait_until(lambda: "snapshot.ksnap" in files(workdir), what="the snapshot")
    # Then the scheduled rewrite runs: another snapshot, continued by log 3.
    wait_until(lambda: info(s)["aof_rewrites"] == "1", what="the scheduled rewrite")
    assert files(workdir) == ["appendonly-000003.klog", "snapshot.ksnap"]
    check = subprocess.run([CHECK_BIN, data_dir(workdir)], capture_output=True, timeout=30)
    assert check.returncode == 0 and b"snapshot.ksnap" in check.stdout, check.stdout
    s.stop()
    s2 = start(make_server, workdir)
    assert s2.cmd("SCORE", "c0", "product") == b"2"
    assert s2.cmd("DBSIZE") == 50


def test_kill_9_with_a_frozen_child_loses_nothing(make_server, workdir):
    s = start(make_server, workdir, "--rdb-key-save-delay", "20000")
    r = client(s)
    r.execute_command("RULE.SET", "v", "ACTION", "view", "POINTS", "product", 1)
    r.execute_command("EVENT", "a", "view")
    assert r.execute_command("SAVE") == b"OK"
    r.execute_command("EVENT", "a", "view")
    assert r.execute_command("BGSAVE") == b"Background saving started"
    child = frozen_child(s, workdir)
    r.execute_command("EVENT", "a", "view")
    os.kill(s.pid, signal.SIGKILL)
    s.proc.wait()
    wait_until(lambda: not os.path.exists(f"/proc/{child}") or
               open(f"/proc/{child}/stat").read().split()[2] == "Z", what="the child to die")
    s2 = start(make_server, workdir)
    # Old snapshot (continued by log 2) + logs 2 and 3: all three events.
    assert s2.cmd("SCORE", "a", "product") == b"3"
    assert not [n for n in files(workdir) if n.startswith("temp-")]


def shutdown(s, *args):
    """SHUTDOWN: no reply, the connection closes, the process exits 0."""
    conn = s.raw()
    conn.send_command("SHUTDOWN", *args)
    with pytest.raises(EOFError):
        conn.read_reply()
    assert s.proc.wait(timeout=15) == 0


def test_shutdown_save_and_nosave(make_server, workdir):
    # Data only in memory (appendonly no): SHUTDOWN NOSAVE loses it, SAVE keeps it.
    s = start(make_server, workdir, appendonly="no", save="3600 1")
    s.cmd("EVENT", "a", "view")
    s.cmd("RULE.SET", "v", "ACTION", "view", "POINTS", "product", 1)
    s.cmd("EVENT", "a", "view")
    shutdown(s, "NOSAVE")
    assert files(workdir) == []
    s = start(make_server, workdir, appendonly="no")
    assert s.cmd("DBSIZE") == 0
    s.cmd("RULE.SET", "v", "ACTION", "view", "POINTS", "product", 1)
    s.cmd("EVENT", "a", "view")
    shutdown(s, "SAVE")  # even with no `save` rule
    assert files(workdir) == ["snapshot.ksnap"]
    # SIGTERM snapshots when a `save` rule is configured, and exits 0.
    s = start(make_server, workdir, appendonly="no", save="3600 1")
    assert s.cmd("SCORE", "a", "product") == b"1"
    s.cmd("EVENT", "a", "view")
    assert s.stop(signal.SIGTERM) == 0
    assert "Saving the final snapshot" in s.log_text()
    s = start(make_server, workdir, appendonly="no")
    assert s.cmd("SCORE", "a", "product") == b"2"
    # Without a rule, SIGTERM only flushes the log.
    s.cmd("EVENT", "a", "view")
    assert s.stop(signal.SIGTERM) == 0
    s = start(make_server, workdir, appendonly="no")
    assert s.cmd("SCORE", "a", "product") == b"2"


def test_shutdown_nosave_still_flushes_the_log(make_server, workdir):
    s = start(make_server, workdir, fsync="no", save="1 1")
    s.cmd("RULE.SET", "v", "ACTION", "view", "POINTS", "product", 1)
    for _ in range(10):
        s.cmd("EVENT", "a", "view")
    shutdown(s, "NOSAVE")
    assert "snapshot.ksnap" not in files(workdir)
    s = start(make_server, workdir)
    assert s.cmd("SCORE", "a", "product") == b"10"


def test_automatic_save_rules_follow_the_server_clock(make_server, workdir):
    s = start(make_server, workdir, save="100 2 1000 1")
    assert s.cmd("CONFIG", "GET", "save") == [b"save", b"100 2 1000 1"]
    start_save = s.cmd("LASTSAVE")
    assert start_save == s.clock() // 1000

    def saves():
        return int(info(s)["rdb_saves"])

    def stays_unsaved():
        # Three cron ticks (100 ms each) must pass without a snapshot.
        deadline = time.monotonic() + 0.35
        while time.monotonic() < deadline:
            assert saves() == 0
            time.sleep(0.05)

    s.cmd("EVENT", "a", "view")
    s.clock_advance("150s")  # 1 change in 150 s: neither rule
    stays_unsaved()
    assert info(s)["rdb_changes_since_last_save"] == "1"
    s.cmd("EVENT", "b", "view")  # 2 changes in 150 s: "100 2" is due
    wait_until(lambda: saves() == 1, what="the automatic snapshot")
    wait_until(lambda: "snapshot.ksnap" in files(workdir), what="the snapshot file")
    st = info(s)
    assert st["rdb_changes_since_last_save"] == "0" and st["rdb_last_bgsave_status"] == "ok"
    assert s.cmd("LASTSAVE") == s.clock() // 1000
    # "1000 1": one change, then 999 s is not enough, 1000 s is.
    s.cmd("EVENT", "a", "view")
    s.clock_advance("999s")
    s.cmd("CONFIG", "SET", "save", "1000 1")
    stays_unsaved_since = saves()
    deadline = time.monotonic() + 0.35
    while time.monotonic() < deadline:
        assert saves() == stays_unsaved_since
        time.sleep(0.05)
    s.clock_advance("1s")
    wait_until(lambda: saves() == 2, what="the second automatic snapshot")
    # Disabled: nothing more, whatever the clock does.
    assert s.cmd("CONFIG", "SET", "save", "") == b"OK"
    s.cmd("EVENT", "a", "view")
    s.clock_advance("10d")
    deadline = time.monotonic() + 0.35
    while time.monotonic() < deadline:
        assert saves() == 2
        time.sleep(0.05)


def test_corrupt_or_cut_snapshot_refuses_to_start(make_server, workdir):
    s = start(make_server, workdir)
    r = client(s)
    r.execute_command("RULE.SET", "v", "ACTION", "view", "POINTS", "product", 1)
    for i in range(3000):
        r.execute_command("EVENT", f"customer-{i}", "view")
    assert r.execute_command("SAVE") == b"OK"
    assert s.stop() == 0
    path = os.path.join(data_dir(workdir), "snapshot.ksnap")
    good = open(path, "rb").read()
    flags = ["--dir", data_dir(workdir), "--appendonly", "yes", "--save", "", *FLAGS]
    for damage in ("flip", "cut"):
        data = bytearray(good)
        middle = len(data) // 2
        if damage == "flip":
            data[middle] ^= 0x01
        else:
            data = data[:middle]
        open(path, "wb").write(bytes(data))
        out = subprocess.run([SERVER_BIN, "--port", "0", *flags], capture_output=True, timeout=30)
        assert out.returncode != 0
        assert path.encode() in out.stderr and b"offset" in out.stderr, out.stderr
        assert b"kizuna-check" in out.stderr
        check = subprocess.run([CHECK_BIN, data_dir(workdir)], capture_output=True, timeout=30)
        assert check.returncode == 1 and b"CORRUPT at offset" in check.stdout, check.stdout
        # --fix repairs only the newest log, never a snapshot.
        fix = subprocess.run([CHECK_BIN, path, "--fix", "--yes"], capture_output=True, timeout=30)
        assert fix.returncode == 1 and open(path, "rb").read() == bytes(data)
    open(path, "wb").write(good)
    s2 = start(make_server, workdir)
    assert s2.cmd("DBSIZE") == 3000


def assert_error(r, *args_and_text):
    *args, text = args_and_text
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    assert text in str(e.value), (args, str(e.value))


def test_bad_arguments_are_refused_and_change_nothing(make_server, make_redis_server, workdir):
    s = start(make_server, workdir)
    s.cmd("EVENT", "a", "view")
    redis_server = make_redis_server()
    bad = [
        ("SAVE", "now"),
        ("BGSAVE", "NOW"),
        ("BGSAVE", "SCHEDULE", "extra"),
        ("LASTSAVE", "x"),
        ("BGREWRITEAOF", "x"),
        ("SHUTDOWN", "SAVE", "NOSAVE"),
        ("SHUTDOWN", "NOSAVE", "SAVE"),
        ("SHUTDOWN", "PLEASE"),
    ]
    before = (digest(s), files(workdir), info(s)["rdb_saves"], s.cmd("CONFIG", "GET", "save"))
    assert_same_replies(s, redis_server, bad)
    for args in (("CONFIG", "SET", "save", "100"), ("CONFIG", "SET", "save", "100 x"),
                 ("CONFIG", "SET", "save", "-1 5"), ("DEBUG", "DIGEST", "x"),
                 ("CONFIG", "SET", "rdb-key-save-delay", "-1")):
        assert isinstance(s.cmd(*args), resp.Error), args
    after = (digest(s), files(workdir), info(s)["rdb_saves"], s.cmd("CONFIG", "GET", "save"))
    assert after == before and s.alive()


def test_command_info_and_docs_describe_the_new_commands(server, make_redis_server):
    redis_server = make_redis_server()
    for name in ("save", "bgsave", "lastsave", "bgrewriteaof"):
        ours = server.cmd("COMMAND", "INFO", name)[0]
        theirs = redis_server.cmd("COMMAND", "INFO", name)[0]
        assert ours[0] == theirs[0] and ours[1] == theirs[1], (ours, theirs)  # name, arity
        docs = server.cmd("COMMAND", "DOCS", name)
        assert docs and docs[0] == name.encode()
    docs = dict(zip(*[iter(server.cmd("COMMAND", "DOCS", "bgsave")[1])] * 2))
    assert b"SCHEDULE" in repr(docs.get(b"arguments")).encode() or b"schedule" in \
        repr(docs.get(b"arguments")).encode()


def test_loading_a_snapshot_answers_loading(make_server, workdir):
    s = start(make_server, workdir)
    r = client(s)
    r.execute_command("RULE.SET", "v", "ACTION", "view", "POINTS", "product", 1)
    pipe = r.pipeline(transaction=False)
    for i in range(2000):
        pipe.execute_command("EVENT", f"c{i}", "view")
    pipe.execute()
    assert r.execute_command("SAVE") == b"OK"
    for i in range(300):
        r.execute_command("EVENT", f"late{i}", "view")
    assert s.stop() == 0
    # The log after the snapshot loads slowly (key-load-delay): -LOADING, with progress.
    s2 = start(make_server, workdir, "--key-load-delay", "2000", wait=False)

    def loading_info():
        try:
            reply = s2.cmd("INFO", "persistence")
        except OSError:
            return None
        return reply if isinstance(reply, bytes) and b"loading:1" in reply else None

    text = wait_until(loading_info, what="INFO while loading").decode()
    fields = dict(line.split(":", 1) for line in text.split("\r\n") if ":" in line)
    snapshot_size = os.path.getsize(os.path.join(data_dir(workdir), "snapshot.ksnap"))
    assert int(fields["loading_total_bytes"]) > snapshot_size
    assert int(fields["loading_loaded_bytes"]) >= snapshot_size
    reply = s2.cmd("SCORE", "c1", "product")
    assert isinstance(reply, resp.Error) and reply.code == b"LOADING"
    wait_until(lambda: s2.cmd("DBSIZE") == 2300, timeout=30, what="loading to finish")


def test_definitions_naming_init_file_ones_survive_snapshot_restarts(make_server, workdir):
    init = os.path.join(workdir, "rules.conf")
    with open(init, "w") as f:
        f.write("RULE.SET p ACTION purchase ITEM sku POINTS product 5\n"
                "BADGE.SET vip WHEN frequency >= 1\n")
    s = start(make_server, workdir, "--init-file", init)
    r = client(s)
    s.clock_set(T0)
    assert r.execute_command("TRIGGER.SET", "thanks", "ON", "BADGE", "vip", "DELAY", "1d",
                             "SEND", "gift") == b"OK"
    assert r.execute_command("BADGE.SET", "big", "WHEN", "count:purchase:sku", ">=", 2) == b"OK"
    for _ in range(2):
        r.execute_command("EVENT", "a", "purchase", "ITEM", "sku")
    assert r.execute_command("SAVE") == b"OK"
    before = digest(s)
    for _ in range(2):  # the init file is applied again at each start; nothing changes
        s.stop()
        s = start(make_server, workdir, "--init-file", init)
        assert digest(s) == before
    customer = client(s).execute_command("CUSTOMER", "a")
    assert customer[customer.index(b"pending") + 1] == [[b"thanks", T0 + 86_400_000]]
    assert client(s).execute_command("SCORE", "a", "product") == b"10"


def test_full_disk_fails_the_snapshot_and_keeps_the_logs(make_server, workdir):
    with small_disk(workdir, "1m") as mnt:
        s = make_server("--dir", mnt, "--appendonly", "yes", "--appendfsync", "always",
                        "--save", "", flags=FLAGS)
        r = client(s)
        r.execute_command("RULE.SET", "v", "ACTION", "view", "POINTS", "product", 1)
        for i in range(500):
            r.execute_command("EVENT", f"customer-with-a-long-id-{i:08d}", "view")
        st = os.statvfs(mnt)
        with open(os.path.join(mnt, "filler"), "wb") as f:
            f.write(b"\0" * (st.f_bavail * st.f_frsize - 4096))
        assert r.execute_command("BGSAVE") == b"Background saving started"
        wait_until(lambda: info(s)["rdb_bgsave_in_progress"] == "0", what="BGSAVE to end")
        assert info(s)["rdb_last_bgsave_status"] == "err"
        names = sorted(os.listdir(mnt))
        assert "snapshot.ksnap" not in names and not [n for n in names if n.startswith("temp-")]
        assert "appendonly-000001.klog" in names  # kept: the snapshot never became durable
        assert_error(r, "SAVE", "No space left on device")
        assert_error(r, "SHUTDOWN", "SAVE", "Errors trying to SHUTDOWN")
        assert r.ping() and r.execute_command("DBSIZE") == 500  # still serving
        os.remove(os.path.join(mnt, "filler"))
        assert r.execute_command("SAVE") == b"OK"
        assert info(s)["rdb_last_bgsave_status"] == "ok"
        assert s.stop() == 0
        s2 = make_server("--dir", mnt, "--appendonly", "yes", "--save", "", flags=FLAGS)
        assert s2.cmd("DBSIZE") == 500
