"""The TLS port: tls-port / tls-cert-file / tls-key-file / tls-ca-cert-file / tls-auth-clients /
tls-protocols, with certificates made here by the openssl CLI, driven by redis-cli --tls,
redis-py ssl=True and Python's ssl module, and compared with a real redis-server using the same
certificates where Redis has the same behaviour."""
import os
import signal
import socket
import ssl
import subprocess

import pytest
import redis

import resp
from conftest import SERVER_BIN, RawConnection, assert_same_replies, free_port, wait_until


class Certs:
    """A CA, a server certificate for 127.0.0.1/localhost and a client certificate signed by
    it, and a client certificate from another CA."""

    def __init__(self, d):
        self.dir = d
        self.ca, self.ca_key = self._self_signed("ca", "kizuna test CA")
        self.other_ca, self.other_ca_key = self._self_signed("other-ca", "another CA")
        self.server, self.server_key = self._signed(
            "server", "localhost", self.ca, self.ca_key,
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
        self.client, self.client_key = self._signed(
            "client", "web tier", self.ca, self.ca_key, "extendedKeyUsage=clientAuth\n")
        self.stranger, self.stranger_key = self._signed(
            "stranger", "web tier", self.other_ca, self.other_ca_key,
            "extendedKeyUsage=clientAuth\n")

    def _path(self, name):
        return os.path.join(self.dir, name)

    def _openssl(self, *args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=30)

    def _self_signed(self, name, cn):
        crt, key = self._path(name + ".crt"), self._path(name + ".key")
        self._openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                      "-nodes", "-keyout", key, "-out", crt, "-days", "2", "-subj", "/CN=" + cn)
        return crt, key

    def _signed(self, name, cn, ca, ca_key, extensions):
        crt, key, csr = (self._path(name + ext) for ext in (".crt", ".key", ".csr"))
        ext = self._path(name + ".ext")
        with open(ext, "w") as f:
            f.write(extensions)
        self._openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                      "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=" + cn)
        self._openssl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
                      "-out", crt, "-days", "2", "-extfile", ext)
        return crt, key

    def server_flags(self, tls_port):
        return ["--tls-port", str(tls_port), "--tls-cert-file", self.server,
                "--tls-key-file", self.server_key, "--tls-ca-cert-file", self.ca]

    def client_pair(self, which):
        """(certfile, keyfile) for "good", "wrong_ca" or "none"."""
        return {"good": (self.client, self.client_key),
                "wrong_ca": (self.stranger, self.stranger_key), "none": (None, None)}[which]


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return Certs(str(tmp_path_factory.mktemp("certs")))


class TlsConnection(RawConnection):
    """A RawConnection over TLS (Python's ssl module), verifying the server certificate."""

    def __init__(self, port, certs, client="good", timeout=10.0, **ctx_options):
        ctx = ssl.create_default_context(cafile=certs.ca)
        cert, key = certs.client_pair(client)
        if cert:
            ctx.load_cert_chain(cert, key)
        for name, value in ctx_options.items():
            setattr(ctx, name, value)
        plain = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock = ctx.wrap_socket(plain, server_hostname="127.0.0.1")
        self.timeout = timeout
        self.reader = resp.Reader(self._fill)


def tls_client(port, certs, client="good"):
    cert, key = certs.client_pair(client)
    return redis.Redis(host="127.0.0.1", port=port, socket_timeout=10, ssl=True,
                       ssl_ca_certs=certs.ca, ssl_cert_reqs="required", ssl_certfile=cert,
                       ssl_keyfile=key)


def outcome(port, certs, client):
    """"ok" when a redis-py TLS client with this certificate gets PONG, else "refused"."""
    c = tls_client(port, certs, client)
    try:
        return "ok" if c.ping() else "no pong"
    except redis.ConnectionError:
        return "refused"
    finally:
        c.close()


def redis_cli_tls(port, certs, *args, client="good"):
    cert, key = certs.client_pair(client)
    cmd = ["redis-cli", "--no-raw", "--tls", "--cacert", certs.ca, "-p", str(port)]
    if cert:
        cmd += ["--cert", cert, "--key", key]
    return subprocess.run(cmd + [str(a) for a in args], capture_output=True, timeout=30)


@pytest.fixture
def tls_server(make_server, certs):
    """A kizuna-server with a plain port (.port) and a TLS port (.tls_port), verbose log."""
    port = free_port()
    s = make_server(*certs.server_flags(port), "--loglevel", "verbose")
    s.tls_port = port
    return s


