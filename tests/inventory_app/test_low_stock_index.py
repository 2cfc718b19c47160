"""The low-stock count reads indexes only (migration 0011): the covering index on available
quantity replaced the plain one of migration 0002, and active items have ``(id) INCLUDE
(reorder_level)``. The plans over 1,000,000 stock rows are in bench/results/notes.md; on the test
database's few rows the planner's choice says nothing, so the definitions are checked."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_the_covering_indexes_replace_the_plain_one():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'inventory_schema'")
        indexes = dict(cursor.fetchall())
    assert "stock_levels_available_idx" not in indexes  # a stock write maintains no extra index
    available = indexes["stock_levels_available_cover_idx"]
    assert "(((quantity - reserved_quantity))) INCLUDE (inventory_item_id, branch_id, quantity, reserved_quantity)" in (
        available
    )
    assert "(id) INCLUDE (reorder_level) WHERE is_active" in indexes["inventory_items_active_reorder_cover_idx"]
