"""Connection and server commands, with Redis's reply shapes and error wording."""
import os
import signal
import subprocess
import threading

import pytest
import redis

from conftest import SERVER_BIN, wait_until


def test_unknown_command_and_wrong_arity_match_redis(server, redis_server):
    r_redis, _ = redis_server
    k = server.client()
    for args in (["NOSUCH", "a", "b"], ["ECHO"], ["PING", "a", "b"], ["CLIENT", "NOSUCH"],
                 ["CLIENT", "SETNAME"], ["SELECT", "x"], ["CONFIG", "SET", "x"],
                 ["CONFIG", "SET", "slowlog-max-len", "1", "2"], ["CONFIG", "SET", "nosuch", "1"],
                 ["AUTH", "x"], ["HELLO", "4"], ["HELLO", "x"], ["HELLO", "3", "AUTH"],
                 ["SLOWLOG", "GET", "-2"], ["CLIENT"], ["CLIENT", "KILL", "ID", "0"],
                 ["CLIENT", "KILL", "1.1.1.1:1"], ["CLIENT", "REPLY", "maybe"]):
        with pytest.raises(redis.ResponseError) as ours:
            k.execute_command(*args)
        with pytest.raises(redis.ResponseError) as theirs:
            r_redis.execute_command(*args)
        assert str(ours.value) == str(theirs.value), args


def test_auth_flow(make_server):
    s = make_server("--requirepass", "s3cret")
    r = s.client()
    with pytest.raises(redis.exceptions.AuthenticationError):
        r.ping()
    conn = s.raw()
    assert conn.request(b"PING\r\n") == b"-NOAUTH Authentication required.\r\n"
    assert conn.request(b"AUTH wrong\r\n") == \
        b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
    assert conn.request(b"AUTH default s3cret\r\n") == b"+OK\r\n"
    assert conn.request(b"PING\r\n") == b"+PONG\r\n"
    conn = s.raw()
    out = conn.request(b"HELLO 3 AUTH default s3cret SETNAME web\r\n", terminator=b"*0\r\n")
    assert out.startswith(b"%7")
    assert conn.request(b"CLIENT GETNAME\r\n") == b"$3\r\nweb\r\n"
    assert s.client(password="s3cret").ping()


def test_client_subcommands(server):
    a, b = server.client(), server.client()
    b.ping()  # redis-py connects lazily
    a.client_setname("alpha")
    a.execute_command("CLIENT", "SETINFO", "LIB-NAME", "mylib")
    a.execute_command("CLIENT", "SETINFO", "LIB-VER", "1.2")
    info = a.execute_command("CLIENT", "INFO").decode()
    assert "name=alpha" in info and "lib-name=mylib" in info and "lib-ver=1.2" in info
    assert "cmd=client|info" in info
    listing = a.execute_command("CLIENT", "LIST").decode()
    assert listing.count("\n") == 2
    with pytest.raises(redis.ResponseError, match="cannot contain spaces"):
        a.client_setname("has space")
    assert a.execute_command("CLIENT", "NO-EVICT", "on") == b"OK"
    victim = server.raw()
    victim_id = int(victim.request(b"CLIENT ID\r\n")[1:])
    assert a.execute_command("CLIENT", "KILL", "ID", str(victim_id)) == 1
    assert victim.is_closed()
    assert b.ping()
    with pytest.raises(redis.ResponseError, match="No such client"):
        a.execute_command("CLIENT", "KILL", "1.2.3.4:5")


def test_client_reply_off_skip_on(server):
    conn = server.raw()
    conn.send(b"CLIENT REPLY OFF\r\nPING\r\nECHO hidden\r\nCLIENT REPLY ON\r\nECHO shown\r\n")
    assert conn.recv_until(terminator=b"shown\r\n") == b"+OK\r\n$5\r\nshown\r\n"
    conn.send(b"CLIENT REPLY SKIP\r\nECHO hidden\r\nECHO shown\r\n")
    assert conn.recv_until(terminator=b"shown\r\n") == b"$5\r\nshown\r\n"


def test_command_introspection(server):
    r = server.client()
    r.response_callbacks = {}  # the raw Redis reply shapes, not redis-py's reinterpretation
    count = r.execute_command("COMMAND", "COUNT")
    everything = r.execute_command("COMMAND")
    assert count == len(everything) >= 15
    info = r.execute_command("COMMAND", "INFO", "echo", "client|setname", "nosuch")
    echo, setname, missing = info
    assert echo[0] == b"echo" and echo[1] == 2 and b"fast" in echo[2]
    assert setname[0] == b"client|setname" and setname[1] == 3
    assert missing is None
    client = r.execute_command("COMMAND", "INFO", "client")[0]
    assert any(sub[0] == b"client|kill" for sub in client[9])
    docs = r.execute_command("COMMAND", "DOCS", "hello")
    fields = dict(zip(docs[1][::2], docs[1][1::2]))
    assert fields[b"group"] == b"connection"
    assert fields[b"arguments"]
    names = r.execute_command("COMMAND", "LIST", "FILTERBY", "PATTERN", "client*")
    assert b"client|list" in names and b"ping" not in names
    with pytest.raises(redis.ResponseError, match="no key arguments"):
        r.execute_command("COMMAND", "GETKEYS", "ECHO", "x")


