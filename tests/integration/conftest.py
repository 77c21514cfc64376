"""Harness for the integration tests: the real kizuna-server binary on a free loopback port,
driven by real clients. Run with Debian's /usr/bin/python3 (it has python3-redis 4.3.4).

Fixtures
  server               a started kizuna-server with DEFAULT_FLAGS: manual clock, DEBUG enabled,
                       no append-only log (persistence tests pass their own flags)
  make_server          factory for more servers or other flags:
                         make_server("--requirepass", "pw")           DEFAULT_FLAGS + extra
                         make_server(flags=["--appendonly", "no"])    exactly these flags
                         make_server(config="/path/kizuna.conf")      a config file first
  redis_server         a real redis-server (`--save '' --appendonly no`), same interface as Server
  make_redis_server    factory: make_redis_server("--requirepass", "pw")
  workdir              a temporary directory (server cwd, config files, data); removed afterwards

Server / RedisServer (the same interface, so a test can run one sequence against both)
  .port .pid
  .client(**kw)        redis-py client (RESP2 only in 4.3.4: it cannot parse RESP3 replies)
  .raw(resp3=False)    RawConnection: bytes in, parsed replies (see resp.py) out; resp3=True
                       sends HELLO 3 first
  .cmd(*args, resp3=False)   one command on a fresh raw connection -> parsed reply
  .cli(*args, resp3=False, stdin=None)   redis-cli output (--no-raw: types shown as on a tty)
  .rss()               resident set size of the server process, bytes
  .stop(sig)           stop with a signal and return the exit code
Server only
  .log_text()          everything the server logged so far (stdout and stderr)
  .clock() .clock_set(ms) .clock_advance("1d")   DEBUG CLOCK GET/SET/ADVANCE (manual clock)

Helpers: wait_until(predicate), transcript(peer, commands), assert_same_replies(kizuna, redis,
commands) (run one command sequence on both and compare replies and wire types),
raise_nofile(n), free_port().

Example (a RESP3 shape check on the manual clock):

    def test_score_decays(server):
        conn = server.raw(resp3=True)
        conn.command("EVENT", "c1", "view")
        server.clock_advance("7d")
        assert isinstance(conn.command("SCORE", "c1"), resp.Map)

Teardown sends SIGTERM to every kizuna-server still running and asserts exit code 0; when a
test fails, each server's log is printed (pytest shows it under "Captured stdout teardown").
No test sleeps for a fixed time: use wait_until(predicate) or the manual clock.
"""
import contextlib
import fcntl
import os
import random
import resource
import signal
import socket
import subprocess
import tempfile
import threading
import time

import pytest
import redis

import resp

SERVER_BIN = os.environ.get(
    "KIZUNA_SERVER",
    os.path.join(os.path.dirname(__file__), "..", "..", "build", "server", "kizuna-server"))
HIREDIS_CLIENT = os.environ.get("HIREDIS_CLIENT", "hiredis_client")
DEFAULT_FLAGS = ["--appendonly", "no", "--clock", "manual", "--enable-debug-command", "yes"]


_PORT_LOCK_DIR = os.path.join(tempfile.gettempdir(), f"kizuna-test-ports-{os.getuid()}")
_held_port_locks = []  # open lock files: each reserves its port until this process exits


