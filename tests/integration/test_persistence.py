"""Durability with real files and real processes: restarts, kill -9, torn and corrupt logs,
kizuna-check, and a full disk."""
import os
import random
import signal
import subprocess

import pytest
import redis

import resp
from conftest import SERVER_BIN, HotWriters, small_disk, wait_until

CHECK_BIN = os.path.join(os.path.dirname(SERVER_BIN), "..", "tools", "kizuna-check")
# No automatic snapshots: these tests are about the log alone (test_snapshots.py has the rest).
FLAGS = ["--clock", "manual", "--enable-debug-command", "yes", "--save", ""]


def durable_server(make_server, workdir, fsync="always", *extra):
    return make_server("--dir", workdir, "--appendonly", "yes", "--appendfsync", fsync, *extra,
                       flags=FLAGS)


def state(r):
    """Everything a client can see: definitions and every customer's profile."""
    r.response_callbacks = {}
    customers = sorted(r.execute_command("TOP", "total", 1_000_000))
    return {
        "categories": r.execute_command("CATEGORY.LIST"),
        "rules": sorted(r.execute_command("RULE.LIST")),
        "customers": {c: r.execute_command("CUSTOMER", c) for c in customers},
        "dbsize": r.execute_command("DBSIZE"),
    }


def load_some_state(r, n=50):
    r.execute_command("RULE.SET", "v", "ACTION", "view", "POINTS", "product", 3, "lifestyle", 5)
    r.execute_command("RULE.SET", "p", "ACTION", "purchase", "POINTS", "product", 8,
                      "lifestance", 1)
    for i in range(n):
        r.execute_command("EVENT", f"c{i}", "view")
        if i % 3 == 0:
            r.execute_command("EVENT", f"c{i}", "purchase", "VALUE", 10 + i, "ID", f"o{i}")
    r.execute_command("CUSTOMER.DEL", "c1")


def log_files(workdir):
    return sorted(os.path.join(workdir, f) for f in os.listdir(workdir) if f.endswith(".klog"))


def test_restart_keeps_everything(make_server, workdir):
    s = durable_server(make_server, workdir, "everysec")
    load_some_state(s.client())
    before = state(s.client())
    assert s.stop() == 0  # SIGTERM flushes and fsyncs the log
    s2 = durable_server(make_server, workdir, "everysec")
    assert state(s2.client()) == before
    assert "Loaded" in s2.log_text()


def test_replay_uses_the_recorded_time(make_server, workdir):
    s = durable_server(make_server, workdir)
    r = s.client()
    r.execute_command("DEBUG", "CLOCK", "ADVANCE", "30d")
    r.execute_command("RULE.SET", "v", "ACTION", "view", "POINTS", "product", 1)
    r.execute_command("EVENT", "late", "view")  # TS defaults to the (manual) clock
    r.response_callbacks = {}
    seen = r.execute_command("CUSTOMER", "late")
    s.stop(signal.SIGKILL)
    s2 = durable_server(make_server, workdir)
    r2 = s2.client()
    r2.response_callbacks = {}
    assert r2.execute_command("CUSTOMER", "late") == seen


def test_kill_9_loses_no_acknowledged_event(make_server, workdir):
    rng = random.Random(7)
    acked = 0
    s = durable_server(make_server, workdir)
    s.client().execute_command("RULE.SET", "v", "ACTION", "view", "POINTS", "product", 1)
    for round_ in range(4):
        writers = HotWriters(s.client, 4)
        target = 200 + rng.randrange(400)
        wait_until(lambda: writers.acked >= target, what="some acknowledged events")
        os.kill(s.pid, signal.SIGKILL)
        s.proc.wait()
        acked += writers.stop()
        s = durable_server(make_server, workdir)
        score = float(s.client().execute_command("SCORE", "hot", "product"))
        # Every acknowledged event is there; at most one unacknowledged one per writer more.
        assert acked <= score <= acked + 4 * (round_ + 1), (acked, score)
        acked = int(score)


def test_torn_tail_is_truncated_at_any_offset(make_server, workdir):
    s = durable_server(make_server, workdir, "no")
    r = s.client()
    r.execute_command("RULE.SET", "v", "ACTION", "view", "POINTS", "product", 1)
    for i in range(20):
        r.execute_command("EVENT", "c", "view")
    assert s.stop() == 0
    path = log_files(workdir)[0]
    full = open(path, "rb").read()
    # Record boundaries: a cut exactly on one keeps that many records.
    rng = random.Random(3)
    for cut in sorted(rng.sample(range(1, len(full)), 12)):
        with open(path, "wb") as f:
            f.write(full[:cut])
        s = durable_server(make_server, workdir, "no")
        score = s.client().execute_command("SCORE", "c", "product")
        events = int(float(score)) if score is not None else 0
        assert 0 <= events <= 20
        assert s.stop() == 0
        # What survived is a prefix of whole records, and the file was cut to it; a cut inside
        # the first record (the settings every log starts with) leaves a log that gets them anew.
        data = open(path, "rb").read()
        assert len(data) <= cut or (events == 0 and b"EVENT" not in data and
                                    data.count(b"purchase-action") == 1)
        if events:
            assert f"offset" in s.log_text() or len(open(path, "rb").read()) == cut


