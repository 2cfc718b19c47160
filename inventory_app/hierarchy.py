"""The category hierarchy in SQL: the one recursive CTE each way, for selectors and the admin.

Both stop on data that a race or a manual edit turned into a cycle: walking down with ``UNION``
(a row seen twice ends the recursion), walking up with a depth cap."""

from __future__ import annotations

from inventory_app.models import Category

TABLE = Category._meta.db_table  # quoted and schema-qualified: model metadata, never input
MAX_DEPTH = 64


def descendants_sql(start: str = "%s") -> str:
    """``SELECT id`` of the category ``start`` (an SQL placeholder) and all its descendants."""
    return (
        f"WITH RECURSIVE tree(id) AS (SELECT id FROM {TABLE} WHERE id = {start} "  # noqa: S608
        f"UNION SELECT c.id FROM {TABLE} c JOIN tree t ON c.parent_category_id = t.id) SELECT id FROM tree"
    )


def ancestors_sql(start: str = "%s", select: str = "id") -> str:
    """``SELECT <select>`` over the category ``start`` and its ancestors, as rows of
    ``tree_up(id, parent_id, name, depth)`` (depth 0 is the category itself)."""
    return (
        "WITH RECURSIVE tree_up(id, parent_id, name, depth) AS ("  # noqa: S608
        f"SELECT c.id, c.parent_category_id, c.name, 0 FROM {TABLE} c WHERE c.id = {start} "
        f"UNION ALL SELECT p.id, p.parent_category_id, p.name, t.depth + 1 FROM {TABLE} p "
        f"JOIN tree_up t ON p.id = t.parent_id WHERE t.depth < {MAX_DEPTH}"
        f") SELECT {select} FROM tree_up"
    )
