"""A real streaming replica of the test database's server, for the routing tests.

``pg_basebackup -R -X stream`` from the server the tests already use (the embedded one, or the
one ``DATABASE_URL`` names when it allows replication connections), started on a free port with
its own socket directory, and registered as the alias ``replica_1`` for the duration.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import tempfile
import time
from pathlib import Path

from django.db import connections

from natjoub.db.embedded import EmbeddedServer
from natjoub.db.replicas.monitor import monitor

ALIAS = "replica_1"
# Commits reach the replica a quarter second late: a read right after a write finds it behind,
# as a loaded replica would be. Queries that block replay are cancelled after a second.
REPLICA_SETTINGS = {"recovery_min_apply_delay": "250ms", "max_standby_streaming_delay": "1s"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def source_conninfo() -> str:
    db = connections["default"].settings_dict
    parts = {"host": db["HOST"], "port": db["PORT"], "user": db["USER"], "password": db["PASSWORD"]}
    return " ".join(f"{key}={value}" for key, value in parts.items() if value)


class StreamingReplica:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="natjoub-replica-"))
        self.root.chmod(0o755)
        self.server = EmbeddedServer(self.root / "data", port=free_port())

    def start(self) -> None:
        if not self.server.initialized():
            self.server.basebackup(source_conninfo(), settings=REPLICA_SETTINGS)
        self.server.start()

    def stop(self) -> None:
        self.server.stop()

    def register(self) -> None:
        default = connections["default"].settings_dict
        replica = {
            **default,
            "HOST": str(self.server.socket_dir),
            "PORT": str(self.server.port),
            "TEST": {"MIRROR": "default"},
        }
        replica["OPTIONS"] = {k: v for k, v in default["OPTIONS"].items() if k != "pool"}
        connections.settings[ALIAS] = replica

    def unregister(self) -> None:
        with contextlib.suppress(Exception):
            connections[ALIAS].close()
        with contextlib.suppress(AttributeError):
            del connections[ALIAS]
        connections.settings.pop(ALIAS, None)
        monitor.reset()

    def execute(self, sql: str):
        import psycopg

        with psycopg.connect(self.server.uri(connections["default"].settings_dict["NAME"]), autocommit=True) as conn:
            return conn.execute(sql).fetchall()

    def wait_until_replayed(self, timeout: float = 10) -> None:
        """Until the replica has replayed everything the primary has written so far."""
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()")
            target = cursor.fetchone()[0]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.execute(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")[0][0]:
                return
            time.sleep(0.02)
        raise AssertionError(f"the replica did not replay {target} within {timeout} s")

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
