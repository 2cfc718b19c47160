"""`manage.py backup`: base backups, the catalogue, health, and the WAL receiver (docs/api.md §38)."""

from __future__ import annotations

import re
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection

from natjoub.backup import barman, config, status, streaming

RECEIVER_START_TIMEOUT = 30  # seconds
BACKUP_WAIT_TIMEOUT = 600  # seconds Barman waits for the backup's last WAL segment
_AGE = re.compile(r"^\s*(\d+)\s*(HOUR|DAY|WEEK|MONTH)S?\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"HOUR": 3600, "DAY": 86_400, "WEEK": 604_800, "MONTH": 2_678_400}


def max_age_seconds(text: str) -> int:
    match = _AGE.match(text)
    if not match:
        raise CommandError(f"BACKUP_MAX_AGE must look like '1 DAYS' or '12 HOURS', got {text!r}")
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2).upper()]


class Command(BaseCommand):
    help = (
        "Take a base backup now with Barman (verified with pg_verifybackup; backups outside BACKUP_RETENTION "
        "are deleted), or --list the catalogue, --check the health (exit 1 when WAL streaming is down or the "
        "newest backup is older than BACKUP_MAX_AGE), or --stream WAL in the foreground."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--list", action="store_true", help="list the base backups")
        group.add_argument("--check", action="store_true", help="exit non-zero unless backups are healthy")
        group.add_argument("--stream", action="store_true", help="run the WAL receiver until SIGTERM/SIGINT")

    def handle(self, *args, **options):
        cfg = config.from_django_settings()
        try:
            if options["list"]:
                return self._list(cfg)
            if options["check"]:
                return self._check(cfg)
            if options["stream"]:
                return self._stream(cfg)
            return self._backup(cfg)
        except barman.BarmanError as exc:
            raise CommandError(str(exc)) from None

    # -- backup ----------------------------------------------------------------------------
    def _backup(self, cfg: config.BackupSettings) -> None:
        started = time.monotonic()
        receiver = None
        if not barman.receiver_running(cfg):
            # Barman's backup waits for its last WAL segment, which only the receiver brings in.
            config_file = config.write(cfg)
            with open(cfg.directory / "receiver.log", "a") as log:
                receiver = streaming.start(config_file, log=log)
            self._wait_for_receiver(cfg, receiver)
        try:
            if not barman.wal_archived(cfg):
                # Barman's pre-backup check wants one archived segment; on a new server it would
                # switch and wait with a short timeout of its own (failed on a loaded machine).
                barman.run(cfg, "switch-wal", "--force", "--archive", "--archive-timeout", "120", config.SERVER)
            output = barman.run(cfg, "backup", "--wait", "--wait-timeout", str(BACKUP_WAIT_TIMEOUT), config.SERVER)
        finally:
            if receiver is not None:
                streaming.stop(receiver)
        match = re.search(r"/base/(\S+)", output)
        if not match:
            raise CommandError(f"could not find the backup id in Barman's output:\n{output}")
        backup_id = match.group(1)
        barman.run(cfg, "verify-backup", config.SERVER, backup_id)  # pg_verifybackup on the copy
        info = barman.show(cfg, backup_id)
        size = info.get("base_backup_information", {}).get("backup_size", "?")
        self.stdout.write(
            f"Backup {backup_id} done: {size}, {time.monotonic() - started:.1f} s, verified by pg_verifybackup"
        )
        for obsolete in self._apply_retention(cfg):
            self.stdout.write(f"Deleted backup {obsolete} (outside {cfg.retention})")

    @staticmethod
    def _wait_for_receiver(cfg, receiver) -> None:
        deadline = time.monotonic() + RECEIVER_START_TIMEOUT
        while not barman.receiver_running(cfg):
            if receiver.poll() is not None or time.monotonic() > deadline:
                streaming.stop(receiver)
                raise CommandError("the WAL receiver (barman receive-wal) did not start; see BACKUP_DIR/barman.log")
            time.sleep(0.1)

    @staticmethod
    def _apply_retention(cfg) -> list[str]:
        """Delete what BACKUP_RETENTION marks obsolete (Barman keeps minimum_redundancy = 1)."""
        deleted = []
        for backup in barman.backups(cfg):
            if backup.get("retention_status") == "OBSOLETE":
                barman.run(cfg, "delete", config.SERVER, backup["backup_id"])
                deleted.append(backup["backup_id"])
        return deleted

    # -- list / check / stream ---------------------------------------------------------------
    def _list(self, cfg) -> None:
        rows = barman.backups(cfg)
        if not rows:
            self.stdout.write(f"No backup in {cfg.directory}.")
            return
        self.stdout.write(f"{'id':<18} {'ended':<26} {'size':>10} {'WAL':>10}  status")
        for row in rows:
            self.stdout.write(
                f"{row['backup_id']:<18} {row.get('end_time', ''):<26} {row.get('size', ''):>10} "
                f"{row.get('wal_size', ''):>10}  {row.get('status', '')} {row.get('retention_status', '')}"
            )

    def _check(self, cfg) -> None:
        problems = []
        try:
            with connection.cursor() as cursor:
                streams = status.streaming(cursor)
        except DatabaseError as exc:
            streams = False
            problems.append(f"database unreachable: {exc}")
        line = "OK" if streams else "FAILED (no barman_receive_wal in pg_stat_replication)"
        self.stdout.write(f"WAL streaming: {line}")
        if not streams:
            problems.append("WAL streaming is down")
        age, limit = status.last_backup_age(cfg.server_dir), max_age_seconds(settings.BACKUP_MAX_AGE)
        if age == float("inf"):
            self.stdout.write("last base backup: FAILED (none)")
            problems.append("no base backup")
        elif age > limit:
            self.stdout.write(f"last base backup: FAILED ({age:.0f} s ago, limit {settings.BACKUP_MAX_AGE})")
            problems.append("the newest base backup is too old")
        else:
            self.stdout.write(f"last base backup: OK ({age:.0f} s ago)")
        if problems:
            raise CommandError("backups unhealthy: " + "; ".join(problems))
        self.stdout.write(self.style.SUCCESS("Backups healthy."))

    def _stream(self, cfg) -> None:
        params = config.server_params()
        if not streaming.set_synchronous(params, settings.BACKUP_SYNCHRONOUS):
            self.stderr.write("could not change synchronous_standby_names (needs ALTER SYSTEM); set it yourself")
        connection.close()
        if streaming.run_foreground(config.write(cfg)):
            raise CommandError("WAL streaming stopped: the receiver exited (see above and BACKUP_DIR/barman.log)")
