"""Indexes for the inventory reads (not in the model state: expression and collation indexes).

* ``stock_levels_available_idx`` on ``(quantity - reserved_quantity)``: the low-stock query
  range-scans it up to the largest active reorder level instead of joining every stock row.
* ``inventory_items_name_c_idx`` / ``inventory_items_sku_c_idx``: the item list's default
  ``name COLLATE "C", id`` order (and the ``sku`` ordering) read in index order, so a page
  of 100 out of 100,000 items needs no sort of the whole table.
"""

from django.db import migrations

STOCK = '"inventory_schema"."stock_levels"'
ITEMS = '"inventory_schema"."inventory_items"'


class Migration(migrations.Migration):
    dependencies = [("inventory_app", "0001_initial")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS stock_levels_available_idx ON {STOCK} ((quantity - reserved_quantity))",
            reverse_sql="DROP INDEX IF EXISTS inventory_schema.stock_levels_available_idx",
        ),
        migrations.RunSQL(
            f'CREATE INDEX IF NOT EXISTS inventory_items_name_c_idx ON {ITEMS} ((name COLLATE "C"), id)',
            reverse_sql="DROP INDEX IF EXISTS inventory_schema.inventory_items_name_c_idx",
        ),
        migrations.RunSQL(
            f'CREATE INDEX IF NOT EXISTS inventory_items_sku_c_idx ON {ITEMS} ((sku COLLATE "C"), id)',
            reverse_sql="DROP INDEX IF EXISTS inventory_schema.inventory_items_sku_c_idx",
        ),
    ]
