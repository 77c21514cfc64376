"""kizuna-import (tools/kizuna-import) against the real server: CSV and JSON Lines from files
and stdin, EVENT ... IMPORT (scores, counts and badges as if sent by hand, nothing in the
outbox, no timer), bad rows reported as file:line and skipped, --strict, re-imports that
change nothing, the summary, progress lines when stderr is not a terminal, AUTH."""
import csv
import io
import json
import os
import random
import re
import subprocess

import pytest
import redis

IMPORT_BIN = os.environ.get(
    "KIZUNA_IMPORT",
    os.path.join(os.path.dirname(__file__), "..", "..", "build", "tools", "kizuna-import"))
DAY = 86_400_000
COLUMNS = ["ts", "customer", "action", "item", "value", "id"]

DEFINITIONS = [
    ("RULE.SET", "view", "ACTION", "view", "ITEM", "product:*", "POINTS", "product", 2),
    ("RULE.SET", "vision", "ACTION", "view", "ITEM", "page:/vision", "POINTS", "lifestance", 5),
    ("RULE.SET", "buy", "ACTION", "purchase", "POINTS", "product", 10, "lifestyle", 2,
     "PER", 100),
    ("RULE.SET", "visit", "ACTION", "visit", "POINTS", "lifestyle", 3),
    ("BADGE.SET", "regular", "WHEN", "count:visit >= 3"),
    ("SEGMENT.SET", "buyers", "WHERE", "frequency >= 1"),
    ("TRIGGER.SET", "welcome", "ON", "signup", "SEND", "welcome"),
    ("TRIGGER.SET", "cart", "ON", "cart_add", "DELAY", "1h", "UNLESS", "purchase",
     "SEND", "cart_reminder"),
    ("TRIGGER.SET", "care", "ON", "purchase", "DELAY", "3d", "SEND", "care"),
]


def run_import(server, *args, stdin=None, password=None):
    cmd = [IMPORT_BIN, "-p", str(server.port), *map(str, args)]
    if password:
        cmd[1:1] = ["-a", password]
    out = subprocess.run(cmd, input=stdin, capture_output=True, timeout=120)
    summary = {}
    for line in out.stdout.decode().splitlines():
        key, _, value = line.partition(": ")
        summary[key] = value
    return out.returncode, summary, out.stderr.decode()


def define(r):
    for d in DEFINITIONS:
        r.execute_command(*d)


def history(t0, customers=60, per_customer=12, seed=3):
    """Rows (dicts) over 60 days before t0, at most `per_customer` per customer, each with an
    id; values with cents, items with commas and quotes to exercise CSV quoting."""
    rng = random.Random(seed)
    rows = []
    for c in range(customers):
        cid = f"cust,{c}" if c % 7 == 0 else f"c{c}"
        for n in range(rng.randint(1, per_customer)):
            action = rng.choice(["view", "view", "purchase", "visit", "signup", "cart_add"])
            row = {"ts": t0 - rng.randrange(60 * DAY), "customer": cid, "action": action,
                   "item": "", "value": "", "id": f"{cid}/{n}"}
            if action == "view":
                row["item"] = rng.choice(["product:A", "product:\"B\"", "page:/vision"])
            elif action == "purchase":
                row["value"] = f"{rng.randint(100, 50000) / 100}"
            elif action == "visit":
                row["item"] = "store:a, east"
            rows.append(row)
    rows.sort(key=lambda r: r["ts"])
    return rows


def write_csv(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, COLUMNS, lineterminator="\r\n")
        w.writeheader()
        w.writerows(rows)


def jsonl(rows):
    out = io.StringIO()
    for r in rows:
        obj = {k: v for k, v in r.items() if v != ""}
        if "value" in obj:
            obj["value"] = float(obj["value"])
        out.write(json.dumps(obj) + "\n")
    return out.getvalue()


def send_by_hand(r, rows):
    pipe = r.pipeline(transaction=False)
    for row in rows:
        args = ["EVENT", row["customer"], row["action"]]
        if row["item"]:
            args += ["ITEM", row["item"]]
        if row["value"]:
            args += ["VALUE", row["value"]]
        args += ["TS", row["ts"], "ID", row["id"], "IMPORT"]
        pipe.execute_command(*args)
    pipe.execute()


