"""Start-up, configuration, logging, the manual clock and shutdown of the real binary."""
import os
import re
import signal
import subprocess
import time

import pytest

import resp
from conftest import SERVER_BIN, RawConnection, free_port, wait_until

# Every setting the server must accept as a flag, in a config file and in CONFIG GET.
SETTINGS = ["port", "bind", "protected-mode", "requirepass", "maxclients", "timeout", "loglevel",
            "logfile", "dir", "appendonly", "appendfsync", "save", "clock",
            "enable-debug-command", "dedupe-window", "message-cap", "outbox-maxlen",
            "purchase-action", "http-port", "proto-max-bulk-len", "client-query-buffer-limit",
            "client-output-buffer-limit", "slowlog-log-slower-than", "slowlog-max-len",
            "init-file"]

LOG_LINE = re.compile(r"^\d+:[A-Z] \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2}\.\d{3} [.\-*#] .+$")


def run(*args, timeout=15):
    return subprocess.run([SERVER_BIN, *args], capture_output=True, timeout=timeout)


def test_help_lists_every_setting_with_its_default(server):
    out = run("--help")
    assert out.returncode == 0 and out.stderr == b""
    text = out.stdout.decode()
    assert "kizuna-server" in text and "config" in text.lower()
    for name in SETTINGS:
        assert f"--{name}" in text, name
    assert re.search(r"--port\b.*7379", text) and re.search(r"--maxclients\b.*10000", text)
    # Whatever CONFIG GET knows, --help documents.
    reply = server.cmd("CONFIG", "GET", "*")
    for name in reply[::2]:
        assert f"--{name.decode()}" in text, name


def test_version():
    out = run("--version")
    assert out.returncode == 0
    assert re.match(rb"kizuna-server \d+\.\d+\.\d+", out.stdout), out.stdout


@pytest.mark.parametrize("args,mentions", [
    (["--no-such-flag", "1"], b"no-such-flag"),
    (["--port", "notaport"], b"port"),
    (["--port", "70000"], b"port"),
    (["--maxclients", "-1"], b"maxclients"),
    (["--appendfsync", "sometimes"], b"appendfsync"),
    (["--clock", "sundial"], b"clock"),
    (["--dedupe-window", "1h30m"], b"dedupe-window"),
    (["--port"], b"port"),
    (["/nonexistent/kizuna.conf"], b"/nonexistent/kizuna.conf"),
], ids=["unknown-flag", "port-not-a-number", "port-out-of-range", "negative-maxclients",
        "bad-enum", "bad-clock", "composite-duration", "missing-value", "missing-config-file"])
def test_bad_command_line_exits_non_zero(args, mentions):
    out = run(*args, "--appendonly", "no")
    assert out.returncode != 0
    assert mentions in out.stderr, out.stderr


def test_config_file_errors_name_file_and_line(workdir):
    conf = os.path.join(workdir, "bad.conf")
    with open(conf, "w") as f:
        f.write("# comment\nport 7000\n\nmaxclients lots\n")
    out = run(conf)
    assert out.returncode != 0 and f"{conf}:4".encode() in out.stderr, out.stderr
    with open(conf, "w") as f:
        f.write("nosuchsetting 1\n")
    out = run(conf)
    assert out.returncode != 0 and f"{conf}:1".encode() in out.stderr, out.stderr


def test_config_file_then_flags(make_server, workdir):
    conf = os.path.join(workdir, "kizuna.conf")
    with open(conf, "w") as f:
        f.write("# redis.conf syntax\n  slowlog-max-len   64  \nMAXCLIENTS 50\n"
                "purchase-action \"order placed\"\nmessage-cap '3 7d'\nappendonly no\n")
    s = make_server("--maxclients", "60", config=conf)  # flags win over the file
    r = s.client()
    assert r.config_get("slowlog-max-len") == {"slowlog-max-len": "64"}
    assert r.config_get("maxclients") == {"maxclients": "60"}
    assert r.config_get("purchase-action") == {"purchase-action": "order placed"}
    assert r.config_get("message-cap") == {"message-cap": "3 7d"}


def test_log_banner_ready_line_and_timestamps(server):
    text = server.log_text()
    assert "Ready to accept connections" in text
    assert str(server.pid) in text
    lines = [l for l in text.splitlines() if l]
    assert lines and all(LOG_LINE.match(l) for l in lines), lines


def test_logfile(make_server, workdir):
    path = os.path.join(workdir, "server.log")
    s = make_server("--logfile", path)
    wait_until(lambda: os.path.exists(path) and "Ready to accept connections" in open(path).read(),
               what="the log file")
    assert s.stop() == 0
    assert "bye" in open(path).read().lower()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signals_shut_down_cleanly(make_server, sig):
    s = make_server()
    conn = s.raw()
    assert conn.command("PING") == b"PONG"
    assert s.stop(sig) == 0
    assert conn.is_closed()
    assert "shutdown" in s.log_text().lower()


