"""Low stock read from indexes only (bench/results/notes.md, EXPLAIN over 1,000,000 stock rows).

The low-stock count joins each candidate stock row (``quantity - reserved_quantity`` at or below
the largest active reorder level, migration 0002/0003) to its item. With plain indexes each
candidate cost a heap page of ``stock_levels`` and one of ``inventory_items`` (5,053 buffers for
1,000 low rows); with the key's columns INCLUDEd both sides are index-only scans (3,054 buffers,
count 6.7-8.1 -> 3.9 ms on the bench machine). The covering index replaces 0002's expression index
(same key), so a stock write maintains no more indexes than before.

Depends on 0008 only; the coordinator orders it after the other helpers' 0009.
"""

from django.db import migrations

STOCK = '"inventory_schema"."stock_levels"'
ITEMS = '"inventory_schema"."inventory_items"'


class Migration(migrations.Migration):
    atomic = False  # CREATE/DROP INDEX CONCURRENTLY: stock writes go on while the indexes are built
    dependencies = [("inventory_app", "0010_movement_day_counts")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS stock_levels_available_cover_idx ON {STOCK} "
            "((quantity - reserved_quantity)) INCLUDE (inventory_item_id, branch_id, quantity, reserved_quantity)",
            reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS inventory_schema.stock_levels_available_cover_idx",
        ),
        migrations.RunSQL(
            "DROP INDEX CONCURRENTLY IF EXISTS inventory_schema.stock_levels_available_idx",
            reverse_sql=f"CREATE INDEX CONCURRENTLY IF NOT EXISTS stock_levels_available_idx ON {STOCK} "
            "((quantity - reserved_quantity))",
        ),
        migrations.RunSQL(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS inventory_items_active_reorder_cover_idx ON {ITEMS} (id) "
            "INCLUDE (reorder_level) WHERE is_active",
            reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS inventory_schema.inventory_items_active_reorder_cover_idx",
        ),
    ]
