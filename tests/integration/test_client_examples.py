"""The client examples of docs/clients.md, run as a user would run them against a real
server: examples/clients/python (redis-py) and examples/clients/node (node-redis, installed
with `npm ci` from its package-lock.json into the build tree). Both languages must print the
same lines: web-tier ingest (EVENT pipelined, SCORE, CUSTOMER) and a mail sender that
consumes the outbox with XREADGROUP/XACK and takes over a crashed sender's entry with
XAUTOCLAIM."""
import filecmp
import os
import shutil
import subprocess
import sys

import pytest


ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
EXAMPLES = os.path.join(ROOT, "examples", "clients")
BUILD_DIR = os.environ.get("KIZUNA_BUILD_DIR", os.path.join(ROOT, "build"))

DEFINITIONS = [
    ("RULE.SET", "view", "ACTION", "view", "POINTS", "product", "3", "lifestyle", "5"),
    ("RULE.SET", "purchase", "ACTION", "purchase", "POINTS", "product", "8", "lifestyle", "1",
     "lifestance", "1"),
    ("TRIGGER.SET", "welcome", "ON", "signup", "SEND", "welcome_mail"),
    ("TRIGGER.SET", "care", "ON", "purchase", "DELAY", "3d", "SEND", "care_mail"),
    ("BADGE.SET", "buyer", "WHEN", "count:purchase", ">=", "1"),
]

# A retried request (same id) and a bad value among good events.
EVENTS = """\
{"customer": "c1", "action": "signup", "id": "s1"}
{"customer": "c1", "action": "view", "item": "product:A", "id": "r1"}
{"customer": "c1", "action": "view", "item": "product:A", "id": "r1"}
{"customer": "c1", "action": "purchase", "value": 120, "id": "o1"}
{"customer": "c2", "action": "signup", "id": "s2"}
{"customer": "c2", "action": "view", "value": "lots"}
"""


