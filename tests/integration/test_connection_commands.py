"""Connection commands (PING, ECHO, QUIT, SELECT, HELLO, AUTH, CLIENT ...): the same command
sequences run against kizuna and a real redis-server, replies and error texts compared."""
import re

import pytest

import resp
from conftest import assert_same_replies, transcript

# Commands whose replies (values and wire types) must equal redis-server's, error texts
# included. Every one runs on a single connection, in order, in RESP2 and then in RESP3.
SAME_AS_REDIS = [
    ("PING",), ("PING", "hello"), ("PING", ""), ("PING", "a", "b"),
    ("ECHO", "x"), ("ECHO", ""), ("ECHO",), ("ECHO", "a", "b"),
    ("NOSUCH",), ("NOSUCH", "a", "b"), ("nosuch", "a" * 200),
    ("NOSUCH", "a" * 100, "b" * 100, "c"), ("n" * 200, "x"), ("NOSUCH", ""),
    ("SELECT", "0"), ("SELECT", "x"), ("SELECT",),
    ("HELLO", "4"), ("HELLO", "1"), ("HELLO", "x"), ("HELLO", "3", "AUTH"),
    ("HELLO", "3", "AUTH", "default"), ("HELLO", "3", "SETNAME"), ("HELLO", "3", "FOO"),
    ("HELLO", "3", "SETNAME", "a b"), ("HELLO", "4", "AUTH", "default", "x"),
    ("AUTH",), ("AUTH", "x"), ("AUTH", "a", "b"), ("AUTH", "a", "b", "c"),
    ("CLIENT",), ("CLIENT", "NOSUCH"), ("CLIENT", "SETNAME"), ("CLIENT", "SETNAME", "a b"),
    ("CLIENT", "SETNAME", "a\nb"), ("CLIENT", "SETNAME", "x", "y"), ("CLIENT", "GETNAME"),
    ("CLIENT", "SETNAME", "conn-1"), ("CLIENT", "GETNAME"), ("CLIENT", "SETNAME", ""),
    ("CLIENT", "GETNAME"), ("CLIENT", "ID", "x"), ("CLIENT", "INFO", "x"),
    ("CLIENT", "NO-EVICT"), ("CLIENT", "NO-EVICT", "maybe"), ("CLIENT", "NO-EVICT", "on"),
    ("CLIENT", "NO-EVICT", "OFF"), ("CLIENT", "REPLY"), ("CLIENT", "REPLY", "maybe"),
    ("CLIENT", "KILL"), ("CLIENT", "KILL", "1.2.3.4:5"), ("CLIENT", "KILL", "ID"),
    ("CLIENT", "KILL", "ID", "x"), ("CLIENT", "KILL", "ID", "999999"),
    ("CLIENT", "KILL", "FOO", "bar"), ("CLIENT", "KILL", "ADDR", "1.2.3.4:5"),
    ("CLIENT", "KILL", "ID", "999", "SKIPME", "maybe"), ("CLIENT", "KILL", "TYPE", "nosuch"),
    ("CLIENT", "LIST", "TYPE", "nosuch"), ("CLIENT", "LIST", "ID", "x"),
    ("CLIENT", "LIST", "ID", "999999"), ("CLIENT", "LIST", "FOO"),
    ("CLIENT", "LIST", "TYPE", "pubsub"),
    ("PING",),
]


@pytest.mark.parametrize("protocol", ["2", "3"])
def test_replies_and_errors_match_redis(server, redis_server, protocol):
    commands = [("HELLO", protocol)] + SAME_AS_REDIS

    def same(args, a, b):
        if args[0] == "HELLO" and isinstance(a, (list, resp.Map)):
            return resp.shape(a) == resp.shape(b)  # server name, version and id differ
        return a == b and resp.shape(a) == resp.shape(b)

    assert_same_replies(server, redis_server, commands, same)


def test_quit(server, redis_server):
    for peer in (redis_server, server):
        conn = peer.raw()
        conn.send(b"QUIT\r\nPING\r\n")  # nothing after QUIT is executed
        assert conn.recv_until(terminator=b"\r\n") == b"+OK\r\n"
        assert conn.is_closed()


def test_select_only_db_0(server):
    assert server.cmd("SELECT", "0") == b"OK"
    for db in ("1", "15", "-1", "16"):
        assert server.cmd("SELECT", db) == resp.Error(b"ERR DB index is out of range")


