"""examples/brand: the init file loads cleanly, the generator is deterministic and writes what
kizuna-import accepts, and the README's walkthrough - its own command lines, run as written
against a server started with its flags - gives sensible results: badges awarded, segments
non-empty, nothing mailed by the import, and live events putting the promised messages into
the outbox as the clock advances; the dashboard answers."""
import csv
import io
import json
import os
import re
import shlex
import subprocess
import urllib.request

import pytest

from conftest import free_port

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BRAND = os.path.join(ROOT, "examples", "brand")
CONF = os.path.join(BRAND, "brand.conf")
GENERATOR = os.path.join(BRAND, "generate_events.py")
IMPORT_BIN = os.environ.get("KIZUNA_IMPORT", os.path.join(ROOT, "build", "tools", "kizuna-import"))
END = 1_764_460_800_000  # 2025-11-30 00:00 UTC
DAY = 86_400_000


def as_map(flat):
    return dict(zip(flat[::2], flat[1::2]))


def generate(*args):
    out = subprocess.run(["/usr/bin/python3", GENERATOR, *map(str, args)], capture_output=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_init_file_loads_cleanly(make_server):
    with open(CONF) as f:
        commands = [line for line in f if line.strip() and not line.lstrip().startswith("#")]
    s = make_server("--init-file", CONF)
    assert f"applied {len(commands)} commands" in s.log_text()
    r = s.client()
    assert r.execute_command("CATEGORY.LIST") == [
        [b"product", 180 * DAY], [b"lifestyle", 365 * DAY], [b"lifestance", 0]]
    assert sorted(r.execute_command("RULE.LIST")) == sorted(
        [b"view_product", b"view_lifestyle", b"view_vision", b"cart", b"purchase",
         b"store_visit", b"sns_post", b"mail_open"])
    assert [b[0] for b in r.execute_command("BADGE.LIST")] == [
        b"store_regular", b"product_devotee", b"vision_reader"]
    assert [g[0] for g in r.execute_command("SEGMENT.LIST")] == [
        b"fan", b"consumer", b"product-loyal", b"switcher"]
    names = [t[0] for t in r.execute_command("TRIGGER.LIST")]
    assert names == [b"welcome", b"first_view_follow_up", b"care_3d", b"care_180d", b"win_back",
                     b"cart_reminder", b"fan_event_invitation"]
    # A purchase of 250 earns 10 product points per 100.
    assert r.execute_command("EVENT", "x", "purchase", "VALUE", 250) == b"30"
    assert r.execute_command("SCORE", "x", "product") == b"25"


def test_generator_is_deterministic_and_its_formats_agree(workdir):
    a = generate("--customers", 60, "--seed", 3, "--end", END)
    assert a == generate("--customers", 60, "--seed", 3, "--end", END)
    assert a != generate("--customers", 60, "--seed", 4, "--end", END)
    rows = list(csv.DictReader(io.StringIO(a.decode())))
    lines = generate("--customers", 60, "--seed", 3, "--end", END, "--format", "jsonl")
    objs = [json.loads(line) for line in lines.decode().splitlines()]
    assert len(objs) == len(rows) > 500
    for row, obj in zip(rows, objs):
        assert str(obj["ts"]) == row["ts"] and obj["customer"] == row["customer"]
        assert obj["action"] == row["action"] and obj["id"] == row["id"]
        assert obj.get("item", "") == row["item"] and str(obj.get("value", "")) == row["value"]
    # Sorted by time, within the history, ids unique, every journey starts with a signup.
    ts = [int(r["ts"]) for r in rows]
    assert ts == sorted(ts) and END - 365 * DAY <= ts[0] and ts[-1] < END
    assert len({r["id"] for r in rows}) == len(rows)
    first = {}
    for r in rows:
        first.setdefault(r["customer"], r["action"])
    assert set(first.values()) == {"signup"} and len(first) == 60
    assert {r["action"] for r in rows} >= {"view", "cart_add", "purchase", "visit", "mail_open"}
    # kizuna-import accepts every row of both formats.
    for name, data in (("g.csv", a), ("g.jsonl", lines)):
        path = os.path.join(workdir, name)
        with open(path, "wb") as f:
            f.write(data)
        out = subprocess.run([IMPORT_BIN, "--dry-run", path], capture_output=True)
        assert out.returncode == 0, out.stderr
        assert f"rows: {len(rows)}\nvalid: {len(rows)}\nrejected: 0\n".encode() in out.stdout


def walkthrough_lines():
    """The indented command lines of the README's walkthrough, continuation lines joined."""
    with open(os.path.join(BRAND, "README.md")) as f:
        text = f.read()
    text = text[text.index("## Five-minute walkthrough"):text.index("## Notes")]
    text = text.replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.startswith("    ")]