@pytest.mark.parametrize("args", [("SHUTDOWN",), ("SHUTDOWN", "NOSAVE"), ("SHUTDOWN", "SAVE")])
def test_shutdown_command_exits_zero(make_server, args):
    s = make_server()
    conn = s.raw()
    conn.send_command(*args)
    assert conn.is_closed()  # no reply: the server is gone
    assert s.proc.wait(timeout=15) == 0
    assert "bye" in s.log_text()


def test_shutdown_writes_the_replies_of_commands_that_ran(make_server):
    # Replies wait for the end of their event-loop turn. A SHUTDOWN later in the same turn
    # must not drop them: the EVENT ran (and is in the log), so its client gets the reply.
    s = make_server()
    sleeper, writer, stopper = s.raw(), s.raw(), s.raw()
    # Each connection served once first, so that the server has accepted all three before the
    # commands come (one accepted late would read its command at once, ahead of the others).
    for conn in (sleeper, writer, stopper):
        assert conn.command("PING") == b"PONG"
    sleeper.send_command("DEBUG", "SLEEP", "0.3")
    writer.send_command("EVENT", "cust:1", "view")  # both queue up while the server sleeps,
    stopper.send_command("SHUTDOWN", "NOSAVE")  # in this order (loopback delivers in send)
    assert sleeper.read_reply() == b"OK"
    assert writer.read_reply() == b"0"  # no rules: total 0
    assert writer.is_closed()
    assert s.proc.wait(timeout=15) == 0


def test_shutdown_with_redis_cli_and_a_password(make_server):
    s = make_server("--requirepass", "pw")
    assert s.cmd("SHUTDOWN") == resp.Error(b"NOAUTH Authentication required.")
    out = subprocess.run(["redis-cli", "-p", str(s.port), "-a", "pw", "--no-auth-warning",
                          "SHUTDOWN"], capture_output=True, timeout=15)
    assert out.returncode == 0, out
    assert s.proc.wait(timeout=15) == 0


def test_port_in_use_fails_start(make_server):
    s = make_server()
    out = run("--port", str(s.port), "--appendonly", "no", timeout=15)
    assert out.returncode != 0
    assert str(s.port).encode() in out.stderr


def test_idle_timeout_closes_idle_clients(make_server):
    s = make_server("--timeout", "1", flags=["--appendonly", "no"])  # the real clock
    idle = s.raw()
    assert idle.command("PING") == b"PONG"
    assert idle.is_closed(timeout=15)
    assert s.cmd("PING") == b"PONG"


def test_debug_clock(server):
    conn = server.raw()
    now = conn.command("DEBUG", "CLOCK", "GET")
    assert isinstance(now, int) and now > 1_600_000_000_000
    assert conn.command("DEBUG", "CLOCK", "GET") == now  # manual: time stands still
    assert conn.command("DEBUG", "CLOCK", "ADVANCE", "1d") == now + 86_400_000
    assert conn.command("DEBUG", "CLOCK", "ADVANCE", "0ms") == now + 86_400_000
    assert conn.command("DEBUG", "CLOCK", "SET", now + 86_400_000) == now + 86_400_000  # same: ok
    assert conn.command("DEBUG", "CLOCK", "SET", now + 90_000_000) == now + 90_000_000
    back = conn.command("DEBUG", "CLOCK", "SET", now)
    assert isinstance(back, resp.Error) and b"backwards" in back
    assert conn.command("DEBUG", "CLOCK", "GET") == now + 90_000_000  # unchanged
    for bad in ("1h30m", "5", "-1s", "1.5s", "1y", "s"):
        reply = conn.command("DEBUG", "CLOCK", "ADVANCE", bad)
        assert isinstance(reply, resp.Error), bad
    for bad in ("x", "1.5", ""):
        assert isinstance(conn.command("DEBUG", "CLOCK", "SET", bad), resp.Error), bad
    assert isinstance(conn.command("DEBUG", "CLOCK"), resp.Error)
    assert isinstance(conn.command("DEBUG", "CLOCK", "FOO"), resp.Error)
    assert isinstance(conn.command("DEBUG", "NOSUCH"), resp.Error)
    secs, _ = conn.command("TIME")
    assert int(secs) == (now + 90_000_000) // 1000


def test_debug_sleep_arguments(server):
    conn = server.raw()
    for bad in ([], ["x"], ["-1"], ["61"], ["nan"], ["inf"], ["1", "2"]):
        reply = conn.command("DEBUG", "SLEEP", *bad)
        assert isinstance(reply, resp.Error), bad
    assert conn.command("DEBUG", "SLEEP", "0") == b"OK"
    assert conn.command("DEBUG", "SLEEP", "0.01") == b"OK"


