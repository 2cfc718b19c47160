"""The request side of replica routing (docs/api.md §32)."""

from __future__ import annotations

import contextlib
import logging

from django.db import connections, transaction

from natjoub.db.replicas import marks, replica_aliases
from natjoub.db.replicas.lsn import primary_wal_lsn
from natjoub.db.replicas.state import RequestRouting, warn_throttled

logger = logging.getLogger("natjoub.db.replicas")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def remember_write_for(user_id) -> None:
    """Inside a request: this request's writes must be visible to ``user_id``'s next requests too
    (e.g. an admin revoking that user's sessions). Outside a request it does nothing."""
    from natjoub.db.replicas.state import current

    routing = current()
    if routing is not None:
        routing.also_for.add(marks.user_key(user_id))


def remember_revocation() -> None:
    """This write ends someone's access (a session, a user, a back-office sign-in): once it is
    committed, no request on any node may read a replica that has not replayed it (docs/api.md
    §35). In a request the revocations mark is raised with the caller's own after the response is
    made (before it is sent); outside a request (a command), when the transaction commits."""
    from natjoub.db.replicas.state import current

    routing = current()
    if routing is not None:
        routing.also_for.add(marks.REVOCATIONS_KEY)
    elif replica_aliases():
        transaction.on_commit(_record_revocation)


def _record_revocation() -> None:
    try:
        marks.remember({marks.REVOCATIONS_KEY}, primary_wal_lsn())
    except Exception as exc:  # the revocation stands; replicas lag milliseconds, at most the max lag
        warn_throttled(f"could not record the revocations mark ({type(exc).__name__}: {exc})")


class ReadYourWritesMiddleware:
    """Opens the request's routing state; re-runs a read-only request on the primary when a replica
    failed under it (an outage is never a 5xx); after a request that wrote, records the caller's
    read-your-writes mark. Without replicas it does nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        aliases = replica_aliases()
        if not aliases:
            return self.get_response(request)
        routing = RequestRouting(callers=marks.caller_keys(request), primary_only=request.method not in SAFE_METHODS)
        token = routing.activate()
        try:
            with contextlib.ExitStack() as watches:
                watches.enter_context(connections["default"].execute_wrapper(routing.watch_primary))
                for alias in aliases:
                    watches.enter_context(connections[alias].execute_wrapper(routing.watch_replica))
                response = self.get_response(request)
                if routing.failed_replica and response.status_code >= 500 and not routing.wrote:
                    logger.warning(
                        "replica %s failed during %s %s; answering from the primary",
                        routing.failed_replica, request.method, request.path,
                    )  # fmt: skip
                    routing.pin_primary()
                    response = self.get_response(request)
            if routing.wrote:
                self._remember(routing)
        finally:
            routing.deactivate(token)
        return response

    @staticmethod
    def _remember(routing: RequestRouting) -> None:
        try:
            marks.remember({*routing.callers, *routing.also_for}, primary_wal_lsn())
        except Exception as exc:  # the response stands; while the cache is down, reads go to the primary
            warn_throttled(f"could not record the read-your-writes mark ({type(exc).__name__}: {exc})")
