"""Settings that change what a write does (purchase-action, dedupe-window, dedupe-max-ids,
message-cap, outbox-maxlen) are carried in the log: a restart replays every write under the
values in force when it first ran, then the configured values take over."""
import os
import signal

import pytest

FLAGS = ["--clock", "manual", "--enable-debug-command", "yes"]


def start(make_server, workdir, *extra):
    return make_server("--dir", workdir, "--appendonly", "yes", "--appendfsync", "always", *extra,
                       flags=FLAGS)


def frequency(r, customer):
    r.response_callbacks = {}
    profile = r.execute_command("CUSTOMER", customer)
    fields = dict(zip(profile[::2], profile[1::2]))
    return fields[b"frequency"]


def data_files(workdir):
    out = b""
    for name in os.listdir(workdir):
        with open(os.path.join(workdir, name), "rb") as f:
            out += f.read()
    return out


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_runtime_config_set_replays_at_the_same_point(make_server, workdir, how):
    s = start(make_server, workdir, "--save", "")
    r = s.client()
    r.execute_command("EVENT", "before", "buy", "VALUE", 10)  # not a purchase yet
    assert r.execute_command("CONFIG", "SET", "purchase-action", "buy", "requirepass", "") == b"OK"
    r.execute_command("EVENT", "after", "buy", "VALUE", 10)
    assert (frequency(r, "before"), frequency(r, "after")) == (0, 1)
    s.stop(how)
    s2 = start(make_server, workdir, "--save", "")
    r2 = s2.client()
    assert (frequency(r2, "before"), frequency(r2, "after")) == (0, 1)
    # The configured value applies again after loading (CONFIG SET is not CONFIG REWRITE).
    assert r2.execute_command("CONFIG", "GET", "purchase-action") == [b"purchase-action",
                                                                      b"purchase"]
    r2.execute_command("EVENT", "later", "buy", "VALUE", 10)
    assert frequency(r2, "later") == 0
    # A third start replays the restored value too.
    s2.stop(signal.SIGKILL)
    r3 = start(make_server, workdir, "--save", "").client()
    assert [frequency(r3, c) for c in ("before", "after", "later")] == [0, 1, 0]


def test_a_log_after_a_snapshot_starts_with_the_settings_in_force(make_server, workdir):
    s = start(make_server, workdir)
    r = s.client()
    r.execute_command("CONFIG", "SET", "purchase-action", "buy")
    assert r.execute_command("SAVE")  # the new log begins with purchase-action buy
    r.execute_command("EVENT", "c", "buy", "VALUE", 5)
    assert frequency(r, "c") == 1
    s.stop(signal.SIGKILL)
    r2 = start(make_server, workdir).client()
    assert frequency(r2, "c") == 1


def test_dedupe_max_ids_survives_restart_exactly(make_server, workdir):
    s = start(make_server, workdir, "--save", "")
    r = s.client()
    r.execute_command("RULE.SET", "v", "ACTION", "view", "POINTS", "product", 1)
    r.execute_command("CONFIG", "SET", "dedupe-max-ids", 40)
    t = int(r.execute_command("DEBUG", "CLOCK", "GET"))
    for rnd in range(2):  # the second round is all duplicates
        for i in range(40):
            r.execute_command("EVENT", "c", "view", "TS", t - i, "ID", i)
    assert float(r.execute_command("SCORE", "c", "product")) == 40
    s.stop(signal.SIGKILL)
    r2 = start(make_server, workdir, "--save", "").client()
    assert float(r2.execute_command("SCORE", "c", "product")) == 40
    assert r2.execute_command("CONFIG", "GET", "dedupe-max-ids") == [b"dedupe-max-ids", b"16"]


def test_only_replay_settings_reach_the_data_files(make_server, workdir):
    s = start(make_server, workdir, "--save", "")
    r = s.client()
    r.execute_command("CONFIG", "SET", "requirepass", "sekr1t-pw", "dedupe-window", "2h")
    r.execute_command("AUTH", "sekr1t-pw")
    r.execute_command("CONFIG", "SET", "loglevel", "verbose")
    s.stop()
    files = data_files(workdir)
    assert b"sekr1t-pw" not in files and b"verbose" not in files
    assert b"dedupe-window" in files and b"2h" in files