def test_flipped_byte_refuses_start_then_check_fix_repairs(make_server, workdir):
    s = durable_server(make_server, workdir)
    load_some_state(s.client(), n=30)
    assert s.stop() == 0
    path = log_files(workdir)[0]
    data = bytearray(open(path, "rb").read())
    middle = len(data) // 2
    data[middle] ^= 0x40
    open(path, "wb").write(bytes(data))
    out = subprocess.run([SERVER_BIN, "--port", "0", "--dir", workdir, *FLAGS],
                         capture_output=True, timeout=30)
    assert out.returncode != 0
    assert path.encode() in out.stderr and b"offset" in out.stderr and b"kizuna-check" in out.stderr
    check = subprocess.run([CHECK_BIN, workdir], capture_output=True, timeout=30)
    assert check.returncode == 1 and b"CORRUPT at offset" in check.stdout
    fix = subprocess.run([CHECK_BIN, workdir, "--fix"], input=b"y\n", capture_output=True,
                         timeout=30)
    assert fix.returncode == 0, fix.stdout
    assert os.path.getsize(path) <= middle
    assert subprocess.run([CHECK_BIN, workdir], capture_output=True).returncode == 0
    s2 = durable_server(make_server, workdir)
    assert s2.client().ping()


def test_full_disk_refuses_writes_keeps_reads(make_server, workdir):
    with small_disk(workdir, "64k") as mnt:
        s = make_server("--dir", mnt, "--appendonly", "yes", "--appendfsync", "always",
                        flags=FLAGS)
        r = s.client()
        r.execute_command("RULE.SET", "v", "ACTION", "view", "POINTS", "product", 1)
        acked = 0
        with pytest.raises(redis.exceptions.RedisError):
            for i in range(100_000):
                r.execute_command("EVENT", f"customer-with-a-long-id-{i:08d}", "view")
                acked += 1
        r = s.client()
        with pytest.raises(redis.ResponseError, match="MISCONF"):
            r.execute_command("EVENT", "x", "view")
        assert r.ping()
        assert r.execute_command("DBSIZE") >= acked  # reads keep working
        s.stop()
        # Everything acknowledged is on disk: a restart (with room again) finds it all.
        subprocess.run(["mount", "-o", "remount,size=4m", mnt], check=True)
        s2 = make_server("--dir", mnt, "--appendonly", "yes", flags=FLAGS)
        assert s2.client().execute_command("DBSIZE") >= acked


def test_appendonly_no_writes_no_files(make_server, workdir):
    s = make_server("--dir", workdir, "--appendonly", "no", flags=FLAGS)
    s.client().execute_command("EVENT", "c", "view")
    assert log_files(workdir) == []


def test_loading_answers_loading_and_reports_progress(make_server, workdir):
    s = durable_server(make_server, workdir, "no")
    pipe = s.client().pipeline(transaction=False)
    for i in range(2000):
        pipe.execute_command("EVENT", f"c{i}", "view")
    pipe.execute()
    assert s.stop() == 0
    # key-load-delay (1 ms per record) stretches loading to ~2 s, so it is observed every run.
    s = make_server("--dir", workdir, "--appendonly", "yes", "--key-load-delay", "1000",
                    flags=FLAGS, wait=False)

    def listening():
        try:
            return s.cmd("PING") == b"PONG"
        except OSError:
            return False
    wait_until(listening, what="the listener")
    conn = s.raw()
    assert conn.command("DBSIZE") == resp.Error(b"LOADING kizuna is loading the dataset in memory")
    assert isinstance(conn.command("EVENT", "late", "view"), resp.Error)
    assert conn.command("PING") == b"PONG"  # PING, INFO and the like are served while loading

    def loading_info():
        text = conn.command("INFO", "persistence").decode()
        return dict(line.split(":", 1) for line in text.split("\r\n") if ":" in line)

    first = loading_info()
    assert first["loading"] == "1" and int(first["loading_total_bytes"]) > 0
    wait_until(lambda: int(loading_info().get("loading_loaded_bytes", 0)) >
               int(first["loading_loaded_bytes"]), what="loading to progress")
    wait_until(lambda: conn.command("DBSIZE") == 2000, timeout=60, what="loading to finish")
    assert loading_info()["loading"] == "0"
    assert conn.command("EVENT", "late", "view") == b"0"  # accepted once loaded
    assert conn.command("DBSIZE") == 2001
    assert "Loading: " in s.log_text()  # progress lines in the log
