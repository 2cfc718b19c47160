"""Backup health read cheaply, for ``/metrics`` and ``backup --check`` (docs/api.md §38).

* the last base backup: the newest ``meta/<id>-backup.info`` with ``status=DONE`` in Barman's
  catalogue (files only, no Barman process);
* WAL streaming: the receiver's row in ``pg_stat_replication`` (``state = streaming``), asked of
  the server itself, so it also holds where the backup directory is not mounted (an app pod).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from natjoub.backup.config import RECEIVER_NAME, SERVER

logger = logging.getLogger(__name__)

STREAMING_SQL = "SELECT count(*) FROM pg_stat_replication WHERE application_name = %s AND state = 'streaming'"


def _info(path: Path) -> dict[str, str]:
    fields = {}
    for line in path.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep:
            fields[key.strip()] = value.strip()
    return fields


def backup_infos(server_dir: Path) -> list[Path]:
    """Barman's description of every base backup (``meta/``; older Barman kept it in ``base/<id>/``)."""
    return [*server_dir.glob("meta/*-backup.info"), *server_dir.glob("base/*/backup.info")]


def last_backup_end(server_dir: Path) -> float | None:
    """End time (epoch seconds) of the newest completed base backup, None when there is none."""
    newest = None
    for info in backup_infos(server_dir):
        try:
            fields = _info(info)
            if fields.get("status") != "DONE":
                continue
            ended = datetime.fromisoformat(fields["end_time"]).timestamp()
        except (OSError, KeyError, ValueError):
            continue
        newest = ended if newest is None else max(newest, ended)
    return newest


def last_backup_age(server_dir: Path) -> float:
    ended = last_backup_end(server_dir)
    return math.inf if ended is None else max(0.0, time.time() - ended)


def streaming(cursor) -> bool:
    cursor.execute(STREAMING_SQL, [RECEIVER_NAME])
    return cursor.fetchone()[0] > 0


class BackupCollector:
    """``natjoub_backup_last_age_seconds`` (+Inf before the first backup) and
    ``natjoub_backup_wal_streaming`` (1 while the WAL receiver streams)."""

    def collect(self) -> Iterator:
        from django.conf import settings
        from django.db import DatabaseError, connection
        from prometheus_client.core import GaugeMetricFamily

        age = GaugeMetricFamily(
            "natjoub_backup_last_age_seconds", "Seconds since the newest completed base backup ended (+Inf: none)"
        )
        age.add_metric([], last_backup_age(Path(settings.BACKUP_DIR) / SERVER))
        yield age
        try:
            with connection.cursor() as cursor:
                up = streaming(cursor)
        except DatabaseError:
            logger.warning("natjoub_backup_wal_streaming skipped: database unavailable")
            return
        gauge = GaugeMetricFamily(
            "natjoub_backup_wal_streaming", "1 while Barman's WAL receiver streams from the primary, else 0"
        )
        gauge.add_metric([], 1 if up else 0)
        yield gauge


BACKUP_COLLECTOR = BackupCollector()
