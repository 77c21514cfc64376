"""ACL users (issue 7): ACL SETUSER/DELUSER/GETUSER/LIST/USERS/WHOAMI/CAT/LOG/SAVE/LOAD/DRYRUN
compared with a real redis-server where Redis has the same command, the three user kinds of
the issue (web tier `+@ingest +@read`, mail sender `+@stream`, ops `+@all`) through redis-py,
redis-cli and raw RESP3, denials and ACL LOG, the aclfile round trip, requirepass as the
default user's password, and the HTTP endpoints with users."""
import base64
import hashlib
import os
import subprocess

import pytest
import redis

import resp
from conftest import RawConnection, assert_same_replies, free_port, transcript
from test_http import get


def sha(pw):
    return hashlib.sha256(pw.encode()).hexdigest()


# Debian's redis-server is 7.0; kizuna words denials as Redis 7.2 does.
def redis_7_2(reply, user):
    if isinstance(reply, resp.Error):
        text = bytes(reply).replace(
            b"NOPERM this user has no permissions to run",
            b"NOPERM User %s has no permissions to run" % user)
        text = text.replace(
            b"NOPERM this user has no permissions to access one of the keys used as arguments",
            b"NOPERM No permissions to access a key")
        return resp.Error(text)
    return reply


# ---- the same ACL command sequence as redis-server -------------------------------------------

ACL_SEQUENCE = [
    ("ACL", "SETUSER", "alice"),
    ("ACL", "SETUSER", "web", "on", ">pw", "+@read", "~c*"),
    ("ACL", "SETUSER", "ops", "on", "#" + sha("ops"), "+@all", "-@dangerous", "allkeys"),
    ("ACL", "SETUSER", "chan", "&news", "&sport", "%R~r*", "%W~w*", "sanitize-payload"),
    ("ACL", "LIST"),
    ("ACL", "USERS"),
    ("ACL", "GETUSER", "web"),
    ("ACL", "GETUSER", "chan"),
    ("ACL", "GETUSER", "default"),
    ("ACL", "GETUSER", "nobody"),
    # Every bad rule: Redis's error, and nothing changes (GETUSER/LIST after them).
    ("ACL", "SETUSER", "web", "+@admin", "foo"),
    ("ACL", "SETUSER", "web", "+nosuchcommand"),
    ("ACL", "SETUSER", "web", "-@nosuchcategory"),
    ("ACL", "SETUSER", "web", "+client|nosuch"),
    ("ACL", "SETUSER", "web", "#abc"),
    ("ACL", "SETUSER", "web", "#" + "A" * 64),
    ("ACL", "SETUSER", "web", "!" + "0" * 64),
    ("ACL", "SETUSER", "web", "<notapassword"),
    ("ACL", "SETUSER", "web", "allkeys", "~x"),
    ("ACL", "SETUSER", "web", "allchannels", "&x"),
    ("ACL", "SETUSER", "web", "%X~a"),
    ("ACL", "SETUSER", "web", "%~a"),
    ("ACL", "SETUSER", "a b"),
    ("ACL", "SETUSER", "newbie", "on", "bogus"),
    ("ACL", "SETUSER"),
    ("ACL", "GETUSER", "web"),
    ("ACL", "LIST"),
    ("ACL", "SETUSER", "web", "<pw", "nopass", "resetkeys", "~c:*", "allcommands"),
    ("ACL", "GETUSER", "web"),
    ("ACL", "SETUSER", "web", "reset"),
    ("ACL", "GETUSER", "web"),
    ("ACL", "DELUSER", "default"),
    ("ACL", "DELUSER", "alice", "default"),  # refused as a whole: alice stays
    ("ACL", "GETUSER"),
    ("ACL", "GETUSER", "a", "b"),
    ("ACL", "LIST", "x"),
    ("ACL", "USERS", "x"),
    ("ACL", "LOAD", "x"),
    ("ACL", "USERS"),
    ("ACL", "DELUSER", "alice", "nobody"),
    ("ACL", "DELUSER", "alice"),
    ("ACL", "DELUSER"),
    ("ACL", "USERS"),
    ("ACL", "WHOAMI"),
    ("ACL", "WHOAMI", "x"),
    ("ACL", "CAT", "nosuch"),
    ("ACL", "CAT", "a", "b"),
    ("ACL", "GENPASS", "0"),
    ("ACL", "GENPASS", "4097"),
    ("ACL", "GENPASS", "x"),
    ("ACL", "GENPASS", "1", "2"),
    ("ACL", "LOG", "x"),
    ("ACL", "LOG", "1", "2"),
    ("ACL", "LOG", "RESET"),
    ("ACL", "LOG"),
    ("ACL", "LOG", "-5"),
    ("ACL", "SAVE"),
    ("ACL", "LOAD"),
    ("ACL", "SAVE", "x"),
    ("ACL", "DRYRUN", "nobody", "ping"),
    ("ACL", "DRYRUN", "ops", "nosuch"),
    ("ACL", "DRYRUN", "ops", "select"),
    ("ACL", "DRYRUN", "ops", "client"),
    ("ACL", "DRYRUN", "ops", "client", "nosuch"),
    ("ACL", "DRYRUN", "ops", "client", "id"),
    ("ACL", "DRYRUN", "ops"),
    ("ACL", "NOSUCH"),
    ("ACL",),
    ("ACL", "HELP"),
    ("AUTH", "ops", "wrong"),
    ("AUTH", "nobody", "x"),
    ("AUTH", "ops", "ops"),
    ("ACL", "WHOAMI"),
    ("FLUSHALL",),
    ("CLIENT", "KILL", "ID", "999999"),
    ("PING",),
    ("AUTH", "default", "anything"),
    ("ACL", "WHOAMI"),
]