def _ports_below_ephemeral_range():
    """Ports the kernel never hands out as an outgoing connection's source port."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    return range(max(1024, low - 12000), low)


def free_port():
    """A loopback port free now and kept for this test process.

    The kernel's own pick (bind to port 0) comes from the ephemeral range, where a client
    connection of a test running in parallel can take it before the server binds it. So
    this picks below that range, and a lock file held open until this process exits keeps
    the other test processes (ctest -j) and later calls here off the same port."""
    ports = list(_ports_below_ephemeral_range())
    random.shuffle(ports)
    os.makedirs(_PORT_LOCK_DIR, exist_ok=True)
    for port in ports:
        lock = open(os.path.join(_PORT_LOCK_DIR, str(port)), "a")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            with socket.socket() as s:
                s.bind(("127.0.0.1", port))
        except OSError:
            lock.close()
            continue
        _held_port_locks.append(lock)
        return port
    with socket.socket() as s:  # no room below the range (a tuned kernel): the kernel's pick
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def small_disk(workdir, size):
    """A tmpfs of `size` ("64k", "1m") mounted at workdir/small, to fill the disk for real;
    skips the test where mounting is not allowed."""
    mnt = os.path.join(workdir, "small")
    os.makedirs(mnt)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", mnt]).returncode:
        pytest.skip("cannot mount a small tmpfs here")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", mnt])


class HotWriters:
    """`n` threads, each on its own connection from `connect()`, sending `command` in a loop
    and counting the replies they got (the acknowledged writes), until `stop()` or until the
    server goes away. Counts are per thread, so no increment is lost."""

    def __init__(self, connect, n, command=("EVENT", "hot", "view")):
        self._stop = threading.Event()
        self._counts = [0] * n
        self._threads = [threading.Thread(target=self._run, args=(connect, i, command))
                         for i in range(n)]
        for t in self._threads:
            t.start()

    def _run(self, connect, i, command):
        w = connect()
        while not self._stop.is_set():
            try:
                w.execute_command(*command)
            except redis.ConnectionError:
                return
            self._counts[i] += 1

    @property
    def acked(self):
        return sum(self._counts)

    def stop(self):
        self._stop.set()
        for t in self._threads:
            t.join()
        return self.acked


def wait_until(predicate, timeout=10.0, what="condition", interval=0.01):
    """Polls predicate() until it returns something truthy (returned); fails after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def raise_nofile(want):
    """Raises this process's open-file limit to at least `want` (up to the hard limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def process_rss(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


class RawConnection:
    """A plain TCP connection: send any bytes, read parsed replies or raw bytes."""

    def __init__(self, port, timeout=10.0, host="127.0.0.1"):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.timeout = timeout
        self.reader = resp.Reader(self._fill)

    def _fill(self, reader):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise EOFError("connection closed by the server")
        reader.buf += chunk

    def send(self, data: bytes):
        self.sock.sendall(data)

    def send_command(self, *args):
        self.sock.sendall(resp.encode(*args))

    def read_reply(self, timeout=None):
        """The next reply, parsed (resp.py types); raises EOFError if the server closed."""
        self.sock.settimeout(timeout or self.timeout)
        return self.reader.read()

    def command(self, *args):
        """Sends one command as a multibulk request and returns its parsed reply."""
        self.send_command(*args)
        return self.read_reply()

    def inline(self, line):
        """Sends one inline command (a line as typed in telnet) and returns its parsed reply."""
        self.send(line.encode() + b"\r\n" if isinstance(line, str) else line + b"\r\n")
        return self.read_reply()

    def recv_until(self, expected_len=None, terminator=None, timeout=10.0):
        """Raw bytes until `expected_len` bytes, `terminator` seen, EOF or `timeout`."""
        buf = bytes(self.reader.buf)
        self.reader.buf.clear()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if expected_len is not None and len(buf) >= expected_len:
                break
            if terminator is not None and terminator in buf:
                break
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(1 << 20)
            except socket.timeout:
                break
            except ConnectionResetError:
                break
            if not chunk:
                break
            buf += chunk
        return buf

    def request(self, data: bytes, terminator=b"\r\n"):
        """Sends raw bytes and returns raw bytes up to `terminator` (for exact wire checks)."""
        self.send(data)
        return self.recv_until(terminator=terminator)

    def is_closed(self, timeout=5.0):
        """True when the server closes the connection (EOF or reset) within `timeout`.
        Anything the server still sends meanwhile is discarded."""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                self.sock.settimeout(max(0.01, deadline - time.monotonic()))
                if not self.sock.recv(1 << 16):
                    return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            pass
        return False

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def transcript(peer, commands):
    """Runs `commands` (argument tuples) in order on one raw connection to `peer` and returns
    the parsed replies; after the server closes the connection, the rest are "<closed>"."""
    replies = []
    with peer.raw() as conn:
        for args in commands:
            try:
                replies.append(conn.command(*args))
            except (EOFError, ConnectionError):
                replies.append("<closed>")
                conn = peer.raw()
    return replies


# The peer is Debian 12's redis-server 7.0; kizuna follows Redis 7.2 where they differ. Redis
# 7.0 reply texts are rewritten to their 7.2 form before comparing.
REDIS_7_2_TEXTS = [
    (b"otherwise the HELLO AUTH <user> <pass> option",
     b"otherwise the HELLO <proto> AUTH <user> <pass> option"),
]


def as_redis_7_2(reply):
    if isinstance(reply, resp.Error):
        text = bytes(reply)
        for old, new in REDIS_7_2_TEXTS:
            text = text.replace(old, new)
        return resp.Error(text)
    return reply


def assert_same_replies(ours, theirs, commands, compare=None):
    """Runs the same commands on kizuna (`ours`) and redis-server (`theirs`), one connection
    each, and asserts equal replies: `compare(args, a, b)` decides (default: equal values and
    equal wire types). Lists every differing command in the failure message."""
    compare = compare or (lambda args, a, b: a == b and resp.shape(a) == resp.shape(b))
    a_replies = transcript(ours, commands)
    b_replies = [as_redis_7_2(r) for r in transcript(theirs, commands)]
    diffs = [f"  {' '.join(map(str, args))}\n    kizuna: {a!r}\n    redis:  {b!r}"
             for args, a, b in zip(commands, a_replies, b_replies) if not compare(args, a, b)]
    assert not diffs, "replies differ from redis-server:\n" + "\n".join(diffs)
    return a_replies


class _Peer:
    """What kizuna-server and redis-server fixtures share."""
    port: int
    proc: subprocess.Popen

    @property
    def pid(self):
        return self.proc.pid

    def client(self, **kw):
        kw.setdefault("socket_timeout", 30)
        return redis.Redis(host="127.0.0.1", port=self.port, **kw)

    def raw(self, timeout=10.0, resp3=False):
        """A RawConnection; with resp3=True it has already switched with HELLO 3."""
        conn = RawConnection(self.port, timeout)
        if resp3:
            hello = conn.command("HELLO", "3")
            assert isinstance(hello, resp.Map), hello
        return conn

    def cmd(self, *args, resp3=False):
        """One command on a fresh connection (RESP2, or RESP3 with resp3=True)."""
        with self.raw(resp3=resp3) as conn:
            return conn.command(*args)

    def cli(self, *args, resp3=False, stdin=None, check=True, timeout=30):
        # --no-raw: redis-cli formats replies as on a terminal ((integer) 1, 1) "a", 1# "k" => v)
        # even though its stdout is a pipe here.
        cmd = ["redis-cli", "--no-raw", "-p", str(self.port)] + (["-3"] if resp3 else [])
        out = subprocess.run(cmd + [str(a) for a in args], input=stdin, capture_output=True,
                             timeout=timeout)
        if check:
            assert out.returncode == 0, out.stderr.decode(errors="replace")
        return out.stdout.decode(errors="replace")

    def rss(self):
        return process_rss(self.pid)

    def alive(self):
        return self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=15):
        """Stops the process with `sig` (if still running) and returns its exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"{self} did not stop on {sig!r} within {timeout}s")
        return self.proc.returncode


