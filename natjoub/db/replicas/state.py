"""Where one request reads from (docs/api.md §32).

A request that may write (POST, PUT, PATCH, DELETE) reads from the primary throughout. A safe
request (GET, HEAD, OPTIONS) picks one replica at its first read and keeps it, so its reads see
one consistent position of the database; it falls back to the primary when no replica is up, none
lags less than ``DATABASE_REPLICA_MAX_LAG_SECONDS``, or none has replayed the caller's last write
yet. Once a request writes (or opens a transaction on the primary), its later reads stay on the
primary. Outside a request there is no state and every read goes to the primary.
"""

from __future__ import annotations

import functools
import logging
import random
import re
import time
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache.backends.db import BaseDatabaseCache
from django.db import DatabaseError, DataError, IntegrityError, ProgrammingError, connections
from django.utils.module_loading import import_string

from natjoub.db.replicas import marks
from natjoub.db.replicas.lsn import parse_lsn
from natjoub.db.replicas.monitor import monitor

PRIMARY = "default"
logger = logging.getLogger("natjoub.db.replicas")
_current: ContextVar[RequestRouting | None] = ContextVar("natjoub_request_routing", default=None)


def current() -> RequestRouting | None:
    return _current.get()


@dataclass
class RequestRouting:
    callers: tuple[str, ...]  # cache keys of the caller's read-your-writes marks
    primary_only: bool = False
    wrote: bool = False
    replica: str | None = None  # the replica this request reads from, once chosen
    chosen: bool = False
    failed_replica: str | None = None
    also_for: set[str] = field(default_factory=set)  # more callers who must see this request's writes

    def activate(self):
        return _current.set(self)

    @staticmethod
    def deactivate(token) -> None:
        _current.reset(token)

    def pin_primary(self) -> None:
        self.primary_only = True
        self.replica = None
        self.chosen = True

    def read_alias(self) -> str:
        if self.primary_only or self.wrote:
            return PRIMARY
        if not self.chosen:
            self.chosen = True
            self.replica = self._choose()
        return self.replica or PRIMARY

    # -- choosing a replica ---------------------------------------------------------------------
    def _choose(self) -> str | None:
        try:
            required = marks.required_lsn(self.callers)
        except Exception as exc:  # the shared cache is down: the primary is always right
            warn_throttled(
                f"read-your-writes marks unavailable ({type(exc).__name__}: {exc}); reading from the primary"
            )
            return None
        max_lag = settings.DATABASE_REPLICA_MAX_LAG_SECONDS
        candidates = monitor.usable(max_lag)
        random.shuffle(candidates)  # load spreading
        # Replicas known to have replayed the caller's last write first; the others get one fresh look.
        candidates.sort(key=lambda status: not status.has_replayed(required))
        for status in candidates:
            if self._connect(status.alias) and (
                status.has_replayed(required) or self._caught_up(status.alias, required)
            ):
                return status.alias
        return None

    @staticmethod
    def _connect(alias: str) -> bool:
        try:
            connections[alias].ensure_connection()
        except DatabaseError:
            monitor.mark_down(alias)
            return False
        return True

    @staticmethod
    def _caught_up(alias: str, required: int) -> bool:
        """Has ``alias`` replayed ``required`` by now? One query on the connection the request uses."""
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT pg_last_wal_replay_lsn()::text")
                replayed = parse_lsn(cursor.fetchone()[0])
        except DatabaseError:
            monitor.mark_down(alias)
            return False
        monitor.saw_replay(alias, replayed)
        return replayed is not None and replayed >= required

    # -- watching the connections ----------------------------------------------------------------
    def watch_primary(self, execute, sql, params, many, context):
        """Execute wrapper of the primary: a statement inside a transaction, or a write, pins the
        rest of the request to the primary and makes it record the caller's mark. Statements of
        the database cache (rate-limit counters, the marks themselves, expired entries it deletes
        on read) are not the caller's data."""
        if not self.wrote and (context["connection"].in_atomic_block or _WRITE.match(sql)):
            self.wrote = not _on_cache_table(sql)
        return execute(sql, params, many, context)

    def watch_replica(self, execute, sql, params, many, context):
        """Execute wrapper of a replica: a failure marks it down and lets the middleware re-run
        the request on the primary."""
        try:
            return execute(sql, params, many, context)
        except DatabaseError as exc:
            if not isinstance(exc, _QUERY_ERRORS):
                alias = context["connection"].alias
                self.failed_replica = alias
                monitor.mark_down(alias)
            raise


_last_warning = [0.0]
WARNING_INTERVAL_SECONDS = 10


def warn_throttled(message: str) -> None:
    """One warning per process every 10 s: an outage of the cache must not flood the log."""
    now = time.monotonic()
    if now - _last_warning[0] >= WARNING_INTERVAL_SECONDS:
        _last_warning[0] = now
        logger.warning(message)


@functools.cache
def _cache_tables() -> tuple[str, ...]:
    """Quoted table names of the configured database caches."""
    return tuple(
        f'"{config["LOCATION"]}"'
        for config in settings.CACHES.values()
        if issubclass(import_string(config["BACKEND"]), BaseDatabaseCache)
    )


def _on_cache_table(sql: str) -> bool:
    return any(table in sql for table in _cache_tables())


_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|MERGE|COPY|TRUNCATE|CREATE|ALTER|DROP|GRANT)\b", re.IGNORECASE)
# Errors of the query itself: the same query would fail on the primary too.
_QUERY_ERRORS = (DataError, IntegrityError, ProgrammingError)
