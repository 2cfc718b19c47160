"""A cursor whose statements are bound server-side and prepared once per connection, for the few
hot statements written in SQL (docs/architecture.md §3.8).

Django's psycopg cursors bind client-side: every value is quoted into the text in Python, and
PostgreSQL parses and plans the whole statement on every execute (a stock movement's two
statements: ~0.5 ms of planning against ~0.6 ms of running, bench/results/notes.md "Round 4").
``prepared_cursor()`` gives a cursor through Django's own wrappers (execute wrappers such as the
replica routing, ``connection.queries`` / query counting, the database metrics) whose statements are
sent with their values apart and prepared the first time a connection runs them; the pool keeps
its connections, so each statement is planned once per connection.

Only these cursors prepare: Django's own cursors bind client-side and never do, whatever the
connection's threshold. Behind a pooler in transaction mode (``DATABASE_TRANSACTION_POOLING``,
docs/api.md §32) a prepared statement would not survive the transaction, so there it is Django's
plain cursor.
"""

from __future__ import annotations

import decimal
import functools
import uuid

from django.conf import settings
from django.db.backends.postgresql import base as pg_base

from natjoub.db.backend.base import exporting_cursor_class

# Auto-preparation of other server-bound statements stays off in practice: only these cursors
# ask for it, on every execute.
_THRESHOLD = 1_000_000


# psycopg prepares one statement per (text, parameter types), and the type it sends depends on
# the value: None is untyped, an int is int2, int4 or int8 by its size, a UUID is uuid. So these
# values go as text, untyped like None, and PostgreSQL infers each parameter's type from the
# statement once (a parameter without context needs a cast in the SQL, e.g. ``%(n)s::int``):
# one prepared statement per text, whatever the values.
_SENT_AS_TEXT = (int, uuid.UUID, decimal.Decimal)


def _untyped(value):
    if isinstance(value, _SENT_AS_TEXT) and not isinstance(value, bool):
        return str(value)
    return value


@functools.cache
def _cursor_class(alias: str, vendor: str):
    exporting = exporting_cursor_class(pg_base.ServerBindingCursor, alias, vendor)

    class PreparingCursor(exporting):
        def execute(self, query, params=None, **kwargs):
            kwargs.setdefault("prepare", True)
            if isinstance(params, dict):
                params = {name: _untyped(value) for name, value in params.items()}
            elif params is not None:
                params = [_untyped(value) for value in params]
            return super().execute(query, params, **kwargs)

    return PreparingCursor


def prepares(connection) -> bool:
    return connection.vendor == "postgresql" and not getattr(settings, "DATABASE_TRANSACTION_POOLING", False)


def prepared_cursor(connection):
    """A Django cursor (use it as a context manager) whose statements are prepared; a plain
    ``connection.cursor()`` where preparing is not possible."""
    if not prepares(connection):
        return connection.cursor()
    connection.close_if_health_check_failed()  # as Django's own cursor() does
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:  # Django's default; a client-side cursor never prepares anyway
        raw.prepare_threshold = _THRESHOLD
    cursor = _cursor_class(connection.alias, connection.vendor)(raw)
    return connection.make_debug_cursor(cursor) if connection.queries_logged else connection.make_cursor(cursor)