def test_acl_commands_reply_like_redis(server, redis_server):
    assert_same_replies(server, redis_server, ACL_SEQUENCE,
                        compare=lambda args, a, b: a == redis_7_2(b, b"ops")
                        and resp.shape(a) == resp.shape(b))


def test_denials_reply_like_redis(server, redis_server):
    # Commands both servers have: CLIENT ID (a subcommand), FLUSHALL, DBSIZE, PING.
    setup = [("ACL", "SETUSER", "u", "on", ">p", "+@all", "-@dangerous", "-client|id",
              "-ping", "~*")]
    transcript(server, setup)
    transcript(redis_server, setup)
    commands = [("AUTH", "u", "p"), ("FLUSHALL",), ("CLIENT", "ID"), ("PING",), ("DBSIZE",),
                ("ACL", "WHOAMI"), ("ACL", "LIST")]
    ours = assert_same_replies(server, redis_server, commands,
                               compare=lambda args, a, b: a == redis_7_2(b, b"u"))
    assert ours[1] == b"NOPERM User u has no permissions to run the 'flushall' command"
    assert ours[2] == b"NOPERM User u has no permissions to run the 'client|id' command"
    assert ours[4] == 0
    # The log entry carries Redis's fields (7.0 has the first seven, 7.2 all ten).
    theirs = redis_server.client().execute_command("ACL", "LOG", "1")[0]
    mine = server.client().execute_command("ACL", "LOG", "1")[0]
    their_fields = dict(zip(theirs[0::2], theirs[1::2]))
    my_fields = dict(zip(mine[0::2], mine[1::2]))
    assert set(their_fields) <= set(my_fields)
    assert list(my_fields) == [b"count", b"reason", b"context", b"object", b"username",
                               b"age-seconds", b"client-info", b"entry-id", b"timestamp-created",
                               b"timestamp-last-updated"]
    for field in (b"count", b"reason", b"context", b"object", b"username"):
        assert my_fields[field] == their_fields[field], field


# ---- the three user kinds --------------------------------------------------------------------

def make_users(s):
    ops = s.client()
    for rules in (("web", "on", ">webpw", "+@ingest", "+@read", "~*"),
                  ("mail", "on", ">mailpw", "+@stream", "~outbox"),
                  ("ops", "on", ">opspw", "+@all", "~*")):
        assert ops.execute_command("ACL", "SETUSER", *rules) == b"OK"


