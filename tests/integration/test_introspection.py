"""COMMAND, INFO, CONFIG, SLOWLOG, MONITOR, TIME, DBSIZE and FLUSHALL, compared with redis-server
where Redis has the same command."""
import os
import re

import pytest

import resp
from conftest import assert_same_replies, wait_until

# Flags kizuna may add to a Redis command (it serves them while loading, or hides them from
# MONITOR/SLOWLOG); anything else it claims must be a flag Redis gives that command.
EXTRA_FLAGS_ALLOWED = {b"loading", b"stale", b"skip_monitor", b"skip_slowlog", b"noscript"}
COMMAND_FLAGS = {b"write", b"readonly", b"denyoom", b"module", b"admin", b"pubsub", b"noscript",
                 b"blocking", b"loading", b"stale", b"skip_monitor", b"skip_slowlog", b"asking",
                 b"fast", b"no_auth", b"may_replicate", b"no_mandatory_keys", b"no_async_loading",
                 b"no_multi", b"movablekeys", b"allow_busy"}
KEY_SPEC_FLAGS = {b"RO", b"RW", b"OW", b"RM", b"access", b"update", b"insert", b"delete",
                  b"not_key", b"incomplete", b"variable_flags"}
# Redis 7.0 (the peer here) differs from 7.2, which kizuna follows.
REDIS_7_2_ARITY = {b"command|getkeys": -3, b"command|getkeysandflags": -3}
# COMMAND DOCS arguments that 7.2 describes differently from 7.0: CONFIG GET's `parameter` is a
# plain multiple string in 7.2 (a block of one string in 7.0).
REDIS_7_2_DOCS = {b"config|get": [(b"string", None, (b"multiple",), ())]}


def command_table(peer, protocol="2"):
    """{name: COMMAND INFO entry} for every command, in RESP2 or RESP3."""
    with peer.raw() as conn:
        conn.command("HELLO", protocol)
        return {entry[0]: entry for entry in conn.command("COMMAND")}


def test_command_count_list_and_info_agree(server):
    table = command_table(server)
    assert server.cmd("COMMAND", "COUNT") == len(table) >= 20
    # COMMAND LIST names subcommands too (`client|list`), COMMAND COUNT does not: as Redis.
    listed = server.cmd("COMMAND", "LIST")
    subcommands = [sub[0] for entry in table.values() for sub in entry[9]]
    assert sorted(listed) == sorted(list(table) + subcommands)
    names = list(table)
    assert server.cmd("COMMAND", "INFO", *names) == list(table.values())
    for name, entry in table.items():
        assert len(entry) == 10, name
        assert name == name.lower() and entry[1] != 0, name
        assert set(entry[2]) <= COMMAND_FLAGS, (name, entry[2])
        assert all(c.startswith(b"@") for c in entry[6]), (name, entry[6])
        first, last, step = entry[3:6]
        if first:  # key positions agree with the key specs
            assert entry[8], f"{name} has keys but no key specs"
            for spec in entry[8]:
                spec = dict(zip(spec[::2], spec[1::2]))
                assert set(spec[b"flags"]) <= KEY_SPEC_FLAGS, (name, spec[b"flags"])
        for sub in entry[9]:
            assert sub[0].startswith(name + b"|") and len(sub) == 10, sub[0]
    assert server.cmd("COMMAND", "INFO", "nosuch", "ping")[0] == resp.NULL


