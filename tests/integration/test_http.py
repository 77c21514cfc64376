"""--http-port: /metrics in Prometheus format (checked by promtool), authentication with
requirepass, 404/405, and hostile HTTP input that harms no RESP client."""
import base64
import socket
import subprocess
import urllib.error
import urllib.request

import pytest

from conftest import free_port


def get(port, path, headers=None, method="GET"):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {},
                                 method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.headers, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def samples(text):
    """{'name{labels}': value} for every sample line."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            out[key] = float(value)
    return out


@pytest.fixture
def http_server(make_server):
    port = free_port()
    s = make_server("--http-port", str(port))
    s.http_port = port
    return s


def test_metrics_reflect_the_server_and_pass_promtool(http_server):
    r = http_server.client()
    r.execute_command("RULE.SET", "view", "ACTION", "view", "POINTS", "product", 1)
    for i in range(3):
        r.execute_command("EVENT", f"c{i}", "view")
    r.execute_command("EVENT", "c0", "purchase", "VALUE", "5")
    r.execute_command("EVENT", "c0", "view", "ID", "e1")
    r.execute_command("EVENT", "c0", "view", "ID", "e1")  # a retry: deduped
    status, headers, body = get(http_server.http_port, "/metrics")
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
    m = samples(body)
    assert m["kizuna_customers"] == r.dbsize() == 3
    assert m['kizuna_events_total{action="view"}'] == 4
    assert m['kizuna_events_total{action="purchase"}'] == 1
    assert m["kizuna_events_deduped_total"] == 1
    assert m["kizuna_connected_clients"] >= 1
    assert m['kizuna_command_calls_total{command="event"}'] == 6
    assert m['kizuna_messages_total{state="sent"}'] == 0
    assert m["kizuna_used_memory_bytes"] > 0
    check = subprocess.run(["promtool", "check", "metrics"], input=body.encode(),
                           capture_output=True, timeout=30)
    assert check.returncode == 0, check.stdout + check.stderr


def test_unknown_paths_and_methods(http_server):
    assert get(http_server.http_port, "/nosuch")[0] == 404
    status, headers, _ = get(http_server.http_port, "/metrics", method="POST")
    assert status == 405 and headers["Allow"] == "GET"


def test_requirepass_guards_http_too(make_server):
    port = free_port()
    s = make_server("--http-port", str(port), "--requirepass", "s3cret")
    status, headers, _ = get(port, "/metrics")
    assert status == 401 and "Basic" in headers["WWW-Authenticate"]
    assert get(port, "/metrics", {"Authorization": "Bearer wrong"})[0] == 401
    assert get(port, "/metrics", {"Authorization": "Bearer s3cret"})[0] == 200
    basic = base64.b64encode(b"default:s3cret").decode()
    assert get(port, "/metrics", {"Authorization": f"Basic {basic}"})[0] == 200
    # Basic names an ACL user: the password of another user does not open it.
    basic = base64.b64encode(b"ops:s3cret").decode()
    assert get(port, "/metrics", {"Authorization": f"Basic {basic}"})[0] == 401
    assert get(port, "/metrics", {"Authorization": "Basic !!!"})[0] == 401


def test_hostile_http_closes_that_connection_only(http_server):
    r = http_server.client()
    for junk in (b"GARBAGE\r\n\r\n", b"GET / HTTP/1.1\r\n" + b"X: " + b"a" * 20000 + b"\r\n\r\n",
                 b"\x00\xff" * 100):
        with socket.create_connection(("127.0.0.1", http_server.http_port), timeout=5) as c:
            c.sendall(junk)
            try:
                data = c.recv(4096)
                while data:
                    data = c.recv(4096)
            except ConnectionResetError:
                pass
    assert r.ping()
    assert get(http_server.http_port, "/metrics")[0] == 200


def test_api_stats_has_the_stats_keys_and_values(http_server):
    import json
    r = http_server.client()
    r.execute_command("RULE.SET", "view", "ACTION", "view", "POINTS", "product", 2)
    r.execute_command("EVENT", "a", "view")
    r.execute_command("EVENT", "b", "purchase", "VALUE", "12.5")
    r.execute_command("EVENT", "b", "purchase", "VALUE", "7.5")
    status, headers, body = get(http_server.http_port, "/api/stats")
    assert status == 200 and headers["Content-Type"] == "application/json"
    doc = json.loads(body)
    flat = r.execute_command("STATS")
    stats = dict(zip(flat[::2], flat[1::2]))
    assert {k.decode() for k in stats} <= set(doc)
    assert doc["customers"] == stats[b"customers"] == 2
    assert doc["revenue"] == float(stats[b"revenue"]) == 20
    assert doc["funnel"] == {"f1": 1, "f2": 1, "f3": 0, "f4": 0, "f5": 0}
    assert doc["repeat_rate"]["f2"] == 1
    assert doc["scores"]["product"]["max"] == 2
    assert doc["events_by_action"] == {"view": 1, "purchase": 2}
    assert sum(b[2] for b in doc["histograms"]["total"]) == 2
    assert len(doc["series"]["events"]) == 30 and doc["series"]["events"][-1][1] == 3


def test_dashboard_page_is_self_contained(http_server):
    status, headers, body = get(http_server.http_port, "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "api/stats" in body and "<svg" in body
    assert "http://" not in body and "https://" not in body  # no external scripts or fonts