def noperm(client, *args):
    with pytest.raises(redis.ResponseError) as e:
        client.execute_command(*args)
    return str(e.value)


def test_web_tier_ingests_and_reads_only(server):
    make_users(server)
    web = server.client(username="web", password="webpw")
    assert web.execute_command("EVENT", "c1", "view") == b"0"
    assert web.execute_command("EVENT", "c1", "purchase", "VALUE", "120", "ID", "o1") == b"0"
    assert web.execute_command("SCORE", "c1")
    assert web.execute_command("TOP", "total", "10") == [b"c1"]
    assert web.execute_command("STATS")
    assert web.execute_command("RFM", "c1")
    assert web.execute_command("CATEGORY.LIST")  # a read of the definitions
    for args, name in ((("RULE.SET", "v", "ACTION", "view", "POINTS", "product", "1"), "rule.set"),
                       (("BADGE.DEL", "x"), "badge.del"),
                       (("CUSTOMER.DEL", "c1"), "customer.del"),
                       (("FLUSHALL",), "flushall"),
                       (("CONFIG", "SET", "timeout", "5"), "config|set"),
                       (("XREADGROUP", "GROUP", "g", "c", "STREAMS", "outbox", ">"), "xreadgroup"),
                       (("DEBUG", "CLOCK", "GET"), "debug"),
                       (("SHUTDOWN",), "shutdown"),
                       (("ACL", "LIST"), "acl|list"),
                       # As in Redis, @connection commands are not in @read either.
                       (("PING",), "ping"),
                       (("CLIENT", "SETNAME", "x"), "client|setname")):
        assert noperm(web, *args) == f"User web has no permissions to run the '{name}' command"
    # Nothing the denied commands would have done happened.
    assert server.client().execute_command("DBSIZE") == 1
    assert server.client().execute_command("CONFIG", "GET", "timeout") == [b"timeout", b"0"]
    # redis-cli with --user/--pass gets the same.
    cli = ("--no-auth-warning", "--user", "web", "--pass", "webpw")
    assert server.cli(*cli, "EVENT", "c2", "view").strip() == '"0"'
    assert server.cli(*cli, "FLUSHALL").strip() == \
        "(error) NOPERM User web has no permissions to run the 'flushall' command"
    assert server.cli(*cli, "SCORE", "c2").startswith("1) ")
    assert "user=web" in server.client().execute_command("CLIENT", "LIST").decode()
    assert server.client().execute_command("DBSIZE") == 2


def test_mail_sender_consumes_the_outbox_only(server):
    make_users(server)
    ops = server.client(username="ops", password="opspw")
    ops.execute_command("DEBUG", "OUTBOX.ADD", "type", "trigger", "customer", "c1",
                        "message", "welcome")
    mail = server.client(username="mail", password="mailpw")
    assert mail.execute_command("XGROUP", "CREATE", "outbox", "senders", "0") == b"OK"
    got = mail.execute_command("XREADGROUP", "GROUP", "senders", "m1", "COUNT", "10",
                               "STREAMS", "outbox", ">")
    [[stream, [[entry_id, fields]]]] = got
    assert stream == b"outbox" and fields[b"message"] == b"welcome"
    assert mail.execute_command("XACK", "outbox", "senders", entry_id) == 1
    assert mail.execute_command("XPENDING", "outbox", "senders")["pending"] == 0
    for args, name in ((("EVENT", "c1", "view"), "event"), (("SCORE", "c1"), "score"),
                       (("STATS",), "stats"), (("FLUSHALL",), "flushall")):
        assert noperm(mail, *args) == f"User mail has no permissions to run the '{name}' command"
    # Its key pattern is ~outbox: another stream name is refused before the command runs, in
    # Redis 7.2's words, on both fixed key positions and the keys after STREAMS.
    assert noperm(mail, "XLEN", "other") == "No permissions to access a key"
    assert noperm(mail, "XREAD", "STREAMS", "other", "0") == "No permissions to access a key"
    assert mail.execute_command("XREAD", "STREAMS", "outbox", "0")
    assert ops.execute_command("ACL", "DRYRUN", "mail", "XREAD", "STREAMS", "other", "0") == \
        b"User mail has no permissions to access the 'other' key"
    assert ops.execute_command("ACL", "DRYRUN", "mail", "XLEN", "outbox") == b"OK"


