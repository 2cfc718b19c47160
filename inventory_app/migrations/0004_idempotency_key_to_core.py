"""IdempotencyKey belongs to the core app (natjoub 0001, table in ``core_schema``).

Databases that applied this migration before kept the table here until natjoub 0004 moved it. On a
fresh database 0001 above created an empty historical copy: it is dropped, but only once the core's
own table exists (so an older database whose rows still live here never loses them). Backwards the
copy is recreated from the state, so unapplying 0001 finds the table it drops and never touches
the core's."""

from django.db import migrations

DROP_HISTORICAL_COPY = """
DO $$
BEGIN
    IF to_regclass('core_schema.idempotency_keys') IS NOT NULL THEN
        DROP TABLE IF EXISTS inventory_schema.idempotency_keys;
    END IF;
END
$$;
"""


class DropHistoricalCopy(migrations.DeleteModel):
    """DeleteModel's state change and backwards (recreate); forwards the conditional drop."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        schema_editor.execute(DROP_HISTORICAL_COPY)


class Migration(migrations.Migration):
    dependencies = [
        ("inventory_app", "0003_active_reorder_level_idx"),
        ("natjoub", "0001_idempotency_key"),
    ]

    operations = [DropHistoricalCopy(name="IdempotencyKey")]
