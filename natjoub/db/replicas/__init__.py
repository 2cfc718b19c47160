"""Read replicas that users cannot notice (docs/api.md §32).

* ``state``: what one request may read from — a ContextVar set by the middleware; outside a
  request (commands, shells, jobs) every read goes to the primary.
* ``lsn``: WAL positions: the primary's after a write, a replica's replay position.
* ``marks``: read-your-writes across nodes: the primary's WAL position after a caller's last write,
  kept in the shared Django cache under the caller's user id and client address.
* ``monitor``: per process, each replica's replay position, lag and liveness, refreshed at most
  every ``REFRESH_SECONDS``; a replica that is down or lags is skipped.
* ``middleware``: opens the request's routing state, re-runs a read-only request on the primary
  when a replica failed under it (so an outage is never a 5xx), and records the caller's mark
  after a request that wrote.

The router (``natjoub.db.router``) asks ``state.current()`` for each read.
"""

from __future__ import annotations

from django.conf import settings


def replica_aliases() -> list[str]:
    """The database aliases of the read replicas (``DATABASE_REPLICA_URLS``), in order."""
    return list(getattr(settings, "DATABASE_REPLICA_ALIASES", ()))