def clients_connected(server):
    info = server.cmd("INFO", "clients").decode()
    return int(info.split("connected_clients:")[1].split("\r\n")[0])


def test_redis_cli_tls_shares_state_with_the_plain_port(tls_server, certs):
    out = redis_cli_tls(tls_server.tls_port, certs, "PING")
    assert out.returncode == 0 and out.stdout == b"PONG\n", out
    tls_server.cmd("RULE.SET", "view", "ACTION", "view", "POINTS", "product", "3")
    out = redis_cli_tls(tls_server.tls_port, certs, "EVENT", "c1", "view")
    assert out.stdout == b'"3"\n', out
    # The plain port at the same time, on the same store.
    assert tls_server.cmd("EVENT", "c1", "view") == b"6"
    out = redis_cli_tls(tls_server.tls_port, certs, "INFO", "server")
    assert f"tls_port:{tls_server.tls_port}\r\n".encode() in out.stdout
    assert f"tcp_port:{tls_server.port}\r\n".encode() in out.stdout
    # RESP3 over TLS.
    out = redis_cli_tls(tls_server.tls_port, certs, "-3", "HELLO", "3")
    assert b'"server" => "kizuna"' in out.stdout, out


def test_redis_py_ssl_pipelines_and_large_replies(tls_server, certs):
    c = tls_client(tls_server.tls_port, certs)
    assert c.ping() is True
    # Many replies in one batch and a reply far larger than one TLS record (16 KiB) and than
    # the flow-control limit: every byte must arrive, in order.
    pipe = c.pipeline(transaction=False)
    for i in range(3000):
        pipe.echo(f"{i}-" + "x" * 500)
    replies = pipe.execute()
    assert replies == [f"{i}-{'x' * 500}".encode() for i in range(3000)]
    big = os.urandom(3 * 1024 * 1024).hex()
    assert c.echo(big) == big.encode()
    assert c.execute_command("CLIENT", "SETNAME", "tls-web") == b"OK"
    assert c.client_getname() == "tls-web"
    c.close()


def test_client_list_info_and_kill_cover_tls_clients(tls_server, certs):
    plain = tls_server.client()
    plain.client_setname("plain")
    secure = tls_client(tls_server.tls_port, certs)
    secure.client_setname("secure")
    raw = TlsConnection(tls_server.tls_port, certs)
    raw.command("CLIENT", "SETNAME", "raw")
    lines = {kv["name"]: kv for kv in plain.client_list()}
    assert lines["secure"]["laddr"] == f"127.0.0.1:{tls_server.tls_port}"
    assert lines["plain"]["laddr"] == f"127.0.0.1:{tls_server.port}"
    info = secure.execute_command("CLIENT", "INFO").decode()
    assert f"laddr=127.0.0.1:{tls_server.tls_port}" in info and "name=secure" in info
    # plain, secure, raw and the INFO's own connection
    wait_until(lambda: clients_connected(tls_server) == 4, what="four clients")
    assert plain.client_kill_filter(_id=lines["raw"]["id"]) == 1
    assert raw.is_closed()  # with a close_notify: Python's ssl reads a clean EOF
    wait_until(lambda: clients_connected(tls_server) == 3, what="the killed TLS client gone")
    assert secure.ping() is True


# tls-auth-clients x client certificate -> outcome; the same on redis-server.
AUTH_MATRIX = {
    "no": {"none": "ok", "good": "ok", "wrong_ca": "ok"},
    "optional": {"none": "ok", "good": "ok", "wrong_ca": "refused"},
    "yes": {"none": "refused", "good": "ok", "wrong_ca": "refused"},
}


def test_tls_auth_clients_matrix_matches_redis(tls_server, make_redis_server, certs):
    redis_tls_port = free_port()
    real = make_redis_server(*certs.server_flags(redis_tls_port))
    for mode, expected in AUTH_MATRIX.items():
        # CONFIG SET applies to the next connection, on both servers.
        assert tls_server.cmd("CONFIG", "SET", "tls-auth-clients", mode) == b"OK"
        assert real.cmd("CONFIG", "SET", "tls-auth-clients", mode) == b"OK"
        ours = {client: outcome(tls_server.tls_port, certs, client) for client in expected}
        theirs = {client: outcome(redis_tls_port, certs, client) for client in expected}
        assert ours == expected, (mode, ours)
        assert theirs == expected, (mode, theirs)
    text = tls_server.log_text()
    assert "TLS handshake with client" in text and "failed" in text


