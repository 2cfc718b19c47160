"""Database router: migrations only on the default alias; reads to an optional replica.

Tables are placed in their schemas by ``Meta.db_table``, not here (docs/architecture.md §3.1).
"""

from __future__ import annotations

from django.conf import settings
from django.db import connections

REPLICA_ALIAS = "replica"


class SchemaRouter:
    def db_for_read(self, model, **hints):
        if REPLICA_ALIAS not in settings.DATABASES:
            return None
        # Inside a write transaction, read your own writes from the primary.
        if connections["default"].in_atomic_block:
            return "default"
        return REPLICA_ALIAS

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica mirrors the primary: same rows on both aliases

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
