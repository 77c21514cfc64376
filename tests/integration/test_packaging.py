"""The .deb: cpack builds it from the build tree, `dpkg -x` unpacks it into a scratch root,
and the installed kizuna-server runs with the installed kizuna.conf, tells systemd it is
ready over $NOTIFY_SOCKET, and answers redis-cli. The unit is checked with systemd-analyze
when that is installed."""
import glob
import os
import re
import shutil
import signal
import socket
import subprocess

import pytest

from conftest import SERVER_BIN, free_port, wait_until

BUILD_DIR = os.environ.get("KIZUNA_BUILD_DIR",
                           os.path.join(os.path.dirname(__file__), "..", "..", "build"))
INSTALLED = ["usr/bin/kizuna-server", "usr/bin/kizuna-check", "etc/kizuna/kizuna.conf",
             "usr/lib/systemd/system/kizuna.service", "usr/share/man/man1/kizuna-server.1"]


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    """(path of the .deb, scratch root it was unpacked into)."""
    out = tmp_path_factory.mktemp("cpack")
    run = subprocess.run(["cpack", "-G", "DEB", "--config",
                          os.path.join(BUILD_DIR, "CPackConfig.cmake"), "-B", str(out)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    debs = glob.glob(str(out / "kizuna_*.deb"))
    assert len(debs) == 1, debs
    root = tmp_path_factory.mktemp("root")
    subprocess.run(["dpkg", "-x", debs[0], str(root)], check=True, timeout=60)
    return debs[0], str(root)


def pongs(port):
    return subprocess.run(["redis-cli", "-p", str(port), "PING"], capture_output=True,
                          text=True, timeout=10).stdout == "PONG\n"


def field(deb, name):
    return subprocess.run(["dpkg-deb", "-f", deb, name], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_deb_metadata_and_layout(package):
    deb, root = package
    assert field(deb, "Package") == "kizuna"
    assert field(deb, "Architecture") == subprocess.run(
        ["dpkg", "--print-architecture"], capture_output=True, text=True).stdout.strip()
    # dpkg-shlibdeps found what the binaries link: a missing one would not install.
    depends = field(deb, "Depends")
    for lib in ("libc6", "libstdc++6", "libabsl", "libxxhash0"):
        assert lib in depends, depends
    for path in INSTALLED:
        assert os.path.isfile(os.path.join(root, path)), path
    assert os.access(os.path.join(root, "usr/bin/kizuna-server"), os.X_OK)
    # The config file is a conffile: an upgrade keeps the admin's edits.
    conffiles = subprocess.run(["dpkg-deb", "-I", deb, "conffiles"], capture_output=True,
                               text=True, check=True).stdout.split()
    assert conffiles == ["/etc/kizuna/kizuna.conf"]
    unit = open(os.path.join(root, "usr/lib/systemd/system/kizuna.service")).read()
    assert "ExecStart=/usr/bin/kizuna-server /etc/kizuna/kizuna.conf\n" in unit
    for line in ("Type=notify", "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes",
                 "PrivateTmp=yes", "DynamicUser=yes", "StateDirectory=kizuna",
                 "ReadWritePaths=/var/lib/kizuna", "LimitNOFILE=65536"):
        assert f"\n{line}\n" in unit, line
    conf = open(os.path.join(root, "etc/kizuna/kizuna.conf")).read()
    assert re.search(r"^dir /var/lib/kizuna$", conf, re.M), "the service's data directory"


def test_installed_binaries_run(package):
    _, root = package
    version = subprocess.run([os.path.join(root, "usr/bin/kizuna-server"), "--version"],
                             capture_output=True, text=True, timeout=10)
    assert version.returncode == 0 and version.stdout.startswith("kizuna-server 0.")
    check = subprocess.run([os.path.join(root, "usr/bin/kizuna-check")], capture_output=True,
                           text=True, timeout=10)
    assert check.returncode == 2 and "Usage: kizuna-check" in check.stderr
    # kizuna-import is packaged whenever the build has it (ctest passes KIZUNA_IMPORT then).
    if os.environ.get("KIZUNA_IMPORT"):
        imp = subprocess.run([os.path.join(root, "usr/bin/kizuna-import"), "--help"],
                             capture_output=True, text=True, timeout=10)
        assert imp.returncode == 0 and "kizuna-import" in imp.stdout + imp.stderr


def test_installed_server_with_installed_config_notifies_systemd_and_answers(package, tmp_path):
    _, root = package
    data = tmp_path / "data"
    data.mkdir()
    notify_path = str(tmp_path / "notify.sock")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    notify.settimeout(30)
    port = free_port()
    env = dict(os.environ, NOTIFY_SOCKET=notify_path)
    proc = subprocess.Popen([os.path.join(root, "usr/bin/kizuna-server"),
                             os.path.join(root, "etc/kizuna/kizuna.conf"),
                             "--port", str(port), "--dir", str(data)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        # READY=1 comes once the data is loaded: no polling needed after it.
        assert notify.recv(4096) == b"READY=1"
        cli = ["redis-cli", "-p", str(port)]
        assert subprocess.run(cli + ["PING"], capture_output=True, text=True,
                              timeout=10).stdout == "PONG\n"
        got = subprocess.run(cli + ["CONFIG", "GET", "dir"], capture_output=True, text=True,
                             timeout=10).stdout.split()
        assert got == ["dir", str(data)]
        assert subprocess.run(cli + ["EVENT", "c1", "signup"], capture_output=True, text=True,
                              timeout=10).stdout == "0\n"
        proc.send_signal(signal.SIGTERM)
        assert notify.recv(4096) == b"STOPPING=1"
        assert proc.wait(timeout=30) == 0
        # The packaged config keeps the append-only log on: the event is on disk.
        assert any(name.endswith(".klog") for name in os.listdir(data))
    finally:
        if proc.poll() is None:
            proc.kill()
        log = proc.stdout.read().decode(errors="replace")
        notify.close()
    assert "Ready to accept connections" in log


def test_without_notify_socket_nothing_is_sent(package, tmp_path):
    """Started outside systemd (no NOTIFY_SOCKET), the server runs as before."""
    _, root = package
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "NOTIFY_SOCKET"}
    proc = subprocess.Popen([os.path.join(root, "usr/bin/kizuna-server"), "--port", str(port),
                             "--appendonly", "no"], env=env, cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: pongs(port), what="PONG")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze not installed (Debian package systemd)")
def test_unit_passes_systemd_analyze_verify(package, tmp_path):
    _, root = package
    unit = open(os.path.join(root, "usr/lib/systemd/system/kizuna.service")).read()
    # verify checks that ExecStart exists: point it at the unpacked binary, change nothing else.
    local = tmp_path / "kizuna.service"
    local.write_text(unit.replace("/usr/bin/kizuna-server",
                                  os.path.join(root, "usr/bin/kizuna-server")))
    out = subprocess.run(["systemd-analyze", "verify", "--man=no", str(local)],
                         capture_output=True, text=True, timeout=60)
    # An unknown key or a bad value is only a warning: none may appear.
    assert out.returncode == 0 and out.stderr == "", out.stderr
    security = subprocess.run(["systemd-analyze", "security", "--offline=yes", str(local)],
                              capture_output=True, text=True, timeout=60)
    level = re.search(r"Overall exposure level for kizuna.service: ([\d.]+)",
                      security.stdout + security.stderr)
    assert level and float(level.group(1)) <= 2.0, security.stdout[-2000:]


@pytest.mark.skipif(shutil.which("groff") is None, reason="groff not installed")
def test_man_page_renders_without_warnings(package):
    _, root = package
    out = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z",
                          os.path.join(root, "usr/share/man/man1/kizuna-server.1")],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and out.stderr == "", out.stderr


def test_notify_over_an_abstract_socket_and_a_missing_one(tmp_path):
    """NOTIFY_SOCKET may name the abstract namespace ('@...'), as systemd can; a socket that
    does not exist (or a relative path) is ignored: the server still starts and serves."""
    name = f"@kizuna-test-{os.getpid()}"
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind("\0" + name[1:])
    notify.settimeout(30)
    for path, expect in ((name, b"READY=1"), (str(tmp_path / "absent.sock"), None),
                         ("relative.sock", None)):
        port = free_port()
        proc = subprocess.Popen([SERVER_BIN, "--port", str(port), "--appendonly", "no"],
                                env=dict(os.environ, NOTIFY_SOCKET=path), cwd=tmp_path,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            if expect:
                assert notify.recv(4096) == expect
            wait_until(lambda: pongs(port), what=f"PONG with NOTIFY_SOCKET={path}")
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=30) == 0
            if expect:
                assert notify.recv(4096) == b"STOPPING=1"
        finally:
            if proc.poll() is None:
                proc.kill()
    notify.close()


def test_cmake_install_lays_out_the_same_tree_under_any_prefix(tmp_path):
    prefix = tmp_path / "opt" / "kizuna"
    out = subprocess.run(["cmake", "--install", BUILD_DIR, "--prefix", str(prefix)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    for path in ("bin/kizuna-server", "bin/kizuna-check", "etc/kizuna/kizuna.conf",
                 "lib/systemd/system/kizuna.service", "share/man/man1/kizuna-server.1",
                 "share/doc/kizuna/operating.md", "share/doc/kizuna/clients.md",
                 "share/doc/kizuna/examples/clients/python/mail_sender.py"):
        assert (prefix / path).is_file(), path
    assert not (prefix / "share/doc/kizuna/examples/clients/node/node_modules").exists()
    # Outside /usr the config stays under the prefix, and the unit points there.
    unit = (prefix / "lib/systemd/system/kizuna.service").read_text()
    assert f"ExecStart={prefix}/bin/kizuna-server {prefix}/etc/kizuna/kizuna.conf\n" in unit
    assert subprocess.run([str(prefix / "bin/kizuna-server"), "--version"],
                          capture_output=True, timeout=10).returncode == 0
