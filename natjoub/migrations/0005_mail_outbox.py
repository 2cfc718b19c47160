"""The mail outbox (docs/architecture.md §3.12): one row per mail event, written in the transaction
that caused it, and a statement trigger that NOTIFYs ``natjoub_mail_outbox`` when rows are
inserted. PostgreSQL delivers a notification at commit only (never for a rolled-back transaction)
and once per transaction for the same channel and payload, so a placement costs no extra
statement and the delivery thread of ``manage.py serve`` wakes once per committed transaction."""

import django.db.models.functions.datetime
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("natjoub", "0004_idempotency_core_schema"),
    ]

    operations = [
        migrations.RunSQL(
            """
            CREATE FUNCTION core_schema.mail_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify('natjoub_mail_outbox', '');
                RETURN NULL;
            END
            $$;
            """,
            reverse_sql="DROP FUNCTION IF EXISTS core_schema.mail_outbox_notify()",
        ),
        migrations.CreateModel(
            name="OutboxMail",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("kind", models.CharField(max_length=100)),
                ("payload", models.JSONField()),
                (
                    "created_at",
                    models.DateTimeField(db_default=django.db.models.functions.datetime.Now(), editable=False),
                ),
                ("attempts", models.SmallIntegerField(db_default=0)),
                ("next_attempt_at", models.DateTimeField(db_default=django.db.models.functions.datetime.Now())),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                ("failed_at", models.DateTimeField(blank=True, null=True)),
                ("last_error", models.CharField(blank=True, db_default="", max_length=500)),
            ],
            options={
                "verbose_name": "outbox mail",
                "db_table": '"core_schema"."mail_outbox"',
                "ordering": ["-id"],
                "indexes": [
                    models.Index(
                        condition=models.Q(("failed_at__isnull", True), ("sent_at__isnull", True)),
                        fields=["next_attempt_at", "id"],
                        name="mail_outbox_due_idx",
                    ),
                    models.Index(
                        condition=models.Q(("failed_at__isnull", False)),
                        fields=["failed_at"],
                        name="mail_outbox_failed_idx",
                    ),
                    models.Index(
                        condition=models.Q(("sent_at__isnull", False)), fields=["sent_at"], name="mail_outbox_sent_idx"
                    ),
                ],
            },
        ),
        migrations.RunSQL(
            "CREATE TRIGGER mail_outbox_notify AFTER INSERT ON core_schema.mail_outbox "
            "FOR EACH STATEMENT EXECUTE FUNCTION core_schema.mail_outbox_notify()",
            reverse_sql="DROP TRIGGER IF EXISTS mail_outbox_notify ON core_schema.mail_outbox",
        ),
    ]
