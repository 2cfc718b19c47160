"""``stock_levels.is_low``: the row is at or below its item's reorder level and the item is active,
kept by the database (docs/architecture.md §3.8, bench/results/notes.md "Round 4").

The low-stock list and its total then read the few flagged rows through a partial index (migration
0013) instead of joining every candidate of the available-quantity range to its item (1,000
item lookups per request over 1,000,000 stock rows). Branch activity is not part of the flag (a
branch deactivation would rewrite 100,000 rows): the list joins its ~10 branches.

* ``stock_levels_is_low`` (BEFORE INSERT, and BEFORE UPDATE when the available quantity, the item
  or the flag itself changes): recomputes the flag from the item's ``reorder_level`` and
  ``is_active``, whatever path wrote the row (services, the admin, bulk loads), and whatever value
  the writer gave (an ORM ``save()`` of a stale instance cannot set a wrong flag).
* ``inventory_items_low_flag`` (AFTER UPDATE of ``reorder_level`` or ``is_active``): flips the
  item's rows whose flag changes, locked in id order first (the order every multi-row stock write
  locks in, so it cannot deadlock with a transfer of the item).

Triggers first, then the backfill: ``CREATE TRIGGER`` locks out writers until the migration
commits, so the backfill sees every row written before and the triggers every row after.
"""

from django.db import migrations, models

FORWARD = [
    """
    CREATE OR REPLACE FUNCTION inventory_schema.stock_levels_is_low() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        NEW.is_low := COALESCE(
            (SELECT i.is_active AND NEW.quantity - NEW.reserved_quantity <= i.reorder_level
             FROM inventory_schema.inventory_items i WHERE i.id = NEW.inventory_item_id),
            false);
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER stock_levels_is_low_ins BEFORE INSERT ON inventory_schema.stock_levels
    FOR EACH ROW EXECUTE FUNCTION inventory_schema.stock_levels_is_low()
    """,
    """
    CREATE TRIGGER stock_levels_is_low_upd BEFORE UPDATE ON inventory_schema.stock_levels
    FOR EACH ROW WHEN (
        NEW.quantity - NEW.reserved_quantity IS DISTINCT FROM OLD.quantity - OLD.reserved_quantity
        OR NEW.inventory_item_id IS DISTINCT FROM OLD.inventory_item_id
        OR NEW.is_low IS DISTINCT FROM OLD.is_low
    ) EXECUTE FUNCTION inventory_schema.stock_levels_is_low()
    """,
    """
    CREATE OR REPLACE FUNCTION inventory_schema.inventory_items_low_flag() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE inventory_schema.stock_levels s
        SET is_low = NOT s.is_low
        WHERE s.id IN (
            SELECT l.id FROM inventory_schema.stock_levels l
            WHERE l.inventory_item_id = NEW.id
              AND l.is_low IS DISTINCT FROM (NEW.is_active AND l.quantity - l.reserved_quantity <= NEW.reorder_level)
            ORDER BY l.id FOR UPDATE
        );
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER inventory_items_low_flag AFTER UPDATE OF reorder_level, is_active ON inventory_schema.inventory_items
    FOR EACH ROW WHEN (
        NEW.reorder_level IS DISTINCT FROM OLD.reorder_level OR NEW.is_active IS DISTINCT FROM OLD.is_active
    ) EXECUTE FUNCTION inventory_schema.inventory_items_low_flag()
    """,
]

REVERSE = [
    "DROP TRIGGER IF EXISTS inventory_items_low_flag ON inventory_schema.inventory_items",
    "DROP FUNCTION IF EXISTS inventory_schema.inventory_items_low_flag()",
    "DROP TRIGGER IF EXISTS stock_levels_is_low_upd ON inventory_schema.stock_levels",
    "DROP TRIGGER IF EXISTS stock_levels_is_low_ins ON inventory_schema.stock_levels",
    "DROP FUNCTION IF EXISTS inventory_schema.stock_levels_is_low()",
]

# Only the rows that are low are written (about 0.1 % of them); the trigger computes the value.
BACKFILL = """
    UPDATE inventory_schema.stock_levels s SET is_low = true
    FROM inventory_schema.inventory_items i
    WHERE i.id = s.inventory_item_id AND i.is_active AND s.quantity - s.reserved_quantity <= i.reorder_level
"""


class Migration(migrations.Migration):
    dependencies = [("inventory_app", "0011_low_stock_index")]

    operations = [
        migrations.AddField(
            model_name="stocklevel",
            name="is_low",
            field=models.BooleanField(db_default=False, editable=False),
        ),
        migrations.RunSQL(FORWARD, reverse_sql=REVERSE),
        migrations.RunSQL(BACKFILL, reverse_sql=migrations.RunSQL.noop),
    ]
