"""The pool's health check (natjoub/db/pool.py): a round trip only for a connection that has been
idle for a while; a broken one is still found then. Real connections to the test server."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection

from natjoub.db import pool

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair():
    """A fresh psycopg connection to the test database and a way to kill its backend."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    conn = psycopg.connect(**params, autocommit=True)

    def kill() -> None:
        pid = conn.info.backend_pid
        with psycopg.connect(**params, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])  # waits until it has exited
            assert not admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchall()

    yield conn, kill
    conn.close()


def test_a_connection_never_returned_is_checked(pair):
    conn, kill = pair
    pool.check(conn)  # healthy: no error
    kill()
    with pytest.raises(psycopg.OperationalError):
        pool.check(conn)


def test_a_connection_just_returned_costs_no_round_trip(pair):
    conn, kill = pair
    pool.returned(conn)
    kill()  # broken behind the pool's back: not noticed without a round trip
    pool.check(conn)


def test_a_connection_idle_for_a_while_is_checked_again(pair, monkeypatch):
    conn, kill = pair
    pool.returned(conn)
    monkeypatch.setattr(pool, "RECHECK_AFTER_SECONDS", 0.0)
    kill()
    with pytest.raises(psycopg.OperationalError):
        pool.check(conn)


def test_the_settings_install_both_callbacks(monkeypatch):
    from natjoub import settings as project_settings

    monkeypatch.setattr(project_settings, "DATABASE_POOL", True)  # the tests themselves run unpooled
    options = project_settings._database("postgresql://app@localhost/natjoub")["OPTIONS"]["pool"]
    assert (options["check"], options["reset"]) == (pool.check, pool.returned)