def state(r, customers):
    """Everything an import changes, per customer and overall."""
    info = r.info("scoring")
    return {
        "customers": {c: (r.execute_command("SCORE", c), r.execute_command("CUSTOMER", c))
                      for c in sorted(customers)},
        "stats": r.execute_command("STATS"),
        "dbsize": r.dbsize(),
        "events": info["events"],
        "badges": r.execute_command("BADGE.LIST"),
        "segments": r.execute_command("SEGMENT.LIST"),
        "outbox": r.execute_command("XLEN", "outbox"),
    }


def test_csv_import_matches_events_sent_by_hand_and_arms_nothing(make_server, workdir):
    ours, reference = make_server(), make_server()
    r, ref = ours.client(), reference.client()
    define(r)
    define(ref)
    t0 = int(ours.clock())
    rows = history(t0)
    path = os.path.join(workdir, "history.csv")
    write_csv(path, rows)

    code, summary, err = run_import(ours, path)
    assert code == 0, err
    assert summary["rows"] == str(len(rows)) and summary["imported"] == str(len(rows))
    assert summary["duplicates"] == "0" and summary["rejected"] == "0"
    send_by_hand(ref, rows)
    customers = {row["customer"] for row in rows}
    assert state(r, customers) == state(ref, customers)
    # IMPORT armed no trigger and emitted nothing, not even later.
    assert r.execute_command("XLEN", "outbox") == 0
    assert r.execute_command("STATS")[r.execute_command("STATS").index(b"messages") + 1] == [
        b"sent", 0, b"capped", 0, b"cancelled", 0, b"pending", 0]
    ours.clock_advance("7d")
    assert r.execute_command("XLEN", "outbox") == 0
    # ...but badges and segments did follow the imported events.
    regulars = [c for c in customers
                if sum(1 for row in rows if row["customer"] == c and row["action"] == "visit") >= 3]
    assert regulars and r.execute_command("BADGE.LIST")[0][2] == len(regulars)
    assert r.execute_command("SEGMENT.LIST")[0][2] == len(
        {row["customer"] for row in rows if row["action"] == "purchase"})
    # A live event afterwards does arm its trigger as usual.
    r.execute_command("EVENT", "c1", "cart_add")
    ours.clock_advance("1h")
    assert r.execute_command("XLEN", "outbox") == 1


def test_reimport_changes_nothing_and_counts_duplicates(server, workdir):
    r = server.client()
    define(r)
    rows = history(int(server.clock()), customers=80, per_customer=16)
    path = os.path.join(workdir, "h.csv")
    write_csv(path, rows)
    customers = {row["customer"] for row in rows}
    code, summary, _ = run_import(server, path)
    assert code == 0 and summary["imported"] == str(len(rows))
    before = state(r, customers)
    code, summary, err = run_import(server, path)
    assert code == 0, err
    assert summary["imported"] == "0" and summary["duplicates"] == str(len(rows))
    assert state(r, customers) == before
    # The same events as JSON Lines on stdin are duplicates too.
    code, summary, err = run_import(server, "--format", "jsonl", "-", stdin=jsonl(rows).encode())
    assert code == 0, err
    assert summary["rows"] == str(len(rows)) and summary["duplicates"] == str(len(rows))
    assert state(r, customers) == before
    assert "warning" not in err


def test_reimport_of_long_histories_is_exact_with_dedupe_max_ids(server, workdir):
    r = server.client()
    define(r)
    rows = history(int(server.clock()), customers=20, per_customer=40)
    path = os.path.join(workdir, "long.csv")
    write_csv(path, rows)
    customers = {row["customer"] for row in rows}
    most = max(sum(row["customer"] == c for row in rows) for c in customers)
    assert most > 16
    # With the default bound (16) the importer says which setting would cover these rows.
    code, summary, err = run_import(server, path)
    assert code == 0 and summary["imported"] == str(len(rows))
    assert f"CONFIG SET dedupe-max-ids {most} before importing keeps them all" in err
    r.flushall()
    assert r.execute_command("CONFIG", "SET", "dedupe-max-ids", str(most)) == b"OK"
    code, summary, err = run_import(server, path)
    assert code == 0 and summary["imported"] == str(len(rows)) and "warning" not in err
    before = state(r, customers)
    code, summary, err = run_import(server, path)
    assert code == 0, err
    assert summary["imported"] == "0" and summary["duplicates"] == str(len(rows))
    assert state(r, customers) == before


