"""The core's own schema, ``core_schema`` (docs/architecture.md §3.1), and its idempotency-key table.

This migration depends on no app. Databases created before the table belonged to the core applied
an earlier version of it (state only, the table in ``inventory_schema``); 0004 moves their table
here. On a fresh database the inventory app's 0001 still creates its historical copy, which its
0004 drops."""

import uuid

import django.db.models.functions.datetime
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.RunSQL("CREATE SCHEMA IF NOT EXISTS core_schema", reverse_sql="DROP SCHEMA IF EXISTS core_schema"),
        migrations.CreateModel(
            name="IdempotencyKey",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                (
                    "created_at",
                    models.DateTimeField(
                        db_default=django.db.models.functions.datetime.Now(),
                        default=django.utils.timezone.now,
                        editable=False,
                    ),
                ),
                ("user_id", models.UUIDField()),
                ("key", models.CharField(max_length=255)),
                ("request_hash", models.CharField(max_length=64)),
                ("response_status", models.IntegerField()),
                ("response_body", models.JSONField()),
            ],
            options={
                "db_table": '"core_schema"."idempotency_keys"',
                "ordering": ["-created_at", "id"],
                "indexes": [models.Index(fields=["created_at"], name="idempotency_keys_created_idx")],
                "constraints": [
                    models.UniqueConstraint(fields=("user_id", "key"), name="idempotency_keys_user_key_uniq")
                ],
            },
        ),
    ]