def test_default_requires_a_client_certificate_for_redis_cli(tls_server, certs):
    assert tls_server.cmd("CONFIG", "GET", "tls-auth-clients") == [b"tls-auth-clients", b"yes"]
    refused = redis_cli_tls(tls_server.tls_port, certs, "PING", client="none")
    assert b"PONG" not in refused.stdout
    stranger = redis_cli_tls(tls_server.tls_port, certs, "PING", client="wrong_ca")
    assert b"PONG" not in stranger.stdout
    assert redis_cli_tls(tls_server.tls_port, certs, "PING").stdout == b"PONG\n"
    # The refused handshakes left no client behind.
    wait_until(lambda: clients_connected(tls_server) == 1, what="refused clients gone")


def test_tls_config_replies_match_redis(tls_server, redis_server):
    assert_same_replies(tls_server, redis_server, [
        ("CONFIG", "GET", "tls-auth-clients"),
        ("CONFIG", "SET", "tls-auth-clients", "maybe"),
        ("CONFIG", "GET", "tls-auth-clients"),
        ("CONFIG", "GET", "tls-protocols"),
        ("CONFIG", "GET", "tls-ciphers"),
        ("CONFIG", "SET", "tls-auth-clients", "optional"),
        ("CONFIG", "GET", "tls-auth-clients"),
    ])


def test_tls_files_and_port_cannot_change_at_run_time(tls_server, certs):
    for name, value in [("tls-port", "1"), ("tls-cert-file", certs.client),
                        ("tls-protocols", "TLSv1.3")]:
        before = tls_server.cmd("CONFIG", "GET", name)
        reply = tls_server.cmd("CONFIG", "SET", name, value)
        assert isinstance(reply, resp.Error) and b"can't set immutable config" in bytes(reply)
        assert tls_server.cmd("CONFIG", "GET", name) == before
    assert outcome(tls_server.tls_port, certs, "good") == "ok"


def test_plain_resp_sent_to_the_tls_port_closes_only_that_connection(tls_server, certs):
    secure = TlsConnection(tls_server.tls_port, certs)
    assert secure.command("PING") == b"PONG"
    plain = tls_server.raw()
    for garbage in [b"*1\r\n$4\r\nPING\r\n", b"PING\r\n", b"GET / HTTP/1.1\r\n\r\n",
                    os.urandom(300)]:
        with RawConnection(tls_server.tls_port) as bad:
            bad.send(garbage)
            assert bad.is_closed(), garbage
        assert secure.command("ECHO", "still here") == b"still here"
        assert plain.command("PING") == b"PONG"
    wait_until(lambda: clients_connected(tls_server) == 3, what="garbage clients gone")
    assert "TLS handshake with client" in tls_server.log_text()


def test_an_idle_connect_to_the_tls_port_times_out(tls_server, certs):
    secure = TlsConnection(tls_server.tls_port, certs)
    assert secure.command("PING") == b"PONG"
    idle = RawConnection(tls_server.tls_port)
    wait_until(lambda: clients_connected(tls_server) == 3, what="the idle connect registered")
    tls_server.clock_advance("5s")
    assert not idle.is_closed(timeout=0.5)  # handshake timeout is 10 s
    tls_server.clock_advance("6s")
    assert idle.is_closed()
    # A client that finished its handshake is not affected (timeout 0 = never idle out).
    assert secure.command("PING") == b"PONG"
    assert "timed out" in tls_server.log_text()


def test_maxclients_counts_tls_clients(make_server, certs):
    port = free_port()
    s = make_server(*certs.server_flags(port), "--maxclients", "2")
    plain = s.raw()
    alone = lambda: b"connected_clients:1\r\n" in plain.command("INFO", "clients")
    wait_until(alone, what="the fixture's probes gone")
    secure = TlsConnection(port, certs)
    assert secure.command("PING") == b"PONG"
    # Full: the third client is told why, over TLS or not, and closed.
    third = TlsConnection(port, certs)
    assert third.recv_until(terminator=b"\r\n") == b"-ERR max number of clients reached\r\n"
    assert third.is_closed()
    with RawConnection(s.port) as also_plain:
        assert also_plain.request(b"PING\r\n") == b"-ERR max number of clients reached\r\n"
    secure.close()
    wait_until(alone, what="the TLS client gone")
    assert TlsConnection(port, certs).command("PING") == b"PONG"
    assert b"rejected_connections:2\r\n" in plain.command("INFO", "stats")


