"""The largest reorder level of active items (the low-stock bound) as an index-only scan."""

from django.db import migrations

ITEMS = '"inventory_schema"."inventory_items"'


class Migration(migrations.Migration):
    dependencies = [("inventory_app", "0002_read_indexes")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS inventory_items_active_reorder_idx ON {ITEMS} (reorder_level) "
            "WHERE is_active",
            reverse_sql="DROP INDEX IF EXISTS inventory_schema.inventory_items_active_reorder_idx",
        ),
    ]
