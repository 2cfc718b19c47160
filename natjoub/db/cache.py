"""Django's database cache with atomic ``add`` and ``incr``: the shared cache of django-ratelimit's
counters when no Redis/Valkey is configured (docs/api.md §29.1).

Django's ``DatabaseCache`` is a read-modify-write cache: ``add`` selects then inserts and
``incr`` is a ``get`` followed by a ``set``, so two processes counting at once lose increments
(django-ratelimit refuses it for that reason, check ``django_ratelimit.E003``). Here:

* ``add`` and ``set`` are one ``INSERT … ON CONFLICT`` statement each (``add`` replaces only an
  expired row);
* integers are stored as text with a ``#`` prefix, so ``incr`` is one ``UPDATE … SET value =
  value + delta … RETURNING``; any other value as JSON with a ``~`` prefix. Nothing is pickled
  (docs/api.md §35): a row that is neither (e.g. a pickle Django's own cache wrote) reads as a miss;
* ``JSONSerializer`` does the same for Django's Redis/Valkey cache;
* every operation runs on the primary (a counter read from a replica would be stale), and rows
  are only ever deleted once expired (Django's culling would drop live counters).

django-ratelimit counts with ``add(key, 1)`` followed, when the key exists, by ``incr(key)``. To
keep that at one statement per request, each process remembers until when it has seen a counter
alive: ``add`` of a counter this process knows to be live answers ``False`` without a round trip,
and the ``incr`` that follows is an upsert, so a counter deleted meanwhile (by ``clear``, or a
test's rollback) is recreated with the expiry it had instead of being lost.
"""

from __future__ import annotations

import functools
import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import BaseDatabaseCache, DatabaseCache
from django.db import connections, router
from django.utils.module_loading import import_string
from django.utils.timezone import now as tz_now

from natjoub.db.sql import identifier, render, sql

COUNTER_PREFIX = "#"
JSON_PREFIX = "~"
_GARBAGE = object()  # a stored value that is neither a counter nor our JSON: read as a miss
_KNOWN_LIVE_MAX = 50_000
# (table, cache key) -> expiry of a counter this process has seen live (shared by its threads).
_known_live: dict[tuple[str, str], datetime] = {}


def _is_counter(value) -> bool:
    return type(value) is int


@dataclass(frozen=True)
class _Statements:
    """The cache's statements over one table (``LOCATION``), composed with psycopg's ``sql``
    (docs/architecture.md §3.11): the table an ``Identifier``, every value bound."""

    cull: str
    add: str
    set: str
    incr_upsert: str
    incr: str
    get_many: str
    has_key: str


@functools.cache
def _statements(location: str) -> _Statements:
    def statement(text: str) -> str:
        return render(sql.SQL(text).format(table=identifier(location)))

    return _Statements(
        cull=statement("DELETE FROM {table} WHERE expires < %s"),
        add=statement("""
                INSERT INTO {table} AS c (cache_key, value, expires) VALUES (%s, %s, %s)
                ON CONFLICT (cache_key) DO UPDATE SET value = EXCLUDED.value, expires = EXCLUDED.expires
                WHERE c.expires < %s
                RETURNING c.expires
                """),
        set=statement("""
                INSERT INTO {table} (cache_key, value, expires) VALUES (%s, %s, %s)
                ON CONFLICT (cache_key) DO UPDATE SET value = EXCLUDED.value, expires = EXCLUDED.expires
                """),
        # a counter deleted since this process saw it comes back with the expiry it had
        incr_upsert=statement("""
                    INSERT INTO {table} AS c (cache_key, value, expires) VALUES (%s, %s, %s)
                    ON CONFLICT (cache_key) DO UPDATE SET
                        value = CASE WHEN c.expires < %s THEN EXCLUDED.value
                                ELSE %s || (substr(c.value, 2)::bigint + %s)::text END,
                        expires = CASE WHEN c.expires < %s THEN EXCLUDED.expires ELSE c.expires END
                    RETURNING substr(c.value, 2)::bigint, c.expires
                    """),
        incr=statement("""
                    UPDATE {table} SET value = %s || (substr(value, 2)::bigint + %s)::text
                    WHERE cache_key = %s AND expires >= %s AND left(value, 1) = %s
                    RETURNING substr(value, 2)::bigint, expires
                    """),
        get_many=statement("SELECT cache_key, value FROM {table} WHERE cache_key = ANY(%s) AND expires >= %s"),
        has_key=statement("SELECT 1 FROM {table} WHERE cache_key = %s AND expires >= %s"),
    )


