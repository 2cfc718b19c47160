"""The WAL receiver: ``barman receive-wal`` under a small supervisor (docs/api.md §38).

``manage.py serve`` starts ``python -m natjoub.backup.streaming CONFIG`` as one more child, in a
session of its own, and stops it with the rest (``stop()``: the whole process group, so nothing
outlives it). The process runs ``barman receive-wal`` (which runs ``pg_receivewal`` through the
replication slot ``barman``) in that group, moves finished WAL segments into Barman's catalogue every ``ARCHIVE_EVERY``
seconds (``barman archive-wal``), and exits when the receiver exits: nothing restarts it but the
next ``make run`` (or ``manage.py backup --stream``); ``backup --check`` and the
``natjoub_backup_wal_streaming`` gauge report it as down meanwhile. It dies with its parent
(``PR_SET_PDEATHSIG``), so a SIGKILL of ``serve`` does not leave a receiver behind.

``BACKUP_SYNCHRONOUS`` lists the receiver's application name in ``synchronous_standby_names``
before it starts: Barman then runs ``pg_receivewal --synchronous``, and PostgreSQL acknowledges a
commit only once the receiver has flushed its WAL to the backup directory.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from natjoub.backup.barman import environment, executable
from natjoub.backup.config import RECEIVER_NAME, SERVER

ARCHIVE_EVERY = 30.0  # seconds
STOP_TIMEOUT = 2.0  # pg_receivewal and Barman exit at once on SIGTERM; then SIGKILL


def _die_with_parent() -> None:
    parent = os.getppid()
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        sys.exit(0)


def _kill_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


def _signal_my_group(signum: int) -> None:
    """Every other process of this process group (the receiver and what it started)."""
    from natjoub.serving.procfs import processes

    me, group = os.getpid(), os.getpgid(0)
    for process in processes():
        if process.pgid == group and process.pid != me and process.state not in ("Z", "X"):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(process.pid, signum)


def main(config_file: str) -> int:
    _die_with_parent()
    barman = [executable(), "-c", config_file]
    stopping: list[int] = []
    signal.signal(signal.SIGTERM, lambda signum, frame: stopping.append(signum))
    signal.signal(signal.SIGINT, lambda signum, frame: stopping.append(signum))
    receiver = subprocess.Popen([*barman, "receive-wal", SERVER], env=environment())  # noqa: S603
    next_archive = time.monotonic() + ARCHIVE_EVERY
    try:
        while not stopping:
            try:
                code = receiver.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                if time.monotonic() >= next_archive:
                    subprocess.run(  # noqa: S603
                        [*barman, "-q", "archive-wal", SERVER], env=environment(), check=False, timeout=120
                    )
                    next_archive = time.monotonic() + ARCHIVE_EVERY
                continue
            sys.stderr.write(f"WAL streaming stopped: barman receive-wal exited with status {code}\n")
            return 1
    finally:
        _signal_my_group(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while receiver.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        _signal_my_group(signal.SIGKILL)  # pg_receivewal too, should it linger
    return 0


# -- used by manage.py serve / backup -------------------------------------------------------
def start(config_file: Path, *, log=None) -> subprocess.Popen:
    """Start the receiver's supervisor in a session of its own (a terminal's Ctrl-C reaches only
    its parent, which stops it: ``serve`` after granian)."""
    return subprocess.Popen(  # noqa: S603 - this module with the generated configuration
        [sys.executable, "-m", "natjoub.backup.streaming", str(config_file)],
        env=environment(), start_new_session=True, stdout=log, stderr=log,
    )  # fmt: skip


def stop(process: subprocess.Popen, timeout: float = STOP_TIMEOUT + 0.5) -> None:
    """SIGTERM to the whole group (supervisor, Barman, pg_receivewal), SIGKILL after ``timeout``."""
    _kill_group(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    _kill_group(process.pid, signal.SIGKILL)  # whatever of the group is left


def run_foreground(config_file: Path) -> int:
    """``backup --stream``: the supervisor as a child until SIGINT/SIGTERM (then 0) or until the
    receiver dies (its exit status)."""
    stopping: list[int] = []
    previous = {
        signum: signal.signal(signum, lambda s, f: stopping.append(s)) for signum in (signal.SIGINT, signal.SIGTERM)
    }
    process = start(config_file)
    try:
        while process.poll() is None and not stopping:
            time.sleep(0.2)
    finally:
        stop(process)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 0 if stopping else (process.returncode or 1)


def set_synchronous(params: dict, enabled: bool) -> bool:
    """List the receiver in ``synchronous_standby_names`` (or remove it) and reload; False when the
    server refused (ALTER SYSTEM needs a superuser or the ALTER SYSTEM privilege)."""
    import psycopg
    from psycopg import sql

    wanted = RECEIVER_NAME if enabled else ""
    try:
        with psycopg.connect(**params, autocommit=True, connect_timeout=5) as conn:
            current = conn.execute("SHOW synchronous_standby_names").fetchone()[0]
            if current == wanted or (not enabled and RECEIVER_NAME not in current):
                return True
            if enabled:
                names = sql.SQL("ALTER SYSTEM SET synchronous_standby_names = {}").format(sql.Literal(RECEIVER_NAME))
                conn.execute(names)
            else:
                conn.execute("ALTER SYSTEM RESET synchronous_standby_names")
            conn.execute("SELECT pg_reload_conf()")
            # the reload is asynchronous: wait until this backend sees it
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                if conn.execute("SHOW synchronous_standby_names").fetchone()[0] == wanted:
                    break
                time.sleep(0.05)
    except psycopg.Error:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