def test_ops_runs_everything_and_hello_auth(server):
    make_users(server)
    ops = server.client(username="ops", password="opspw")
    assert ops.execute_command("RULE.SET", "v", "ACTION", "view", "POINTS", "product", "3") == b"OK"
    assert ops.execute_command("EVENT", "c1", "view") == b"3"
    assert ops.execute_command("CONFIG", "SET", "timeout", "0")
    assert ops.execute_command("CUSTOMER.DEL", "c1") == 1
    assert ops.execute_command("FLUSHALL")
    assert ops.execute_command("ACL", "WHOAMI") == b"ops"
    # HELLO 3 AUTH on a raw RESP3 connection.
    conn = server.raw()
    hello = conn.command("HELLO", "3", "AUTH", "web", "webpw")
    assert isinstance(hello, resp.Map) and hello.dict()[b"proto"] == 3
    assert conn.command("SCORE", "c1") == resp.Map([])
    assert conn.command("FLUSHALL") == \
        resp.Error(b"NOPERM User web has no permissions to run the 'flushall' command")
    assert conn.command("HELLO", "3", "AUTH", "web", "wrong") == \
        resp.Error(b"WRONGPASS invalid username-password pair or user is disabled.")
    assert conn.command("EVENT", "c1", "view") == 3, "a failed HELLO AUTH keeps the user"
    assert conn.command("PING") == \
        resp.Error(b"NOPERM User web has no permissions to run the 'ping' command")
    assert conn.command("AUTH", "ops", "opspw") == b"OK"
    assert conn.command("ACL", "WHOAMI") == b"ops"


def test_user_changes_reach_connected_clients(server):
    make_users(server)
    web = server.raw()
    assert web.command("AUTH", "web", "webpw") == b"OK"
    assert web.command("FLUSHALL") == \
        resp.Error(b"NOPERM User web has no permissions to run the 'flushall' command")
    admin = server.client(username="ops", password="opspw")
    admin.execute_command("ACL", "SETUSER", "web", "+flushall")
    assert web.command("FLUSHALL") == b"OK", "SETUSER applies to the user's live clients"
    admin.execute_command("ACL", "SETUSER", "web", "off")
    assert web.command("EVENT", "c1", "view") == b"0", "off stops new logins, not clients"
    assert server.raw().command("AUTH", "web", "webpw") == \
        resp.Error(b"WRONGPASS invalid username-password pair or user is disabled.")
    other = server.raw()
    assert other.command("AUTH", "mail", "mailpw") == b"OK"
    assert admin.execute_command("CLIENT", "KILL", "USER", "mail") == 1
    assert other.is_closed()
    assert web.command("EVENT", "c1", "view") == b"0", "other users' clients stay"
    assert noperm(admin, "CLIENT", "KILL", "USER", "nobody") == "No such user 'nobody'"
    assert admin.execute_command("ACL", "DELUSER", "web") == 1
    assert web.is_closed(), "deleting a user disconnects its clients"
    assert admin.execute_command("ACL", "WHOAMI") == b"ops"


# ---- ACL LOG ---------------------------------------------------------------------------------

def log_entries(client, *count):
    return [dict(zip(e[0::2], e[1::2])) for e in client.execute_command("ACL", "LOG", *count)]


