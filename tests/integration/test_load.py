"""Many clients, deep pipelines, redis-benchmark, maxclients, and clients that never read."""
import os
import random
import re
import select
import socket
import subprocess
import threading
import time

import resp
from conftest import raise_nofile, wait_until

MB = 1024 * 1024


def connected_clients(peer):
    info = peer.cmd("INFO", "clients")
    return int(re.search(rb"connected_clients:(\d+)", info).group(1))


def test_thousand_concurrent_connections(server):
    assert raise_nofile(4096) >= 1100
    conns = [server.raw() for _ in range(1000)]
    for i, c in enumerate(conns):  # every client has a request in flight at once
        c.send_command("ECHO", f"client-{i}")
    for i, c in enumerate(conns):
        assert c.read_reply() == f"client-{i}".encode()
    assert connected_clients(server) == 1001  # the 1,000 and the INFO connection
    assert server.client().info("clients")["connected_clients"] == 1001
    for c in conns[::2]:
        c.close()
    wait_until(lambda: connected_clients(server) == 501, what="500 clients to be gone")
    for c in conns[1::2]:  # the others are unaffected
        assert c.command("PING") == b"PONG"
        c.close()
    wait_until(lambda: connected_clients(server) == 1, what="every client to be gone")


def test_maxclients(make_server):
    s = make_server("--maxclients", "3")

    def connected():  # None while the slot of a just-closed connection is not yet free
        conn = s.raw()
        try:
            return conn if conn.command("PING") == b"PONG" else None
        except (EOFError, ConnectionError):
            return None

    keep = [wait_until(connected, what="a client slot") for _ in range(3)]
    extra = s.raw()  # Redis accepts the connection, sends the error, then closes it
    assert extra.recv_until(terminator=b"\r\n") == b"-ERR max number of clients reached\r\n"
    assert extra.is_closed()
    keep[0].close()
    wait_until(connected, what="the closed client's slot").close()
    # Lowered at run time: existing clients stay, new ones are refused.
    assert keep[1].command("CONFIG", "SET", "maxclients", "1") == b"OK"
    extra = s.raw()
    assert extra.recv_until(terminator=b"\r\n") == b"-ERR max number of clients reached\r\n"
    assert keep[2].command("PING") == b"PONG"


def test_hundred_thousand_pipelined_pings(server):
    n = 100_000
    conn = server.raw()
    conn.send(b"PING\r\n" * n)  # inline, in one send
    assert conn.recv_until(expected_len=7 * n, timeout=60) == b"+PONG\r\n" * n
    conn.send(resp.encode("PING") * n)  # multibulk, in one send
    assert conn.recv_until(expected_len=7 * n, timeout=60) == b"+PONG\r\n" * n
    assert conn.command("PING", "last") == b"last"


def test_hundred_thousand_pipelined_commands_answered_in_order(server):
    n = 100_000
    conn = server.raw()
    request = b"".join(resp.encode("ECHO", str(i)) for i in range(n))
    writer = threading.Thread(target=conn.send, args=(request,))
    writer.start()  # write and read at once, as a pipelining client does
    expected = b"".join(b"$%d\r\n%d\r\n" % (len(str(i)), i) for i in range(n))
    got = conn.recv_until(expected_len=len(expected), timeout=60)
    writer.join()
    assert got == expected


def test_pipelined_customer_commands_answer_as_if_sent_one_by_one(make_server):
    # A session starts loading what the next three buffered EVENT/SCORE/CUSTOMER commands will
    # read, from the store as it is before the commands in between run. Those earlier
    # commands create and delete the same customers here; the replies must be exactly those
    # of the same commands sent one at a time to another server.
    rng = random.Random(7)
    ids = [f"cust:{i:012d}" for i in range(40)]
    commands = []
    for n in range(3000):
        c = rng.choice(ids)
        pick = rng.random()
        if pick < 0.45:
            commands.append(("EVENT", c, rng.choice(["view", "purchase", "visit", "none"]),
                             "TS", str(1_700_000_000_000 + n)))
        elif pick < 0.55:
            commands.append(("EVENT", c, "purchase", "VALUE", str(rng.randint(1, 90)),
                             "TS", str(1_700_000_000_000 + n)))
        elif pick < 0.7:
            commands.append(("SCORE", c))
        elif pick < 0.8:
            commands.append(("CUSTOMER", c))
        elif pick < 0.9:
            commands.append(("RANK", c, rng.choice(["product", "lifestyle", "total"])))
        else:
            commands.append(("CUSTOMER.DEL", c))
    rules = [("RULE.SET", "view", "ACTION", "view", "POINTS", "product", "3", "lifestyle", "5"),
             ("RULE.SET", "purchase", "ACTION", "purchase", "POINTS", "product", "8", "lifestyle",
              "1", "lifestance", "1"),
             ("RULE.SET", "visit", "ACTION", "visit", "POINTS", "product", "5")]
    piped, single = make_server().raw(), make_server().raw()
    for rule in rules:
        assert piped.command(*rule) == b"OK"
        assert single.command(*rule) == b"OK"
    one_by_one = [single.command(*cmd) for cmd in commands]
    piped.send(b"".join(resp.encode(*cmd) for cmd in commands))  # one send: all buffered
    in_one_go = [piped.read_reply() for _ in commands]
    for cmd, want, got in zip(commands, one_by_one, in_one_go):
        assert got == want, cmd
    deleted = [r for cmd, r in zip(commands, one_by_one) if cmd[0] == "CUSTOMER.DEL"]
    assert deleted.count(1) > 50  # customers deleted while later commands were looked up


