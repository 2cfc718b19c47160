"""System check: every model of an app in ``settings.DB_SCHEMAS`` lives in that app's schema."""

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
