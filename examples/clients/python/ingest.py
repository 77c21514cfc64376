#!/usr/bin/env python3
"""Web-tier ingest with redis-py: send behaviour events to kizuna, read scores back.

Each input line is one JSON event, as a web tier would build it from a page view or an order:

    {"customer": "c1", "action": "view", "item": "product:A", "id": "req-81"}
    {"customer": "c1", "action": "purchase", "value": 120, "id": "order-7"}

    python3 ingest.py --port 7379 events.jsonl      (or the events on stdin)

Events are sent pipelined (one round trip per batch). An `id` makes a retry harmless: the
server ignores an id it has seen for that customer within `dedupe-window`. A rejected event
(bad value, unknown action format...) is reported and skipped; the others still count.
Then each customer's SCORE and CUSTOMER profile are printed.
"""
import argparse
import json
import sys

import redis


def event_args(e):
    """The EVENT command for one event dict."""
    args = ["EVENT", e["customer"], e["action"]]
    for key, word in (("item", "ITEM"), ("value", "VALUE"), ("ts", "TS"), ("id", "ID")):
        if e.get(key) is not None:
            args += [word, e[key]]
    return args


def pairs(flat):
    """A RESP2 map (flat array key, value, key, value...) as a dict with str keys."""
    return {flat[i].decode(): flat[i + 1] for i in range(0, len(flat), 2)}


def ingest(r, events, batch=100):
    """Sends events pipelined; returns the customers seen, in first-seen order."""
    customers = []
    for start in range(0, len(events), batch):
        chunk = events[start:start + batch]
        pipe = r.pipeline(transaction=False)
        for e in chunk:
            pipe.execute_command(*event_args(e))
        # raise_on_error=False: one bad event must not hide the replies of the others.
        for e, reply in zip(chunk, pipe.execute(raise_on_error=False)):
            label = " ".join(str(a) for a in event_args(e)[1:])
            if isinstance(reply, redis.ResponseError):
                print(f"rejected {label}: {reply}")
                continue
            print(f"event {label} -> total {float(reply):g}")
            if e["customer"] not in customers:
                customers.append(e["customer"])
    return customers


def show(r, customer):
    scores = {k: float(v) for k, v in pairs(r.execute_command("SCORE", customer)).items()}
    print(f"score {customer} " + " ".join(f"{k}={v:g}" for k, v in scores.items()))
    profile = pairs(r.execute_command("CUSTOMER", customer))
    badges = sorted(pairs(profile["badges"]))
    segments = sorted(s.decode() for s in profile["segments"])
    pending = [f"{t.decode()}@{int(due)}" for t, due in profile["pending"]]
    print(f"customer {customer} badges={','.join(badges) or '-'} "
          f"segments={','.join(segments) or '-'} pending={','.join(pending) or '-'}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", nargs="?", help="JSON lines of events (default: stdin)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=7379)
    ap.add_argument("--user", default=None)
    ap.add_argument("--password", default=None)
    opts = ap.parse_args()
    r = redis.Redis(host=opts.host, port=opts.port, username=opts.user, password=opts.password,
                    socket_timeout=10)
    with (open(opts.file) if opts.file else sys.stdin) as f:
        events = [json.loads(line) for line in f if line.strip()]
    for customer in ingest(r, events):
        show(r, customer)


if __name__ == "__main__":
    main()
