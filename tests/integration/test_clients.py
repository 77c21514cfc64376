"""Real clients talk to kizuna: redis-cli (arguments, -3, stdin), inline commands typed on a raw
socket, redis-py, and a hiredis C program. Where a behaviour comes from Redis, the same steps run
against redis-server too."""
import subprocess

import pytest
import redis

import resp
from conftest import HIREDIS_CLIENT


def test_redis_cli_argument_mode(server):
    assert server.cli("PING") == "PONG\n"
    assert server.cli("PING", "hi there") == '"hi there"\n'
    assert server.cli("ECHO", "hello world") == '"hello world"\n'
    assert server.cli("DBSIZE") == "(integer) 0\n"
    assert server.cli("CLIENT", "GETNAME") == "(nil)\n"
    assert server.cli("CONFIG", "GET", "maxclients") == '1) "maxclients"\n2) "10000"\n'
    assert server.cli("NOSUCH", "a") == \
        "(error) ERR unknown command 'NOSUCH', with args beginning with: 'a' \n"
    assert server.cli("ECHO") == "(error) ERR wrong number of arguments for 'echo' command\n"


def test_redis_cli_resp3_map_and_types(server):
    out = server.cli("HELLO", "3", resp3=True).splitlines()
    assert out[0] == '1# "server" => "kizuna"'
    assert out[2] == '3# "proto" => (integer) 3'
    assert out[4:] == ['5# "mode" => "standalone"', '6# "role" => "master"',
                       '7# "modules" => (empty array)']
    # A map in RESP3, a flat array in RESP2.
    assert server.cli("CONFIG", "GET", "maxclients", resp3=True) == '1# "maxclients" => "10000"\n'
    assert server.cli("CLIENT", "GETNAME", resp3=True) == "(nil)\n"
    # INFO and CLIENT INFO are verbatim strings in RESP3; redis-cli prints their text.
    assert "redis_version:" in server.cli("INFO", "server", resp3=True)
    assert server.cli("CLIENT", "INFO", resp3=True).startswith("id=")


def test_redis_cli_reads_commands_from_stdin(server):
    script = (b'PING\nECHO "a b"\nCLIENT SETNAME piped\nCLIENT GETNAME\n'
              b"ECHO 'single \\'quoted\\''\nNOSUCH\nDBSIZE\n")
    out = server.cli(stdin=script).splitlines()
    assert out == ["PONG", '"a b"', "OK", '"piped"', '"single \'quoted\'"',
                   "(error) ERR unknown command 'NOSUCH', with args beginning with: ",
                   "(integer) 0"]
    out = server.cli("-3", stdin=b"HELLO 3\nPING\n").splitlines()
    assert out[0] == '1# "server" => "kizuna"' and out[-1] == "PONG"


