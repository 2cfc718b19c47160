"""PostgreSQL: a primary and its streaming replicas, each an ``EmbeddedServer`` on 127.0.0.1.

The primary's data directory is kept between runs (like ``make run``'s ``.pgdata``); replicas are
made anew from it at every start (``pg_basebackup -R -X stream``: well under a second for the demo
data), so a replica never has to catch up with a long-gone primary.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from natjoub.cluster.processes import free_port
from natjoub.db.embedded import EmbeddedServer

HOST = "127.0.0.1"
DATABASE = "postgres"
# Connections: PgBouncer's server pool, the app nodes' replica pools, tests and tools.
PRIMARY_SETTINGS = {"max_connections": "300", "max_wal_senders": "10", "wal_keep_size": "256MB"}
# A replica cancels queries that hold up replay after 5 s, reports what it still needs (fewer
# conflicts), and answers reads while it replays.
REPLICA_SETTINGS = {"max_standby_streaming_delay": "5s", "hot_standby_feedback": "on", "hot_standby": "on"}


@dataclass
class PostgresCluster:
    directory: Path
    replica_count: int = 2
    primary: EmbeddedServer = field(init=False)
    replicas: list[EmbeddedServer] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        self.primary = EmbeddedServer(self.directory / "primary", port=free_port(), listen=HOST)

    def start_primary(self) -> None:
        if not self.primary.initialized():
            self.primary.initdb()
            with (self.primary.data_dir / "postgresql.conf").open("a") as fh:
                fh.write("\n# --- natjoub cluster primary ---\n")
                fh.writelines(f"{name} = '{value}'\n" for name, value in PRIMARY_SETTINGS.items())
        self.primary.ensure_running()

    def start_replicas(self) -> None:
        source = f"host={HOST} port={self.primary.port} user=postgres"
        for number in range(1, self.replica_count + 1):
            data_dir = self.directory / f"replica-{number}"
            stale = EmbeddedServer(data_dir)
            stale.stop(mode="immediate")  # a replica a crashed run left behind
            shutil.rmtree(data_dir, ignore_errors=True)
            replica = EmbeddedServer(data_dir, port=free_port(), listen=HOST)
            replica.basebackup(source, settings=REPLICA_SETTINGS)
            replica.start()
            self.replicas.append(replica)

    def start(self) -> None:
        self.start_primary()
        self.start_replicas()

    def stop(self) -> None:
        for server in [*self.replicas, self.primary]:
            server.stop()

    @property
    def primary_url(self) -> str:
        return self.primary.tcp_uri(DATABASE)

    @property
    def replica_urls(self) -> list[str]:
        return [replica.tcp_uri(DATABASE) for replica in self.replicas]
