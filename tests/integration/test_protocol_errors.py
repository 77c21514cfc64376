"""Malformed and hostile input: each case gets Redis's error, only that connection closes, and
another client (connected before) keeps working. Error texts are checked against redis-server."""
import pytest

CASES = [
    (b"*x\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
    (b"*1\r\n$-5\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
    (b"*1\r\n$notanumber\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
    (b"*1\r\nfoo\r\n", b"-ERR Protocol error: expected '$', got 'f'\r\n"),
    (b"ECHO \"unbalanced\r\n", b"-ERR Protocol error: unbalanced quotes in request\r\n"),
    (b"x" * 70000, b"-ERR Protocol error: too big inline request\r\n"),
    (b"*1" + b"1" * 70000, b"-ERR Protocol error: too big mbulk count string\r\n"),
]


@pytest.mark.parametrize("payload,error", CASES)
def test_protocol_error_closes_only_that_connection(server, payload, error):
    bystander = server.raw()
    assert bystander.request(b"PING\r\n") == b"+PONG\r\n"
    bad = server.raw()
    bad.send(payload)
    assert bad.recv_until(terminator=b"\r\n") == error
    assert bad.is_closed()
    assert bystander.request(b"PING\r\n") == b"+PONG\r\n"
    assert server.client().ping()


@pytest.mark.parametrize("payload,error", CASES)
def test_protocol_errors_match_redis(redis_server, payload, error):
    _, port = redis_server
    from conftest import RawConnection
    conn = RawConnection(port)
    conn.send(payload)
    assert conn.recv_until(terminator=b"\r\n") == error


def test_commands_before_the_error_are_answered(server):
    conn = server.raw()
    conn.send(b"PING\r\n*1\r\n$x\r\nPING\r\n")
    out = conn.recv_until(terminator=b"length\r\n")
    assert out == b"+PONG\r\n-ERR Protocol error: invalid bulk length\r\n"
    assert conn.is_closed()


def test_declared_huge_bulk_reserves_no_memory(server):
    before = server.rss()
    conns = []
    for _ in range(20):
        c = server.raw()
        c.send(b"*1\r\n$536870000\r\nabc")
        conns.append(c)
    assert server.client().ping()  # every header has been read by now
    assert server.rss() - before < 16 * 1024 * 1024


def test_unauthenticated_limits(make_server):
    s = make_server("--requirepass", "pw")
    conn = s.raw()
    conn.send(b"*11\r\n")
    assert conn.recv_until(terminator=b"\r\n") == \
        b"-ERR Protocol error: unauthenticated multibulk length\r\n"
    assert conn.is_closed()
    conn = s.raw()
    conn.send(b"*2\r\n$4\r\nAUTH\r\n$16385\r\n")
    assert conn.recv_until(terminator=b"\r\n") == \
        b"-ERR Protocol error: unauthenticated bulk length\r\n"
    conn = s.raw()
    assert conn.request(b"AUTH pw\r\n") == b"+OK\r\n"
    big = b"x" * 20000
    assert conn.request(b"*2\r\n$4\r\nECHO\r\n$20000\r\n" + big + b"\r\n",
                        terminator=big + b"\r\n").endswith(big + b"\r\n")


def test_binary_garbage_does_not_hurt_the_server(server):
    import random
    rng = random.Random(42)
    for _ in range(50):
        c = server.raw()
        c.send(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 3000))))
        c.close()
    assert server.client().ping()
