"""The init file and the append-only log (issue 4): the init file's commands are logged where
they ran, so a log-only restart (no snapshot) replays client definitions that name init-file
badges and events scored by init-file rules exactly; a changed init file still wins at the
next start, over a snapshot's definitions too; and a log record that fails at replay is a
loud warning, never silent."""
import os
import signal
import struct

FLAGS = ["--clock", "manual", "--enable-debug-command", "yes"]
T0 = 4102444800000  # 2100-01-01: ahead of the real clock a restarted server starts at
DAY = 86_400_000

INIT = ("CATEGORY.SET product HALFLIFE 7d\n"
        "RULE.SET p ACTION purchase POINTS product 5 lifestyle 1\n"
        "BADGE.SET vip WHEN count:purchase >= 3\n")


def start(make_server, workdir, name="data", init=None, wait=True):
    args = ["--dir", os.path.join(workdir, name), "--appendonly", "yes", "--appendfsync",
            "always", "--save", ""]
    if init:
        args += ["--init-file", init]
    return make_server(*args, flags=FLAGS, wait=wait)


def write_init(workdir, text):
    path = os.path.join(workdir, "rules.conf")
    with open(path, "w") as f:
        f.write(text)
    return path


def client(s):
    r = s.client()
    r.response_callbacks = {}
    return r


def digest(s):
    reply = s.cmd("DEBUG", "DIGEST")
    assert isinstance(reply, bytes) and len(reply) == 16, reply
    return reply


def visible(r, customers):
    """What clients see of definitions, customers and the outbox."""
    return {
        "triggers": r.execute_command("TRIGGER.LIST"),
        "segments": r.execute_command("SEGMENT.LIST"),
        "badges": r.execute_command("BADGE.LIST"),
        "rules": r.execute_command("RULE.LIST"),
        "customers": {c: r.execute_command("CUSTOMER", c) for c in customers},
        "outbox": r.execute_command("XRANGE", "outbox", "-", "+"),
    }


def client_definitions_and_events(r):
    """A client's definitions naming the init file's badge, then events it scores."""
    assert r.execute_command("TRIGGER.SET", "thanks", "ON", "BADGE", "vip", "DELAY", "1d",
                             "SEND", "thank_you") == b"OK"
    assert r.execute_command("SEGMENT.SET", "fans", "WHERE", "badge:vip == 1") == b"OK"
    for i in range(3):
        r.execute_command("EVENT", "b", "purchase", "VALUE", 10 + i, "ID", f"b{i}")
    for i in range(2):
        r.execute_command("EVENT", "a", "purchase", "VALUE", 20 + i, "ID", f"a{i}")
    r.execute_command("DEBUG", "CLOCK", "ADVANCE", "2d")  # b's thank-you is sent


def continuation(r):
    """After the restart: a's third purchase earns the badge and arms the trigger."""
    r.execute_command("EVENT", "a", "purchase", "VALUE", 30, "ID", "a2")
    r.execute_command("DEBUG", "CLOCK", "ADVANCE", "1d")


def test_log_only_restart_keeps_client_definitions_naming_init_file_badges(make_server,
                                                                          workdir):
    init = write_init(workdir, INIT)
    s = start(make_server, workdir, init=init)
    twin = start(make_server, workdir, "twin", init=init)  # never restarted
    for server in (s, twin):
        server.clock_set(T0)
        client_definitions_and_events(client(server))
    before = digest(s)
    s.stop(signal.SIGKILL)

    s = start(make_server, workdir, init=init)
    assert "failed" not in s.log_text()
    assert digest(s) == before
    s.clock_set(T0 + 2 * DAY)
    r = client(s)
    assert r.execute_command("TRIGGER.LIST") == [
        [b"thanks", b"ON BADGE vip DELAY 1d SEND thank_you", 0]]
    assert r.execute_command("SEGMENT.LIST") == [[b"fans", b"badge:vip == 1", 1]]
    for server in (s, twin):
        continuation(client(server))
    after = visible(r, ["a", "b"])
    assert after == visible(client(twin), ["a", "b"])
    sent = [dict(zip(e[1][::2], e[1][1::2])) for e in after["outbox"]]
    assert [(m[b"customer"], m[b"message"], m[b"late"]) for m in sent
            if m[b"type"] == b"trigger"] == [(b"b", b"thank_you", b"0"), (b"a", b"thank_you", b"0")]
    assert after["segments"] == [[b"fans", b"badge:vip == 1", 2]]

    # Restarted again, the log now also holds the init file's second application.
    before = digest(s)
    assert s.stop() == 0
    s = start(make_server, workdir, init=init)
    assert digest(s) == before
    s.clock_set(T0 + 3 * DAY)
    assert visible(client(s), ["a", "b"]) == after