@pytest.fixture(scope="module")
def node_dir():
    """The node examples with node_modules from `npm ci`, in the build tree (reinstalled only
    when package-lock.json changed)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node/npm not installed (tools/install-deps.sh installs them)")
    src = os.path.join(EXAMPLES, "node")
    dst = os.path.join(BUILD_DIR, "examples-node")
    os.makedirs(dst, exist_ok=True)
    lock = os.path.join(dst, "package-lock.json")
    fresh = os.path.exists(os.path.join(dst, "node_modules")) and os.path.exists(lock) and \
        filecmp.cmp(lock, os.path.join(src, "package-lock.json"), shallow=False)
    for name in os.listdir(src):
        if name.endswith((".js", ".json")):
            shutil.copy(os.path.join(src, name), dst)
    if not fresh:
        out = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                             cwd=dst, capture_output=True, text=True, timeout=600)
        assert out.returncode == 0, out.stdout + out.stderr
    return dst


@pytest.fixture(params=["python", "node"])
def run_example(request):
    """run_example(name, *args, stdin=None) -> stdout lines of <name>.py or <name>.js."""
    lang = request.param
    folder = request.getfixturevalue("node_dir") if lang == "node" else \
        os.path.join(EXAMPLES, "python")

    def run(name, *args, stdin=None):
        prog = [sys.executable, os.path.join(folder, name + ".py")] if lang == "python" else \
            ["node", os.path.join(folder, name + ".js")]
        out = subprocess.run(prog + [str(a) for a in args], input=stdin, capture_output=True,
                             text=True, timeout=60)
        assert out.returncode == 0, f"{name} ({lang}) failed:\n{out.stdout}\n{out.stderr}"
        return out.stdout.splitlines()

    return run


@pytest.fixture
def defined_server(server):
    for d in DEFINITIONS:
        assert server.cmd(*d) == b"OK", d
    return server


def outbox_ids(server):
    return [e[0].decode() for e in server.cmd("XRANGE", "outbox", "-", "+")]


def test_ingest_sends_events_and_prints_scores(defined_server, run_example, workdir):
    s = defined_server
    events = os.path.join(workdir, "events.jsonl")
    with open(events, "w") as f:
        f.write(EVENTS)
    due = int(s.clock()) + 3 * 86400 * 1000
    assert run_example("ingest", "--port", s.port, events) == [
        "event c1 signup ID s1 -> total 0",
        "event c1 view ITEM product:A ID r1 -> total 8",
        "event c1 view ITEM product:A ID r1 -> total 8",  # the retry changed nothing
        "event c1 purchase VALUE 120 ID o1 -> total 18",
        "event c2 signup ID s2 -> total 0",
        "rejected c2 view VALUE lots: value is not a valid float",
        "score c1 product=11 lifestyle=6 lifestance=1 total=18",
        f"customer c1 badges=buyer segments=- pending=care@{due}",
        "score c2 product=0 lifestyle=0 lifestance=0 total=0",
        "customer c2 badges=- segments=- pending=-",
    ]
    # What the server holds agrees: one view counted, the rejected event left no trace.
    assert s.cmd("SCORE", "c1", "total") == b"18"
    c2 = dict(zip(*[iter(s.cmd("CUSTOMER", "c2"))] * 2))
    assert dict(zip(*[iter(c2[b"counts"])] * 2)) == {b"signup": 1}
    # Events read from stdin give the same result (and are deduplicated by id).
    assert run_example("ingest", "--port", s.port, stdin=EVENTS)[1] == \
        "event c1 view ITEM product:A ID r1 -> total 18"


def test_mail_senders_share_the_outbox_and_take_over_a_crashed_one(defined_server, run_example):
    s = defined_server
    run_example("ingest", "--port", s.port, stdin=EVENTS)
    w1, badge, w2 = outbox_ids(s)
    # Sender a reads one entry and dies before XACK: it stays pending, owned by a.
    assert run_example("mail_sender", "--port", s.port, "--consumer", "a",
                       "--crash-after", "1") == ["crashed holding 1 entries"]
    pending = s.cmd("XPENDING", "outbox", "mailers", "-", "+", "10")
    assert [(p[0].decode(), p[1]) for p in pending] == [(w1, b"a")]
    # A minute later (server clock), sender b claims it first, then reads the rest.
    s.clock_advance("1m")
    assert run_example("mail_sender", "--port", s.port, "--consumer", "b", "--claim-idle",
                       "60000", "--max", "3") == [
        f"claimed {w1}",
        f"sent welcome_mail to c1 (trigger welcome, late 0, id {w1})",
        f"sent buyer to c1 (badge buyer, late 0, id {badge})",
        f"sent welcome_mail to c2 (trigger welcome, late 0, id {w2})",
        "done: 3 messages",
    ]
    assert s.cmd("XPENDING", "outbox", "mailers")[0] == 0  # every entry acked
    consumers = {c[1]: c[3] for c in s.cmd("XINFO", "CONSUMERS", "outbox", "mailers")}
    assert consumers == {b"a": 0, b"b": 0}
    # The post-purchase care message fires 3 days after the purchase; the next sender gets it.
    s.clock_advance("3d")
    (care,) = outbox_ids(s)[3:]
    assert run_example("mail_sender", "--port", s.port, "--consumer", "b", "--max", "1") == [
        f"sent care_mail to c1 (trigger care, late 0, id {care})",
        "done: 1 messages",
    ]


def test_mail_sender_stops_when_idle(make_server, run_example):
    """On the real clock, with nothing to send, --idle-exit ends the loop."""
    s = make_server(flags=["--appendonly", "no"])
    assert run_example("mail_sender", "--port", s.port, "--idle-exit", "0.3") == \
        ["done: 0 messages"]
    groups = s.cmd("XINFO", "GROUPS", "outbox")
    assert [dict(zip(*[iter(g)] * 2))[b"name"] for g in groups] == [b"mailers"]


def test_examples_refuse_a_wrong_password(make_server, run_example):
    s = make_server("--requirepass", "pw")
    out = subprocess.run([sys.executable, os.path.join(EXAMPLES, "python", "ingest.py"),
                          "--port", str(s.port), "--password", "nope"], input=EVENTS,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and "WRONGPASS" in out.stderr + out.stdout
    assert run_example("ingest", "--port", s.port, "--password", "pw",
                       stdin=EVENTS)[0] == "event c1 signup ID s1 -> total 0"
    assert s.client(password="pw").dbsize() == 2