def test_redis_benchmark_ping_completes(server):
    out = subprocess.run(["redis-benchmark", "-p", str(server.port), "-t", "ping", "-n", "100000",
                          "-q"], capture_output=True, timeout=180)
    assert out.returncode == 0, out.stderr
    text = out.stdout.decode()
    for test in ("PING_INLINE", "PING_MBULK"):
        m = re.search(test + r": ([\d.]+) requests per second", text)
        assert m and float(m.group(1)) > 1000, text
    stats = server.client().info("stats")
    assert stats["total_commands_processed"] >= 200_000


def test_redis_benchmark_pipelined_with_many_clients(server):
    out = subprocess.run(["redis-benchmark", "-p", str(server.port), "-c", "200", "-P", "32",
                          "-n", "200000", "-q", "ECHO", "hello"], capture_output=True, timeout=180)
    assert out.returncode == 0, out.stderr
    assert b"requests per second" in out.stdout, out.stdout


def pipeline_without_reading(port, request, budget, stall=1.0):
    """Sends `request` over and over without ever reading, until the server stops reading
    (nothing accepted for `stall` seconds) or `budget` bytes went out. Returns (socket, sent)."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setblocking(False)
    sent, offset = 0, 0
    while sent < budget:
        _, writable, _ = select.select([], [sock], [], stall)
        if not writable:
            break
        try:
            n = sock.send(request[offset:] if offset else request)
        except BlockingIOError:
            continue
        except (BrokenPipeError, ConnectionResetError):
            break  # the server closed the connection
        sent += n
        offset = (offset + n) % len(request)
    return sock, sent


def test_slow_reader_does_not_grow_server_memory(server):
    # A client pipelines 64 KB ECHOs (each reply as big as the request) and never reads: the
    # server must stop reading from it (or drop it) instead of buffering replies without bound.
    payload = b"x" * 65536
    request = resp.encode("ECHO", payload)
    before = server.rss()
    budget = 512 * MB
    sock, sent = pipeline_without_reading(server.port, request, budget)
    assert sent < budget, "the server kept reading from a client that never reads"
    grew = server.rss() - before
    assert grew < 64 * MB, f"server RSS grew by {grew / MB:.0f} MB for a slow reader"
    # Everyone else is unaffected.
    other = server.raw()
    assert other.command("ECHO", payload) == payload
    assert other.command("PING") == b"PONG"
    sock.close()
    wait_until(lambda: connected_clients(server) == 2, what="the slow reader to be gone")


def test_output_buffer_limit_disconnects_like_redis(server, redis_server):
    # With a hard limit of 1 MB on normal clients, a client that pipelines big requests and
    # never reads is disconnected, by redis-server and by kizuna alike.
    request = resp.encode("ECHO", b"x" * 65536)
    for peer in (redis_server, server):
        assert peer.cmd("CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 0 0") == b"OK"
        sock, _ = pipeline_without_reading(peer.port, request, 256 * MB)
        wait_until(lambda: connected_clients(peer) == 1, what=f"{peer} to drop the slow reader")
        sock.close()
        assert peer.cmd("PING") == b"PONG"
    assert "output buffer limits" in server.log_text()


def test_monitor_that_never_reads_is_disconnected(server):
    monitor = server.raw()
    assert monitor.command("MONITOR") == b"OK"
    before = server.rss()
    big = b"m" * MB
    busy = server.raw()
    for _ in range(150):  # ~150 MB of MONITOR output that nobody reads
        assert busy.command("PING", big) == big
    wait_until(lambda: connected_clients(server) == 2, what="the MONITOR client to be dropped")
    assert server.rss() - before < 96 * MB
    assert busy.command("PING") == b"PONG"


def test_query_buffer_limit_closes_the_client(server, redis_server):
    # A request bigger than client-query-buffer-limit closes that client (Redis closes it
    # silently; kizuna may send an error line first), and nobody else notices.
    for peer in (redis_server, server):
        bystander = peer.raw()
        assert bystander.command("CONFIG", "SET", "client-query-buffer-limit", "1mb") == b"OK"
        big = peer.raw()
        try:
            big.send(b"*2\r\n$4\r\nECHO\r\n$3000000\r\n" + b"x" * 2_500_000)
        except (BrokenPipeError, ConnectionResetError):
            pass  # closed while we were still sending
        reply = big.recv_until(terminator=b"\r\n", timeout=5)
        assert reply in (b"", b"-ERR Protocol error: client query buffer limit reached\r\n"), reply
        assert big.is_closed(), peer
        assert bystander.command("PING") == b"PONG"
        # Below the limit is fine.
        ok = peer.raw()
        assert ok.command("ECHO", b"y" * 500_000) == b"y" * 500_000


def cpu_seconds(pid):
    """utime + stime of a process, from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def busy_polls(peer):
    return peer.client().info("stats")["eventloop_busy_polls"]


