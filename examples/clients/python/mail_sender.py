#!/usr/bin/env python3
"""Mail sender with redis-py: consume kizuna's outbox stream as one consumer of a group.

    python3 mail_sender.py --port 7379 --group mailers --consumer sender-1

Every trigger message and badge award lands in the stream `outbox`. Several senders share
the work through a consumer group: XREADGROUP hands each entry to one of them, XACK marks it
done. A sender that crashes leaves its entries pending; the others take them over with
XAUTOCLAIM once they have been idle for --claim-idle ms, so no message is lost.

Stops after --max messages, or after --idle-exit seconds without any. --crash-after K reads
K entries and exits without acknowledging them (to show XAUTOCLAIM at work).
"""
import argparse
import time

import redis

STREAM = "outbox"


def fields(raw):
    return {k.decode(): v.decode() for k, v in raw.items()}


def deliver(entry_id, f):
    """Stands in for the mail/LINE/push call; it must be idempotent, since an entry can be
    delivered again if the sender crashes between sending and XACK."""
    print(f"sent {f['message']} to {f['customer']} ({f['type']} {f['name']}, "
          f"late {f['late']}, id {entry_id})", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=7379)
    ap.add_argument("--user", default=None)
    ap.add_argument("--password", default=None)
    ap.add_argument("--group", default="mailers")
    ap.add_argument("--consumer", default="sender-1")
    ap.add_argument("--claim-idle", type=int, default=60000, help="ms before taking over")
    ap.add_argument("--max", type=int, default=0, help="stop after this many (0: never)")
    ap.add_argument("--idle-exit", type=float, default=0, help="stop after s idle (0: never)")
    ap.add_argument("--crash-after", type=int, default=0)
    opts = ap.parse_args()
    r = redis.Redis(host=opts.host, port=opts.port, username=opts.user, password=opts.password,
                    socket_timeout=30)
    try:
        # "0": a new group starts with everything still in the outbox.
        r.xgroup_create(STREAM, opts.group, id="0")
    except redis.ResponseError as e:
        if "BUSYGROUP" not in str(e):
            raise

    handled, last_work = 0, time.monotonic()
    while not opts.max or handled < opts.max:
        # Take no more than is left to do: what is read but not acked stays pending.
        batch = opts.crash_after or min(10, opts.max - handled if opts.max else 10)
        # First entries a crashed consumer left pending, then new ones.
        _, claimed, *_ = r.xautoclaim(STREAM, opts.group, opts.consumer, opts.claim_idle,
                                      start_id="0-0", count=batch)
        entries = [(i, f, "claimed") for i, f in claimed if f]
        if not entries:
            reply = r.xreadgroup(opts.group, opts.consumer, {STREAM: ">"}, count=batch,
                                 block=200)
            entries = [(i, f, "new") for _, items in reply for i, f in items]
        if not entries:
            if opts.idle_exit and time.monotonic() - last_work > opts.idle_exit:
                break
            continue
        last_work = time.monotonic()
        if opts.crash_after:
            print(f"crashed holding {len(entries)} entries", flush=True)
            return
        for entry_id, raw, how in entries:
            entry_id = entry_id.decode()
            if how == "claimed":
                print(f"claimed {entry_id}", flush=True)
            deliver(entry_id, fields(raw))
            r.xack(STREAM, opts.group, entry_id)
            handled += 1
    print(f"done: {handled} messages", flush=True)


if __name__ == "__main__":
    main()