def test_events_scored_by_init_file_rules_keep_their_scores(make_server, workdir):
    init = write_init(workdir, INIT)
    s = start(make_server, workdir, init=init)
    s.clock_set(T0)
    r = client(s)
    for i in range(4):
        r.execute_command("EVENT", f"c{i}", "purchase", "VALUE", 5)
        r.execute_command("DEBUG", "CLOCK", "ADVANCE", "3d")  # the init file's half-life
    scores = {f"c{i}": r.execute_command("SCORE", f"c{i}") for i in range(4)}
    # Scored by the init file's rule, decayed by its half-life.
    c3 = dict(zip(scores["c3"][::2], scores["c3"][1::2]))
    assert abs(float(c3[b"product"]) - 5 * 2 ** (-3 / 7)) < 1e-9 and c3[b"lifestyle"] == b"1"
    before = digest(s)
    s.stop(signal.SIGKILL)

    s = start(make_server, workdir, init=init)
    assert digest(s) == before
    s.clock_set(T0 + 12 * DAY)
    r = client(s)
    assert {f"c{i}": r.execute_command("SCORE", f"c{i}") for i in range(4)} == scores
    assert r.execute_command("BADGE.LIST") == [[b"vip", b"count:purchase >= 3", 0]]


def test_changed_init_file_replaces_the_definition_on_the_next_start(make_server, workdir):
    init = write_init(workdir, "RULE.SET p ACTION purchase POINTS product 5\n")
    s = start(make_server, workdir, init=init)
    s.clock_set(T0)
    r = client(s)
    assert r.execute_command("EVENT", "a", "purchase") == b"5"
    assert s.stop() == 0

    write_init(workdir, "RULE.SET p ACTION purchase POINTS product 7\n")
    s = start(make_server, workdir, init=init)
    s.clock_set(T0 + DAY)
    r = client(s)
    assert r.execute_command("RULE.LIST") == [b"p"]
    assert points(r, "p") == [b"product", b"7"]
    assert r.execute_command("EVENT", "a", "purchase") == b"12"
    before = digest(s)
    s.stop(signal.SIGKILL)

    # Same file again: the log's old and new rule replay in order, then the file changes
    # nothing.
    s = start(make_server, workdir, init=init)
    assert digest(s) == before
    r = client(s)
    assert points(r, "p") == [b"product", b"7"]
    assert r.execute_command("SCORE", "a", "product") == b"12"

    # Back to the first file: it wins again; past events keep what they scored.
    assert s.stop() == 0
    write_init(workdir, "RULE.SET p ACTION purchase POINTS product 5\n")
    s = start(make_server, workdir, init=init)
    s.clock_set(T0 + 2 * DAY)
    r = client(s)
    assert points(r, "p") == [b"product", b"5"]
    assert r.execute_command("EVENT", "a", "purchase") == b"17"