def test_acl_log_counts_denials(server):
    make_users(server)
    admin = server.client(username="ops", password="opspw")
    admin.execute_command("ACL", "SETUSER", "shop", "on", ">s", "+@all", "~c:*", "%R~pub:*")
    web = server.client(username="web", password="webpw")
    for _ in range(2):
        noperm(web, "FLUSHALL")
    [entry] = log_entries(admin)
    assert entry[b"count"] == 2 and entry[b"reason"] == b"command"
    assert entry[b"object"] == b"flushall" and entry[b"username"] == b"web"
    assert entry[b"context"] == b"toplevel" and entry[b"entry-id"] == 0
    assert b"user=web" in entry[b"client-info"]
    assert b"cmd=flushall" in entry[b"client-info"]
    now = int(server.clock())
    assert entry[b"timestamp-created"] == entry[b"timestamp-last-updated"] == now
    assert float(entry[b"age-seconds"]) == 0
    # A minute later the same denial is a new entry (Redis groups within 60 s only).
    server.clock_advance("61s")
    assert float(log_entries(admin)[0][b"age-seconds"]) == 61
    noperm(web, "FLUSHALL")
    entries = log_entries(admin)
    assert [(e[b"count"], e[b"entry-id"]) for e in entries] == [(1, 1), (2, 0)]
    # Keys: the reply does not name the key; the log does.
    shop = server.client(username="shop", password="s")
    assert shop.execute_command("EVENT", "c:1", "view") == b"0"
    assert noperm(shop, "EVENT", "other", "view") == "No permissions to access a key"
    assert noperm(shop, "EVENT", "pub:1", "view") == "No permissions to access a key"
    assert shop.execute_command("SCORE", "pub:1") == []
    assert server.client().execute_command("DBSIZE") == 1, "denied EVENTs created nobody"
    top = log_entries(admin, "2")
    assert [(e[b"reason"], e[b"object"]) for e in top] == [(b"key", b"pub:1"), (b"key", b"other")]
    # Failed logins, as Redis: reason auth, object the command, the name tried.
    with pytest.raises((redis.AuthenticationError, redis.ResponseError)):
        server.client(username="web", password="nope").ping()
    auth = log_entries(admin, "1")[0]
    assert (auth[b"reason"], auth[b"object"], auth[b"username"]) == (b"auth", b"AUTH", b"web")
    assert len(log_entries(admin, "100")) == 5
    stats = admin.info("stats")
    assert (stats["acl_access_denied_cmd"], stats["acl_access_denied_key"],
            stats["acl_access_denied_auth"]) == (3, 2, 1)
    assert admin.config_set("acllog-max-len", "2")
    assert len(log_entries(admin, "100")) == 2
    assert admin.execute_command("ACL", "LOG", "RESET") == b"OK"
    assert log_entries(admin) == []
    info = admin.execute_command("COMMAND", "INFO", "acl|log")
    assert info


# ---- aclfile ---------------------------------------------------------------------------------