def reply_batch_stats(peer):
    stats = peer.client().info("stats")
    return stats["reply_batches"], stats["reply_batch_clients"]


def test_replies_of_one_turn_go_out_together(server):
    # While one client's DEBUG SLEEP blocks the server, five others send a PING. The sleeper
    # is served alone or with some of them; the rest are served in the next turn: at most
    # two batches for the six clients. Writing each client's reply on its own would make six.
    sleeper = server.raw()
    others = [server.raw() for _ in range(5)]
    for c in others:
        assert c.command("PING") == b"PONG"  # connected and served before we count
    batches, clients = reply_batch_stats(server)
    sleeper.send_command("DEBUG", "SLEEP", "0.5")
    for c in others:
        c.send_command("PING")
    assert sleeper.read_reply() == b"OK"
    for c in others:
        assert c.read_reply() == b"PONG"
    # The INFO that read the first figures was a batch of its own client.
    after_batches, after_clients = reply_batch_stats(server)
    assert after_clients - clients == 1 + 6
    assert after_batches - batches <= 1 + 2


def test_busy_poll_only_after_turns_that_served_several_clients(make_server):
    s = make_server("--busy-poll", "1000")
    assert s.cmd("CONFIG", "GET", "busy-poll") == [b"busy-poll", b"1000"]
    for bad in ("-1", "1001", "lots", "2.5"):
        assert isinstance(s.cmd("CONFIG", "SET", "busy-poll", bad), resp.Error), bad
    assert s.cmd("CONFIG", "GET", "busy-poll") == [b"busy-poll", b"1000"]
    # 50 clients at once: turns serve several of them, and the loop polls after those.
    subprocess.run(["redis-benchmark", "-p", str(s.port), "-c", "50", "-n", "20000", "-t", "ping",
                    "-q"], check=True, capture_output=True, timeout=120)
    assert busy_polls(s) > 0
    # Quiet: the server sleeps, it does not spin (1 ms of polling per cron turn would show).
    before = cpu_seconds(s.pid)
    time.sleep(1.0)
    assert cpu_seconds(s.pid) - before < 0.2
    # One client at a time, pausing between requests (a web tier's pace): each turn serves
    # one request and the loop sleeps right after it (1 ms of polling after each of 200
    # requests would be 0.2 s of CPU).
    c = s.client()
    cycles = c.info("stats")["eventloop_cycles"]
    polls, before = busy_polls(s), cpu_seconds(s.pid)
    for _ in range(200):
        assert c.ping()
        time.sleep(0.003)
    assert cpu_seconds(s.pid) - before < 0.1
    assert busy_polls(s) - polls < 20
    assert c.info("stats")["eventloop_cycles"] - cycles >= 200  # a turn per request at least
    # Off: no polling at all, whatever the load.
    assert s.cmd("CONFIG", "SET", "busy-poll", "0") == b"OK"
    polls = busy_polls(s)
    subprocess.run(["redis-benchmark", "-p", str(s.port), "-c", "50", "-n", "20000", "-t", "ping",
                    "-q"], check=True, capture_output=True, timeout=120)
    assert busy_polls(s) == polls


