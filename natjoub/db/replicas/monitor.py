"""Per process: each replica's liveness, replay position and lag (docs/api.md §32).

One request at a time refreshes the statuses, at most every ``REFRESH_SECONDS``, over the
monitor's own connections (never the request's): the primary's WAL position, then each replica's
replay position. Lag is 0 while a replica has replayed everything the primary had written at the
refresh; otherwise it is the age of the last transaction the replica replayed (a replica that
stopped replaying falls behind by the clock, even when the primary writes nothing new). A replica
that refuses connections is down until a refresh reaches it again; a request that finds it
failing marks it down at once (``mark_down``).
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import threading
import time
from dataclasses import dataclass, replace

import psycopg
from django.conf import settings

from natjoub.db.config import libpq_params
from natjoub.db.replicas import replica_aliases
from natjoub.db.replicas.lsn import parse_lsn

REFRESH_SECONDS = 0.5
CONNECT_TIMEOUT_SECONDS = 1
APPLICATION_NAME = "natjoub replica monitor"  # tells its sessions apart in pg_stat_activity
logger = logging.getLogger("natjoub.db.replicas")

_REPLICA_STATUS_SQL = """
SELECT pg_is_in_recovery(),
       pg_last_wal_replay_lsn()::text,
       pg_last_wal_receive_lsn()::text,
       EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8
"""


@dataclass(frozen=True)
class ReplicaStatus:
    alias: str
    up: bool = False
    replay_lsn: int | None = None
    lag_seconds: float = math.inf

    def has_replayed(self, lsn: int | None) -> bool:
        return lsn is None or (self.replay_lsn is not None and self.replay_lsn >= lsn)


def conninfo(alias: str) -> dict:
    """libpq parameters of a configured database alias, for a connection outside Django's pool."""
    return libpq_params(settings.DATABASES[alias])


class Monitor:
    def __init__(self) -> None:
        self._statuses: dict[str, ReplicaStatus] = {}
        self._connections: dict[str, psycopg.Connection] = {}
        self._refresh_lock = threading.Lock()
        self._refreshed_at = -math.inf

    # -- what requests ask -----------------------------------------------------------------------
    def usable(self, max_lag: float) -> list[ReplicaStatus]:
        """Replicas that are up and lag at most ``max_lag`` seconds (statuses at most
        ``REFRESH_SECONDS`` old; the caller refreshes them when they are older)."""
        if time.monotonic() - self._refreshed_at >= REFRESH_SECONDS and self._refresh_lock.acquire(blocking=False):
            try:
                self.refresh()
            finally:
                self._refresh_lock.release()
        statuses = self._statuses
        return [
            statuses[a]
            for a in replica_aliases()
            if a in statuses and statuses[a].up and statuses[a].lag_seconds <= max_lag
        ]

    def status(self, alias: str) -> ReplicaStatus | None:
        return self._statuses.get(alias)

    def mark_down(self, alias: str) -> None:
        if self._statuses.get(alias, ReplicaStatus(alias)).up:
            logger.warning("replica %s is unreachable; reading from the others or the primary", alias)
        self._statuses = {**self._statuses, alias: ReplicaStatus(alias)}

    def saw_replay(self, alias: str, lsn: int | None) -> None:
        """A request read a fresher replay position than the last refresh."""
        status = self._statuses.get(alias)
        if status is not None and lsn is not None and (status.replay_lsn or 0) < lsn:
            self._statuses = {**self._statuses, alias: replace(status, replay_lsn=lsn)}

    # -- refreshing ------------------------------------------------------------------------------
    def refresh(self) -> None:
        primary_lsn = self._primary_lsn()
        statuses = {alias: self._probe(alias, primary_lsn) for alias in replica_aliases()}
        for alias, status in statuses.items():
            if status.up and not self._statuses.get(alias, ReplicaStatus(alias)).up:
                logger.info("replica %s is up (lag %.3f s)", alias, status.lag_seconds)
        self._statuses = statuses
        self._refreshed_at = time.monotonic()

    def _query(self, alias: str, sql: str):
        conn = self._connections.get(alias)
        if conn is None or conn.closed:
            conn = psycopg.connect(
                **{**conninfo(alias), "application_name": APPLICATION_NAME},
                autocommit=True,
                connect_timeout=CONNECT_TIMEOUT_SECONDS,
                prepare_threshold=None,
            )
            self._connections[alias] = conn
        try:
            return conn.execute(sql).fetchone()
        except psycopg.Error:
            self._forget(alias)
            raise

    def _forget(self, alias: str) -> None:
        conn = self._connections.pop(alias, None)
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    def _primary_lsn(self) -> int | None:
        try:
            return parse_lsn(self._query("default", "SELECT pg_current_wal_lsn()::text")[0])
        except (psycopg.Error, OSError):
            return None

    def _probe(self, alias: str, primary_lsn: int | None) -> ReplicaStatus:
        try:
            in_recovery, replay, receive, replay_age = self._query(alias, _REPLICA_STATUS_SQL)
        except (psycopg.Error, OSError):
            return ReplicaStatus(alias)
        replay_lsn = parse_lsn(replay)
        if not in_recovery or replay_lsn is None:  # promoted, or not a streaming replica at all
            logger.warning("database %s is not a streaming replica; not reading from it", alias)
            return ReplicaStatus(alias)
        reference = primary_lsn if primary_lsn is not None else parse_lsn(receive)
        if reference is not None and replay_lsn >= reference:
            lag = 0.0
        else:
            lag = replay_age if replay_age is not None else math.inf
        return ReplicaStatus(alias, up=True, replay_lsn=replay_lsn, lag_seconds=max(lag, 0.0))

    def reset(self) -> None:
        for alias in list(self._connections):
            self._forget(alias)
        self._statuses = {}
        self._refreshed_at = -math.inf


monitor = Monitor()
# A forked worker must not share the parent's sockets.
os.register_at_fork(after_in_child=lambda: monitor.__init__())
