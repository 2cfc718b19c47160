"""PostgreSQL backend that understands schema-qualified tables (docs/architecture.md §3.1).

Models of mapped apps use ``db_table = '"schema"."table"'``. Django's stock introspection only sees
tables on the ``search_path``, so ``flush``, ``TransactionTestCase`` and constraint lookups in later
migrations would silently skip those tables. This backend, built on django-prometheus' wrapper so
database metrics keep working, lists the mapped schemas' tables under their qualified names and
makes a qualified table visible while Django introspects it.
"""

from __future__ import annotations

import functools
import time
from contextlib import contextmanager

from django.conf import settings
from django.db import connections, transaction

from natjoub.db import pool, request_connections

from django_prometheus.db.backends.postgresql.base import DatabaseWrapper as PrometheusPgWrapper  # isort: skip
from django.db.backends.postgresql import base as pg_base
from django.db.backends.postgresql.introspection import DatabaseIntrospection as PgIntrospection
from django.db.backends.postgresql.introspection import TableInfo
from django.db.backends.postgresql.schema import DatabaseSchemaEditor as PgSchemaEditor
from django_prometheus.db.metrics import errors_total, execute_many_total, execute_total, query_duration_seconds


def split_qualified(name: str) -> tuple[str | None, str]:
    """``'"s"."t"'`` -> ``("s", "t")``; anything else -> ``(None, name)``."""
    if name.startswith('"') and name.endswith('"') and '"."' in name:
        schema, table = name[1:-1].split('"."', 1)
        return schema, table
    return None, name


def qualify(schema: str, table: str) -> str:
    return f'"{schema}"."{table}"'


# The core's own schema (natjoub/migrations/0001): not in DB_SCHEMAS, whose check (natjoub.E001)
# is about apps; the core's list counters stay in public (docs/architecture.md §3.7).
CORE_SCHEMA = "core_schema"


def mapped_schemas() -> list[str]:
    """Every schema whose tables Django must see qualified: the apps' (DB_SCHEMAS) and the core's."""
    return sorted(set(getattr(settings, "DB_SCHEMAS", {}).values()) | {CORE_SCHEMA})


class DatabaseIntrospection(PgIntrospection):
    def get_table_list(self, cursor):
        tables = super().get_table_list(cursor)
        schemas = mapped_schemas()
        if not schemas:
            return tables
        cursor.execute(
            """
            SELECT n.nspname, c.relname,
                   CASE WHEN c.relispartition THEN 'p' WHEN c.relkind IN ('m', 'v') THEN 'v' ELSE 't' END,
                   obj_description(c.oid, 'pg_class')
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('f', 'm', 'p', 'r', 'v') AND n.nspname = ANY(%s)
            """,
            [schemas],
        )
        return tables + [TableInfo(qualify(schema, name), kind, comment) for schema, name, kind, comment in cursor]

    @contextmanager
    def _visible(self, cursor, table_name: str):
        """Yield the bare name of ``table_name`` with its schema first on the search path.

        The search path is changed for one transaction only (``set_config(..., true)``): behind a
        pooler in transaction mode a session setting would stay on whichever server session ran it.
        """
        schema, table = split_qualified(table_name)
        if schema is None:
            yield table_name
            return
        with transaction.atomic(using=self.connection.alias):
            cursor.execute("SELECT current_setting('search_path')")
            previous = cursor.fetchone()[0]
            cursor.execute("SELECT set_config('search_path', %s, true)", [f'"{schema}", {previous}'])
            try:
                yield table
            finally:
                cursor.execute("SELECT set_config('search_path', %s, true)", [previous])

    def get_table_description(self, cursor, table_name):
        with self._visible(cursor, table_name) as table:
            return super().get_table_description(cursor, table)

    def get_sequences(self, cursor, table_name, table_fields=()):
        with self._visible(cursor, table_name) as table:
            sequences = super().get_sequences(cursor, table, table_fields)
        return [{**seq, "table": table_name} for seq in sequences]

    def get_relations(self, cursor, table_name):
        with self._visible(cursor, table_name) as table:
            return super().get_relations(cursor, table)

    def get_constraints(self, cursor, table_name):
        with self._visible(cursor, table_name) as table:
            return super().get_constraints(cursor, table)


