"""One topology of ``make cluster`` for the whole run (docs/scaling.md): PostgreSQL primary + 2
streaming replicas, PgBouncer in transaction mode, Valkey, 3 app nodes (one worker each, to
keep two cores breathing) behind HAProxy on a free port. It is stopped at the end of the run,
and nothing it started may be left behind."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

from natjoub.cluster.processes import free_port
from natjoub.cluster.topology import PROJECT_ROOT, Topology, pids_of
from natjoub.db.embedded import EmbeddedServer
from tests.cluster.client import Client

# Real limits for the auth bucket (docs/api.md §29.1); the api bucket is out of the way of the
# load tests (each test still uses its own client address).
APP_SETTINGS = {"RATE_LIMIT_AUTH_PER_MINUTE": "5", "RATE_LIMIT_API_PER_MINUTE": "1000000", "LOG_LEVEL": "INFO"}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/cluster/" in str(item.fspath):
            item.add_marker(pytest.mark.cluster)


@pytest.fixture(scope="session")
def cluster():
    root = Path(tempfile.mkdtemp(prefix="natjoub-cluster-"))
    root.chmod(0o755)
    topology = Topology(
        root, free_port(), bind="127.0.0.1", workers=1, threads=4, app_settings=dict(APP_SETTINGS), say=lambda _: None
    )
    topology.start()
    try:
        yield topology
    finally:
        topology.stop()
        left = pids_of(topology)
        shutil.rmtree(root, ignore_errors=True)
        assert left == [], f"processes left behind by the cluster: {left}"


@pytest.fixture(scope="session")
def admin(cluster) -> Client:
    return Client(cluster.port).login("admin@example.com", "admin123")


def connect(server: EmbeddedServer) -> psycopg.Connection:
    return psycopg.connect(server.tcp_uri(), autocommit=True, connect_timeout=3)


def xact_commits(server: EmbeddedServer) -> int:
    with connect(server) as conn:
        return conn.execute("SELECT xact_commit FROM pg_stat_database WHERE datname = 'postgres'").fetchone()[0]


def manage(cluster: Topology, *args: str, **kw) -> subprocess.CompletedProcess:
    """``manage.py <args>`` straight against the primary."""
    env = {k: v for k, v in os.environ.items() if k not in ("NATJOUB_EMBEDDED_DB_URI", "DJANGO_SETTINGS_MODULE")}
    env.update({"DATABASE_URL": cluster.postgres.primary_url, "DATABASE_POOL": "false"})
    return subprocess.run(  # noqa: S603
        [sys.executable, str(PROJECT_ROOT / "manage.py"), *args],
        env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False, **kw,
    )  # fmt: skip


def wait_for(predicate, timeout: float = 30, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"{what}: not reached within {timeout} s"
        time.sleep(0.2)