def test_config_get_set_rewrite(make_server, workdir):
    conf = os.path.join(workdir, "kizuna.conf")
    with open(conf, "w") as f:
        f.write("# test config\nslowlog-max-len 64\n")
    s = make_server(config=conf)
    r = s.client()
    assert r.config_get("slowlog-max-len") == {"slowlog-max-len": "64"}
    assert r.config_get("port") == {"port": str(s.port)}
    assert set(r.config_get("slowlog*")) == {"slowlog-max-len", "slowlog-log-slower-than"}
    assert r.config_set("slowlog-max-len", 7)
    assert r.execute_command("CONFIG", "SET", "loglevel", "verbose", "dedupe-window", "2h") == b"OK"
    with pytest.raises(redis.ResponseError, match="can't set immutable config"):
        r.config_set("port", 1234)
    with pytest.raises(redis.ResponseError, match="argument couldn't be parsed"):
        r.config_set("slowlog-max-len", "lots")
    # A failed multi-pair SET changes nothing.
    with pytest.raises(redis.ResponseError):
        r.execute_command("CONFIG", "SET", "slowlog-max-len", "9", "appendfsync", "bogus")
    assert r.config_get("slowlog-max-len") == {"slowlog-max-len": "7"}
    assert r.config_rewrite()
    text = open(conf).read()
    assert text.startswith("# test config\nslowlog-max-len 7\n")
    assert "dedupe-window 2h" in text and "loglevel verbose" in text


def test_config_rewrite_without_file(server):
    with pytest.raises(redis.ResponseError, match="without a config file"):
        server.client().config_rewrite()


def test_slowlog(server):
    r = server.client()
    r.config_set("slowlog-log-slower-than", 0)
    r.slowlog_reset()
    r.echo("slow?")
    entries = r.execute_command("SLOWLOG", "GET", "10")
    assert entries[0][3] == [b"ECHO", b"slow?"]  # arguments as the client sent them
    assert r.slowlog_len() >= 1
    r.config_set("slowlog-log-slower-than", -1)
    r.slowlog_reset()
    r.echo("fast")
    assert r.slowlog_len() == 0


def test_monitor_sees_other_clients(server):
    mon = server.raw()
    assert mon.request(b"MONITOR\r\n") == b"+OK\r\n"
    server.client().echo("watched")
    line = mon.recv_until(terminator=b"watched\"\r\n")
    assert b'"ECHO" "watched"' in line and line.startswith(b"+")


def test_info_sections_and_stats(server):
    r = server.client()
    for _ in range(5):
        r.ping()
    info = r.info("everything")
    for key in ("redis_version", "connected_clients", "used_memory", "total_commands_processed",
                "role", "used_cpu_user", "cmdstat_ping"):
        assert key in info, key
    assert info["cmdstat_ping"]["calls"] >= 5
    assert r.config_resetstat()
    assert "cmdstat_ping" not in r.info("commandstats")


def test_debug_clock(server, make_server):
    r = server.client()
    now = r.execute_command("DEBUG", "CLOCK", "GET")
    assert r.execute_command("DEBUG", "CLOCK", "ADVANCE", "1d") == now + 86_400_000
    assert int(r.time()[0]) == (now + 86_400_000) // 1000
    with pytest.raises(redis.ResponseError, match="backwards"):
        r.execute_command("DEBUG", "CLOCK", "SET", now)
    with pytest.raises(redis.ResponseError, match="invalid duration"):
        r.execute_command("DEBUG", "CLOCK", "ADVANCE", "1h30m")
    assert r.execute_command("DEBUG", "CLOCK", "SET", now + 86_400_001) == now + 86_400_001
    plain = make_server(flags=["--appendonly", "no"])
    with pytest.raises(redis.ResponseError, match="DEBUG command not allowed"):
        plain.client().execute_command("DEBUG", "CLOCK", "GET")


def test_flushall_and_select(server):
    r = server.client()
    assert r.flushall()
    with pytest.raises(redis.ResponseError, match="syntax error"):
        r.execute_command("FLUSHALL", "NOW")
    assert r.execute_command("SELECT", "0") is True
    with pytest.raises(redis.ResponseError, match="DB index is out of range"):
        r.execute_command("SELECT", "1")  # kizuna has one database


def test_shutdown_command_exits_zero(make_server):
    s = make_server()
    conn = s.raw()
    conn.send(b"SHUTDOWN NOSAVE\r\n")
    assert conn.is_closed()
    assert s.proc.wait(timeout=10) == 0
    assert "bye" in s.log_text()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signals_exit_zero(make_server, sig):
    s = make_server()
    assert s.stop(sig) == 0


def test_help_version_and_bad_flags():
    out = subprocess.run([SERVER_BIN, "--help"], capture_output=True, timeout=10)
    assert out.returncode == 0
    for name in (b"--port", b"--requirepass", b"--dedupe-window", b"--clock"):
        assert name in out.stdout
    out = subprocess.run([SERVER_BIN, "--version"], capture_output=True, timeout=10)
    assert out.returncode == 0 and out.stdout.startswith(b"kizuna-server ")
    out = subprocess.run([SERVER_BIN, "--no-such-flag", "1"], capture_output=True, timeout=10)
    assert out.returncode != 0 and b"no-such-flag" in out.stderr
    out = subprocess.run([SERVER_BIN, "--port", "notaport"], capture_output=True, timeout=10)
    assert out.returncode != 0 and b"port" in out.stderr


def test_init_file_errors_stop_startup(workdir):
    bad = os.path.join(workdir, "rules.conf")
    with open(bad, "w") as f:
        f.write("# rules\n\nPING\nNOSUCHCOMMAND x\n")
    out = subprocess.run([SERVER_BIN, "--port", "0", "--init-file", bad], capture_output=True,
                         timeout=10)
    assert out.returncode != 0
    assert f"{bad}:4: ERR unknown command".encode() in out.stderr
    out = subprocess.run([SERVER_BIN, "--init-file", os.path.join(workdir, "missing.conf")],
                         capture_output=True, timeout=10)
    assert out.returncode != 0 and b"missing.conf" in out.stderr