def test_hello_setname_and_auth(make_server):
    s = make_server("--requirepass", "s3cret")
    conn = s.raw()
    reply = conn.command("HELLO", "3", "AUTH", "default", "s3cret", "SETNAME", "web")
    assert isinstance(reply, resp.Map) and reply.dict()[b"proto"] == 3
    assert reply.dict()[b"id"] == conn.command("CLIENT", "ID")
    assert conn.command("CLIENT", "GETNAME") == b"web"
    assert conn.command("HELLO").dict()[b"proto"] == 3  # HELLO alone keeps the protocol
    # A failing HELLO changes nothing: still RESP3, same name.
    assert conn.command("HELLO", "2", "SETNAME", "bad name") == \
        resp.Error(b"ERR Client names cannot contain spaces, newlines or special characters.")
    assert conn.command("CLIENT", "GETNAME") == b"web"
    assert isinstance(conn.command("CONFIG", "GET", "port"), resp.Map)


def test_auth_flow_matches_redis(make_server, make_redis_server):
    ours = make_server("--requirepass", "s3cret")
    theirs = make_redis_server("--requirepass", "s3cret")
    commands = [
        ("PING",), ("ECHO", "x"), ("CLIENT", "ID"), ("SELECT", "0"), ("COMMAND", "COUNT"),
        ("HELLO",), ("HELLO", "3"), ("HELLO", "3", "AUTH", "default", "wrong"),
        ("HELLO", "3", "AUTH", "bob", "s3cret"), ("HELLO", "4", "AUTH", "default", "s3cret"),
        ("AUTH",), ("AUTH", "wrong"), ("AUTH", "bob", "s3cret"), ("AUTH", "default", "wrong"),
        ("AUTH", "a", "b", "c"),
        # Unknown commands and wrong arities are reported before authentication is checked.
        ("NOSUCH", "x"), ("ECHO",), ("ECHO", "a", "b"), ("CLIENT",), ("CLIENT", "FOO"),
        ("CONFIG", "GET"),
        ("AUTH", "s3cret"), ("PING",), ("ECHO", "in"),
        ("AUTH", "wrong"), ("PING",),  # a failed AUTH does not log the client out
        ("AUTH", "default", "s3cret"), ("PING",),
    ]
    assert_same_replies(ours, theirs, commands)
    hello = [("HELLO", "2", "AUTH", "default", "s3cret"), ("CLIENT", "GETNAME"), ("PING",)]
    a, b = transcript(ours, hello), transcript(theirs, hello)
    assert [resp.shape(x) for x in a] == [resp.shape(x) for x in b]
    assert a[0][:2] == [b"server", b"kizuna"]
    assert ours.client(password="s3cret").ping()
    assert ours.client(username="default", password="s3cret").ping()


def test_requirepass_set_at_run_time(server):
    keep = server.raw()
    assert keep.command("CONFIG", "SET", "requirepass", "pw") == b"OK"
    assert keep.command("PING") == b"PONG"  # clients already connected stay logged in
    assert server.cmd("PING") == resp.Error(b"NOAUTH Authentication required.")
    assert keep.command("CONFIG", "SET", "requirepass", "") == b"OK"
    assert server.cmd("PING") == b"PONG"


def parse_client_line(line):
    return dict(field.split("=", 1) for field in line.split(" "))


def test_client_info_and_list_fields(server, redis_server):
    ours = server.client().execute_command("CLIENT", "INFO").decode()
    theirs = redis_server.client().execute_command("CLIENT", "INFO").decode()
    assert ours.endswith("\n") and ours.count("\n") == 1
    fields = parse_client_line(ours.strip())
    redis_fields = list(parse_client_line(theirs.strip()))
    # Redis 7.0's fields, in its order, then 7.2's lib-name= and lib-ver=.
    assert list(fields) == redis_fields + ["lib-name", "lib-ver"]
    assert fields["cmd"] == "client|info" and fields["resp"] == "2" and fields["db"] == "0"
    assert fields["addr"].startswith("127.0.0.1:") and fields["laddr"].endswith(f":{server.port}")
    assert fields["flags"] == "N" and fields["user"] == "default"