def test_dedupe_max_ids_rejects_bad_values(server):
    r = server.client()
    for bad in ("0", "-1", "abc", str((1 << 20) + 1)):
        with pytest.raises(redis.ResponseError):
            r.execute_command("CONFIG", "SET", "dedupe-max-ids", bad)
    assert r.execute_command("CONFIG", "GET", "dedupe-max-ids") == [b"dedupe-max-ids", b"16"]


def test_jsonl_from_stdin_equals_csv_file(make_server, workdir):
    a, b = make_server(), make_server()
    rows = history(int(a.clock()), customers=30)
    for s in (a, b):
        define(s.client())
    path = os.path.join(workdir, "h.csv")
    write_csv(path, rows)
    assert run_import(a, path)[0] == 0
    code, summary, err = run_import(b, "--format", "jsonl", stdin=jsonl(rows).encode())
    assert code == 0, err
    assert summary["imported"] == str(len(rows))
    customers = {row["customer"] for row in rows}
    assert state(a.client(), customers) == state(b.client(), customers)


BAD_CSV = (
    "customer,action,item,value,ts,id\n"       # 1
    "good1,view,product:A,,{t},g1\n"           # 2
    "bad2,view,,abc,{t},b2\n"                  # 3 value not a number
    "bad3,page view,,,{t},b3\n"                # 4 action with a space
    "bad4,view,,,,b4\n"                        # 5 missing ts
    "bad5,view,\"x\"y,,{t},b5\n"               # 6 junk after a closing quote
    "bad6,view,,,{t}\n"                        # 7 five fields
    "{long},view,,,{t},b7\n"                   # 8 customer of 257 bytes
    "bad8,view,,,{future},b8\n"                # 9 the server refuses: TS too far ahead
    "\"good\n2\",purchase,,12.5,{t},g2\n"      # 10-11 a quoted newline in the customer
    "bad9,view,,inf,{t},b9\n"                  # 12 value not finite
    "good3,visit,\"store:a, \"\"x\"\"\",,{t},g3\n"  # 13
)


def bad_file(workdir, t):
    path = os.path.join(workdir, "bad.csv")
    with open(path, "w") as f:
        f.write(BAD_CSV.format(t=t, future=t + 10 * 60_000, long="x" * 257))
    return path


def test_bad_rows_are_reported_with_file_and_line_and_skipped(server, workdir):
    r = server.client()
    define(r)
    path = bad_file(workdir, int(server.clock()))
    code, summary, err = run_import(server, path)
    assert code == 2
    # Server refusals arrive with the replies, so they may come after later rows' reports.
    reports = [line for line in err.splitlines() if not line.startswith("progress:")]
    assert sorted(reports, key=lambda line: int(line.split(":")[1])) == [
        f"{path}:3: value 'abc' is not a number",
        f"{path}:4: action 'page view' contains white space",
        f"{path}:5: missing ts",
        f"{path}:6: field 3: unexpected character after a closing quote",
        f"{path}:7: 5 fields, the header has 6",
        f"{path}:8: customer is 257 bytes (at most 256)",
        f"{path}:9: server: ERR timestamp is more than 5 minutes in the future",
        f"{path}:12: value 'inf' is not a finite number",
    ]
    assert (summary["rows"], summary["imported"], summary["rejected"], summary["invalid"],
            summary["refused"]) == ("11", "3", "8", "7", "1")
    assert r.dbsize() == 3
    assert r.execute_command("CUSTOMER", "good\n2")[r.execute_command(
        "CUSTOMER", "good\n2").index(b"monetary") + 1] == b"12.5"
    assert r.execute_command("CUSTOMER", "good3")[3] == [b"visit", 1]
    assert r.execute_command("SCORE", "good3", "lifestyle") == b"3"
    assert r.execute_command("SCORE", "bad8") == []


def test_strict_stops_at_the_first_bad_row(server, workdir):
    r = server.client()
    define(r)
    path = bad_file(workdir, int(server.clock()))
    code, summary, err = run_import(server, "--strict", path)
    assert code == 1
    assert f"{path}:3: value 'abc' is not a number" in err
    assert f"{path}:4:" not in err
    assert "stopped at the first bad row (--strict)" in err
    assert summary["rows"] == "2" and summary["imported"] == "1" and summary["rejected"] == "1"
    assert r.dbsize() == 1 and r.execute_command("SCORE", "good1", "product") == b"2"
    # A row the server refuses stops it too (rows already in flight still complete).
    good = os.path.join(workdir, "refused.csv")
    t = int(server.clock())
    with open(good, "w") as f:
        f.write(f"customer,action,ts\nx1,view,{t}\nx2,view,{t + 3_600_000}\n")
    code, summary, err = run_import(server, "--strict", good)
    assert code == 1 and f"{good}:3: server: ERR timestamp is more than 5 minutes" in err


