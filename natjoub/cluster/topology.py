"""The whole topology: start in order, describe, stop in reverse order.

clients -> HAProxy :PORT -> app nodes (granian, serve --no-migrate --no-seed)
                              | writes, and reads that must see a write -> PgBouncer -> primary
                              | other reads -> replica 1 | replica 2 (streaming from the primary)
                              | rate-limit counters, read-your-writes marks -> Valkey
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from natjoub.cluster.backups import PrimaryBackups
from natjoub.cluster.haproxy import HAProxy
from natjoub.cluster.nodes import PROJECT_ROOT, AppNode, node_environment
from natjoub.cluster.pgbouncer import PgBouncer
from natjoub.cluster.postgres import PostgresCluster
from natjoub.cluster.processes import ClusterError, end_leftovers, port_free, record, wait_until
from natjoub.cluster.valkey import Valkey

PREPARE_COMMANDS = (["migrate", "--noinput", "-v", "0"], ["seed_demo"])  # migrate creates the cache table


@dataclass
class Topology:
    directory: Path
    port: int
    bind: str = "127.0.0.1"  # development nodes (public JWT secret): HOST=0.0.0.0 to expose them
    node_count: int = 3
    replica_count: int = 2
    workers: int = 2
    threads: int = 4
    seed: bool = True
    app_settings: dict[str, str | None] = field(default_factory=dict)  # None: unset the variable
    say: object = print

    postgres: PostgresCluster = field(init=False)
    pgbouncer: PgBouncer | None = field(init=False, default=None)
    valkey: Valkey | None = field(init=False, default=None)
    nodes: list[AppNode] = field(init=False, default_factory=list)
    haproxy: HAProxy | None = field(init=False, default=None)
    backups: PrimaryBackups | None = field(init=False, default=None)
    started_at: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self.directory = Path(self.directory).resolve()
        self.postgres = PostgresCluster(self.directory, replica_count=self.replica_count)

    # -- starting ---------------------------------------------------------------------------------
    def start(self) -> None:
        self.started_at = time.monotonic()
        if not port_free(self.bind, self.port):  # before anything starts (docs/api.md §33)
            raise ClusterError(f"Port {self.port} is already in use")
        self.directory.mkdir(parents=True, exist_ok=True)
        if ended := end_leftovers(self.directory):
            self.say(f"ended {len(ended)} processes left behind by a previous run")
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        self.postgres.primary.stop()  # a primary a crashed run left running (on another port)
        self.postgres.start_primary()
        self.say(f"primary      ready on 127.0.0.1:{self.postgres.primary.port}")
        self._prepare_database()
        self.postgres.start_replicas()
        for number, replica in enumerate(self.postgres.replicas, start=1):
            self.say(f"replica {number}    streaming on 127.0.0.1:{replica.port}")
        self.backups = PrimaryBackups(self.directory / "backups", self.postgres.primary)
        self.backups.start()
        self.say(f"backups      WAL streaming to {self.backups.directory}")
        self.pgbouncer = PgBouncer(self.directory / "pgbouncer", primary_port=self.postgres.primary.port)
        self.pgbouncer.start()
        self.valkey = Valkey(self.directory / "valkey")
        self.valkey.start()
        self.say(f"pgbouncer    ready on 127.0.0.1:{self.pgbouncer.port}; valkey on 127.0.0.1:{self.valkey.port}")
        self.nodes = [
            AppNode(f"node{n}", self.directory / "nodes", self.node_settings(), self.workers, self.threads)
            for n in range(1, self.node_count + 1)
        ]
        self._record()
        self.start_nodes()
        self.haproxy = HAProxy(self.directory / "haproxy", self.port, [(n.name, n.port) for n in self.nodes], self.bind)
        self.haproxy.start()
        self._record()
        self.wait_balanced()

    def _prepare_database(self) -> None:
        """Migrations, the cache table and the demo data, once, straight on the primary."""
        env = node_environment({"DATABASE_URL": self.postgres.primary_url, "DATABASE_POOL": "false"})
        log = self.directory / "prepare.log"
        commands = PREPARE_COMMANDS if self.seed else PREPARE_COMMANDS[:2]
        for command in commands:
            with open(log, "ab") as fh:
                result = subprocess.run(  # noqa: S603 - fixed argv
                    [sys.executable, str(PROJECT_ROOT / "manage.py"), *command],
                    env=env, cwd=PROJECT_ROOT, stdout=fh, stderr=subprocess.STDOUT, check=False,
                )  # fmt: skip
            if result.returncode != 0:
                tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
                raise ClusterError(f"manage.py {' '.join(command)} failed:\n{tail}")
        self.say("database     migrated" + (", demo data ready" if self.seed else ""))

    def node_settings(self) -> dict[str, str]:
        settings = {
            "DATABASE_URL": self.pgbouncer.url(),
            "DATABASE_TRANSACTION_POOLING": "true",
            "DATABASE_REPLICA_URLS": ",".join(self.postgres.replica_urls),
            "REDIS_URL": self.valkey.url,
            "TRUSTED_PROXY_COUNT": "1",  # HAProxy appends the client's address to X-Forwarded-For
            "DATABASE_MAX_POOL_SIZE": str(self.threads + 2),
            # WAL is streamed from the primary by one receiver (natjoub/cluster/backups.py), never by
            # each node through PgBouncer; the nodes' backup-age gauge reads its directory
            "BACKUP_STREAMING": "false",
            "BACKUP_DIR": str(self.directory / "backups"),
        }
        settings.update(self.app_settings)
        return {k: v for k, v in settings.items() if v is not None}

    def start_nodes(self) -> None:
        for node in self.nodes:
            node.start()
        for node in self.nodes:
            node.wait_ready()
        self._record()
        self.say("app nodes    " + ", ".join(f"{n.name} on 127.0.0.1:{n.port}" for n in self.nodes))

    def restart_nodes(self, app_settings: dict[str, str | None]) -> None:
        """Every node stopped, then started again with these settings (same ports)."""
        self.app_settings = dict(app_settings)
        self._parallel(lambda node: node.stop(), self.nodes)
        # HAProxy must have seen them go: a node restarted between two checks could still be in
        # "UP 1/2" (going down) and be taken out right after wait_balanced() returned.
        wait_until(
            lambda: set(self.haproxy.server_states().values()) == {"DOWN"},
            timeout=30,
            what="HAProxy marking the stopped nodes down",
        )
        for node in self.nodes:
            node.settings = self.node_settings()
        self.start_nodes()
        self.wait_balanced()

    def wait_balanced(self, timeout: float = 30) -> None:
        """Until HAProxy's health checks see every node settled up (not ``UP 1/2``, going down)."""
        wait_until(
            lambda: set(self.haproxy.server_states().values()) == {"UP"},
            timeout=timeout,
            what="HAProxy's health checks",
        )

    # -- stopping -----------------------------------------------------------------------------------
    def stop(self) -> None:
        """Everything that was started, in reverse order; each part gets its deadline, none is
        skipped because another failed to stop."""
        steps = [
            ("haproxy", self.haproxy and self.haproxy.stop),
            ("app nodes", self.nodes and (lambda: self._parallel(lambda node: node.stop(), self.nodes))),
            ("valkey", self.valkey and self.valkey.stop),
            ("pgbouncer", self.pgbouncer and self.pgbouncer.stop),
            ("WAL receiver", self.backups and self.backups.stop),
            ("postgres", self.postgres.stop),
        ]
        for name, step in steps:
            if not step:
                continue
            try:
                step()
            except Exception as exc:  # keep stopping the rest
                self.say(f"stopping {name} failed: {exc}")
        with contextlib.suppress(OSError):
            (self.directory / "pids.json").unlink()

    @staticmethod
    def _parallel(action, items) -> None:
        with ThreadPoolExecutor(max_workers=max(1, len(items))) as pool:
            list(pool.map(action, items))

    def _record(self) -> None:
        parts = [*self.nodes, self.pgbouncer, self.valkey, self.haproxy]
        children = [part.child for part in parts if part is not None and part.child]
        record(self.directory, children)

    # -- telling ------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.bind in ("0.0.0.0", "", "*") else self.bind  # noqa: S104
        return f"http://{host}:{self.port}"

    def describe(self) -> str:
        base = self.url
        replicas = "\n".join(
            f"    replica {n}: {url}  (streaming)" for n, url in enumerate(self.postgres.replica_urls, start=1)
        )
        nodes = "\n".join(
            f"    {node.name}: {node.url}  ({node.workers} worker(s) x {node.threads} threads)" for node in self.nodes
        )
        took = time.monotonic() - self.started_at
        return f"""\
NatJoub cluster is up on {base} (started in {took:.0f} s; Ctrl-C to stop everything)
  load balancer  HAProxy {base}  (health checks GET /health/ready every second)
  app nodes
{nodes}
  databases
    primary:   {self.postgres.primary_url}
    pgbouncer: {self.pgbouncer.url()}  (transaction mode; what the nodes write through)
{replicas}
  rate limits    Valkey {self.valkey.url}
  backups        WAL streamed to {self.backups.directory}; a base backup:
                 DATABASE_URL={self.postgres.primary_url} BACKUP_DIR={self.backups.directory} manage.py backup
  API docs {base}/api/docs/   Admin {base}/admin/   Metrics per node: <node>/metrics
  Demo sign-ins: admin@example.com / admin123, seller@example.com / seller123
  Files and logs: {self.directory}
"""


def pids_of(topology: Topology) -> list[int]:
    """Every process the topology started that is alive (PostgreSQL servers included)."""
    from natjoub.cluster.processes import descendants
    from natjoub.db.embedded import server_processes

    pids = []
    for part in [topology.haproxy, topology.pgbouncer, topology.valkey, *topology.nodes]:
        child = part.child if part is not None else None
        if child and child.alive():
            pids += [child.pid, *descendants(child.pid)]
    receiver = topology.backups.process if topology.backups is not None else None
    if receiver is not None and receiver.poll() is None:
        pids += [receiver.pid, *descendants(receiver.pid)]
    for server in [topology.postgres.primary, *topology.postgres.replicas]:
        pids += server_processes(server.data_dir)
    return sorted(set(pids))


def default_directory() -> Path:
    return Path(os.environ.get("CLUSTER_DIR", PROJECT_ROOT / ".cluster"))
