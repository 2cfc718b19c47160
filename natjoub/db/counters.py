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

from natjoub.db.sql import render, sql

TABLE = "natjoub_list_counts"
SLOTS = 16

# The statements are composed with psycopg's ``sql`` (docs/architecture.md §3.11): the counters'
# table an ``Identifier``, constants ``Literal``s. The trigger builders take the trigger's name,
# its table and the key expressions from a migration as SQL text (``sql.SQL``): code, never input.
_COUNTERS = sql.Identifier(TABLE)
TOTAL = render(sql.SQL("SELECT COALESCE(SUM(n), 0) FROM {} WHERE counter = %s").format(_COUNTERS))


def total(counter: str, *, using: str | None = None) -> int:
    """The current value of ``counter`` (0 when it was never bumped), read where the router sends
    reads unless ``using`` names an alias: in a request that is where the list's own page query
    goes, so a replica never answers the total of rows the primary serves, or the reverse."""
    using = using or router.db_for_read(apps.get_model("natjoub", "ListCount"))
    with connections[using].cursor() as cursor:
        cursor.execute(TOTAL, [counter])
        return int(cursor.fetchone()[0])


def _keys(keys: list[str]) -> sql.Composable:
    return sql.SQL(", ").join(sql.SQL("({})").format(sql.SQL(key)) for key in keys)


def _bump_function(name: str, transition: str, keys: list[str], sign: int) -> sql.Composed:
    return sql.SQL("""
    CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO {counters} (counter, slot, n)
        SELECT k, (txid_current() % {slots})::smallint, {sign} * count(*)
        FROM {transition} r CROSS JOIN LATERAL (VALUES {values}) AS keys(k)
        WHERE k IS NOT NULL
        GROUP BY k ORDER BY k
        ON CONFLICT (counter, slot) DO UPDATE SET n = {counters}.n + EXCLUDED.n;
        RETURN NULL;
    END $$
    """).format(
        name=sql.SQL(name),
        counters=_COUNTERS,
        slots=sql.Literal(SLOTS),
        sign=sql.Literal(sign),
        transition=sql.Identifier(transition),
        values=_keys(keys),
    )


def _drop(name: str, table: str) -> str:
    return render(
        sql.SQL("DROP TRIGGER IF EXISTS {name} ON {table}; DROP FUNCTION IF EXISTS {name}()").format(
            name=sql.SQL(name), table=sql.SQL(table)
        )
    )


def _trigger(name: str, table: str, keys: list[str], *, event: str, transition: str, sign: int) -> tuple[str, str]:
    create = sql.SQL(
        "; CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {kind} TABLE AS {transition} "
        "FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
    ).format(
        name=sql.SQL(name),
        event=sql.SQL(event),
        table=sql.SQL(table),
        kind=sql.SQL("NEW" if event == "INSERT" else "OLD"),
        transition=sql.Identifier(transition),
    )
    return render(_bump_function(name, transition, keys, sign) + create), _drop(name, table)


def insert_trigger_sql(name: str, table: str, keys: list[str]) -> tuple[str, str]:
    """(forward, reverse) SQL of an AFTER INSERT statement trigger on ``table`` that adds 1 to the
    counter each expression of ``keys`` names for every inserted row ``r`` (NULL: none)."""
    return _trigger(name, table, keys, event="INSERT", transition="new_rows", sign=1)


def delete_trigger_sql(name: str, table: str, keys: list[str]) -> tuple[str, str]:
    """Like ``insert_trigger_sql`` for deleted rows (subtracts 1 per row and key)."""
    return _trigger(name, table, keys, event="DELETE", transition="old_rows", sign=-1)


def truncate_trigger_sql(name: str, table: str, prefix: str) -> tuple[str, str]:
    """(forward, reverse) SQL of an AFTER TRUNCATE trigger on ``table`` that drops the counter
    ``prefix`` and every counter named ``prefix.…``: TRUNCATE fires no delete trigger."""
    forward = sql.SQL("""
    CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM {counters} WHERE counter = {prefix} OR left(counter, {length}) = {dotted};
        RETURN NULL;
    END $$;
    CREATE TRIGGER {name} AFTER TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {name}()
    """).format(
        name=sql.SQL(name),
        counters=_COUNTERS,
        prefix=sql.Literal(prefix),
        length=sql.Literal(len(prefix) + 1),
        dotted=sql.Literal(f"{prefix}."),
        table=sql.SQL(table),
    )
    return render(forward), _drop(name, table)


def backfill_sql(table: str, keys: list[str]) -> str:
    """SQL that sets the counters of ``keys`` from the rows already in ``table`` (in slot 0)."""
    return render(
        sql.SQL("""
    INSERT INTO {counters} (counter, slot, n)
    SELECT k, 0, count(*) FROM {table} r CROSS JOIN LATERAL (VALUES {values}) AS keys(k)
    WHERE k IS NOT NULL GROUP BY k
    ON CONFLICT (counter, slot) DO UPDATE SET n = {counters}.n + EXCLUDED.n
    """).format(counters=_COUNTERS, table=sql.SQL(table), values=_keys(keys))
    )
