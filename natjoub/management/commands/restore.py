"""`manage.py restore`: recover the database to a point in time into a new data directory
(docs/api.md §38). manage.py starts no embedded server for this command."""

from __future__ import annotations

import os
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from natjoub.backup import barman, config, restore
from natjoub.db.embedded import EmbeddedServer, default_server


def _iso(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--to-time must be an ISO-8601 date and time, got {value!r}") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # the project's time zone (TIME_ZONE = "UTC")
    return moment.isoformat()


class Command(BaseCommand):
    help = (
        "Recover the database from Barman's backups into a new data directory (--target DIR), up to --to-time "
        "(ISO 8601; omitted: everything streamed). --replace puts the result in place of the embedded server's "
        "data directory (.pgdata/, kept aside as .pgdata.before-restore-<time>), and refuses while that server runs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--to-time", help="recover the transactions committed up to this moment (ISO 8601)")
        parser.add_argument("--backup", help="the base backup to start from (default: the newest before --to-time)")
        parser.add_argument("--target", help="a new (absent or empty) directory for the recovered data")
        parser.add_argument(
            "--replace", action="store_true", help="replace the embedded server's data directory (server stopped)"
        )

    def handle(self, *args, **options):
        if not options["target"] and not options["replace"]:
            raise CommandError("give --target DIR (a new directory), or --replace for the embedded server's data")
        to_time = _iso(options["to_time"]) if options["to_time"] else None
        cfg = config.from_django_settings()
        data_dir = default_server().data_dir
        target = Path(options["target"]).resolve() if options["target"] else data_dir
        replacing = target == data_dir or (target.exists() and any(target.iterdir()))
        if replacing and not options["replace"]:
            raise CommandError(f"{target} holds data: restore into a new directory, or add --replace")
        if options["replace"]:
            self._replace(cfg, target, to_time, options["backup"])
        else:
            self._restore(cfg, target, to_time, options["backup"])

    def _restore(self, cfg, target: Path, to_time: str | None, backup_id: str | None) -> restore.Restored:
        started = time.monotonic()
        try:
            result = restore.recover(cfg, target, to_time=to_time, backup_id=backup_id)
        except (restore.RestoreError, barman.BarmanError) as exc:
            raise CommandError(str(exc)) from None
        point = f"up to {to_time}" if to_time else "up to the newest streamed WAL"
        self.stdout.write(
            f"Restored backup {result.backup_id} {point} into {result.target} in {time.monotonic() - started:.1f} s"
            + (f" (with the receiver's partial segment {result.partial})" if result.partial else "")
        )
        self.stdout.write(
            f"Start it with: EMBEDDED_PG_DATA={result.target} make run   (recovery runs at the first start)"
        )
        return result

    def _replace(self, cfg, target: Path, to_time: str | None, backup_id: str | None) -> None:
        if os.environ.get("DATABASE_URL"):
            raise CommandError("--replace works on the embedded server only: restore into --target and move it")
        if EmbeddedServer(target).postmaster_alive():
            raise CommandError(f"the server on {target} is running: stop it (make run / tests) before --replace")
        staging = target.with_name(f"{target.name}.restoring")
        shutil.rmtree(staging, ignore_errors=True)
        self._restore(cfg, staging, to_time, backup_id)
        if target.exists():
            aside = target.with_name(f"{target.name}.before-restore-{datetime.now(UTC):%Y%m%dT%H%M%S}")
            target.rename(aside)
            self.stdout.write(f"The previous data directory is kept in {aside}")
        staging.rename(target)
        self.stdout.write(self.style.SUCCESS(f"{target} replaced: the next `make run` recovers and serves it."))
