"""Database router: migrations only on the default alias; reads to the replicas when the caller
cannot notice (docs/api.md §32, natjoub/db/replicas/).

Tables are placed in their schemas by ``Meta.db_table``, not here (docs/architecture.md §3.1).
"""

from __future__ import annotations

from django.db import connections

from natjoub.db.replicas import state

PRIMARY = "default"
# Django's database cache (its model's app label): read-your-writes marks and rate-limit counters
# live there, and a replica's copy could be stale.
CACHE_APP_LABEL = "django_cache"


class SchemaRouter:
    def db_for_read(self, model, **hints):
        routing = state.current()
        if routing is None or model._meta.app_label == CACHE_APP_LABEL:
            return PRIMARY
        if connections[PRIMARY].in_atomic_block:  # inside a write transaction: read your own writes
            routing.wrote = True
            return PRIMARY
        return routing.read_alias()

    def db_for_write(self, model, **hints):
        routing = state.current()
        if routing is not None and model._meta.app_label != CACHE_APP_LABEL:
            routing.wrote = True
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replicas mirror the primary: same rows on every alias

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY
