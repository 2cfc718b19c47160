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

Each signal has one receiver of ours instead of two or three (``request_started``: Django's
``reset_queries`` and ``close_old_connections``; ``request_finished``: also Django's
``close_caches`` and ``reset_urlconf``): a receiver costs a weak reference and a call per request,
and ``close_caches`` walks the thread's caches to call ``close()``, which every configured backend
inherits as a no-op (``BaseCache.close``; checked whenever ``settings.CACHES`` changes, and called
as before for any backend that defines one). ~10 µs of a ~200 µs ``/health/live``
(bench/results/notes.md "Round 4"). ``reset_urlconf`` and the caches run for every request, the
test client's included, as Django's receivers did.
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.core import signals
from django.core.cache import caches
from django.core.cache import close_caches as django_close_caches
from django.core.cache.backends.base import BaseCache
from django.core.handlers.base import reset_urlconf as django_reset_urlconf
from django.db import close_old_connections as django_close_old_connections
from django.db import reset_queries as django_reset_queries
from django.utils.module_loading import import_string

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


_cache_closes: list = [None, False]  # [the settings.CACHES it was decided for, whether any backend closes]


def _caches_close() -> bool:
    """Whether a configured cache backend does anything in ``close()``."""
    configured = settings.CACHES
    if _cache_closes[0] is not configured:
        closes = any(import_string(c["BACKEND"]).close is not BaseCache.close for c in configured.values())
        _cache_closes[:] = [configured, closes]
    return _cache_closes[1]


def request_started(sender=None, **kwargs) -> None:
    reset_queries(sender)
    close_old_connections(sender)


def request_finished(sender=None, **kwargs) -> None:
    if _caches_close():
        caches.close_all()
    django_reset_urlconf(sender)
    close_old_connections(sender)


def install() -> None:
    """Replace Django's receivers by these (``NatJoubConfig.ready``)."""
    signals.request_started.disconnect(django_reset_queries)
    signals.request_started.disconnect(django_close_old_connections)
    signals.request_finished.disconnect(django_close_old_connections)
    signals.request_finished.disconnect(django_close_caches)
    signals.request_finished.disconnect(django_reset_urlconf)
    signals.request_started.connect(request_started)
    signals.request_finished.connect(request_finished)