def test_command_info_matches_redis(server, redis_server):
    ours, theirs = command_table(server), command_table(redis_server)
    problems = []

    def compare(name, a, b):
        arity = REDIS_7_2_ARITY.get(name, b[1])
        if a[1] != arity:
            problems.append(f"{name}: arity {a[1]}, Redis {arity}")
        extra = set(a[2]) - set(b[2]) - EXTRA_FLAGS_ALLOWED
        if extra:
            problems.append(f"{name}: flags {sorted(extra)} that Redis does not give it")
        if a[3:6] != b[3:6]:
            problems.append(f"{name}: key positions {a[3:6]}, Redis {b[3:6]}")
        if sorted(a[6]) != sorted(b[6]):
            problems.append(f"{name}: ACL categories {sorted(a[6])}, Redis {sorted(b[6])}")
        a_subs, b_subs = {s[0]: s for s in a[9]}, {s[0]: s for s in b[9]}
        for sub in a_subs:
            if sub in b_subs:
                compare(sub, a_subs[sub], b_subs[sub])

    shared = [name for name in ours if name in theirs]
    assert {b"ping", b"echo", b"hello", b"client", b"config", b"command", b"info"} <= set(shared)
    for name in shared:
        compare(name, ours[name], theirs[name])
    assert not problems, "\n".join(problems)


def test_command_info_resp3_types_match_redis(server, redis_server):
    # In RESP3, Redis sends flags, ACL categories, tips and key specs as sets; subcommands as
    # an array (an empty set when there are none).
    ours, theirs = command_table(server, "3"), command_table(redis_server, "3")

    def types(entry):
        return [type(x).__name__ for x in entry[2:]] + [bool(entry[9])]

    diffs = [f"{name}: {types(ours[name])}, Redis {types(theirs[name])}"
             for name in ours if name in theirs and types(ours[name]) != types(theirs[name])]
    assert not diffs, "\n".join(diffs)


def test_command_info_unknown_is_a_null_bulk_like_redis(server, redis_server):
    assert_same_replies(server, redis_server, [("COMMAND", "INFO", "nosuch"),
                                               ("COMMAND", "INFO", "ping", "nosuch")],
                        # Only the unknown name's entry: PING's own tips are cluster routing
                        # hints that a single-node kizuna does not give.
                        compare=lambda args, a, b: resp.shape(a[-1]) == resp.shape(b[-1]))


def argument_skeleton(arguments):
    """COMMAND DOCS arguments without their names: type, token, flags, nesting."""
    out = []
    for arg in arguments:
        arg = dict(zip(arg[::2], arg[1::2]))
        out.append((arg.get(b"type"), arg.get(b"token"), tuple(sorted(arg.get(b"flags", []))),
                    tuple(argument_skeleton(arg.get(b"arguments", [])))))
    return out


DOC_FIELDS = {b"summary", b"since", b"group", b"complexity", b"module", b"doc_flags",
              b"deprecated_since", b"replaced_by", b"history", b"arguments", b"subcommands"}


def test_command_docs_match_redis(server, redis_server):
    # redis-cli builds its argument hints from COMMAND DOCS; types, tokens and nesting must
    # describe the arguments the way Redis does for the same command.
    ours = server.client()
    theirs = redis_server.client()
    ours.response_callbacks = {}
    theirs.response_callbacks = {}
    problems = []

    def compare(name, a, b):
        if not set(a) <= DOC_FIELDS:
            problems.append(f"{name}: unknown doc fields {set(a) - DOC_FIELDS}")
        if b"doc_flags" in a and not a[b"doc_flags"]:
            problems.append(f"{name}: empty doc_flags (Redis leaves the field out)")
        if a.get(b"group") != b.get(b"group"):
            problems.append(f"{name}: group {a.get(b'group')}, Redis {b.get(b'group')}")
        if b"arguments" in b:
            sa = argument_skeleton(a.get(b"arguments", []))
            sb = REDIS_7_2_DOCS.get(name) or argument_skeleton(b[b"arguments"])
            if sa != sb:
                problems.append(f"{name}: arguments\n    kizuna {sa}\n    redis  {sb}")
        a_subs = dict(zip(a.get(b"subcommands", [])[::2], a.get(b"subcommands", [])[1::2]))
        b_subs = dict(zip(b.get(b"subcommands", [])[::2], b.get(b"subcommands", [])[1::2]))
        for sub in a_subs:
            if sub in b_subs:
                compare(sub, dict(zip(a_subs[sub][::2], a_subs[sub][1::2])),
                        dict(zip(b_subs[sub][::2], b_subs[sub][1::2])))

    for name in ours.execute_command("COMMAND", "LIST"):
        if b"|" in name:
            continue  # compared with its container
        b = theirs.execute_command("COMMAND", "DOCS", name)
        a = ours.execute_command("COMMAND", "DOCS", name)
        assert len(a) == 2 and a[0] == name, name
        a = dict(zip(a[1][::2], a[1][1::2]))
        assert a[b"summary"] and a[b"since"] and a[b"group"], name
        if b:
            compare(name, a, dict(zip(b[1][::2], b[1][1::2])))
    assert not problems, "\n".join(problems)