class DatabaseSchemaEditor(PgSchemaEditor):
    def _delete_fk_sql(self, model, name):
        """Django sets the constraint IMMEDIATE before dropping it, naming it without a schema:
        PostgreSQL then looks it up on the search path and fails for a schema table."""
        schema, _ = split_qualified(model._meta.db_table)
        if schema is None:
            return super()._delete_fk_sql(model, name)
        template = (
            f"SET CONSTRAINTS {self.quote_name(schema)}.%(name)s IMMEDIATE; "
            "ALTER TABLE %(table)s DROP CONSTRAINT %(name)s"
        )
        return self._delete_constraint_sql(template, model, name)

    def _delete_index_sql(self, model, name, sql=None, concurrently=False):
        """Django drops an index by its bare name, which PostgreSQL looks up on the search path:
        ``DROP INDEX IF EXISTS`` silently dropped nothing for a schema table's index."""
        statement = super()._delete_index_sql(model, name, sql, concurrently)
        schema, _ = split_qualified(model._meta.db_table)
        if schema is not None:
            statement.parts["name"] = f"{self.quote_name(schema)}.{self.quote_name(name)}"
        return statement

    def alter_db_table(self, model, old_db_table, new_db_table):
        old_schema, old_table = split_qualified(old_db_table)
        new_schema, new_table = split_qualified(new_db_table)
        if old_schema is None and new_schema is None:
            return super().alter_db_table(model, old_db_table, new_db_table)
        if old_db_table == new_db_table:
            return None
        # `RENAME TO "s"."t"` is a syntax error: move between schemas, then rename within one.
        current = old_db_table
        if old_schema != new_schema:
            target_schema = new_schema or "public"
            self.execute(f"ALTER TABLE {self.quote_name(old_db_table)} SET SCHEMA {self.quote_name(target_schema)}")
            current = qualify(target_schema, old_table)
        if old_table != new_table:
            self.execute(f"ALTER TABLE {self.quote_name(current)} RENAME TO {self.quote_name(new_table)}")
        for sql in self.deferred_sql:
            if hasattr(sql, "rename_table_references"):
                sql.rename_table_references(old_db_table, new_db_table)
        return None


@functools.cache
def exporting_cursor_class(cursor_class, alias: str, vendor: str):
    """django-prometheus' cursor metrics (``django_db_execute_total``, ``…_execute_many_total``,
    ``…_query_duration_seconds``, ``…_errors_total`` by exception type), the same samples, with
    the labelled children looked up once per connection settings instead of on every statement
    (each ``labels()`` call builds a key under a lock: two per statement, ~8 per movement POST).
    One class per (cursor class, alias, vendor): Django asks for the connection parameters on every
    connect, a pooled one too (building the class was ~40 µs of every request)."""
    executed = execute_total.labels(alias, vendor)
    executed_many = execute_many_total.labels(alias, vendor)
    duration = query_duration_seconds.labels(alias, vendor)

    class CursorWrapper(cursor_class):
        def execute(self, *args, **kwargs):
            executed.inc()
            started = time.perf_counter()
            try:
                return super().execute(*args, **kwargs)
            except BaseException as exc:  # as django-prometheus' ExceptionCounterByType
                errors_total.labels(alias, vendor, type(exc).__name__).inc()
                raise
            finally:
                duration.observe(max(time.perf_counter() - started, 0))

        def executemany(self, query, param_list, *args, **kwargs):
            executed.inc(len(param_list))
            executed_many.inc(len(param_list))
            started = time.perf_counter()
            try:
                return super().executemany(query, param_list, *args, **kwargs)
            except BaseException as exc:
                errors_total.labels(alias, vendor, type(exc).__name__).inc()
                raise
            finally:
                duration.observe(max(time.perf_counter() - started, 0))

    return CursorWrapper


class DatabaseWrapper(PrometheusPgWrapper):
    introspection_class = DatabaseIntrospection
    SchemaEditorClass = DatabaseSchemaEditor

    def get_connection_params(self):
        # django-prometheus' own version wraps Django's cursor factory with its per-statement
        # labels() calls; the same metrics, children resolved once (exporting_cursor_class)
        params = pg_base.DatabaseWrapper.get_connection_params(self)
        params["cursor_factory"] = exporting_cursor_class(params["cursor_factory"], self.alias, self.vendor)
        return params

    def connect(self):
        super().connect()
        # the request signals close this thread's opened connections only (natjoub/db/request_connections.py);
        # like Django's receivers, only those of `django.db.connections` (not a wrapper made by hand)
        if self.alias in connections.settings and connections[self.alias] is self:
            request_connections.opened(self)

    def _close(self):
        # The pool skips its health check for a connection handed back healthy a moment ago; the
        # time is noted here, inline, because a pool `reset` callback would send every returned
        # connection through the pool's worker threads (natjoub/db/pool.py, docs/architecture.md §3.8).
        if self.connection is not None and self.pool:
            pool.handing_back(self.connection, errors_occurred=self.errors_occurred)
        return super()._close()
