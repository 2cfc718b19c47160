"""Django's database cache with atomic counters, for rate limiting across processes.

django-ratelimit refuses ``DatabaseCache`` because its ``incr`` is a read-modify-write. Here
``hit()`` increments a windowed counter in one ``INSERT … ON CONFLICT DO UPDATE`` statement, so
every worker process of every replica sees one exact count. Counter keys hold a plain integer
and are only used through ``hit()``.
"""

from __future__ import annotations

import random

from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router


class PostgresCache(DatabaseCache):
    cull_probability = 0.001

    def hit(self, key: str, window_seconds: int) -> tuple[int, float]:
        """Count one request in ``key``'s window; return (count, seconds until the window ends).

        A window starts with the first hit after the previous one ended and is not extended by
        later hits.
        """
        key = self.make_and_validate_key(key)
        db = router.db_for_write(self.cache_model_class)
        table = connections[db].ops.quote_name(self._table)
        with connections[db].cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {table} AS c (cache_key, value, expires)
                VALUES (%s, '1', now() + make_interval(secs => %s))
                ON CONFLICT (cache_key) DO UPDATE SET
                    value = CASE WHEN c.expires <= now() THEN '1' ELSE (c.value::bigint + 1)::text END,
                    expires = CASE WHEN c.expires <= now() THEN EXCLUDED.expires ELSE c.expires END
                RETURNING c.value::bigint, GREATEST(EXTRACT(EPOCH FROM (c.expires - now())), 0)::float8
                """,  # noqa: S608 - the table name comes from settings, not from input
                [key, window_seconds],
            )
            count, seconds_left = cursor.fetchone()
            if random.random() < self.cull_probability:  # noqa: S311 - not security sensitive
                cursor.execute(f"DELETE FROM {table} WHERE expires < now() - interval '1 hour'")  # noqa: S608
        return count, seconds_left
