"""IdempotencyKey now belongs to the core app (natjoub 0001); the table stays (state only)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("inventory_app", "0003_active_reorder_level_idx"),
        ("natjoub", "0001_idempotency_key"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="IdempotencyKey")])
    ]
