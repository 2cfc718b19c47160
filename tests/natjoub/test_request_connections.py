"""Per-request connection housekeeping over the connections a thread opened
(natjoub/db/request_connections.py): what Django's receivers did, without walking every alias."""

from __future__ import annotations

import sys

import pytest
from django.core import signals
from django.core.cache import caches
from django.core.cache import close_caches as django_close_caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.handlers.base import reset_urlconf as django_reset_urlconf
from django.core.handlers.wsgi import WSGIHandler
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db import close_old_connections as django_close_old_connections
from django.db import reset_queries as django_reset_queries
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test.client import ClientHandler
from django.urls import get_urlconf, set_urlconf
from rest_framework.test import ForceAuthClientHandler

from natjoub.db import request_connections

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def only_ours():
    """Django's own receivers off, as in production (the test client reconnects them after each
    of its requests)."""
    started = signals.request_started.disconnect(django_close_old_connections)
    reset = signals.request_started.disconnect(django_reset_queries)
    finished = signals.request_finished.disconnect(django_close_old_connections)
    for alias in connections:  # earlier tests of this thread may have left other aliases open
        if alias != DEFAULT_DB_ALIAS:
            connections[alias].close()
    request_connections.close_old_connections(sender=WSGIHandler)  # forgets the closed ones
    yield
    if started:
        signals.request_started.connect(django_close_old_connections)
    if reset:
        signals.request_started.connect(django_reset_queries)
    if finished:
        signals.request_finished.connect(django_close_old_connections)


@pytest.fixture
def touched(monkeypatch):
    """The aliases whose connection a receiver examined."""
    seen = []
    original = BaseDatabaseWrapper.close_if_unusable_or_obsolete

    def spy(self):
        seen.append(self.alias)
        return original(self)

    monkeypatch.setattr(BaseDatabaseWrapper, "close_if_unusable_or_obsolete", spy)
    return seen


def request(sender=WSGIHandler, finished_by=WSGIHandler, use_database: bool = True) -> None:
    """What a handler does around a request: the two signals, the view in between."""
    signals.request_started.send(sender=sender, environ={})
    if use_database:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    signals.request_finished.send(sender=finished_by)


def test_the_app_replaces_djangos_receivers():
    """Installed by NatJoubConfig.ready(): one receiver per signal instead of Django's five, which
    walked every configured alias and every cache of the thread on every request."""
    request_connections.install()  # idempotent: what ready() did
    started, finished = signals.request_started, signals.request_finished
    for signal, django_receiver in [
        (started, django_reset_queries),
        (started, django_close_old_connections),
        (finished, django_close_old_connections),
        (finished, django_close_caches),
        (finished, django_reset_urlconf),
    ]:
        assert not signal.disconnect(django_receiver)
    assert finished.disconnect(request_connections.request_finished)
    finished.connect(request_connections.request_finished)
    assert started.disconnect(request_connections.request_started)
    started.connect(request_connections.request_started)


@pytest.mark.parametrize("finished_by", [WSGIHandler, None], ids=["handler", "test client"])
def test_every_request_resets_the_urlconf_and_closes_caches_that_close(monkeypatch, settings, finished_by):
    """What Django's ``reset_urlconf`` and ``close_caches`` did, for every request (the test
    client's too); a backend without a ``close()`` of its own is not walked."""
    closed = []

    class Closing(LocMemCache):
        def close(self, **kwargs):
            closed.append(self)

    monkeypatch.setattr(sys.modules[__name__], "Closing", Closing, raising=False)
    set_urlconf("natjoub.urls")
    signals.request_finished.send(sender=finished_by)
    assert get_urlconf() is None
    assert not request_connections._caches_close()  # the configured backends inherit BaseCache.close
    settings.CACHES = {"default": {"BACKEND": f"{__name__}.Closing"}}
    caches["default"].get("x")  # initialised in this thread
    signals.request_finished.send(sender=finished_by)
    assert len(closed) == 1


def test_a_connection_opened_by_a_request_is_closed_at_its_end(only_ours, touched):
    connection.close()
    request()
    assert connection.connection is None  # closed (with a pool: handed back)
    assert set(touched) == {"default"}


def test_a_request_that_opens_nothing_examines_nothing(only_ours, touched):
    request()  # the last connection was closed at the end of that request
    touched.clear()
    request(use_database=False)  # /health/live: Django's receivers examined every initialised alias
    assert touched == []


def test_a_connection_opened_outside_a_request_is_closed_when_the_next_request_starts(only_ours, touched):
    connection.close()
    connection.ensure_connection()  # e.g. by a background job of the worker thread
    signals.request_started.send(sender=WSGIHandler, environ={})
    assert connection.connection is None  # CONN_MAX_AGE = 0: obsolete, as with Django's receiver
    assert set(touched) == {"default"}


def test_the_query_log_is_cleared_when_a_request_starts(only_ours):
    connection.close()
    connection.ensure_connection()
    connection.queries_log.append({"sql": "SELECT 1", "time": "0.000"})
    signals.request_started.send(sender=WSGIHandler, environ={})
    assert not connection.queries_log


def test_requests_of_the_test_client_are_left_alone(only_ours, touched):
    """Django's test client disconnects Django's receiver around its requests; ours skip them."""
    connection.close()
    connection.ensure_connection()
    request(sender=ClientHandler, finished_by=None)  # the test client's response names no handler
    request(sender=ForceAuthClientHandler, finished_by=None)  # DRF's APIClient
    assert connection.connection is not None
    assert touched == []
