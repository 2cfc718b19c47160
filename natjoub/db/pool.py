"""The connection pool's health check, paid only when it can find something.

Django's pool (``OPTIONS["pool"]`` with ``CONN_HEALTH_CHECKS``) checks every connection it hands
out with a round trip, and Django takes a connection from the pool for every request: the check
was a third of the bearer-authenticated profile GET (docs/architecture.md §3.8). A connection that
went back to the pool healthy less than ``RECHECK_AFTER_SECONDS`` ago is handed out unchecked; one
idle for longer (a database restart, an idle timeout, a pooler that dropped it) is checked as
before. A connection that breaks inside that second fails its request once (503, docs/api.md
§17) and is then discarded by the pool, like one that breaks during a request.

The return time is recorded by the project's backend when Django hands the connection back
(``natjoub.db.backend.base.DatabaseWrapper._close``), not by a pool ``reset`` callback: with any
``reset`` callback psycopg_pool returns *every* connection through its worker threads (a queue
hop and a GIL hand-off per request, and the next request of the thread may wait for it) instead
of inline in ``putconn``. ``options()`` therefore installs ``check`` only.
"""

from __future__ import annotations

import time

from psycopg import Connection
from psycopg.pq import TransactionStatus
from psycopg_pool import ConnectionPool

RECHECK_AFTER_SECONDS = 1.0
_ATTRIBUTE = "_natjoub_returned_at"  # on the psycopg connection itself: no lookup table to clean up


def returned(connection: Connection) -> None:
    """The connection goes back to the pool idle, after a request without database errors."""
    setattr(connection, _ATTRIBUTE, time.monotonic())


def forget(connection: Connection) -> None:
    """The connection goes back after a database error: check it before handing it out again."""
    if hasattr(connection, _ATTRIBUTE):
        delattr(connection, _ATTRIBUTE)


def handing_back(connection: Connection, *, errors_occurred: bool) -> None:
    """Called by the backend right before ``putconn``: record whether the connection is known good."""
    if not errors_occurred and connection.pgconn.transaction_status == TransactionStatus.IDLE:
        returned(connection)
    else:
        forget(connection)


def check(connection: Connection) -> None:
    """The pool's ``check`` callback: raises when the connection is unusable."""
    since = getattr(connection, _ATTRIBUTE, None)
    if since is not None and time.monotonic() - since < RECHECK_AFTER_SECONDS and not connection.closed:
        return
    ConnectionPool.check_connection(connection)


def options() -> dict:
    return {"check": check}