class Server(_Peer):
    """A kizuna-server process; `args` are its command line after the binary (port appended)."""

    def __init__(self, args, cwd, wait=True):
        self.port = free_port()
        self.cwd = cwd
        self.log_path = os.path.join(cwd, f"kizuna-{self.port}.log")
        self.args = [SERVER_BIN, *args, "--port", str(self.port)]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(self.args, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
        if wait:
            wait_until(self._ready, timeout=30, what=f"kizuna-server on port {self.port}")
            # Tests count clients: start once the readiness probes' connections are gone.
            wait_until(self._no_other_clients, what="the readiness probes to disconnect")

    def __str__(self):
        return f"kizuna-server :{self.port}"

    def _ready(self):
        """Listening and done loading (INFO says loading:0), or asking for a password."""
        if self.proc.poll() is not None:
            raise AssertionError(f"kizuna-server exited with {self.proc.returncode} during "
                                 f"start-up:\n{self.log_text()}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
                s.sendall(b"INFO persistence\r\n")
                data = b""
                while b"\r\n" not in data or (data.startswith(b"$") and b"loading:" not in data):
                    chunk = s.recv(65536)
                    if not chunk:
                        return False
                    data += chunk
                return data.startswith(b"-NOAUTH") or b"loading:0" in data
        except OSError:
            return False

    def _no_other_clients(self):
        reply = self.cmd("INFO", "clients")
        return not isinstance(reply, bytes) or isinstance(reply, resp.Error) or \
            b"connected_clients:1\r\n" in reply

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    # The manual clock (servers started with --clock manual --enable-debug-command yes).
    def clock(self):
        return self.cmd("DEBUG", "CLOCK", "GET")

    def clock_set(self, ms):
        reply = self.cmd("DEBUG", "CLOCK", "SET", ms)
        assert not isinstance(reply, resp.Error), reply
        return reply

    def clock_advance(self, duration):
        reply = self.cmd("DEBUG", "CLOCK", "ADVANCE", duration)
        assert not isinstance(reply, resp.Error), reply
        return reply


class RedisServer(_Peer):
    """A real redis-server, to compare reply shapes and error texts with kizuna's."""

    def __init__(self, args, cwd):
        self.port = free_port()
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", cwd, *args],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self._ready, timeout=30, what=f"redis-server on port {self.port}")

    def __str__(self):
        return f"redis-server :{self.port}"

    def _ready(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"redis-server exited with {self.proc.returncode}")
        try:
            reply = self.cmd("PING")
        except OSError:
            return False
        return reply == b"PONG" or (isinstance(reply, resp.Error) and reply.code == b"NOAUTH")


@pytest.fixture
def workdir():
    with tempfile.TemporaryDirectory(prefix="kizuna-it-") as d:
        yield d


def _test_failed(request):
    return any(getattr(request.node, "rep_" + when, None) is not None and
               getattr(request.node, "rep_" + when).failed for when in ("setup", "call"))


@pytest.fixture
def make_server(workdir, request):
    started = []

    def make(*extra, flags=None, config=None, wait=True):
        args = [config] if config else []
        s = Server([*args, *(DEFAULT_FLAGS if flags is None else flags), *extra], workdir, wait)
        started.append(s)
        return s

    yield make
    problems = []
    for s in started:
        was_running = s.alive()
        code = s.stop()
        if was_running and code != 0:
            problems.append(f"{s} exited with {code} on SIGTERM")
        if _test_failed(request) or problems:
            print(f"--- log of {s} ({' '.join(s.args[1:])}) ---\n{s.log_text()}")
    assert not problems, problems


@pytest.fixture
def server(make_server):
    return make_server()


@pytest.fixture
def make_redis_server(workdir):
    started = []

    def make(*args):
        started.append(RedisServer(args, workdir))
        return started[-1]

    yield make
    for s in started:
        s.stop()


@pytest.fixture
def redis_server(make_redis_server):
    return make_redis_server()


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Stores each phase's report on the item, so fixtures can tell whether the test failed."""
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)
