"""The pool's health check (natjoub/db/pool.py): a round trip only for a connection that has been
idle for a while; a broken one is still found then. The return time is noted by the project's
backend when Django hands a connection back, not by a pool ``reset`` callback (which would send
every returned connection through the pool's worker threads). Real connections to the test server."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection
from django.db.utils import OperationalError, ProgrammingError

from natjoub.db import pool
from natjoub.db.backend.base import DatabaseWrapper

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


def test_the_settings_install_the_check_and_no_reset_callback(monkeypatch):
    from natjoub import settings as project_settings

    monkeypatch.setattr(project_settings, "DATABASE_POOL", True)  # the tests themselves run unpooled
    options = project_settings._database("postgresql://app@localhost/natjoub")["OPTIONS"]["pool"]
    assert options["check"] is pool.check
    assert "reset" not in options  # any reset callback makes psycopg_pool return connections in a thread


def terminate(pid: int) -> None:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])


@pytest.fixture
def pooled():
    """A Django connection of the project's backend with the settings' pool options."""
    settings_dict = {**connection.settings_dict}
    settings_dict["OPTIONS"] = {**settings_dict["OPTIONS"], "pool": {"min_size": 1, "max_size": 2, **pool.options()}}
    wrapper = DatabaseWrapper(settings_dict, alias="pool_checks_test")
    wrapper.pool.open(wait=True)  # its one connection is ready: the first request does not grow the pool
    yield wrapper
    wrapper.close()
    wrapper.close_pool()


def handed_out(wrapper) -> psycopg.Connection:
    wrapper.ensure_connection()
    return wrapper.connection


def test_django_hands_the_connection_back_inline_and_notes_the_time(pooled):
    raw = handed_out(pooled)
    pooled.close()
    assert pooled.pool.get_stats()["pool_available"] == 1  # back in the pool now, not queued for a worker
    assert handed_out(pooled) is raw  # the same connection, handed out again


def test_a_connection_handed_back_a_moment_ago_is_not_checked(pooled):
    raw = handed_out(pooled)
    pooled.close()
    terminate(raw.info.backend_pid)  # broken behind the pool's back: no round trip, not noticed
    assert handed_out(pooled) is raw
    with pytest.raises(OperationalError), pooled.cursor() as cursor:
        cursor.execute("SELECT 1")  # the request fails once; the pool then discards the connection


def test_a_connection_handed_back_long_ago_is_checked_and_replaced(pooled, monkeypatch):
    raw = handed_out(pooled)
    pooled.close()
    terminate(raw.info.backend_pid)
    monkeypatch.setattr(pool, "RECHECK_AFTER_SECONDS", 0.0)
    fresh = handed_out(pooled)
    assert fresh is not raw
    with pooled.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_a_connection_handed_back_after_a_database_error_is_checked(pooled):
    raw = handed_out(pooled)
    with pytest.raises(ProgrammingError), pooled.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table_anywhere")
    assert pooled.errors_occurred
    pooled.close()
    terminate(raw.info.backend_pid)
    fresh = handed_out(pooled)  # no "returned" mark: checked, found broken, replaced
    assert fresh is not raw
    with pooled.cursor() as cursor:
        cursor.execute("SELECT 1")