def test_command_list_filters_and_getkeys(server, redis_server):
    conn = server.raw()
    names = conn.command("COMMAND", "LIST", "FILTERBY", "PATTERN", "client*")
    assert b"client|list" in names and b"client" in names and b"ping" not in names
    connection = conn.command("COMMAND", "LIST", "FILTERBY", "ACLCAT", "connection")
    assert {b"ping", b"echo", b"hello", b"auth", b"select"} <= set(connection)
    assert conn.command("COMMAND", "LIST", "FILTERBY", "MODULE", "nosuch") == []
    assert conn.command("COMMAND", "GETKEYS", "EVENT", "cust:1", "view") == [b"cust:1"]
    assert conn.command("COMMAND", "GETKEYS", "SCORE", "cust:2") == [b"cust:2"]
    assert_same_replies(server, redis_server, [
        ("COMMAND", "GETKEYS", "ECHO", "x"),
        ("COMMAND", "FOO"), ("COMMAND", "COUNT", "x"), ("COMMAND", "LIST", "FILTERBY"),
        ("COMMAND", "LIST", "FILTERBY", "foo", "bar")])


def info_sections(text):
    return re.findall(r"^# (\w+)\r$", text.decode(), re.M)


def test_info_sections(server, redis_server):
    conn = server.raw()
    default = conn.command("INFO")
    assert default.endswith(b"\r\n")
    lines = default.decode().split("\r\n")
    for line in lines:  # `# Section`, `key:value`, or the blank line between sections
        assert line == "" or line.startswith("# ") or re.fullmatch(r"[\w|-]+:.*", line), line
    sections = info_sections(default)
    for name in ("Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU",
                 "Keyspace"):
        assert name in sections
    assert "Commandstats" not in sections  # only with `all`/`everything`, as in Redis
    everything = info_sections(conn.command("INFO", "everything"))
    assert "Commandstats" in everything and set(sections) <= set(everything)
    assert info_sections(conn.command("INFO", "all")) == everything
    assert info_sections(conn.command("INFO", "server", "CLIENTS")) == ["Server", "Clients"]
    assert conn.command("INFO", "nosuch") == b""
    # The section order is Redis's.
    redis_order = info_sections(redis_server.cmd("INFO", "everything"))
    common = [s for s in everything if s in redis_order]
    assert common == [s for s in redis_order if s in common]


def test_info_values(server):
    r = server.client()
    info = r.info("everything")
    assert info["redis_version"] >= "7"
    assert info["redis_mode"] == "standalone" and info["role"] == "master"
    assert info["process_id"] == server.pid and info["tcp_port"] == server.port
    assert info["connected_clients"] == 1 and info["maxclients"] == 10000
    assert info["used_memory"] > 0 and info["used_cpu_user"] >= 0
    assert info["loading"] == 0
    for _ in range(5):
        r.ping()
    r.execute_command("CLIENT", "ID")
    info = r.info("commandstats")
    assert info["cmdstat_ping"]["calls"] == 5
    assert set(info["cmdstat_ping"]) == {"calls", "usec", "usec_per_call", "rejected_calls",
                                         "failed_calls"}
    assert info["cmdstat_client|id"]["calls"] == 1
    with pytest.raises(Exception):
        r.execute_command("ECHO")
    assert r.info("commandstats")["cmdstat_echo"]["rejected_calls"] == 1
    assert r.config_resetstat()
    assert "cmdstat_ping" not in r.info("commandstats")
    assert r.info("stats")["total_error_replies"] == 0