def test_dry_run_validates_without_a_server(server, workdir):
    path = bad_file(workdir, 1_700_000_000_000)
    out = subprocess.run([IMPORT_BIN, "--dry-run", "-p", "1", path], capture_output=True)
    assert out.returncode == 2
    assert b"rows: 11\nvalid: 4\nrejected: 7\n" in out.stdout
    assert f"{path}:3: value 'abc' is not a number".encode() in out.stderr


def test_progress_is_plain_lines_when_stderr_is_not_a_terminal(server, workdir):
    define(server.client())
    rows = history(int(server.clock()), customers=200)
    path = os.path.join(workdir, "h.csv")
    write_csv(path, rows)
    code, summary, err = run_import(server, path)
    assert code == 0
    assert "\r" not in err and "\x1b" not in err
    lines = err.splitlines()
    assert lines[-1].startswith(f"progress: {len(rows)} rows, 100%, ") and " rows/s" in lines[-1]
    # --progress-interval 0: a line at every step, each with the rows read so far.
    code, _, err = run_import(server, "--progress-interval", "0", "--window", "16", path)
    counts = [int(line.split()[1]) for line in err.splitlines()]
    assert len(counts) > 3 and counts == sorted(counts) and counts[-1] == len(rows)
    assert run_import(server, "--progress", "none", path)[2] == ""


def test_warns_when_a_rerun_could_not_be_deduped(server, workdir):
    t = int(server.clock())
    path = os.path.join(workdir, "many.jsonl")
    with open(path, "w") as f:
        for i in range(20):
            f.write(json.dumps({"customer": "busy", "action": "view", "ts": t - i, "id": i}) + "\n")
        f.write(json.dumps({"customer": "calm", "action": "view", "ts": t, "id": "x"}) + "\n")
    code, summary, err = run_import(server, path)
    assert code == 0 and summary["imported"] == "21"
    assert ("warning: 1 customers have more than 16 rows with ids; the server remembers only "
            "each customer's last 16 ids") in err


def test_duplicate_ids_inside_one_file(server, workdir):
    t = int(server.clock())
    path = os.path.join(workdir, "dup.csv")
    with open(path, "w") as f:
        f.write(f"customer,action,ts,id\na,view,{t},1\na,view,{t},1\nb,view,{t},1\na,view,{t},2\n")
    code, summary, _ = run_import(server, path)
    assert code == 0
    assert (summary["imported"], summary["duplicates"]) == ("3", "1")
    assert server.client().execute_command("CUSTOMER", "a")[3] == [b"view", 2]


def test_password_and_connection_errors(make_server, workdir):
    s = make_server("--requirepass", "pw")
    t = int(s.client(password="pw").execute_command("DEBUG", "CLOCK", "GET"))
    path = os.path.join(workdir, "a.csv")
    with open(path, "w") as f:
        f.write(f"customer,action,ts\na,view,{t}\n")
    code, _, err = run_import(s, path)
    assert code == 1 and "error: INFO scoring: NOAUTH Authentication required." in err
    code, _, err = run_import(s, path, password="nope")
    assert code == 1 and "error: AUTH failed: WRONGPASS invalid username-password pair" in err
    code, summary, err = run_import(s, path, password="pw")
    assert code == 0 and summary["imported"] == "1", err
    code, summary, err = run_import(s, "--user", "default", path, password="pw")
    assert code == 0 and summary["imported"] == "1", err
    env = dict(os.environ, REDISCLI_AUTH="pw")
    out = subprocess.run([IMPORT_BIN, "-p", str(s.port), path], capture_output=True, env=env)
    assert out.returncode == 0 and b"duplicates: 0" in out.stdout
    assert s.client(password="pw").execute_command("CUSTOMER", "a")[3] == [b"view", 3]


