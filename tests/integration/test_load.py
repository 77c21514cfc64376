"""Many clients, deep pipelines, redis-benchmark, slow readers and maxclients."""
import resource
import socket
import subprocess

import redis

from conftest import wait_until


def test_thousand_concurrent_connections(server):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    conns = [server.raw() for _ in range(1000)]
    for c in conns:
        c.send(b"PING\r\n")
    for c in conns:
        assert c.recv_until(expected_len=7) == b"+PONG\r\n"
    info = server.client().info("clients")
    assert info["connected_clients"] == 1001
    for c in conns:
        c.close()
    wait_until(lambda: server.client().info("clients")["connected_clients"] == 1,
               what="clients to disconnect")


def test_maxclients(make_server):
    s = make_server("--maxclients", "3")
    keep = [s.raw() for _ in range(3)]
    for c in keep:
        assert c.request(b"PING\r\n") == b"+PONG\r\n"
    extra = s.raw()
    assert extra.recv_until(terminator=b"\r\n") == b"-ERR max number of clients reached\r\n"
    assert extra.is_closed()
    keep[0].close()

    def ping_fits():
        try:
            return s.client().ping()
        except redis.ConnectionError:  # the slot is freed once the server sees the close
            return False

    wait_until(ping_fits, what="a free slot")


def test_hundred_thousand_pipelined_pings(server):
    conn = server.raw()
    n = 100_000
    conn.send(b"PING\r\n" * n)
    out = conn.recv_until(expected_len=7 * n, timeout=60)
    assert out == b"+PONG\r\n" * n


def test_redis_benchmark_ping_completes(server):
    out = subprocess.run(["redis-benchmark", "-p", str(server.port), "-t", "ping", "-n", "100000",
                          "-c", "50", "--csv"], capture_output=True, timeout=120)
    assert out.returncode == 0, out.stderr
    rows = [l for l in out.stdout.decode().splitlines() if l.startswith('"PING')]
    assert len(rows) == 2  # PING_INLINE and PING_MBULK
    for row in rows:
        assert float(row.split(",")[1].strip('"')) > 1000


def test_slow_reader_is_bounded_and_others_keep_working(server):
    # A client pipelines 2,000 requests with 64 KB replies (~128 MB) and never reads.
    sock = socket.create_connection(("127.0.0.1", server.port))
    payload = b"x" * 65536
    request = b"*2\r\n$4\r\nECHO\r\n$65536\r\n" + payload + b"\r\n"
    sock.setblocking(False)
    sent = 0
    for _ in range(2000):
        try:
            sent += sock.send(request)
        except BlockingIOError:
            break
    assert server.client().ping()
    assert server.rss() < 200 * 1024 * 1024
    info = server.client().info("clients")
    assert info["client_recent_max_output_buffer"] <= 16 * 1024 * 1024
    sock.close()