def test_tls_protocols_limits_versions(make_server, certs):
    port = free_port()
    s = make_server(*certs.server_flags(port), "--tls-protocols", "TLSv1.3")
    assert s.cmd("CONFIG", "GET", "tls-protocols") == [b"tls-protocols", b"TLSv1.3"]
    conn = TlsConnection(port, certs)
    assert conn.command("PING") == b"PONG" and conn.sock.version() == "TLSv1.3"
    with pytest.raises(ssl.SSLError):
        TlsConnection(port, certs, maximum_version=ssl.TLSVersion.TLSv1_2).command("PING")
    # The default accepts TLSv1.2 as well.
    default_port = free_port()
    make_server(*certs.server_flags(default_port))
    old = TlsConnection(default_port, certs, maximum_version=ssl.TLSVersion.TLSv1_2)
    assert old.command("PING") == b"PONG" and old.sock.version() == "TLSv1.2"


def test_tls_port_alone_with_port_zero(workdir, certs):
    tls_port = free_port()
    log = os.path.join(workdir, "tls-only.log")
    with open(log, "wb") as f:
        proc = subprocess.Popen([SERVER_BIN, "--appendonly", "no", "--port", "0",
                                 *certs.server_flags(tls_port)], cwd=workdir, stdout=f,
                                stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: "Ready to accept connections tls" in open(log).read(),
                   what="the TLS-only server")
        conn = TlsConnection(tls_port, certs)
        info = conn.command("INFO", "server")
        assert b"tcp_port:0\r\n" in info and f"tls_port:{tls_port}\r\n".encode() in info
        assert "Ready to accept connections tcp" not in open(log).read()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0


@pytest.mark.parametrize("change, message", [
    (("--tls-cert-file", "/nonexistent/server.crt"),
     "Failed to load tls-cert-file /nonexistent/server.crt: No such file or directory"),
    (("--tls-key-file", "/nonexistent/server.key"), "Failed to load tls-key-file"),
    (("--tls-ca-cert-file", "/nonexistent/ca.crt"), "Failed to load tls-ca-cert-file"),
    (("--tls-key-file", "CLIENT_KEY"), "tls-key-file CLIENT_KEY: key values mismatch"),
    (("--tls-cert-file", ""), "tls-port needs tls-cert-file, tls-key-file and tls-ca-cert-file"),
    (("--tls-ciphersuites", "NO_SUCH_SUITE"), "tls-ciphersuites 'NO_SUCH_SUITE'"),
    (("--tls-ciphers", "NO-SUCH-CIPHER"), "tls-ciphers 'NO-SUCH-CIPHER'"),
    (("--tls-protocols", "TLSv9"), "bad value for 'tls-protocols'"),
    (("--tls-auth-clients", "maybe"), "bad value for 'tls-auth-clients'"),
])
def test_bad_tls_config_refuses_to_start(workdir, certs, change, message):
    flags = certs.server_flags(free_port())
    name, value = change
    if value == "CLIENT_KEY":
        value, message = certs.client_key, message.replace("CLIENT_KEY", certs.client_key)
    if name in flags:
        flags[flags.index(name) + 1] = value
    else:
        flags += [name, value]
    out = subprocess.run([SERVER_BIN, "--appendonly", "no", "--port", str(free_port()), *flags],
                         capture_output=True, timeout=30, cwd=workdir)
    assert out.returncode != 0
    assert message in (out.stdout + out.stderr).decode(), out


def test_monitor_over_tls_sees_plain_clients(tls_server, certs):
    # Output produced outside the client's own command (MONITOR lines) goes out over TLS too.
    monitor = TlsConnection(tls_server.tls_port, certs)
    assert monitor.command("MONITOR") == b"OK"
    for i in range(50):
        tls_server.cmd("ECHO", f"from-plain-{i}")
    lines = monitor.recv_until(terminator=b'"from-plain-49"')
    assert all(f'"ECHO" "from-plain-{i}"'.encode() in lines for i in range(50))


def test_tls_ciphers_and_ciphersuites_are_applied(make_server, certs):
    v12, v13 = free_port(), free_port()
    make_server(*certs.server_flags(v12), "--tls-protocols", "TLSv1.2",
                "--tls-ciphers", "ECDHE-ECDSA-CHACHA20-POLY1305")
    make_server(*certs.server_flags(v13), "--tls-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256")
    old = TlsConnection(v12, certs)
    assert old.command("PING") == b"PONG"
    assert old.sock.cipher()[0] == "ECDHE-ECDSA-CHACHA20-POLY1305"
    new = TlsConnection(v13, certs)
    assert new.command("PING") == b"PONG"
    assert new.sock.cipher()[0] == "TLS_CHACHA20_POLY1305_SHA256"