def test_bad_invocations_change_nothing(server, workdir):
    r = server.client()
    cases = [
        ([os.path.join(workdir, "missing.csv")], "missing.csv: No such file or directory"),
        (["--format", "xml", "x.csv"], "unknown format 'xml'"),
        (["x.txt"], "'x.txt': cannot tell the format from the name; use --format csv|jsonl"),
        (["--window", "0", "x.csv"], "invalid window '0'"),
        (["--nope"], "unknown option '--nope'"),
    ]
    for args, message in cases:
        code, _, err = run_import(server, *args)
        assert code == 1 and message in err, (args, err)
    header = os.path.join(workdir, "header.csv")
    with open(header, "w") as f:
        f.write("who,action,ts\nx,view,1\n")
    code, _, err = run_import(server, header)
    assert code == 1 and f"{header}:1: header: missing column 'customer'" in err
    out = subprocess.run([IMPORT_BIN, "-p", "1", header], capture_output=True)
    assert out.returncode == 1 and b"cannot connect to 127.0.0.1:1" in out.stderr
    assert r.dbsize() == 0 and r.info("scoring")["events"] == 0
    help_text = subprocess.run([IMPORT_BIN, "--help"], capture_output=True).stdout.decode()
    for flag in ("--strict", "--dry-run", "--format", "--window", "--progress", "--user"):
        assert flag in help_text


def test_server_going_away_mid_import_is_an_error(server):
    from conftest import wait_until
    t = int(server.clock())
    proc = subprocess.Popen([IMPORT_BIN, "-p", str(server.port), "--format", "jsonl"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    rows = "".join(json.dumps({"customer": f"c{i}", "action": "view", "ts": t}) + "\n"
                   for i in range(100))
    proc.stdin.write(rows.encode())
    proc.stdin.flush()
    r = server.client()
    wait_until(lambda: r.dbsize() == 100, what="the first rows to arrive")
    assert server.stop() == 0
    proc.stdin.write(rows.encode())
    proc.stdin.close()
    proc.wait(timeout=60)
    out, err = proc.stdout.read(), proc.stderr.read()
    assert proc.returncode == 1
    assert re.search(rb"error: (the server closed the connection|write: |read: )", err), err
    assert b"rows: 200\n" in out


def test_progress_bar_on_a_terminal(server, workdir):
    import pty
    define(server.client())
    rows = history(int(server.clock()), customers=100)
    path = os.path.join(workdir, "h.csv")
    write_csv(path, rows)
    leader, follower = pty.openpty()
    try:
        out = subprocess.run([IMPORT_BIN, "-p", str(server.port), path], stderr=follower,
                             stdout=subprocess.PIPE, timeout=60)
        os.close(follower)
        follower = None
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO once the terminal has no writer left
                break
            if not chunk:
                break
            shown += chunk
    finally:
        if follower is not None:
            os.close(follower)
        os.close(leader)
    assert out.returncode == 0
    # One bar redrawn in place (carriage return, clear to end of line), ending at 100% with
    # the rows, the rate and the ETA, then a newline.
    last = shown.split(b"\r")[-2] if shown.endswith(b"\r\n") else shown.split(b"\r")[-1]
    assert shown.startswith(b"\r[") and b"\x1b[K" in shown and b"progress:" not in shown
    assert re.match(rb"\[#+\] 100%  [\d,]+ rows  [\d,]+ rows/s  ETA 0:00", last), shown[-200:]
    assert f"{len(rows):,} rows".encode() in last


def test_several_files_one_import(server, workdir):
    t = int(server.clock())
    a = os.path.join(workdir, "a.csv")
    b = os.path.join(workdir, "b.ndjson")
    with open(a, "w") as f:
        f.write(f"customer,action,ts\nx,view,{t}\ny,view,{t}\n")
    with open(b, "w") as f:
        f.write(json.dumps({"customer": "x", "action": "visit", "ts": t}) + "\n")
        f.write("{oops}\n")
        f.write(json.dumps({"customer": "z", "action": "view", "ts": t}) + "\n")
    code, summary, err = run_import(server, a, b)
    assert code == 2
    assert f"{b}:2: invalid JSON at column 2: expected a quoted key" in err
    assert (summary["rows"], summary["imported"], summary["rejected"]) == ("5", "4", "1")
    r = server.client()
    assert r.dbsize() == 3 and r.execute_command("CUSTOMER", "x")[3] == [b"view", 1, b"visit", 1]