def test_acl_save_and_load_round_trip(make_server, make_redis_server, workdir):
    path = os.path.join(workdir, "users.acl")
    open(path, "w").close()  # as Redis, the file must exist at start
    setup = [("ACL", "SETUSER", "web", "on", ">webpw", "+@read", "~c*"),
             ("ACL", "SETUSER", "ops", "on", ">opspw", "+@all", "-@dangerous", "allkeys"),
             ("ACL", "SETUSER", "default", "resetpass", ">defpw"),
             ("AUTH", "defpw"),
             ("ACL", "SAVE")]
    s = make_server("--aclfile", path)
    assert transcript(s, setup)[-1] == b"OK"
    with open(path) as f:
        saved = f.read()
    assert saved == (f"user default on #{sha('defpw')} ~* &* +@all\n"
                     f"user ops on #{sha('opspw')} ~* resetchannels +@all -@dangerous\n"
                     f"user web on #{sha('webpw')} ~c* resetchannels -@all +@read\n")
    assert "webpw" not in saved, "only hashes are stored"
    # Redis writes the same file for the same commands.
    rpath = os.path.join(workdir, "redis.acl")
    open(rpath, "w").close()
    r = make_redis_server("--aclfile", rpath)
    transcript(r, setup)
    with open(rpath) as f:
        assert f.read() == saved

    # A restart reads the users back; the saved hashes open them.
    s.stop()
    s = make_server("--aclfile", path)
    assert s.cmd("PING") == resp.Error(b"NOAUTH Authentication required.")
    web = s.client(username="web", password="webpw")
    assert web.execute_command("SCORE", "c1") == []
    assert noperm(web, "EVENT", "c1", "view") == \
        "User web has no permissions to run the 'event' command"
    assert s.client(username="ops", password="opspw").execute_command("DBSIZE") == 0
    assert s.client(password="defpw").execute_command("ACL", "USERS") == \
        [b"default", b"ops", b"web"]

    # ACL LOAD after an edit: kept users keep their clients, a removed user's are dropped.
    doomed = s.raw()
    assert doomed.command("AUTH", "ops", "opspw") == b"OK"
    with open(path, "w") as f:
        f.write(f"user default on #{sha('defpw')} ~* &* +@all\n"
                f"user web on #{sha('webpw')} ~* resetchannels -@all +@read +@ingest\n"
                f"user mail on #{sha('mailpw')} ~outbox resetchannels -@all +@stream\n")
    admin = s.client(password="defpw")
    assert admin.execute_command("ACL", "LOAD") == b"OK"
    assert admin.execute_command("ACL", "USERS") == [b"default", b"mail", b"web"]
    assert web.execute_command("EVENT", "c1", "view") == b"0", "web's new rules apply at once"
    assert doomed.is_closed()

    # A broken file changes nothing and names every bad line.
    with open(path, "w") as f:
        f.write("user web on +@nosuch\nuser web off\n#comment\n")
    with pytest.raises(redis.ResponseError) as e:
        admin.execute_command("ACL", "LOAD")
    assert str(e.value) == (
        f"{path}:1: Error in applying operation '+@nosuch': Unknown command or category name in "
        f"ACL. WARNING: Duplicate user 'web' found on line 2. {path}:3 should start with user "
        "keyword followed by the username. WARNING: ACL errors detected, no change to the "
        "previously active ACL rules was performed")
    assert admin.execute_command("ACL", "USERS") == [b"default", b"mail", b"web"]
    assert web.execute_command("EVENT", "c2", "view") == b"0"

    # And a server does not start on it.
    s.stop()
    bad = make_server("--aclfile", path, wait=False)
    assert bad.proc.wait(timeout=30) != 0
    assert "Aborting kizuna startup because of ACL errors" in bad.log_text()
    missing = make_server("--aclfile", os.path.join(workdir, "nope.acl"), wait=False)
    assert missing.proc.wait(timeout=30) != 0


def test_acl_commands_are_not_in_the_append_only_log(make_server, workdir):
    s = make_server("--appendonly", "yes")
    s.cmd("ACL", "SETUSER", "web", "on", ">pw", "+@all")
    s.cmd("EVENT", "c1", "view")
    s.stop()
    s = make_server("--appendonly", "yes")
    assert s.cmd("DBSIZE") == 1
    assert s.cmd("ACL", "USERS") == [b"default"], "users persist in the aclfile only"


# ---- requirepass and the default user --------------------------------------------------------

def test_requirepass_is_the_default_users_password(make_server):
    s = make_server("--requirepass", "pw")
    assert s.cmd("PING") == resp.Error(b"NOAUTH Authentication required.")
    c = s.client(password="pw")
    assert c.execute_command("ACL", "GETUSER", "default")[3] == [sha("pw").encode()]
    assert f"user default on #{sha('pw')} ~* &* +@all".encode() in \
        c.execute_command("ACL", "LIST")
    assert c.config_set("requirepass", "new")
    assert s.client(password="new").ping()
    with pytest.raises((redis.AuthenticationError, redis.ResponseError)):
        s.client(password="pw").ping()
    # Another CONFIG SET leaves passwords given by ACL SETUSER alone (as Redis).
    c.execute_command("ACL", "SETUSER", "default", ">second")
    assert c.config_set("timeout", "0")
    assert s.client(password="second").ping() and s.client(password="new").ping()
    # nopass opens the server to new clients without AUTH again.
    c.execute_command("ACL", "SETUSER", "default", "nopass")
    assert s.cmd("PING") == b"PONG"
    # A default user turned off makes every new client log in as someone.
    c.execute_command("ACL", "SETUSER", "ops", "on", ">o", "+@all")
    c.execute_command("ACL", "SETUSER", "default", "off")
    assert s.cmd("PING") == resp.Error(b"NOAUTH Authentication required.")
    assert s.client(username="ops", password="o").ping()


