#!/usr/bin/python3
"""Insight commands through the real server: kizuna-server loaded with N customers (default
1,000,000; 3 default categories; everybody views and visits, a third buy 1-6 times), then
each command run R times on one connection.

    bench/insight_server.py [kizuna-server] [customers] [rounds]

Per command: the client's wall time (redis-py round trip, reply parsing included) median and
max, and the server's own time per call (INFO commandstats usec_per_call). Then the stall
test: redis-cli runs STATS back to back while this script sends PING every ~1 ms on a raw
socket; a PING that arrives during a STATS waits for it (one thread), so the worst PING
latency is compared with the longest STATS run (SLOWLOG), and with redis-server in the same
pattern (PING while another client runs a CPU-bound EVAL back to back). Also the dashboard's
GET /api/stats (STATS, the histograms, the revenue bands and the series in one request).
"""
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import redis

BIN = sys.argv[1] if len(sys.argv) > 1 else "build/server/kizuna-server"
N = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
ROUNDS = int(sys.argv[3]) if len(sys.argv) > 3 else 20


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def events():
    rng = random.Random(6)
    out = []
    for i in range(N):
        cid = f"cust:{100_000_000 + i}"
        out += [f"EVENT {cid} view"] * rng.randint(1, 4)
        out += [f"EVENT {cid} visit"] * rng.randint(0, 2)
        if rng.randrange(3) == 0:
            out += [f"EVENT {cid} purchase VALUE {rng.randint(1, 20000)}"
                    for _ in range(rng.randint(1, 6))]
    return ("\n".join(out) + "\n").encode()


def main():
    port, http_port = free_port(), free_port()
    workdir = tempfile.mkdtemp(prefix="kizuna-insight-bench-")
    proc = subprocess.Popen([BIN, "--port", str(port), "--http-port", str(http_port),
                             "--appendonly", "no", "--dir", workdir],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        r = redis.Redis(port=port, socket_timeout=600)
        for _ in range(200):
            try:
                r.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        r.execute_command("RULE.SET", "view", "ACTION", "view", "POINTS", "product", 3,
                          "lifestyle", 5)
        r.execute_command("RULE.SET", "purchase", "ACTION", "purchase", "POINTS", "product", 8,
                          "lifestyle", 1, "lifestance", 1)
        r.execute_command("RULE.SET", "visit", "ACTION", "visit", "POINTS", "product", 5)
        t = time.monotonic()
        subprocess.run(["redis-cli", "-p", str(port), "--pipe"], input=events(), check=True,
                       stdout=subprocess.DEVNULL)
        print(f"loaded {r.dbsize()} customers in {time.monotonic() - t:.1f} s")
        buyer = next(f"cust:{100_000_000 + i}" for i in range(N)
                     if r.execute_command("RFM", f"cust:{100_000_000 + i}"))
        seeds = [f"cust:{100_001_000 + i}" for i in range(10)]
        commands = [("STATS",), ("STATS.HISTOGRAM", "product"), ("STATS.HISTOGRAM", "total"),
                    ("STATS.REVENUE", "product"), ("STATS.REVENUE", "total"),
                    ("LOOKALIKE", 100, "SEED", *seeds), ("RFM", buyer)]
        print(f"{'command':<28} {'client_med_ms':>13} {'client_max_ms':>13} "
              f"{'server_ms/call':>14}")
        for cmd in commands:
            r.config_resetstat()
            times = []
            for _ in range(ROUNDS):
                t = time.perf_counter()
                r.execute_command(*cmd)
                times.append((time.perf_counter() - t) * 1000)
            name = cmd[0].lower()
            usec = r.info("commandstats")[f"cmdstat_{name}"]["usec_per_call"]
            label = " ".join(map(str, cmd[:2]))
            print(f"{label:<28} {statistics.median(times):13.3f} {max(times):13.3f} "
                  f"{usec / 1000:14.3f}")
        times = []
        for _ in range(5):
            t = time.perf_counter()
            with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/api/stats") as page:
                page.read()
            times.append((time.perf_counter() - t) * 1000)
        print(f"{'GET /api/stats (dashboard)':<28} {statistics.median(times):13.3f} "
              f"{max(times):13.3f}")
        stall(port)
    finally:
        proc.terminate()
        proc.wait()


def ping_latencies(port, seconds=5):
    """PING every ~1 ms on a raw socket for `seconds`: sorted latencies in ms."""
    latencies = []
    with socket.create_connection(("127.0.0.1", port)) as sock:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            t = time.perf_counter()
            sock.sendall(b"PING\r\n")
            assert sock.recv(64) == b"+PONG\r\n"
            latencies.append((time.perf_counter() - t) * 1000)
            time.sleep(0.001)
    return sorted(latencies)


def describe(latencies):
    return (f"{len(latencies)} PINGs, median {statistics.median(latencies):.3f} ms, "
            f"max {latencies[-1]:.3f} ms")


def stall(port):
    """PING latency while redis-cli (another process) runs STATS back to back; every STATS's
    own run time from SLOWLOG (threshold 0). Then the same against redis-server running a
    CPU-bound EVAL of similar length back to back, for comparison."""
    r = redis.Redis(port=port, socket_timeout=600)
    r.config_set("slowlog-max-len", 100000)
    r.config_set("slowlog-log-slower-than", 0)
    r.slowlog_reset()
    load = subprocess.Popen(["redis-cli", "-p", str(port), "-r", "1000000", "STATS"],
                            stdout=subprocess.DEVNULL)
    time.sleep(0.5)
    latencies = ping_latencies(port)
    load.terminate()
    load.wait()
    runs = sorted(e["duration"] / 1000 for e in r.slowlog_get(100000)
                  if e["command"].startswith(b"STATS"))
    r.config_set("slowlog-log-slower-than", 10000)
    print(f"kizuna, PING while redis-cli -r runs STATS back to back: {describe(latencies)}; "
          f"{len(runs)} STATS ran meanwhile, each {runs[0]:.3f}..{runs[-1]:.3f} ms "
          f"(median {statistics.median(runs):.3f}) by SLOWLOG")
    redis_port = free_port()
    peer = subprocess.Popen(["redis-server", "--port", str(redis_port), "--save", "",
                             "--appendonly", "no", "--slowlog-log-slower-than", "0",
                             "--slowlog-max-len", "100000"], stdout=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                redis.Redis(port=redis_port).ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        # A CPU-bound script of about STATS's length, back to back.
        busy = "local i = 0 while i < 5000000 do i = i + 1 end return i"
        load = subprocess.Popen(["redis-cli", "-p", str(redis_port), "-r", "1000000", "EVAL",
                                 busy, "0"], stdout=subprocess.DEVNULL)
        time.sleep(0.5)
        latencies = ping_latencies(redis_port)
        load.terminate()
        load.wait()
        runs = sorted(e["duration"] / 1000
                      for e in redis.Redis(port=redis_port).slowlog_get(100000)
                      if e["command"].startswith(b"EVAL"))
        print(f"redis-server, PING while redis-cli -r runs a busy EVAL back to back: "
              f"{describe(latencies)}; {len(runs)} EVAL ran meanwhile, each "
              f"{runs[0]:.3f}..{runs[-1]:.3f} ms (median {statistics.median(runs):.3f})")
    finally:
        peer.terminate()
        peer.wait()


if __name__ == "__main__":
    main()
