"""The rate-limit cache table of ``natjoub.db.cache.PostgresCache`` (docs/api.md §35, §32 production).

``migrate`` creates it, so every deployment that migrates has it (the Kubernetes migrate Job, the
compose ``migrate`` service, ``serve``); ``serve`` refuses to start without it. The DDL is the one
``manage.py createcachetable`` writes, with ``IF NOT EXISTS``: databases that already have the table
from that command keep it and its rows.
"""

from django.db import migrations

CREATE = [
    """CREATE TABLE IF NOT EXISTS "natjoub_cache" (
    "cache_key" varchar(255) NOT NULL PRIMARY KEY,
    "value" text NOT NULL,
    "expires" timestamp with time zone NOT NULL
)""",
    'CREATE INDEX IF NOT EXISTS "natjoub_cache_expires" ON "natjoub_cache" ("expires")',
]
DROP = ['DROP TABLE IF EXISTS "natjoub_cache"']


class Migration(migrations.Migration):
    dependencies = [("natjoub", "0002_list_counts")]

    operations = [migrations.RunSQL(CREATE, reverse_sql=DROP)]
