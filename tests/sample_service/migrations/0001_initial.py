import django.db.models.functions.datetime
import django.utils.timezone
import uuid
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
    ]

    operations = [
        # the schema first, in the migration that creates the models (docs/architecture.md §3.1)
        migrations.RunSQL("CREATE SCHEMA IF NOT EXISTS sample_schema", reverse_sql="DROP SCHEMA IF EXISTS sample_schema"),
        migrations.CreateModel(
            name='Note',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(db_default=django.db.models.functions.datetime.Now(), default=django.utils.timezone.now, editable=False)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('owner_id', models.UUIDField()),
                ('title', models.CharField(max_length=100)),
                ('body', models.TextField(blank=True, default='')),
            ],
            options={
                'db_table': '"sample_schema"."notes"',
                'ordering': ['title', 'id'],
                'constraints': [models.UniqueConstraint(fields=('owner_id', 'title'), name='notes_owner_title_uniq', violation_error_message='Title in use')],
            },
        ),
    ]