def redis_cli_lines(lines, port):
    for line in lines:
        if line.startswith("redis-cli -p 7379 ") and "<" not in line:
            yield ["redis-cli", "--no-raw", "-p", str(port), *shlex.split(line)[3:]]


def test_walkthrough(make_server, workdir):
    lines = walkthrough_lines()
    start = next(line for line in lines if line.startswith("build/server/kizuna-server"))
    flags = shlex.split(start)[1:]
    http_port = free_port()
    flags[flags.index("--http-port") + 1] = str(http_port)
    flags[flags.index("--init-file") + 1] = CONF
    server = make_server(flags=flags)
    r = server.client()

    # Generate and import exactly as the README says (paths made absolute).
    history = os.path.join(workdir, "brand-history.csv")
    gen = next(line for line in lines if line.startswith("examples/brand/generate_events.py"))
    args = [a if a != "/tmp/brand-history.csv" else history for a in shlex.split(gen)[1:]]
    generate(*args)
    imp = next(line for line in lines if line.startswith("build/tools/kizuna-import"))
    args = [a if a != "/tmp/brand-history.csv" else history for a in shlex.split(imp)[1:]]
    out = subprocess.run([IMPORT_BIN, "-p", str(server.port), *args], capture_output=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    summary = dict(line.split(": ") for line in out.stdout.decode().splitlines())
    with open(history) as f:
        rows = sum(1 for _ in f) - 1
    assert summary["rows"] == summary["imported"] == str(rows) and summary["rejected"] == "0"
    assert re.search(rf"^progress: {rows} rows, 100%", out.stderr.decode(), re.M)

    # Sensible results: the brand's badges and segments all have members, nobody was mailed.
    assert r.dbsize() == 2000
    assert all(b[2] > 0 for b in r.execute_command("BADGE.LIST"))
    sizes = {g[0]: g[2] for g in r.execute_command("SEGMENT.LIST")}
    assert all(n > 0 for n in sizes.values()) and sum(sizes.values()) < 2000, sizes
    assert r.xlen("outbox") == 0
    top = as_map(r.execute_command("CUSTOMER", "c000942"))
    assert sorted(top[b"badges"][::2]) == [b"product_devotee", b"store_regular", b"vision_reader"]
    assert top[b"segments"] == [b"fan"]
    stats = as_map(r.execute_command("STATS"))
    assert stats[b"customers"] == 2000 and stats[b"events"] == rows

    # Every redis-cli line of the walkthrough, as written, without an error.
    for cmd in redis_cli_lines(lines, server.port):
        out = subprocess.run(cmd, capture_output=True, timeout=30)
        assert out.returncode == 0 and b"(error)" not in out.stdout, (cmd, out.stdout)

    # The live events put the promised messages in the outbox, in order, and nothing else.
    entries = [fields for _, fields in r.xrange("outbox")]
    assert [(e[b"type"], e[b"customer"], e[b"message"]) for e in entries] == [
        (b"trigger", b"newbie", m) for m in (
            b"welcome", b"cart_reminder", b"first_view_follow_up", b"fan_event_invitation",
            b"post_purchase_care_3d")]
    assert all(e[b"due"] == e[b"fired"] and e[b"late"] == b"0" for e in entries)
    newbie = as_map(r.execute_command("CUSTOMER", "newbie"))
    assert sorted(t for t, _ in newbie[b"pending"]) == [b"care_180d", b"win_back"]
    assert r.xpending("outbox", "mailer")["pending"] == 5

    # The dashboard and its data.
    with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/", timeout=10) as resp:
        assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/html")
    with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/api/stats", timeout=10) as resp:
        assert json.load(resp)["customers"] == 2001


def test_generator_refuses_bad_arguments(workdir):
    out_path = os.path.join(workdir, "never.csv")
    for args, message in ((["--customers", "0"], b"--customers and --days must be at least 1"),
                          (["--end", "soon"], b"--end must be Unix milliseconds or 'today'"),
                          (["--format", "xml"], b"invalid choice: 'xml'"),
                          (["--seed", "x"], b"invalid int value: 'x'")):
        out = subprocess.run(["/usr/bin/python3", GENERATOR, *args, "-o", out_path],
                             capture_output=True, timeout=60)
        assert out.returncode == 2 and message in out.stderr, (args, out.stderr)
        assert not os.path.exists(out_path)
