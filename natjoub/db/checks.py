"""System checks: every model of an app in ``settings.DB_SCHEMAS`` lives in that app's schema; the
rate-limit cache counts atomically."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, Tags, register

from natjoub.db.backend.base import split_qualified


def misplaced_tables(app_configs=None) -> list[tuple[str, str, str | None, str]]:
    """Return ``(model label, db_table, actual schema, expected schema)`` for every misplaced table."""
    mapping = getattr(settings, "DB_SCHEMAS", {})
    configs = app_configs or apps.get_app_configs()
    found = []
    for config in configs:
        expected = mapping.get(config.label)
        if expected is None:
            continue
        for model in config.get_models(include_auto_created=True):
            tables = [model._meta.db_table]
            tables += [
                f.remote_field.through._meta.db_table
                for f in model._meta.local_many_to_many
                if f.remote_field.through._meta.auto_created
            ]
            for table in tables:
                schema, _ = split_qualified(table)
                if schema != expected:
                    found.append((model._meta.label, table, schema, expected))
    return found


@register(Tags.models)
def check_app_schemas(app_configs=None, **kwargs):
    return [
        Error(
            f"{label} uses table {table!r}, which is outside the app's schema {expected!r}.",
            hint=f'Set Meta.db_table = \'"{expected}"."<table>"\' (and an explicit quoted db_table on M2M fields).',
            obj=label,
            id="natjoub.E001",
        )
        for label, table, _schema, expected in misplaced_tables(app_configs)
    ]


ATOMIC_COUNTER_CACHES = ("natjoub.db.cache.PostgresCache", "django.core.cache.backends.redis.RedisCache")


@register(Tags.caches)
def check_rate_limit_cache(app_configs=None, **kwargs):
    """django-ratelimit needs a shared cache whose ``add``/``incr`` are atomic (docs/api.md §29.1).
    Its own check only knows a few backends by name (its W001 is silenced in settings); this one
    accepts ours and Django's Redis cache, and their subclasses."""
    from django.utils.module_loading import import_string

    alias = getattr(settings, "RATELIMIT_USE_CACHE", "default")
    backend = settings.CACHES.get(alias, {}).get("BACKEND", "")
    try:
        backend_class = import_string(backend)
        accepted = any(issubclass(backend_class, import_string(path)) for path in ATOMIC_COUNTER_CACHES)
    except ImportError:
        accepted = False
    if accepted:
        return []
    return [
        Error(
            f"The rate-limit cache {alias!r} ({backend}) has no atomic add/incr shared by every process.",
            hint="Use natjoub.db.cache.PostgresCache or django.core.cache.backends.redis.RedisCache (REDIS_URL).",
            id="natjoub.E002",
        )
    ]