def test_info_keyspace_and_dbsize_count_customers(server):
    conn = server.raw()
    assert conn.command("DBSIZE") == 0
    assert b"db0:" not in conn.command("INFO", "keyspace")
    conn.command("EVENT", "c1", "view")
    conn.command("EVENT", "c2", "view")
    assert conn.command("DBSIZE") == 2
    assert b"db0:keys=2,expires=0,avg_ttl=0\r\n" in conn.command("INFO", "keyspace")
    assert conn.command("FLUSHALL") == b"OK"
    assert conn.command("DBSIZE") == 0
    assert conn.command("FLUSHALL", "SYNC") == b"OK"
    assert conn.command("FLUSHALL", "ASYNC") == b"OK"
    assert conn.command("FLUSHALL", "NOW") == resp.Error(b"ERR syntax error")
    assert conn.command("DBSIZE", "x") == \
        resp.Error(b"ERR wrong number of arguments for 'dbsize' command")


def test_rejected_connections_are_counted(make_server):
    s = make_server("--maxclients", "1")

    def sole_client():  # once the server has seen the readiness probe's connection close
        conn = s.raw()
        if conn.command("PING") == b"PONG":
            return conn
        conn.close()
        return None

    keep = wait_until(sole_client, what="the only client slot")

    def rejected():
        return int(re.search(rb"rejected_connections:(\d+)", keep.command("INFO", "stats"))[1])

    before = rejected()  # the start-up probes may have been refused already
    refused = s.raw()
    assert refused.is_closed()
    assert rejected() == before + 1


