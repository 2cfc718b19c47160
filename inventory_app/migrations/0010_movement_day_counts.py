"""Movements per UTC day, type and (FROM, TO) branches for the back office's movements chart
(docs/architecture.md, "Charts in the back office").

Aggregating the last 30 days of the ledger took 0.6–1.7 s at 10,000,000 movements (~800,000 in
the window, an index range scan and a hash aggregate); these counts make it a range of a few
thousand rows. Kept like the list counters (migration 0007, natjoub/db/counters.py): statement
triggers with transition tables add and subtract in the transaction that inserts or deletes
movements, whatever path wrote them (services, the admin, COPY), spread over 16 slots by
transaction id. The triggers are named after the list counters' (``…_count_ins`` sorts before
``…_daily_ins``; PostgreSQL fires a table's triggers in name order), so every statement locks its
list-counter rows first: two transactions on the same slot queue on the table-wide counter before
they reach these rows, and their locks here cannot form a cycle.

Keeping (FROM, TO) rather than one row per branch lets a filter on several branches count a
transfer between two of them once. Triggers first, then the backfill (``CREATE TRIGGER`` keeps
writers out until the migration commits). Frozen SQL: a migration must not follow later changes
of the app code.
"""

from django.db import migrations, models

MOVEMENTS = '"inventory_schema"."stock_movements"'
COUNTS = '"inventory_schema"."movement_day_counts"'
KEY = "day, movement_type, from_branch_id, to_branch_id, slot"
SLOTS = 16


def bump_function(name: str, transition: str, sign: int) -> str:
    return f"""
    CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO {COUNTS} ({KEY}, n)
        SELECT (r.created_at AT TIME ZONE 'UTC')::date, r.movement_type, r.from_branch_id, r.to_branch_id,
               (txid_current() % {SLOTS})::smallint, {sign} * count(*)
        FROM {transition} r
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT ({KEY}) DO UPDATE SET n = {COUNTS}.n + EXCLUDED.n;
        RETURN NULL;
    END $$
    """  # noqa: S608 - names are constants of this migration


def trigger(name: str, event: str, transition: str, sign: int) -> migrations.RunSQL:
    alias = "NEW" if event == "INSERT" else "OLD"
    return migrations.RunSQL(
        bump_function(name, transition, sign)
        + f"; CREATE TRIGGER {name} AFTER {event} ON {MOVEMENTS} REFERENCING {alias} TABLE AS {transition} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
        reverse_sql=f"DROP TRIGGER IF EXISTS {name} ON {MOVEMENTS}; DROP FUNCTION IF EXISTS {name}()",
    )


TRUNCATE = f"""
    CREATE OR REPLACE FUNCTION inventory_movements_daily_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM {COUNTS};
        RETURN NULL;
    END $$;
    CREATE TRIGGER inventory_movements_daily_truncate AFTER TRUNCATE ON {MOVEMENTS}
    FOR EACH STATEMENT EXECUTE FUNCTION inventory_movements_daily_truncate()
"""  # noqa: S608 - names are constants of this migration

BACKFILL = f"""
    INSERT INTO {COUNTS} ({KEY}, n)
    SELECT (created_at AT TIME ZONE 'UTC')::date, movement_type, from_branch_id, to_branch_id, 0, count(*)
    FROM {MOVEMENTS} GROUP BY 1, 2, 3, 4
    ON CONFLICT ({KEY}) DO UPDATE SET n = {COUNTS}.n + EXCLUDED.n
"""  # noqa: S608 - names are constants of this migration


class Migration(migrations.Migration):
    dependencies = [("inventory_app", "0009_seller_grants")]

    operations = [
        migrations.CreateModel(
            name="MovementDayCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField()),
                ("movement_type", models.CharField(max_length=50)),
                ("from_branch_id", models.UUIDField(null=True)),
                ("to_branch_id", models.UUIDField(null=True)),
                ("slot", models.SmallIntegerField()),
                ("n", models.BigIntegerField(default=0)),
            ],
            options={"db_table": COUNTS, "ordering": ["day", "movement_type"]},
        ),
        # Its own operation, so that it exists before the triggers' ON CONFLICT needs it
        # (CreateModel would add it at the end of the migration).
        migrations.AddConstraint(
            model_name="movementdaycount",
            constraint=models.UniqueConstraint(
                fields=("day", "movement_type", "from_branch_id", "to_branch_id", "slot"),
                name="movement_day_counts_key",
                nulls_distinct=False,
            ),
        ),
        trigger("inventory_movements_daily_ins", "INSERT", "new_rows", 1),
        trigger("inventory_movements_daily_del", "DELETE", "old_rows", -1),
        migrations.RunSQL(
            TRUNCATE,
            reverse_sql=f"DROP TRIGGER IF EXISTS inventory_movements_daily_truncate ON {MOVEMENTS}; "
            "DROP FUNCTION IF EXISTS inventory_movements_daily_truncate()",
        ),
        migrations.RunSQL(BACKFILL, reverse_sql=migrations.RunSQL.noop),
    ]
