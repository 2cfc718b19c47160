"""The partial index of the low-stock list and its total (docs/architecture.md §3.8): only the
flagged rows of migration 0012 (about 0.1 % of the stock rows), by branch. A stock write whose row
is not low adds nothing to it."""

from django.db import migrations

STOCK = '"inventory_schema"."stock_levels"'


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY: stock writes go on while it is built
    dependencies = [("inventory_app", "0012_stock_levels_is_low")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS stock_levels_low_idx ON {STOCK} (branch_id) WHERE is_low",
            reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS inventory_schema.stock_levels_low_idx",
        ),
    ]