class PostgresCache(DatabaseCache):
    """A ``DatabaseCache`` whose ``add``/``incr`` are single atomic statements (see the module)."""

    cull_probability = 0.001

    # -- plumbing -------------------------------------------------------------------------------
    def _connection(self):
        return connections[router.db_for_write(self.cache_model_class)]

    @property
    def _sql(self) -> _Statements:
        return _statements(self._table)

    def _encode(self, value) -> str:
        if _is_counter(value):
            return f"{COUNTER_PREFIX}{value}"
        return JSON_PREFIX + json.dumps(value, separators=(",", ":"))

    @staticmethod
    def _decode(raw: str):
        try:
            if raw.startswith(COUNTER_PREFIX):
                return int(raw[1:])
            if raw.startswith(JSON_PREFIX):
                return json.loads(raw[1:])
        except ValueError:
            pass
        return _GARBAGE

    def _expiry(self, timeout) -> datetime:
        seconds = self.get_backend_timeout(timeout)
        return datetime.max.replace(tzinfo=UTC) if seconds is None else datetime.fromtimestamp(seconds, tz=UTC)

    def _remember(self, key: str, expires: datetime) -> None:
        if len(_known_live) >= _KNOWN_LIVE_MAX:
            moment = tz_now()
            for stale in [k for k, until in _known_live.items() if until < moment]:
                _known_live.pop(stale, None)
            if len(_known_live) >= _KNOWN_LIVE_MAX:
                _known_live.clear()
        _known_live[(self._table, key)] = expires

    def _known_expiry(self, key: str) -> datetime | None:
        expires = _known_live.get((self._table, key))
        return expires if expires is not None and expires >= tz_now() else None

    def _forget(self, keys) -> None:
        for key in keys:
            _known_live.pop((self._table, key), None)

    def _maybe_cull(self, cursor, moment: datetime) -> None:
        if random.random() < self.cull_probability:  # noqa: S311 - not security sensitive
            cursor.execute(self._sql.cull, [moment])

    def _cull(self, db, cursor, now, num):
        """Django culls live rows once the table passes MAX_ENTRIES; here only expired ones go."""
        cursor.execute(self._sql.cull, [now])

    # -- writes -----------------------------------------------------------------------------------
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        if _is_counter(value) and self._known_expiry(key) is not None:
            return False  # this process saw the counter live: it exists until that expiry
        expires, moment = self._expiry(timeout), tz_now()
        with self._connection().cursor() as cursor:
            cursor.execute(self._sql.add, [key, self._encode(value), expires, moment])
            added = cursor.fetchone() is not None
            self._maybe_cull(cursor, moment)
        if added and _is_counter(value):
            self._remember(key, expires)
        return added

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        key = self.make_and_validate_key(key, version=version)
        expires = self._expiry(timeout)
        with self._connection().cursor() as cursor:
            cursor.execute(self._sql.set, [key, self._encode(value), expires])
        if _is_counter(value):
            self._remember(key, expires)
        else:
            self._forget([key])

    def incr(self, key, delta=1, version=None) -> int:
        made = self.make_and_validate_key(key, version=version)
        moment, known = tz_now(), self._known_expiry(made)
        with self._connection().cursor() as cursor:
            if known is not None:  # upsert: a counter deleted since this process saw it comes back
                cursor.execute(
                    self._sql.incr_upsert,
                    [made, f"{COUNTER_PREFIX}{delta}", known, moment, COUNTER_PREFIX, delta, moment],
                )
            else:
                cursor.execute(
                    self._sql.incr,
                    [COUNTER_PREFIX, delta, made, moment, COUNTER_PREFIX],
                )
            row = cursor.fetchone()
        if row is None:
            return super().incr(key, delta, version)  # missing (ValueError) or a JSON value
        value, expires = row
        self._remember(made, expires)
        return value

    # -- reads and deletes: always the primary ------------------------------------------------
    def get(self, key, default=None, version=None):
        return self.get_many([key], version).get(key, default)

    def get_many(self, keys, version=None) -> dict:
        if not keys:
            return {}
        key_map = {self.make_and_validate_key(key, version=version): key for key in keys}
        with self._connection().cursor() as cursor:
            cursor.execute(self._sql.get_many, [list(key_map), tz_now()])
            rows = cursor.fetchall()
        decoded = ((key_map[key], self._decode(value)) for key, value in rows)
        return {key: value for key, value in decoded if value is not _GARBAGE}

    def has_key(self, key, version=None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        with self._connection().cursor() as cursor:
            cursor.execute(self._sql.has_key, [key, tz_now()])
            return cursor.fetchone() is not None

    def _base_delete_many(self, keys) -> bool:
        self._forget(keys)
        return super()._base_delete_many(keys)

    def clear(self) -> None:
        prefix = self._table
        for known in [k for k in _known_live if k[0] == prefix]:
            _known_live.pop(known, None)
        super().clear()


class JSONSerializer:
    """Serializer of Django's ``RedisCache`` (``OPTIONS["serializer"]``): integers stay raw (Redis
    ``INCRBY`` counts them atomically), anything else is JSON. Django's default serializer
    unpickles whatever the server returns, so anyone able to write one key (the read-your-writes
    mark ``ryw:c:<ip>`` has a predictable name) could run code in every worker; here a value that
    is neither an integer nor JSON reads as ``None``, which the rate limiter and the replica marks
    treat as "no value" (docs/api.md §35)."""

    def dumps(self, obj):
        if type(obj) is int:  # not bool
            return obj
        return json.dumps(obj, separators=(",", ":")).encode()

    def loads(self, data):
        try:
            return int(data)
        except ValueError:
            pass
        try:
            return json.loads(data)
        except (ValueError, UnicodeDecodeError):
            return None


def missing_tables() -> list[str]:
    """Tables of the configured database caches (``CACHES``) that do not exist: ``migrate`` creates
    ``natjoub_cache`` (migration natjoub 0003); without it every rate limit would fail open."""
    missing = []
    for config in settings.CACHES.values():
        backend = import_string(config["BACKEND"])
        if not issubclass(backend, BaseDatabaseCache):
            continue
        cache_model = backend(config["LOCATION"], {}).cache_model_class
        connection = connections[router.db_for_write(cache_model)]
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s)", [connection.ops.quote_name(config["LOCATION"])])
            if cursor.fetchone()[0] is None:
                missing.append(config["LOCATION"])
    return missing
