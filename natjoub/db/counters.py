"""Exact list totals without counting: row counters kept by the database itself.

A list's ``meta.total`` must be exact (docs/api.md §2.1), and ``COUNT(*)`` costs a scan of every
matching row: ~6 ms for 100,000 items, hundreds of ms for 10,000,000 movements. For the scopes
that grow without bound (all items, all movements, the movements of one item or one branch) the
totals are kept in ``natjoub_list_counts`` by statement-level triggers that an app's migration
installs on its table (``insert_trigger_sql``/``delete_trigger_sql``): they run in the same
transaction as the insert or delete, so a reader's snapshot always sees counts and rows that agree,
whatever path wrote the rows (services, the admin, bulk loads, migrations).

Each counter is spread over ``SLOTS`` rows so that concurrent writers rarely wait on the same row;
a read sums them. A transaction always writes the same slot (its transaction id modulo ``SLOTS``)
and every statement locks its counters in name order, the table-wide counter (a prefix of the
others) first: two transactions on the same slot queue on that first row, so their counter locks
can never form a cycle, however many statements each runs. (A transaction that writes two counted
tables takes their counters in the order of its statements; keep such transactions single-writer,
like seeding.)
"""

from __future__ import annotations

from django.apps import apps
from django.db import connections, router

TABLE = "natjoub_list_counts"
SLOTS = 16


def total(counter: str, *, using: str | None = None) -> int:
    """The current value of ``counter`` (0 when it was never bumped), read where the router sends
    reads unless ``using`` names an alias: in a request that is where the list's own page query
    goes, so a replica never answers the total of rows the primary serves, or the reverse."""
    using = using or router.db_for_read(apps.get_model("natjoub", "ListCount"))
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(SUM(n), 0) FROM {TABLE} WHERE counter = %s", [counter])  # noqa: S608
        return int(cursor.fetchone()[0])


def _bump_function(name: str, transition: str, keys: list[str], sign: int) -> str:
    values = ", ".join(f"({key})" for key in keys)
    return f"""
    CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO {TABLE} (counter, slot, n)
        SELECT k, (txid_current() % {SLOTS})::smallint, {sign} * count(*)
        FROM {transition} r CROSS JOIN LATERAL (VALUES {values}) AS keys(k)
        WHERE k IS NOT NULL
        GROUP BY k ORDER BY k
        ON CONFLICT (counter, slot) DO UPDATE SET n = {TABLE}.n + EXCLUDED.n;
        RETURN NULL;
    END $$
    """  # noqa: S608 - names and expressions come from migrations, never from input


def insert_trigger_sql(name: str, table: str, keys: list[str]) -> tuple[str, str]:
    """(forward, reverse) SQL of an AFTER INSERT statement trigger on ``table`` that adds 1 to the
    counter each expression of ``keys`` names for every inserted row ``r`` (NULL: none)."""
    forward = _bump_function(name, "new_rows", keys, 1) + (
        f"; CREATE TRIGGER {name} AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
    )
    return forward, f"DROP TRIGGER IF EXISTS {name} ON {table}; DROP FUNCTION IF EXISTS {name}()"


def delete_trigger_sql(name: str, table: str, keys: list[str]) -> tuple[str, str]:
    """Like ``insert_trigger_sql`` for deleted rows (subtracts 1 per row and key)."""
    forward = _bump_function(name, "old_rows", keys, -1) + (
        f"; CREATE TRIGGER {name} AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
    )
    return forward, f"DROP TRIGGER IF EXISTS {name} ON {table}; DROP FUNCTION IF EXISTS {name}()"


def truncate_trigger_sql(name: str, table: str, prefix: str) -> tuple[str, str]:
    """(forward, reverse) SQL of an AFTER TRUNCATE trigger on ``table`` that drops the counter
    ``prefix`` and every counter named ``prefix.…``: TRUNCATE fires no delete trigger."""
    forward = f"""
    CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM {TABLE} WHERE counter = '{prefix}' OR left(counter, {len(prefix) + 1}) = '{prefix}.';
        RETURN NULL;
    END $$;
    CREATE TRIGGER {name} AFTER TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {name}()
    """  # noqa: S608 - names come from migrations, never from input
    return forward, f"DROP TRIGGER IF EXISTS {name} ON {table}; DROP FUNCTION IF EXISTS {name}()"


def backfill_sql(table: str, keys: list[str]) -> str:
    """SQL that sets the counters of ``keys`` from the rows already in ``table`` (in slot 0)."""
    values = ", ".join(f"({key})" for key in keys)
    return f"""
    INSERT INTO {TABLE} (counter, slot, n)
    SELECT k, 0, count(*) FROM {table} r CROSS JOIN LATERAL (VALUES {values}) AS keys(k)
    WHERE k IS NOT NULL GROUP BY k
    ON CONFLICT (counter, slot) DO UPDATE SET n = {TABLE}.n + EXCLUDED.n
    """  # noqa: S608 - table and expressions come from migrations, never from input
