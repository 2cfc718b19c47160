"""Django's per-request connection housekeeping, for the connections a thread actually opened.

Django connects ``reset_queries`` to ``request_started`` and ``close_old_connections`` to both
``request_started`` and ``request_finished``; each walks every configured alias (replicas
included) through the thread-critical ``asgiref.Local`` of ``django.db.connections``, twice per
alias, whether the request used it or not: ~30 % of ``/health/live``, which uses none
(docs/architecture.md §3.8). Here the project's backend records each connection it opens in a
plain thread-local set (``opened``), and the same two functions run over that set only; a wrapper
leaves it once its connection is closed and its query log is empty. What they do per connection
is Django's own (``close_if_unusable_or_obsolete``, ``queries_log.clear()``), so broken, obsolete
and ``CONN_MAX_AGE``-expired connections are still closed, and pooled ones still go back to the
pool at the end of every request.

Django's test client disconnects ``django.db.close_old_connections`` around its requests so that
a test's transaction survives them; these receivers likewise skip what the test client sends: its
``request_started`` (sender ``django.test.client.ClientHandler``) and its ``request_finished``
(sender ``None``: only the real handlers, WSGI and ASGI, name themselves as the sender).
"""

from __future__ import annotations

import threading

from django.core import signals
from django.db import close_old_connections as django_close_old_connections
from django.db import reset_queries as django_reset_queries

_local = threading.local()
_TEST_CLIENT = "django.test.client"


def opened(wrapper) -> None:
    """The backend opened a connection for ``wrapper`` in this thread."""
    try:
        _local.wrappers.add(wrapper)
    except AttributeError:
        _local.wrappers = {wrapper}


def _wrappers() -> set:
    try:
        return _local.wrappers
    except AttributeError:
        return set()


_verdicts: dict = {}  # sender class -> whether it is a real handler (not the test client's, or a subclass)


def _from_a_handler(sender) -> bool:
    if sender is None:
        return False
    try:
        return _verdicts[sender]
    except KeyError:
        mro = getattr(sender, "__mro__", (sender,))  # DRF's APIClient handler subclasses the test client's
        verdict = _verdicts[sender] = not any(cls.__module__ == _TEST_CLIENT for cls in mro)
        return verdict


def reset_queries(sender=None, **kwargs) -> None:
    if not _from_a_handler(sender):
        return
    for wrapper in _wrappers():
        wrapper.queries_log.clear()


def close_old_connections(sender=None, **kwargs) -> None:
    if not _from_a_handler(sender):
        return
    wrappers = _wrappers()
    if not wrappers:
        return
    for wrapper in list(wrappers):
        wrapper.close_if_unusable_or_obsolete()
        if wrapper.connection is None and not wrapper.queries_log:
            wrappers.discard(wrapper)


def install() -> None:
    """Replace Django's receivers by these (``NatJoubConfig.ready``)."""
    signals.request_started.disconnect(django_reset_queries)
    signals.request_started.disconnect(django_close_old_connections)
    signals.request_finished.disconnect(django_close_old_connections)
    signals.request_started.connect(reset_queries)
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)
