"""Existing databases: the idempotency keys move, rows, indexes and constraints included, from the
table the inventory app created (``inventory_schema``) to the core's schema (docs/architecture.md
§3.1). The model's state already says ``core_schema`` (0001), so only the database changes.

A fresh database has nothing to move: 0001 created the core's table, and the inventory app's
historical copy (empty) is dropped by its own 0004. The move only happens when the core's table
does not exist yet, so the two cannot collide whatever order the apps migrate in.

Depends on 0002 for now; 0003_cache_table (another branch) also follows 0002 — the chain is fixed
at the merge."""

from django.db import migrations

MOVE = """
CREATE SCHEMA IF NOT EXISTS core_schema;
DO $$
BEGIN
    IF to_regclass('inventory_schema.idempotency_keys') IS NOT NULL
       AND to_regclass('core_schema.idempotency_keys') IS NULL THEN
        ALTER TABLE inventory_schema.idempotency_keys SET SCHEMA core_schema;
    END IF;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("natjoub", "0002_list_counts")]

    operations = [
        migrations.SeparateDatabaseAndState(
            # backwards the table stays where the state (0001) says it is
            database_operations=[migrations.RunSQL(MOVE, reverse_sql=migrations.RunSQL.noop)],
            state_operations=[],
        )
    ]