def test_snapshot_then_log_with_an_edited_init_file(make_server, workdir):
    init = write_init(workdir, INIT)
    s = start(make_server, workdir, init=init)
    s.clock_set(T0)
    r = client(s)
    client_definitions_and_events(r)
    assert r.execute_command("SAVE") == b"OK"
    r.execute_command("EVENT", "a", "purchase", "VALUE", 30, "ID", "a2")  # only in the log
    assert s.stop() == 0

    # The edited file wins over the snapshot's and the log's rule, and is logged after them.
    write_init(workdir, INIT.replace("POINTS product 5", "POINTS product 9"))
    s = start(make_server, workdir, init=init)
    s.clock_set(T0 + 3 * DAY)
    r = client(s)
    assert points(r, "p") == [b"product", b"9", b"lifestyle", b"1"]
    r.execute_command("EVENT", "c", "purchase", "ID", "c0")
    assert r.execute_command("SCORE", "c", "product") == b"9"
    assert r.execute_command("TRIGGER.LIST") == [
        [b"thanks", b"ON BADGE vip DELAY 1d SEND thank_you", 0]]
    before, seen = digest(s), visible(r, ["a", "b", "c"])
    s.stop(signal.SIGKILL)
    s = start(make_server, workdir, init=init)
    assert "failed" not in s.log_text()
    assert digest(s) == before
    s.clock_set(T0 + 3 * DAY)
    assert visible(client(s), ["a", "b", "c"]) == seen


def test_a_bad_init_file_leaves_no_trace_in_the_log(make_server, workdir):
    init = write_init(workdir, INIT)
    s = start(make_server, workdir, init=init)
    assert s.stop() == 0
    size = os.path.getsize(os.path.join(workdir, "data", "appendonly-000001.klog"))
    write_init(workdir, INIT + "RULE.SET extra ACTION view POINTS product 1\n"
               "BADGE.SET bad WHEN nope >= 1\n")
    bad = start(make_server, workdir, init=init, wait=False)
    assert bad.proc.wait(timeout=30) != 0
    assert f"{init}:5: " in bad.log_text()
    # Nothing of the bad start was logged: not even the good lines before the bad one.
    assert os.path.getsize(os.path.join(workdir, "data", "appendonly-000001.klog")) == size
    write_init(workdir, INIT)
    s = start(make_server, workdir, init=init)
    assert client(s).execute_command("RULE.LIST") == [b"p"]


def points(r, rule):
    reply = r.execute_command("RULE.GET", rule)
    return dict(zip(reply[::2], reply[1::2]))[b"points"]


def records(path):
    """The log's records as (offset, size, [args]) (store/persistence/log_record.h)."""
    data = open(path, "rb").read()
    out, pos = [], 0
    while pos < len(data):
        (n,) = struct.unpack_from("<I", data, pos + 1)
        payload, args, p = data[pos + 9:pos + 9 + n], [], 0

        def varint():
            nonlocal p
            shift = value = 0
            while True:
                b = payload[p]
                p += 1
                value |= (b & 0x7F) << shift
                shift += 7
                if b < 0x80:
                    return value

        for _ in range(varint()):
            size = varint()
            args.append(payload[p:p + size])
            p += size
        out.append((pos, 9 + n + 8, args))
        pos += 9 + n + 8
    return out


def test_a_record_failing_at_replay_is_a_loud_warning(make_server, workdir):
    s = start(make_server, workdir)
    r = client(s)
    r.execute_command("BADGE.SET", "vip", "WHEN", "count:purchase >= 3")
    r.execute_command("TRIGGER.SET", "thanks", "ON", "BADGE", "vip", "SEND", "thank_you")
    r.execute_command("RULE.SET", "p", "ACTION", "purchase", "POINTS", "product", 5)
    assert s.stop() == 0
    # The log without its BADGE.SET: the TRIGGER.SET naming the badge fails at replay.
    (log,) = [os.path.join(workdir, "data", f) for f in os.listdir(os.path.join(workdir, "data"))
              if f.endswith(".klog")]
    recs = [rec for rec in records(log) if rec[2][1] != b"CONFIG"]  # the log's settings
    assert [a[1] for _, _, a in recs] == [b"BADGE.SET", b"TRIGGER.SET", b"RULE.SET"]
    data = open(log, "rb").read()
    with open(log, "wb") as f:
        f.write(data[recs[1][0]:])
    s = start(make_server, workdir)
    text = s.log_text()
    assert (f"Replay: the record at offset 0 of {log} (TRIGGER.SET) failed: ERR unknown badge"
            in text), text
    assert "Replay: 1 of 2 log records failed" in text
    r = client(s)
    assert r.execute_command("TRIGGER.LIST") == []
    assert r.execute_command("RULE.LIST") == [b"p"]  # the rest still loads
