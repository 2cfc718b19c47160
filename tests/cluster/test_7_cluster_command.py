"""``make cluster``'s command (``python -m natjoub.cluster``) from nothing: an empty directory,
no ``make run`` ever. It prints the topology, serves through HAProxy, and a Ctrl-C to its process
group stops everything it started within the deadline, exit status 0.

A small topology (1 replica, 1 node) keeps the second cluster of the run cheap; the code path is
the one ``make cluster`` runs."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from natjoub.cluster.processes import free_port
from natjoub.cluster.topology import PROJECT_ROOT
from natjoub.db.embedded import server_processes
from tests.cluster.client import Client

STOP_DEADLINE = 25  # HAProxy 5 s, nodes 10 s (docs/api.md §33), PostgreSQL fast shutdown


def processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if text in cmdline:
                found.append(int(entry.name))
    return found


def test_make_cluster_starts_from_nothing_and_stops_cleanly_on_ctrl_c():
    root = Path(tempfile.mkdtemp(prefix="natjoub-cluster-cli-"))
    root.chmod(0o755)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("NATJOUB_EMBEDDED_DB_URI", "DJANGO_SETTINGS_MODULE")}
    log = root / "out.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "natjoub.cluster", "--port", str(port), "--bind", "127.0.0.1", "--dir",
             str(root / "cluster"), "--nodes", "1", "--replicas", "1", "--workers", "1"],
            cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 240
        while "NatJoub cluster is up" not in log.read_text(errors="replace"):
            assert process.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.5)
        banner = log.read_text()
        for part in ("HAProxy", "pgbouncer", "replica 1", "primary", "Valkey", "node1", f":{port}"):
            assert part in banner, banner
        client = Client(port).login("admin@example.com", "admin123")
        assert client.get("/api/v1/inventory/branches").status == 200

        os.killpg(process.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
        stopped_at = time.monotonic()
        code = process.wait(timeout=STOP_DEADLINE + 5)
        took = time.monotonic() - stopped_at
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    left = processes_mentioning(str(root))
    left += [pid for d in ("primary", "replica-1") for pid in server_processes(root / "cluster" / d)]
    print(f"\nmake cluster stopped in {took:.1f} s, exit {code}")  # noqa: T201
    assert code == 0, log.read_text()
    assert took < STOP_DEADLINE
    assert left == [], f"left behind: {left}"
    assert "NatJoub cluster stopped." in log.read_text()
    shutil.rmtree(root, ignore_errors=True)


def test_make_cluster_refuses_a_port_in_use_before_starting_anything():
    root = Path(tempfile.mkdtemp(prefix="natjoub-cluster-busy-"))
    env = {k: v for k, v in os.environ.items() if k not in ("NATJOUB_EMBEDDED_DB_URI", "DJANGO_SETTINGS_MODULE")}
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "natjoub.cluster", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(root)],
            cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    assert result.returncode == 1
    assert f"Port {port} is already in use" in result.stderr
    assert not (root / "primary").exists(), "nothing may start before the port check"
    shutil.rmtree(root, ignore_errors=True)
