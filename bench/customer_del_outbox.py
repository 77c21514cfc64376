#!/usr/bin/python3
"""CUSTOMER.DEL with a large outbox (by hand, never in ctest): N entries spread over 1000
customers, a group with 100,000 pending; the time of one CUSTOMER.DEL (1/1000 of the entries
go, one compaction pass) beside redis-server doing the same removal by XDEL + XACK of the ids.
Usage: bench/customer_del_outbox.py [N] (from the source tree, after building kizuna-server)."""
import os
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import resp  # noqa: E402
from conftest import free_port, wait_until  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
FIELDS = ["type", "trigger", "name", "t", "message", "m", "due", "1", "fired", "1", "late", "0"]


def fields(i):
    return FIELDS[:4] + ["customer", f"c{i % 1000}"] + FIELDS[4:]


def run(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port), *map(str, args)], capture_output=True,
                          check=True).stdout.decode().strip()


def timed(port, *args):
    with socket.create_connection(("127.0.0.1", port)) as s:
        reader = resp.Reader(lambda r: r.buf.extend(s.recv(1 << 16)))
        t = time.perf_counter()
        s.sendall(resp.encode(*args))
        reply = reader.read()
        return (time.perf_counter() - t) * 1000, reply


def fill_and_read(port, add):
    pipe = b"".join(resp.encode(*add(i)) for i in range(N))
    subprocess.run(["redis-cli", "-p", str(port), "--pipe"], input=pipe, capture_output=True,
                   check=True)
    run(port, "XGROUP", "CREATE", "outbox", "g", "0")
    run(port, "XREADGROUP", "GROUP", "g", "a", "COUNT", 100000, "STREAMS", "outbox", ">")


def main():
    with tempfile.TemporaryDirectory() as d:
        kp, rp = free_port(), free_port()
        procs = [subprocess.Popen([os.path.join(ROOT, "build", "server", "kizuna-server"),
                                   "--port", str(kp), "--appendonly", "no", "--save", "",
                                   "--enable-debug-command", "yes", "--dir", d],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
                 subprocess.Popen(["redis-server", "--port", str(rp), "--save", "", "--appendonly",
                                   "no", "--dir", d], stdout=subprocess.DEVNULL)]
        try:
            for p in (kp, rp):
                wait_until(lambda: subprocess.run(["redis-cli", "-p", str(p), "PING"],
                                                  capture_output=True).stdout == b"PONG\n")
            fill_and_read(kp, lambda i: ["DEBUG", "OUTBOX.ADD", *fields(i)])
            fill_and_read(rp, lambda i: ["XADD", "outbox", f"1-{i + 1}", *fields(i)])
            for c in range(3):
                run(kp, "EVENT", f"c{c}", "view")
                ms, _ = timed(kp, "CUSTOMER.DEL", f"c{c}")
                ids = [f"1-{i + 1}" for i in range(c, N, 1000)]
                xdel, _ = timed(rp, "XDEL", "outbox", *ids)
                xack, _ = timed(rp, "XACK", "outbox", "g", *ids)
                print(f"c{c} ({len(ids)} of {N} entries): kizuna CUSTOMER.DEL {ms:.1f} ms; "
                      f"redis XDEL {xdel:.1f} ms + XACK {xack:.1f} ms")
            for p in (kp, rp):
                print(p == kp and "kizuna" or "redis", "XLEN", run(p, "XLEN", "outbox"),
                      "pending", run(p, "XPENDING", "outbox", "g").split()[0])
        finally:
            for p in procs:
                p.terminate()
                p.wait()


main()
