"""The core adopts the idempotency-key table the inventory app created (state only: the table,
its rows, indexes and constraints stay exactly where they are)."""

import uuid

import django.db.models.functions.datetime
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [("inventory_app", "0003_active_reorder_level_idx")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
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
                        "db_table": '"inventory_schema"."idempotency_keys"',
                        "ordering": ["-created_at", "id"],
                        "indexes": [models.Index(fields=["created_at"], name="idempotency_keys_created_idx")],
                        "constraints": [
                            models.UniqueConstraint(fields=("user_id", "key"), name="idempotency_keys_user_key_uniq")
                        ],
                    },
                )
            ],
            database_operations=[],
        )
    ]
