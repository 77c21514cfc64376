"""Harness for integration tests: starts the real kizuna-server binary on a free loopback port.

Fixtures:
  server        a running kizuna-server with default test flags (manual clock, debug on, no AOF)
  make_server   factory: make_server('--requirepass', 'pw', config=path) -> a started Server
  redis_server  a real redis-server, for comparing reply shapes and error texts

A Server has .port, .pid, .client(**kw) (redis-py), .cli(*args, resp3=False) (redis-cli),
.raw() (a RawConnection), .rss() (server resident bytes) and .stop().
Teardown sends SIGTERM and asserts a clean exit (code 0); the server's log is printed on failure.
"""
import os
import signal
import socket
import subprocess
import tempfile
import time

import pytest
import redis

SERVER_BIN = os.environ.get(
    "KIZUNA_SERVER",
    os.path.join(os.path.dirname(__file__), "..", "..", "build", "server", "kizuna-server"))
DEFAULT_FLAGS = ["--appendonly", "no", "--clock", "manual", "--enable-debug-command", "yes"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout=10.0, what="condition"):
    """Polls predicate() until it is truthy; fails the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


class RawConnection:
    """A plain socket speaking bytes, for inline commands and malformed input."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)

    def send(self, data: bytes):
        self.sock.sendall(data)

    def recv_until(self, expected_len=None, terminator=None, timeout=10.0):
        """Reads until `expected_len` bytes, `terminator` seen, or EOF."""
        buf = b""
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
            if not chunk:
                break
            buf += chunk
        return buf

    def request(self, data: bytes, terminator=b"\r\n"):
        self.send(data)
        return self.recv_until(terminator=terminator)

    def is_closed(self, timeout=5.0):
        """True when the server closed the connection (EOF or reset)."""
        self.sock.settimeout(timeout)
        try:
            while True:
                chunk = self.sock.recv(4096)
                if not chunk:
                    return True
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False

    def close(self):
        self.sock.close()


class Server:
    def __init__(self, args, cwd):
        self.port = free_port()
        self.cwd = cwd
        self.log_path = os.path.join(cwd, f"kizuna-{self.port}.log")
        self.log = open(self.log_path, "wb")
        self.args = [SERVER_BIN, *args, "--port", str(self.port)]
        self.proc = subprocess.Popen(self.args, cwd=cwd, stdout=self.log, stderr=subprocess.STDOUT)
        self.pid = self.proc.pid
        wait_until(self._ready, what=f"kizuna-server on port {self.port}")

    def _ready(self):
        """Up and done loading: INFO says loading:0 (or the server wants a password first)."""
        if self.proc.poll() is not None:
            raise AssertionError(f"server exited with {self.proc.returncode}:\n{self.log_text()}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"INFO persistence\r\n")
                data = b""
                while b"loading:" not in data and not data.startswith(b"-"):
                    chunk = s.recv(4096)
                    if not chunk:
                        return False
                    data += chunk
                return data.startswith(b"-NOAUTH") or b"loading:0" in data
        except OSError:
            return False

    def client(self, **kw):
        return redis.Redis(host="127.0.0.1", port=self.port, **kw)

    def cli(self, *args, resp3=False, stdin=None, check=True):
        # --no-raw: redis-cli prints types (e.g. `1# "k" => v` for RESP3 maps) even without a tty.
        cmd = ["redis-cli", "--no-raw", "-p", str(self.port)] + (["-3"] if resp3 else []) + list(args)
        out = subprocess.run(cmd, input=stdin, capture_output=True, timeout=30)
        if check:
            assert out.returncode == 0, out.stderr
        return out.stdout.decode()

    def raw(self):
        return RawConnection(self.port)

    def rss(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    def log_text(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Stops the server with `sig` and returns its exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"server did not stop on {sig}:\n{self.log_text()}")
        self.log.close()
        return self.proc.returncode


@pytest.fixture
def workdir():
    with tempfile.TemporaryDirectory(prefix="kizuna-it-") as d:
        yield d


@pytest.fixture
def make_server(workdir, request):
    started = []

    def make(*extra, flags=None, config=None):
        args = [config] if config else []
        s = Server([*args, *(DEFAULT_FLAGS if flags is None else flags), *extra], workdir)
        started.append(s)
        return s

    yield make
    failed = request.node.rep_call.failed if hasattr(request.node, "rep_call") else False
    for s in started:
        alive = s.proc.poll() is None
        code = s.stop()
        if failed:
            print(f"--- log of kizuna-server :{s.port} ---\n{s.log_text()}")
        if alive:
            assert code == 0, f"server exited with {code} on SIGTERM:\n{s.log_text()}"


@pytest.fixture
def server(make_server):
    return make_server()


@pytest.fixture
def redis_server(workdir):
    port = free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--save", "", "--appendonly",
                             "no", "--dir", workdir], stdout=subprocess.DEVNULL)

    def ready():
        try:
            return redis.Redis(port=port).ping()
        except redis.ConnectionError:
            return False

    wait_until(ready, what="redis-server")
    yield redis.Redis(port=port), port
    proc.terminate()
    proc.wait(timeout=10)


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)