def test_time_follows_the_manual_clock(server, redis_server):
    assert resp.shape(server.cmd("TIME")) == resp.shape(redis_server.cmd("TIME")) == \
        ("*", ("$", "$"))
    target = server.clock() + 86_400_123
    server.clock_set(target)
    assert server.cmd("TIME") == [str(target // 1000).encode(), str(target % 1000 * 1000).encode()]
    server.clock_advance("1500ms")
    secs, usecs = server.cmd("TIME")
    assert int(secs) * 1000 + int(usecs) // 1000 == target + 1500


def test_config_get_and_set(server, redis_server):
    r = server.client()
    everything = r.config_get("*")
    for name in ("port", "bind", "protected-mode", "requirepass", "maxclients", "timeout",
                 "loglevel", "logfile", "dir", "appendonly", "appendfsync", "save", "clock",
                 "enable-debug-command", "dedupe-window", "message-cap", "outbox-maxlen",
                 "purchase-action", "http-port", "proto-max-bulk-len", "client-query-buffer-limit",
                 "client-output-buffer-limit", "slowlog-log-slower-than", "slowlog-max-len",
                 "init-file"):
        assert name in everything, name
    assert everything["port"] == str(server.port) and everything["bind"] == "127.0.0.1"
    assert everything["maxclients"] == "10000" and everything["clock"] == "manual"
    assert everything["proto-max-bulk-len"] == str(512 * 1024 * 1024)  # memory in bytes
    assert set(r.config_get("slowlog*")) == {"slowlog-max-len", "slowlog-log-slower-than"}
    assert set(r.config_get("*max*len*")) >= {"slowlog-max-len", "outbox-maxlen"}
    assert r.config_get("PORT") == {"port": str(server.port)}  # names are case-insensitive
    assert r.config_get("?ort") == {"port": str(server.port)}
    assert r.config_get("nosuch") == {}
    reply = r.execute_command("CONFIG", "GET", "port", "maxclients", "port")
    assert dict(zip(reply[::2], reply[1::2])) == {b"port": str(server.port).encode(),
                                                  b"maxclients": b"10000"}
    assert r.config_set("slowlog-max-len", 7)
    assert r.execute_command("CONFIG", "SET", "loglevel", "verbose", "dedupe-window", "2h")
    assert r.config_get("dedupe-window") == {"dedupe-window": "2h"}
    assert r.config_set("proto-max-bulk-len", "2mb")
    assert r.config_get("proto-max-bulk-len") == {"proto-max-bulk-len": "2097152"}
    # A failing multi-parameter SET changes nothing.
    with pytest.raises(Exception):
        r.execute_command("CONFIG", "SET", "slowlog-max-len", "9", "appendfsync", "bogus")
    assert r.config_get("slowlog-max-len") == {"slowlog-max-len": "7"}
    assert_same_replies(server, redis_server, [
        ("CONFIG",), ("CONFIG", "FOO"), ("CONFIG", "GET"), ("CONFIG", "SET"),
        ("CONFIG", "SET", "maxclients"), ("CONFIG", "SET", "maxclients", "x"),
        ("CONFIG", "SET", "nosuch", "1"), ("CONFIG", "SET", "slowlog-max-len", "lots"),
        ("CONFIG", "SET", "appendfsync", "bogus"), ("CONFIG", "SET", "loglevel", "loud"),
        ("CONFIG", "SET", "protected-mode", "maybe"),
        ("CONFIG", "SET", "maxclients", "100", "maxclients", "200"),
        ("CONFIG", "SET", "slowlog-max-len", "1", "2"), ("CONFIG", "RESETSTAT", "x"),
        ("CONFIG", "REWRITE", "x"),
    ])


def test_config_set_immutable(server):
    for name, value in (("bind", "0.0.0.0"), ("dir", "/"), ("clock", "real"),
                        ("enable-debug-command", "no")):
        reply = server.cmd("CONFIG", "SET", name, value)
        assert reply == resp.Error(b"ERR CONFIG SET failed (possibly related to argument '" +
                                   name.encode() + b"') - can't set immutable config"), name


def test_config_rewrite_round_trip(make_server, workdir):
    conf = os.path.join(workdir, "kizuna.conf")
    with open(conf, "w") as f:
        f.write("# kizuna test config\n\nslowlog-max-len 64\n# keep me\nloglevel notice\n"
                "appendonly no\nmessage-cap \"3 7d\"\n")
    s = make_server(flags=["--clock", "manual", "--enable-debug-command", "yes"], config=conf)
    r = s.client()
    assert r.config_get("slowlog-max-len") == {"slowlog-max-len": "64"}
    assert r.config_get("message-cap") == {"message-cap": "3 7d"}
    assert r.config_set("slowlog-max-len", 7)
    assert r.config_set("dedupe-window", "2h")
    assert r.config_set("message-cap", "5 1d")
    assert r.config_rewrite()
    text = open(conf).read()
    assert text.startswith("# kizuna test config\n\nslowlog-max-len 7\n# keep me\n"), text
    assert "dedupe-window 2h" in text and "appendonly no" in text
    assert "slowlog-max-len 64" not in text
    assert s.stop() == 0
    # The rewritten file starts a server with the same settings.
    s2 = make_server(flags=["--clock", "manual"], config=conf)
    r2 = s2.client()
    assert r2.config_get("slowlog-max-len") == {"slowlog-max-len": "7"}
    assert r2.config_get("dedupe-window") == {"dedupe-window": "2h"}
    assert r2.config_get("message-cap") == {"message-cap": "5 1d"}


def test_config_rewrite_without_a_file(server, redis_server):
    assert_same_replies(server, redis_server, [("CONFIG", "REWRITE")])


def slowlog_args(peer, commands):
    with peer.raw() as conn:
        conn.command("CONFIG", "SET", "slowlog-log-slower-than", "0")
        conn.command("SLOWLOG", "RESET")
        for args in commands:
            conn.command(*args)
        entries = conn.command("SLOWLOG", "GET", "-1")
        conn.command("CONFIG", "SET", "slowlog-log-slower-than", "10000")
    return entries


def test_slowlog_entries_match_redis(server, redis_server):
    commands = [("ECHO", "short"), ("ECHO", "y" * 300), ("CONFIG", "GET", *["port"] * 40),
                ("PING",), ("NOSUCH", "x")]
    ours, theirs = slowlog_args(server, commands), slowlog_args(redis_server, commands)
    assert [resp.shape(e) for e in ours] == [resp.shape(e) for e in theirs]
    # id, unix time, microseconds, arguments (long ones cut as Redis does), peer, client name
    assert [e[3] for e in ours] == [e[3] for e in theirs]
    assert [e[0] for e in ours] == sorted((e[0] for e in ours), reverse=True)
    assert ours[0][4].startswith(b"127.0.0.1:")


def test_slowlog_shows_passwords_redacted_like_redis(server, redis_server):
    commands = [("AUTH", "secret"), ("AUTH", "user", "secret"),
                ("HELLO", "2", "AUTH", "user", "secret", "SETNAME", "named")]
    ours, theirs = slowlog_args(server, commands), slowlog_args(redis_server, commands)
    assert [e[3] for e in ours] == [e[3] for e in theirs]
    assert not any(b"secret" in arg for e in ours for arg in e[3])


def test_slowlog_len_reset_max_len_and_threshold(server):
    conn = server.raw()
    server.clock_set(server.clock() + 3_600_000)
    assert conn.command("CONFIG", "SET", "slowlog-log-slower-than", "0") == b"OK"
    assert conn.command("SLOWLOG", "RESET") == b"OK"
    for i in range(20):
        conn.command("ECHO", str(i))
    assert conn.command("SLOWLOG", "LEN") == 21  # RESET itself is logged, as in Redis
    assert len(conn.command("SLOWLOG", "GET")) == 10  # default count
    entries = conn.command("SLOWLOG", "GET", "-1")  # newest first; SLOWLOG itself is logged
    assert [e[3] for e in entries[:3]] == [[b"SLOWLOG", b"GET"], [b"SLOWLOG", b"LEN"],
                                           [b"ECHO", b"19"]]
    newest = entries[2]
    assert newest[1] == server.clock() // 1000  # timestamps come from the server clock
    assert conn.command("CONFIG", "SET", "slowlog-max-len", "5") == b"OK"
    conn.command("ECHO", "x")
    assert conn.command("SLOWLOG", "LEN") == 5
    assert conn.command("CONFIG", "SET", "slowlog-log-slower-than", "-1") == b"OK"
    assert conn.command("SLOWLOG", "RESET") == b"OK"
    conn.command("ECHO", "not logged")
    assert conn.command("SLOWLOG", "LEN") == 0


def test_slowlog_measures_how_long_a_command_took(server):
    # The command timer reads the CPU's time-stamp counter, scaled by a rate measured at
    # start-up: a 50 ms DEBUG SLEEP must be logged as 50 ms, and COMMANDSTATS must agree.
    conn = server.raw()
    assert conn.command("CONFIG", "SET", "slowlog-log-slower-than", "10000") == b"OK"
    assert conn.command("SLOWLOG", "RESET") == b"OK"
    assert conn.command("DEBUG", "SLEEP", "0.05") == b"OK"
    (entry,) = conn.command("SLOWLOG", "GET")
    assert entry[3] == [b"DEBUG", b"SLEEP", b"0.05"]
    assert 50_000 <= entry[2] < 80_000, entry[2]  # µs: the sleep, plus scheduling
    stats = conn.command("INFO", "commandstats").decode()
    usec = int(re.search(r"cmdstat_debug:calls=\d+,usec=(\d+)", stats).group(1))
    assert 50_000 <= usec < 80_000, stats


def test_slowlog_times_pipelined_commands_apart(server):
    # Commands of one read share clock readings (each one's end is the next one's start): the
    # sleep must be charged to DEBUG SLEEP alone, not to the PING after it in the same read,
    # and the time between two reads (here another client's sleep) to no command.
    conn, other = server.raw(), server.raw()
    assert conn.command("CONFIG", "SET", "slowlog-log-slower-than", "10000") == b"OK"
    assert conn.command("SLOWLOG", "RESET") == b"OK"
    assert conn.command("CONFIG", "RESETSTAT") == b"OK"
    conn.send(resp.encode("DEBUG", "SLEEP", "0.05") + resp.encode("PING") +
              resp.encode("ECHO", "x"))
    assert [conn.read_reply() for _ in range(3)] == [b"OK", b"PONG", b"x"]
    assert other.command("DEBUG", "SLEEP", "0.05") == b"OK"
    assert conn.command("PING") == b"PONG"
    entries = conn.command("SLOWLOG", "GET")
    assert [e[3] for e in entries] == [[b"DEBUG", b"SLEEP", b"0.05"]] * 2, entries
    stats = conn.command("INFO", "commandstats").decode()
    usec = int(re.search(r"cmdstat_ping:calls=2,usec=(\d+)", stats).group(1))
    assert usec < 10_000, stats


def monitor_lines(peer, commands):
    """What MONITOR shows for `commands` sent by another client (timestamps and address cut)."""
    with peer.raw() as mon, peer.raw() as conn:
        assert mon.command("MONITOR") == b"OK"
        for args in commands + [("ECHO", "monitor-end")]:
            conn.command(*args)
        lines = []
        while not lines or lines[-1] != b'"ECHO" "monitor-end"':
            line = mon.read_reply()
            assert isinstance(line, resp.Status), line
            m = re.fullmatch(rb"(\d+)\.(\d{6}) \[0 127\.0\.0\.1:\d+\] (.*)", line)
            assert m, line
            lines.append(m.group(3))
        return lines


def test_monitor_matches_redis(server, redis_server):
    commands = [("PING",), ("ECHO", 'quote" back\\slash'), ("ECHO", b"\x00\x01\xff\r\n\t"),
                ("CLIENT", "SETNAME", "watched"), ("CONFIG", "GET", "port"), ("NOSUCH",),
                ("ECHO",)]
    ours, theirs = monitor_lines(server, commands), monitor_lines(redis_server, commands)
    assert ours == theirs


def test_monitor_shows_auth_redacted(server, redis_server):
    commands = [("AUTH", "secret"), ("AUTH", "user", "secret"), ("HELLO", "2", "AUTH", "u", "p")]
    ours, theirs = monitor_lines(server, commands), monitor_lines(redis_server, commands)
    assert ours == theirs
    assert not any(b"secret" in line for line in ours)


def test_monitor_timestamps_follow_the_manual_clock(server):
    server.clock_set(server.clock() + 10_000)
    now = server.clock()
    with server.raw() as mon:
        mon.command("MONITOR")
        server.cmd("PING")
        line = mon.read_reply()
    secs, usecs = re.match(rb"(\d+)\.(\d{6}) ", line).groups()
    assert int(secs) * 1000 + int(usecs) // 1000 == now


def test_slowlog_errors_match_redis(server, redis_server):
    assert_same_replies(server, redis_server, [
        ("SLOWLOG",), ("SLOWLOG", "FOO"), ("SLOWLOG", "GET", "x"), ("SLOWLOG", "GET", "-2"),
        ("SLOWLOG", "GET", "1", "2"), ("SLOWLOG", "LEN", "x"), ("SLOWLOG", "RESET", "x"),
        ("SLOWLOG", "LEN")])