def test_redis_cli_pipe_mode(server):
    # --pipe sends raw RESP (as mass-insertion tools do) and counts the replies.
    payload = b"".join(resp.encode("ECHO", str(i)) for i in range(10_000))
    out = subprocess.run(["redis-cli", "-p", str(server.port), "--pipe"], input=payload,
                         capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert b"errors: 0, replies: 10000" in out.stdout


@pytest.mark.parametrize("peer", ["kizuna", "redis"])
def test_inline_commands_typed_on_a_socket(peer, server, redis_server):
    s = server if peer == "kizuna" else redis_server
    conn = s.raw()
    assert conn.request(b"PING\r\n") == b"+PONG\r\n"
    assert conn.request(b"PING\n") == b"+PONG\r\n"  # a bare LF ends a line too
    assert conn.request(b"  ECHO    spaced   \r\n") == b"$6\r\nspaced\r\n"
    # sdssplitargs rules: "..." with \xHH \n \" escapes, '...' with \' only.
    assert conn.inline(r'ECHO "quoted \x41rg\n"') == b"quoted Arg\n"
    assert conn.inline(r"ECHO 'it\'s \x41'") == b"it's \\x41"
    assert conn.inline('ECHO ""') == b""
    # Empty lines are skipped; several inline commands in one packet all run, in order.
    conn.send(b"\r\n\r\nPING\r\nPING x\r\nECHO y\r\n")
    assert conn.recv_until(expected_len=21) == b"+PONG\r\n$1\r\nx\r\n$1\r\ny\r\n"
    # Inline and multibulk requests mix freely on one connection.
    conn.send(b"PING\r\n" + resp.encode("ECHO", "mb") + b"ECHO z\r\n")
    assert conn.recv_until(expected_len=22) == b"+PONG\r\n$2\r\nmb\r\n$1\r\nz\r\n"


def test_redis_py_plain(server):
    r = server.client()
    assert r.ping() is True
    assert r.echo(b"\x00\xffbin\r\n") == b"\x00\xffbin\r\n"
    assert r.client_setname("web-1") is True
    assert r.client_getname() == "web-1"
    assert r.client_id() > 0
    secs, usecs = r.time()
    assert secs > 1_600_000_000 and 0 <= usecs < 1_000_000
    assert r.dbsize() == 0
    assert r.info("server")["redis_version"]
    assert r.config_get("maxclients") == {"maxclients": "10000"}
    with pytest.raises(redis.ResponseError, match="^unknown command 'NOSUCH'"):
        r.execute_command("NOSUCH")
    pipe = r.pipeline(transaction=False)
    for i in range(100):
        pipe.echo(str(i))
    assert pipe.execute() == [str(i).encode() for i in range(100)]


@pytest.mark.parametrize("peer", ["kizuna", "redis"])
def test_redis_py_hello_3(peer, server, redis_server):
    # redis-py 4.3.4 (Debian 12) has a RESP2-only parser: execute_command("HELLO", "3") makes
    # the server switch to RESP3 and answer with a map, which redis-py rejects on its '%' type
    # byte, exactly as it does with redis-server, then drops that connection. The RESP3 reply
    # itself is checked by the raw-socket reader (test_hello_3_on_the_wire), redis-cli -3 and
    # the hiredis program.
    s = server if peer == "kizuna" else redis_server
    r = s.client()
    with pytest.raises(redis.exceptions.InvalidResponse, match=r"Protocol Error: b'%7'"):
        r.execute_command("HELLO", "3")
    assert r.ping() is True  # a fresh pooled connection, back in RESP2
    reply = r.execute_command("HELLO", "2")
    fields = dict(zip(reply[::2], reply[1::2]))
    assert list(fields) == [b"server", b"version", b"proto", b"id", b"mode", b"role", b"modules"]
    assert fields[b"server"] == (b"kizuna" if peer == "kizuna" else b"redis")
    assert fields[b"proto"] == 2 and fields[b"modules"] == []
    assert fields[b"mode"] == b"standalone" and fields[b"role"] == b"master"


def test_hello_3_on_the_wire(server, redis_server):
    def hello(peer):
        with peer.raw() as conn:
            reply = conn.command("HELLO", "3")
            after = [conn.command("PING"), conn.command("CONFIG", "GET", "maxclients"),
                     conn.command("CLIENT", "GETNAME"), conn.command("CLIENT", "INFO"),
                     conn.command("HELLO", "2"), conn.command("CONFIG", "GET", "maxclients"),
                     conn.command("HELLO", "3"), conn.command("INFO", "server"),
                     conn.command("CLIENT", "LIST"), conn.command("TIME"),
                     conn.command("SLOWLOG", "GET"), conn.command("COMMAND", "INFO", "nosuch"),
                     conn.command("DBSIZE"), conn.command("SELECT", "0")]
            return reply, after

    ours, our_after = hello(server)
    theirs, their_after = hello(redis_server)
    assert isinstance(ours, resp.Map)
    assert resp.shape(ours) == resp.shape(theirs)
    fields = ours.dict()
    assert fields[b"server"] == b"kizuna" and fields[b"proto"] == 3
    assert fields[b"mode"] == b"standalone" and fields[b"role"] == b"master"
    assert fields[b"modules"] == [] and fields[b"version"]
    assert [resp.shape(x) for x in our_after] == [resp.shape(x) for x in their_after]
    assert our_after[1] == resp.Map([(b"maxclients", b"10000")])
    assert our_after[2] == resp.NULL and our_after[2].kind == "_"
    assert isinstance(our_after[3], resp.Verbatim) and our_after[3].fmt == b"txt"
    assert b" resp=3" in our_after[3]
    assert our_after[5] == [b"maxclients", b"10000"]  # back to RESP2 after HELLO 2
    assert isinstance(our_after[7], resp.Verbatim) and b"redis_version:" in our_after[7]


def test_hiredis_program(server, redis_server):
    for port, name in ((server.port, "kizuna"), (redis_server.port, "redis")):
        out = subprocess.run([HIREDIS_CLIENT, str(port), name], capture_output=True, timeout=60)
        assert out.returncode == 0, f"against {name}: {out.stderr.decode()}"
        assert b"all checks passed" in out.stdout