def test_debug_refused_when_disabled(make_server):
    s = make_server(flags=["--appendonly", "no"])
    reply = s.cmd("DEBUG", "CLOCK", "GET")
    assert isinstance(reply, resp.Error) and reply.startswith(b"ERR DEBUG command not allowed")


def test_real_clock_cannot_be_moved(make_server):
    s = make_server(flags=["--appendonly", "no", "--enable-debug-command", "yes"])
    now = s.cmd("DEBUG", "CLOCK", "GET")
    assert abs(now - int(s.cmd("TIME")[0]) * 1000) < 5000
    assert isinstance(s.cmd("DEBUG", "CLOCK", "ADVANCE", "1d"), resp.Error)


def test_real_clock_commands_see_the_time_they_ran(make_server):
    # On the real clock a command's time is scaled from its time-stamp counter reading between
    # system clock reads (CommandTimer::WallMsAt): it must agree with this machine's clock to
    # the millisecond, and never go back, over pipelined reads and single commands alike.
    s = make_server(flags=["--appendonly", "no"])
    conn = s.raw()
    last = 0
    for i in range(300):
        before = time.time_ns() // 1_000_000
        if i % 2:
            conn.send(resp.encode("TIME") * 8)
            times = [conn.read_reply() for _ in range(8)]
        else:
            times = [conn.command("TIME")]
        assert conn.command("EVENT", f"c{i}", "view") == b"0"
        customer = conn.command("CUSTOMER", f"c{i}")
        after = time.time_ns() // 1_000_000
        for secs, usecs in times:
            ms = int(secs) * 1000 + int(usecs) // 1000
            assert before - 1 <= ms <= after + 1 and ms >= last, (before, ms, after, last)
            last = ms
        seen = dict(zip(customer[::2], customer[1::2]))[b"last_seen"]
        assert before - 1 <= seen <= after + 1 and seen >= last, (before, seen, after)
        last = seen


def test_init_file_errors_stop_startup(workdir):
    bad = os.path.join(workdir, "rules.conf")
    with open(bad, "w") as f:
        f.write("# rules\n\nPING\nNOSUCHCOMMAND x\n")
    out = run("--port", str(free_port()), "--appendonly", "no", "--init-file", bad)
    assert out.returncode != 0
    assert f"{bad}:4: ERR unknown command".encode() in out.stderr, out.stderr
    missing = os.path.join(workdir, "missing.conf")
    out = run("--port", str(free_port()), "--appendonly", "no", "--init-file", missing)
    assert out.returncode != 0 and b"missing.conf" in out.stderr


def test_bind_address(make_server):
    s = make_server("--bind", "127.0.0.2", wait=False)

    def listening():
        assert s.alive(), s.log_text()
        try:
            return RawConnection(s.port, host="127.0.0.2").command("PING") == b"PONG"
        except OSError:
            return False

    wait_until(listening, what="the server on 127.0.0.2")
    with pytest.raises(ConnectionRefusedError):
        RawConnection(s.port)  # 127.0.0.1 is not bound
    reply = RawConnection(s.port, host="127.0.0.2").command("CONFIG", "GET", "bind")
    assert reply == [b"bind", b"127.0.0.2"]


def non_loopback_ipv4():
    """This machine's address on its default route (connecting a UDP socket sends nothing),
    or None."""
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))
        except OSError:
            return None
        addr = s.getsockname()[0]
    return None if addr.startswith("127.") else addr


def test_protected_mode_refuses_other_hosts_without_a_password(make_server):
    addr = non_loopback_ipv4()
    if addr is None:
        pytest.skip("no non-loopback IPv4 address")
    guarded = make_server("--bind", "0.0.0.0")
    with RawConnection(guarded.port, host=addr) as c:
        reply = c.command("PING")
        assert isinstance(reply, resp.Error) and reply.code == b"DENIED", reply
        assert c.is_closed()
    assert guarded.cmd("PING") == b"PONG"  # loopback clients are served
    assert b"rejected_connections:1" in guarded.cmd("INFO", "stats")
    # A password, or protected-mode no, lets other hosts in.
    with_password = make_server("--bind", "0.0.0.0", "--requirepass", "pw")
    with RawConnection(with_password.port, host=addr) as c:
        assert c.command("PING").code == b"NOAUTH"
        assert c.command("AUTH", "pw") == b"OK" and c.command("PING") == b"PONG"
    open_server = make_server("--bind", "0.0.0.0", "--protected-mode", "no")
    with RawConnection(open_server.port, host=addr) as c:
        assert c.command("PING") == b"PONG"