def test_monitor_and_slowlog_hide_acl_rules(server):
    c = server.client()
    c.config_set("slowlog-log-slower-than", "0")
    c.execute_command("ACL", "SETUSER", "web", "on", ">topsecret", "+@read")
    entries = c.execute_command("SLOWLOG", "GET", "10")
    args = [e[3] for e in entries if e[3][:2] == [b"ACL", b"SETUSER"]]
    assert args == [[b"ACL", b"SETUSER", b"(redacted)", b"(redacted)", b"(redacted)",
                     b"(redacted)"]]


# ---- categories ------------------------------------------------------------------------------

def test_product_categories_in_acl_cat_and_command_info(server):
    c = server.client()
    cats = c.execute_command("ACL", "CAT")
    for cat in (b"ingest", b"read", b"definitions", b"stream", b"admin", b"dangerous",
                b"keyspace", b"write", b"fast", b"slow", b"connection"):
        assert cat in cats
    assert c.execute_command("ACL", "CAT", "ingest") == [b"event"]
    definitions = set(c.execute_command("ACL", "CAT", "definitions"))
    assert {b"category.set", b"rule.set", b"rule.del", b"badge.set", b"segment.set",
            b"trigger.set", b"trigger.del"} <= definitions
    dangerous = set(c.execute_command("ACL", "CAT", "dangerous"))
    assert {b"flushall", b"customer.del", b"debug", b"config|set", b"shutdown",
            b"acl|setuser"} <= dangerous
    read = set(c.execute_command("ACL", "CAT", "READ"))
    assert {b"score", b"customer", b"top", b"rank", b"stats", b"rfm", b"lookalike"} <= read
    assert b"event" not in read
    assert {b"xreadgroup", b"xack", b"xautoclaim"} <= set(c.execute_command("ACL", "CAT", "stream"))
    info = server.raw(resp3=True).command("COMMAND", "INFO", "event", "customer.del")
    assert set(info[0][6]) == {b"@write", b"@fast", b"@scoring", b"@ingest"}
    assert b"@dangerous" in set(info[1][6])


# ---- HTTP ------------------------------------------------------------------------------------

def basic(user, pw):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{pw}".encode()).decode()}


def test_http_honours_users(make_server):
    port = free_port()
    s = make_server("--http-port", str(port))
    # The default user needs no password: no credentials are needed either.
    assert get(port, "/metrics")[0] == 200
    make_users(s)
    c = s.client()
    c.execute_command("ACL", "SETUSER", "default", "resetpass", ">defpw")
    for path in ("/metrics", "/api/stats", "/"):
        status, headers, _ = get(port, path)
        assert status == 401 and "Basic" in headers["WWW-Authenticate"], path
        assert get(port, path, basic("web", "webpw"))[0] == 200, path
        assert get(port, path, basic("ops", "opspw"))[0] == 200, path
        status, _, body = get(port, path, basic("mail", "mailpw"))
        assert status == 403, path
        assert body == "User mail has no permissions to run the 'stats' command\n"
        assert get(port, path, basic("web", "wrong"))[0] == 401, path
        assert get(port, path, basic("nobody", "webpw"))[0] == 401, path
    assert get(port, "/metrics", {"Authorization": "Bearer defpw"})[0] == 200
    assert get(port, "/metrics", {"Authorization": "Bearer webpw"})[0] == 401
    # A user may be given just STATS; a disabled one is refused.
    c = s.client(password="defpw")
    c.execute_command("ACL", "SETUSER", "mail", "+stats")
    assert get(port, "/metrics", basic("mail", "mailpw"))[0] == 200
    c.execute_command("ACL", "SETUSER", "web", "off")
    assert get(port, "/metrics", basic("web", "webpw"))[0] == 401
    # Wrong HTTP credentials are counted like a failed AUTH.
    entry = dict(zip(*[iter(c.execute_command("ACL", "LOG", "1")[0])] * 2))
    assert (entry[b"reason"], entry[b"object"], entry[b"username"]) == (b"auth", b"http", b"web")


