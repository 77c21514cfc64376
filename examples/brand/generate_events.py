#!/usr/bin/env python3
"""Synthetic event history for the fashion-brand example (brand.conf), for kizuna-import.

Every customer follows a persona's journey from signup until churn or the end of the
history: browsing product pages, reading lifestyle articles and the vision page, adding to
the cart (and buying or abandoning), visiting a store, posting on SNS and opening the monthly
newsletter. Output is CSV (header ts,customer,action,item,value,id) or JSON Lines, sorted by
time; every event has an id, so importing the file twice changes nothing.

    examples/brand/generate_events.py --customers 2000 --seed 7 -o history.csv

The same --seed and --end give byte-identical output (--end defaults to today 00:00 UTC, so
without it the output changes once a day). Standard library only.
"""
import argparse
import csv
import datetime
import json
import random
import sys

DAY = 86_400_000
HOUR = 3_600_000
MINUTE = 60_000

STORES = ["store:shibuya", "store:omotesando", "store:kyoto", "store:osaka"]
ARTICLES = ["page:/lifestyle/" + a for a in (
    "slow-mornings", "linen-care", "city-cycling", "studio-visit", "capsule-wardrobe",
    "indigo-dyeing", "weekend-hike", "repair-not-replace")]
VISION = "page:/vision"
# (sku, price): a small seasonal catalogue.
PRODUCTS = [(f"product:{kind}-{n:02d}", price)
            for kind, base in (("tee", 35), ("shirt", 80), ("knit", 120), ("denim", 140),
                               ("coat", 380), ("bag", 210), ("sneaker", 160))
            for n, price in ((n, base + 5 * n) for n in range(1, 5))]

# Persona: share of customers, sessions per 30 days, mean active lifetime in days, and the
# chances that a session includes each step.
PERSONAS = {
    #               share  rate  life  lifestyle vision  cart  buy   store  sns   mail
    "browser":      (0.30, 1.5,  45,   0.20,     0.05,   0.15, 0.10, 0.00,  0.00, 0.15),
    "consumer":     (0.25, 2.0,  150,  0.10,     0.02,   0.50, 0.55, 0.05,  0.00, 0.30),
    "fan":          (0.12, 4.0,  600,  0.70,     0.35,   0.35, 0.45, 0.25,  0.30, 0.80),
    "store_goer":   (0.10, 3.0,  500,  0.15,     0.05,   0.10, 0.30, 0.70,  0.05, 0.40),
    "loyal":        (0.13, 3.0,  600,  0.05,     0.02,   0.60, 0.70, 0.10,  0.00, 0.50),
    "switcher":     (0.10, 2.0,  25,   0.05,     0.00,   0.60, 0.70, 0.00,  0.00, 0.10),
}


class Customer:
    def __init__(self, cid, persona, rng):
        self.cid = cid
        self.persona = persona
        self.rng = rng
        self.events = []
        self.home_store = rng.choice(STORES)
        self.favourites = rng.sample(PRODUCTS, 4)
        self.bought = 0

    def add(self, ts, action, item="", value=""):
        self.events.append((ts, self.cid, action, item, value, f"{self.cid}-{len(self.events) + 1}"))

    def product(self):
        # Mostly the customer's favourites, sometimes anything in the catalogue.
        return self.rng.choice(self.favourites if self.rng.random() < 0.6 else PRODUCTS)

    def session(self, t):
        rng = self.rng
        _, _, _, p_life, p_vision, p_cart, p_buy, p_store, p_sns, _ = PERSONAS[self.persona]
        if self.persona == "switcher" and self.bought:
            p_cart = 0.05  # after the one purchase they shop elsewhere
        if rng.random() < p_store:
            self.add(t, "visit", self.home_store)
            if rng.random() < p_buy:
                sku, price = self.product()
                self.add(t + 20 * MINUTE, "purchase", sku, price * rng.choice((1, 1, 1, 2)))
                self.bought += 1
            return
        viewed = []
        for _ in range(rng.randint(1, 5)):
            sku, price = self.product()
            viewed.append((sku, price))
            t += rng.randint(1, 4) * MINUTE
            self.add(t, "view", sku)
        if rng.random() < p_life:
            for article in rng.sample(ARTICLES, rng.randint(1, 3)):
                t += rng.randint(2, 6) * MINUTE
                self.add(t, "view", article)
        if rng.random() < p_vision:
            t += rng.randint(1, 5) * MINUTE
            self.add(t, "view", VISION)
        if rng.random() < p_cart:
            sku, price = rng.choice(viewed)
            t += rng.randint(1, 3) * MINUTE
            self.add(t, "cart_add", sku)
            if rng.random() < p_buy:
                t += rng.randint(2, 50) * MINUTE
                self.add(t, "purchase", sku, price)
                self.bought += 1
        if rng.random() < p_sns:
            self.add(t + rng.randint(1, 48) * HOUR, "sns", "post:" + rng.choice(("instagram", "x", "threads")))


