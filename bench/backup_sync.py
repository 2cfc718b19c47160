"""Commit-latency cost of synchronous WAL streaming (docs/api.md §38, docs/operations.md).

Two runs of the real `manage.py serve` on one fresh data directory, both streaming WAL to Barman:
BACKUP_SYNCHRONOUS=false (a commit waits for the local disk only), then =true (it also waits until
pg_receivewal has flushed it into the backup directory). In each run, movement POSTs (IN, 1 unit)
from 1 client and from 8 clients (one item each), timed client-side; then, on the synchronous
server, bare commits alternating synchronous_commit = on / local, which isolates the wait for the
receiver from HTTP and Django. Results in bench/results/backup_sync.md.

    .venv/bin/python bench/backup_sync.py [--requests 400]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, root: Path, synchronous: bool) -> None:
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if k not in ("NATJOUB_EMBEDDED_DB_URI", "DATABASE_URL")}
        env.update(
            EMBEDDED_PG_DATA=str(root / "pgdata"), BACKUP_DIR=str(root / "backups"), BACKUP_STREAMING="true",
            BACKUP_SYNCHRONOUS=str(synchronous).lower(), RATE_LIMIT_ENABLED="false", LOG_LEVEL="WARNING",
        )  # fmt: skip
        self.log = open(root / f"serve-{self.port}.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--port", str(self.port)], cwd=ROOT, env=env,
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            self._ready()
        except BaseException:
            self.stop()
            raise

    def _ready(self) -> None:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if self.call("GET", "/health/ready")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.3)
        sign_in = {"identifier": "admin@example.com", "password": "admin123"}
        _status, body = self.call("POST", "/api/v1/auth/login", sign_in)
        self.token = body["data"]["accessToken"]
        self.items = [i["id"] for i in self.call("GET", "/api/v1/inventory/items?size=8", auth=True)[1]["data"]]
        self.branch = self.call("GET", "/api/v1/inventory/branches?size=1", auth=True)[1]["data"][0]["id"]

    def call(self, method, path, body=None, auth=False, conn=None):
        own = conn is None
        conn = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {self.token}"
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        response = conn.getresponse()
        content = response.read()
        if own:
            conn.close()
        is_json = response.getheader("Content-Type", "").startswith("application/json")
        return response.status, (json.loads(content) if content and is_json else None)

    def post_movements(self, clients: int, total: int) -> list[float]:
        latencies: list[float] = []
        lock = threading.Lock()

        def worker(index: int) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            body = {"inventoryItemId": self.items[index % len(self.items)], "movementType": "IN", "quantity": 1,
                    "toBranchId": self.branch}  # fmt: skip
            for _ in range(total // clients):
                started = time.perf_counter()
                status, _ = self.call("POST", "/api/v1/inventory/movements", body, auth=True, conn=conn)
                elapsed = time.perf_counter() - started
                assert status == 201, status
                with lock:
                    latencies.append(elapsed)
            conn.close()

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return latencies

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGINT)
        self.process.wait(60)
        self.log.close()


def direct_commits(root: Path, blocks: int = 10, per_block: int = 100) -> dict[str, list[float]]:
    """One-row INSERT commits on one connection, alternating blocks with ``synchronous_commit =
    on`` (waits for the receiver's flush) and ``local`` (does not): the same server, the same
    moment, no HTTP or Django in the way."""
    import psycopg

    from natjoub.db.embedded import EmbeddedServer

    timings: dict[str, list[float]] = {"on": [], "local": []}
    with psycopg.connect(EmbeddedServer(root / "pgdata").uri(), autocommit=True) as conn:
        conn.execute("CREATE TEMP TABLE bench_commits (n int)")
        for block in range(blocks * 2):
            mode = "on" if block % 2 == 0 else "local"
            conn.execute(f"SET synchronous_commit = {mode}")
            for n in range(per_block):
                started = time.perf_counter()
                conn.execute("INSERT INTO bench_commits VALUES (%s)", [n])
                timings[mode].append(time.perf_counter() - started)
    return timings


def summary(latencies: list[float]) -> tuple[float, float, float]:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered) * 1000, p99 * 1000, statistics.mean(ordered) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="movement POSTs per scenario")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="natjoub-backup-bench-"))
    root.chmod(0o755)
    rows = []
    commits: dict[str, list[float]] = {}
    try:
        for synchronous in (False, True):
            server = Server(root, synchronous)
            try:
                server.post_movements(1, 50)  # warm-up
                for clients in (1, 8):
                    p50, p99, mean = summary(server.post_movements(clients, args.requests))
                    rows.append((synchronous, clients, p50, p99, mean))
                if synchronous:
                    commits = direct_commits(root)
            finally:
                server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    lines = [
        "# Movement POST latency: synchronous WAL streaming vs asynchronous",
        "",
        f"{args.requests} POSTs per row, client-side, ms; {os.cpu_count()} cores.",
        "",
        "| BACKUP_SYNCHRONOUS | clients | p50 | p99 | mean |",
        "|---|---|---|---|---|",
        *(f"| {str(s).lower()} | {c} | {p50:.1f} | {p99:.1f} | {mean:.1f} |" for s, c, p50, p99, mean in rows),
    ]
    for clients in (1, 8):
        off = next(r for r in rows if not r[0] and r[1] == clients)
        on = next(r for r in rows if r[0] and r[1] == clients)
        lines.append(f"\nRatio p50 synchronous/asynchronous, {clients} client(s): {on[2] / off[2]:.2f}")
    lines += [
        "",
        "Direct commits (one-row INSERT, one connection, the synchronous server; alternating blocks of 100):",
        "",
        "| synchronous_commit | commits | p50 ms | p99 ms | mean ms |",
        "|---|---|---|---|---|",
    ]
    for mode, label in (("local", "local (no wait for the receiver)"), ("on", "on (waits for the receiver)")):
        p50, p99, mean = summary(commits[mode])
        lines.append(f"| {label} | {len(commits[mode])} | {p50:.2f} | {p99:.2f} | {mean:.2f} |")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "backup_sync.md").write_text("\n".join(lines) + "\n")
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