def test_protected_mode_follows_the_default_user(make_server):
    """As Redis: with protected-mode on and a default user without password (nopass), only
    loopback clients get in; any password on the default user lifts it."""
    addrs = [a for a in subprocess.run(["hostname", "-I"], capture_output=True, text=True)
             .stdout.split() if "." in a and not a.startswith("127.")]
    if not addrs:
        pytest.skip("no non-loopback IPv4 address to connect from")
    s = make_server("--bind", "0.0.0.0")
    outside = RawConnection(s.port, host=addrs[0])
    assert bytes(outside.read_reply()).startswith(b"DENIED kizuna is running in protected mode")
    s.cmd("ACL", "SETUSER", "default", "resetpass", ">pw")
    outside = RawConnection(s.port, host=addrs[0])
    assert outside.command("PING") == resp.Error(b"NOAUTH Authentication required.")
    assert outside.command("AUTH", "pw") == b"OK"
    s.client(password="pw").config_set("protected-mode", "no")
    s.client(password="pw").execute_command("ACL", "SETUSER", "default", "nopass")
    assert RawConnection(s.port, host=addrs[0]).command("PING") == b"PONG"


def test_bulk_import_as_an_ingest_only_user(server, workdir):
    """kizuna-import needs only @ingest (EVENT ... IMPORT); a user without it is refused."""
    from test_import import run_import
    c = server.client()
    c.execute_command("ACL", "SETUSER", "importer", "on", ">ipw", "+@ingest", "~*")
    c.execute_command("ACL", "SETUSER", "reader", "on", ">rpw", "+@read", "~*")
    t = int(server.clock())
    path = os.path.join(workdir, "rows.csv")
    with open(path, "w") as f:
        f.write(f"customer,action,ts,id\na,view,{t},1\nb,view,{t},2\n")
    code, summary, err = run_import(server, "--user", "importer", path, password="ipw")
    assert code == 0 and summary["imported"] == "2", err
    code, _, err = run_import(server, "--user", "reader", path, password="rpw")
    assert code != 0 and "NOPERM User reader has no permissions to run the 'event' command" in err
    assert c.execute_command("DBSIZE") == 2


def test_resp3_shapes_match_redis(server, redis_server):
    """GETUSER is a map with a set of flags, LOG a list of maps with a double age, in RESP3."""
    replies = []
    for peer in (server, redis_server):
        conn = peer.raw(resp3=True)
        conn.command("ACL", "SETUSER", "u", "on", ">p", "+@all", "-flushall", "~*")
        conn.command("ACL", "LOG", "RESET")
        denied = peer.raw()
        assert denied.command("AUTH", "u", "p") == b"OK"
        assert isinstance(denied.command("FLUSHALL"), resp.Error)
        replies.append([conn.command("ACL", "GETUSER", "u"), conn.command("ACL", "LOG"),
                        conn.command("ACL", "GETUSER", "nobody"), conn.command("ACL", "USERS")])
    ours, theirs = replies
    assert resp.shape(ours[0]) == resp.shape(theirs[0]) and ours[0] == theirs[0]
    mine, their = ours[1][0].dict(), theirs[1][0].dict()
    assert {k: resp.shape(v) for k, v in their.items()} == \
        {k: resp.shape(v) for k, v in mine.items() if k in their}
    assert isinstance(mine[b"age-seconds"], resp.Double)
    assert ours[2:] == theirs[2:] and resp.shape(ours[2]) == resp.shape(theirs[2])
