"""PgBouncer in transaction mode in front of the primary (Debian's ``pgbouncer``).

It refuses to run as root: running as root, it runs as the embedded server's system user. Every
database name is passed through to the primary (``*``), so test databases work too. Transaction
mode returns a server connection to the pool at the end of each transaction: the app sets
``DATABASE_TRANSACTION_POOLING=true`` (docs/api.md §32).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from natjoub.cluster.processes import Child, free_port, give_to, port_open, require_binary, service_user, wait_until

HOST = "127.0.0.1"
POOL_SIZE = 60  # server connections to the primary; the primary allows 300


@dataclass
class PgBouncer:
    directory: Path
    primary_port: int
    port: int = field(default_factory=free_port)
    child: Child | None = None

    def config(self) -> str:
        return f"""\
[databases]
* = host={HOST} port={self.primary_port}

[pgbouncer]
listen_addr = {HOST}
listen_port = {self.port}
unix_socket_dir =
auth_type = trust
auth_file = {self.directory / "userlist.txt"}
admin_users = postgres
pool_mode = transaction
default_pool_size = {POOL_SIZE}
reserve_pool_size = 10
max_client_conn = 2000
server_reset_query =
ignore_startup_parameters = extra_float_digits
server_connect_timeout = 2
server_login_retry = 1
log_connections = 0
log_disconnections = 0
"""

    def start(self) -> None:
        binary = require_binary("pgbouncer", "pgbouncer")
        self.directory.mkdir(parents=True, exist_ok=True)
        self.directory.chmod(0o755)
        (self.directory / "pgbouncer.ini").write_text(self.config())
        (self.directory / "userlist.txt").write_text('"postgres" ""\n')
        user = service_user()
        give_to(self.directory, user)
        self.child = Child(
            "pgbouncer", [binary, str(self.directory / "pgbouncer.ini")], self.directory / "pgbouncer.log", user=user
        )
        self.child.start()
        wait_until(lambda: port_open(self.port), timeout=20, what="PgBouncer", process=self.child)

    def stop(self) -> None:
        if self.child:
            self.child.stop(timeout=5)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@{HOST}:{self.port}/{database}"