def month_starts(start, end):
    """Newsletter send times: the 1st of every month at 09:00 UTC within [start, end)."""
    d = datetime.datetime.fromtimestamp(start / 1000, datetime.timezone.utc).replace(
        day=1, hour=9, minute=0, second=0, microsecond=0)
    while True:
        ms = int(d.timestamp() * 1000)
        if ms >= end:
            return
        if ms >= start:
            yield ms, d.strftime("%Y-%m")
        d = (d + datetime.timedelta(days=32)).replace(day=1)


def journey(customer, start, end):
    rng = customer.rng
    share, rate, life, *_, p_mail = PERSONAS[customer.persona]
    signup = start + rng.randrange(end - start)
    churn = signup + int(rng.expovariate(1 / life) * DAY)
    stop = min(end, churn)
    customer.add(signup, "signup")
    t = signup + rng.randint(1, 30) * MINUTE
    while t < stop:
        customer.session(t)
        t += int(rng.expovariate(rate / 30) * DAY) + rng.randint(0, 12) * HOUR
    for ms, month in month_starts(signup, end):
        # Churned customers rarely open mail.
        if rng.random() < (p_mail if ms < stop else p_mail * 0.05):
            customer.add(ms + rng.randint(1, 72) * HOUR, "mail_open", f"msg:newsletter-{month}")
    customer.events = [e for e in customer.events if e[0] < end]


def generate(customers, days, end, seed):
    rng = random.Random(seed)
    names = list(PERSONAS)
    weights = [PERSONAS[n][0] for n in names]
    events = []
    start = end - days * DAY
    for i in range(1, customers + 1):
        c = Customer(f"c{i:06d}", rng.choices(names, weights)[0], random.Random(rng.random()))
        journey(c, start, end)
        events.extend(c.events)
    events.sort(key=lambda e: (e[0], e[1], e[5]))
    return events


def write(events, fmt, out):
    if fmt == "csv":
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["ts", "customer", "action", "item", "value", "id"])
        w.writerows(events)
        return
    for ts, cid, action, item, value, eid in events:
        obj = {"ts": ts, "customer": cid, "action": action}
        if item:
            obj["item"] = item
        if value != "":
            obj["value"] = value
        obj["id"] = eid
        out.write(json.dumps(obj, separators=(",", ":")) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--customers", type=int, default=2000, help="customers (default 2000)")
    ap.add_argument("--days", type=int, default=365, help="days of history (default 365)")
    ap.add_argument("--end", default="today",
                    help="end of the history, Unix ms (default: today 00:00 UTC)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--format", choices=("csv", "jsonl"),
                    help="output format (default: from -o's extension, else csv)")
    ap.add_argument("-o", "--output", help="output file (default: stdout)")
    args = ap.parse_args()
    if args.customers < 1 or args.days < 1:
        ap.error("--customers and --days must be at least 1")
    if args.end == "today":
        end = int(datetime.datetime.now(datetime.timezone.utc).replace(
            hour=0, minute=0, second=0, microsecond=0).timestamp() * 1000)
    else:
        try:
            end = int(args.end)
        except ValueError:
            ap.error(f"--end must be Unix milliseconds or 'today', not {args.end!r}")
    fmt = args.format or ("jsonl" if args.output and args.output.endswith((".jsonl", ".ndjson"))
                          else "csv")
    events = generate(args.customers, args.days, end, args.seed)
    if args.output:
        with open(args.output, "w", newline="") as out:
            write(events, fmt, out)
    else:
        write(events, fmt, sys.stdout)
    print(f"generate_events: {len(events)} events of {args.customers} customers "
          f"over {args.days} days", file=sys.stderr)


if __name__ == "__main__":
    main()