def test_client_subcommands(server):
    a, b = server.raw(), server.raw()
    a_id, b_id = a.command("CLIENT", "ID"), b.command("CLIENT", "ID")
    assert b_id > a_id > 0
    assert a.command("CLIENT", "SETNAME", "alpha") == b"OK"
    assert a.command("CLIENT", "SETINFO", "LIB-NAME", "mylib") == b"OK"
    assert a.command("CLIENT", "SETINFO", "lib-ver", "1.2") == b"OK"
    assert a.command("CLIENT", "SETINFO", "LIB-NAME", "has space") == \
        resp.Error(b"ERR lib-name cannot contain spaces, newlines or special characters.")
    assert a.command("CLIENT", "SETINFO", "FOO", "x") == resp.Error(b"ERR Unrecognized option 'FOO'")
    info = parse_client_line(a.command("CLIENT", "INFO").decode().strip())
    assert info["id"] == str(a_id) and info["name"] == "alpha"
    assert info["lib-name"] == "mylib" and info["lib-ver"] == "1.2"
    listing = a.command("CLIENT", "LIST").decode()
    lines = [parse_client_line(l) for l in listing.strip().split("\n")]
    assert [int(l["id"]) for l in lines] == [a_id, b_id]  # ordered by id
    assert lines[0]["cmd"] == "client|list" and lines[1]["cmd"] == "client|id"
    assert a.command("CLIENT", "LIST", "ID", b_id, 999999).decode().startswith(f"id={b_id} ")
    assert a.command("CLIENT", "LIST", "TYPE", "normal").count(b"\n") == 2
    assert a.command("CLIENT", "LIST", "TYPE", "pubsub") == b""
    # KILL by id, by address, by laddr-less old form; SKIPME.
    c = server.raw()
    c_addr = parse_client_line(c.command("CLIENT", "INFO").decode().strip())["addr"]
    assert a.command("CLIENT", "KILL", c_addr) == b"OK"  # old form replies +OK
    assert c.is_closed()
    assert a.command("CLIENT", "KILL", "ID", b_id) == 1
    assert b.is_closed()
    assert a.command("CLIENT", "KILL", "ID", a_id, "SKIPME", "yes") == 0
    d = server.raw()
    d.command("PING")
    assert a.command("CLIENT", "KILL", "TYPE", "normal") >= 1  # everyone but the caller
    assert d.is_closed()
    assert a.command("PING") == b"PONG"
    assert a.command("CLIENT", "KILL", "ID", a_id, "SKIPME", "no") == 1
    assert a.is_closed()


def test_client_kill_user_and_laddr(server):
    victim = server.raw()
    victim.command("PING")
    killer = server.raw()
    # As Redis: an unknown user is an error, not zero clients.
    assert killer.command("CLIENT", "KILL", "USER", "nobody") == \
        resp.Error(b"ERR No such user 'nobody'")
    assert killer.command("CLIENT", "KILL", "LADDR", f"127.0.0.1:{server.port}",
                          "SKIPME", "yes") == 1
    assert victim.is_closed()
    assert killer.command("CLIENT", "KILL", "USER", "default") == 0  # SKIPME yes by default


def test_client_reply_off_skip_on(server, redis_server):
    script = (b"CLIENT REPLY OFF\r\nPING\r\nECHO hidden\r\nNOSUCH\r\nCLIENT REPLY ON\r\n"
              b"ECHO shown\r\nCLIENT REPLY SKIP\r\nECHO hidden\r\nECHO shown2\r\n")
    expected = b"+OK\r\n$5\r\nshown\r\n$6\r\nshown2\r\n"
    for peer in (redis_server, server):
        conn = peer.raw()
        conn.send(script)
        assert conn.recv_until(terminator=b"shown2\r\n") == expected, peer


def test_client_no_evict_and_help(server):
    conn = server.raw()
    assert conn.command("CLIENT", "NO-EVICT", "on") == b"OK"
    assert "e" in parse_client_line(conn.command("CLIENT", "INFO").decode().strip())["flags"]
    helptext = conn.command("CLIENT", "HELP")
    assert isinstance(helptext, list) and helptext[0].startswith(b"CLIENT <subcommand>")
    assert any(line.strip().startswith(b"SETINFO") for line in helptext)


def test_client_list_age_and_idle_follow_the_manual_clock(server):
    conn = server.raw()
    conn.command("PING")
    server.clock_advance("2m")
    line = parse_client_line(server.cmd("CLIENT", "LIST", "ID", conn.command("CLIENT", "ID"))
                             .decode().strip())
    assert line["age"] == "120" and line["idle"] == "0"  # CLIENT ID just ran on it
    other = parse_client_line(server.cmd("CLIENT", "INFO").decode().strip())
    assert re.fullmatch(r"\d+", other["age"])
