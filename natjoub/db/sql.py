"""Hand-written SQL composed with psycopg's ``sql`` module (docs/architecture.md §3.11).

Each app keeps its statements in one module (``inventory_app/sql.py``, ``auth_app/sql.py``; the
core's in ``natjoub/db/``), built from ``sql.SQL`` text, ``sql.Identifier`` names (tables from the
models' ``db_table``) and ``sql.Literal`` constants; values are always bound as ``%s`` /
``%(name)s`` placeholders. A statement is composed once, at import, and rendered to its text: the
execute wrappers (replica routing, tests) read statements as strings, and a hot statement is then
no dearer than the f-string it replaces. No input ever reaches the text, so ruff's S608 holds
without a ``noqa``.
"""

from __future__ import annotations

from psycopg import sql

from natjoub.db.backend.base import split_qualified

__all__ = ["identifier", "render", "sql", "table"]


def identifier(qualified: str) -> sql.Identifier:
    """``'"schema"."table"'`` (a model's ``db_table``) or a bare name, as an ``Identifier``."""
    schema, name = split_qualified(qualified)
    return sql.Identifier(name) if schema is None else sql.Identifier(schema, name)


def table(model) -> sql.Identifier:
    """The model's table, schema-qualified when it lives in a schema (docs/architecture.md §3.1)."""
    return identifier(model._meta.db_table)


def render(statement: sql.Composable) -> str:
    """The text of a composed statement (no connection needed: names and literals only)."""
    return statement.as_string()