def thp_mode():
    """The system's transparent huge page mode (always, madvise, never), or None."""
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled") as f:
            return re.search(r"\[(\w+)\]", f.read()).group(1)
    except OSError:
        return None


def anon_huge_pages(pid):
    """Bytes of a process's memory on huge pages, from /proc/PID/smaps_rollup."""
    with open(f"/proc/{pid}/smaps_rollup") as f:
        return int(re.search(r"AnonHugePages:\s+(\d+) kB", f.read()).group(1)) * 1024


def load_customers(s, n):
    subprocess.run(["redis-benchmark", "-p", str(s.port), "-c", "20", "-n", str(n), "-P", "16",
                    "-r", str(n), "EVENT", "cust:__rand_int__", "view"],
                   check=True, capture_output=True, timeout=300)


def wait_for_huge_pages(s, at_least):
    """INFO memory once the server reports at least `at_least` bytes on huge pages (it makes
    them while idle)."""
    def memory():
        m = s.client().info("memory")
        return m if m["mem_anon_huge_pages"] >= at_least else None
    return wait_until(memory, timeout=30, what=f"{at_least} bytes on huge pages")


def test_huge_pages_are_made_while_idle_eagerly_or_not_at_all(make_server):
    mode = thp_mode()
    # Default (yes): the arrays fault in 4 KiB pages, and the idle server collapses their full
    # 2 MiB ranges into huge pages, leaving its resident memory as it was.
    idle = make_server()
    memory = idle.client().info("memory")
    assert memory["mem_huge_pages"] == "yes"
    load_customers(idle, 300_000)
    rss = idle.rss()
    if mode in ("madvise", "always"):
        # 300k customers' score rows alone are ~10 MB: several 2 MiB ranges at least.
        memory = wait_for_huge_pages(idle, 4 * 2 * MB)
        assert memory["mem_huge_page_collapses"] >= 4, memory
        # The server reports the kernel's figure.
        assert abs(memory["mem_anon_huge_pages"] - anon_huge_pages(idle.pid)) <= 4 * 2 * MB
        assert idle.rss() <= rss + 2 * MB  # only full ranges: nothing filled in
        # A BGSAVE child shares the pages, and the server's writes meanwhile split the huge
        # pages they hit: once it ends, every range is looked at again.
        collapses = memory["mem_huge_page_collapses"]
        assert idle.cmd("BGSAVE") == b"Background saving started"
        wait_until(lambda: idle.client().info("persistence")["rdb_bgsave_in_progress"] == 0,
                   what="BGSAVE to end")
        idle.cmd("PING")  # a command after the child's end: the loop is past that turn
        wait_until(lambda: idle.client().info("memory")["mem_huge_page_collapses"] >=
                   2 * collapses, what="every collapsed range looked at again after BGSAVE")
    # used_memory counts the arrays the store maps itself, not only malloc's heap.
    assert memory["used_memory"] >= memory["used_memory_rss"] // 2, memory

    eager = make_server("--huge-pages", "eager")
    load_customers(eager, 300_000)
    memory = eager.client().info("memory")
    assert memory["mem_huge_pages"] == "eager"
    if mode in ("madvise", "always"):
        assert anon_huge_pages(eager.pid) >= 4 * 2 * MB  # at once: faulted as huge pages
        assert memory["mem_huge_page_collapses"] == 0, memory

    off = make_server("--huge-pages", "no")
    assert off.client().info("memory")["mem_huge_pages"] == "no"
    load_customers(off, 300_000)
    time.sleep(0.2)  # idle time in which the default would collapse: nothing may happen here
    # Not reported while off (it costs a page-table walk): read the kernel's own figure.
    assert "mem_anon_huge_pages" not in off.client().info("memory")
    if mode == "madvise":  # only advised or collapsed memory gets huge pages: none here
        assert anon_huge_pages(off.pid) == 0

    # The setting is an enum, changeable at run time.
    for bad in ("maybe", "2", "", "true"):
        assert isinstance(off.cmd("CONFIG", "SET", "huge-pages", bad), resp.Error), bad
    assert off.cmd("CONFIG", "GET", "huge-pages") == [b"huge-pages", b"no"]
    assert off.cmd("CONFIG", "SET", "huge-pages", "yes") == b"OK"
    memory = off.client().info("memory")
    assert memory["mem_huge_pages"] == "yes"
    assert "mem_anon_huge_pages" in memory
    if mode in ("madvise", "always"):  # the arrays filled while off are collapsed now
        assert wait_for_huge_pages(off, 4 * 2 * MB)["mem_anon_huge_pages"] >= 4 * 2 * MB