"""The connection pool's health check, paid only when it can find something.

Django's pool (``OPTIONS["pool"]`` with ``CONN_HEALTH_CHECKS``) checks every connection it hands
out with a round trip, and Django takes a connection from the pool for every request: the check
was a third of the bearer-authenticated profile GET (docs/architecture.md §3.8). A connection that
went back to the pool healthy less than ``RECHECK_AFTER_SECONDS`` ago is handed out unchecked; one
idle for longer (a database restart, an idle timeout, a pooler that dropped it) is checked as
before. A connection that breaks inside that second fails its request once (503, docs/api.md
§17) and is then discarded by the pool, like one that breaks during a request.
"""

from __future__ import annotations

import time
import weakref

from psycopg import Connection
from psycopg_pool import ConnectionPool

RECHECK_AFTER_SECONDS = 1.0

_returned_at: weakref.WeakKeyDictionary[Connection, float] = weakref.WeakKeyDictionary()


def returned(connection: Connection) -> None:
    """The pool's ``reset`` callback: the connection came back idle and healthy."""
    _returned_at[connection] = time.monotonic()


def check(connection: Connection) -> None:
    """The pool's ``check`` callback: raises when the connection is unusable."""
    since = _returned_at.get(connection)
    if since is not None and time.monotonic() - since < RECHECK_AFTER_SECONDS and not connection.closed:
        return
    ConnectionPool.check_connection(connection)


def options() -> dict:
    return {"check": check, "reset": returned}
