"""The low-stock count reads indexes only (migration 0010, bench/results/notes.md): the candidates
come from the covering index on available quantity, each item's reorder level from the covering
index on active items. Sequential and bitmap scans are switched off: the test tables are tiny."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory_app.selectors.stock import low_stock_count
from tests.factories import make_branch, make_item, stock

pytestmark = pytest.mark.django_db


def test_the_low_stock_count_is_index_only():
    item, branch = make_item(reorder_level=10), make_branch()
    stock(item, branch, 3)
    with CaptureQueriesContext(connection) as queries:
        assert low_stock_count() >= 1
    count_sql = queries.captured_queries[-1]["sql"]  # the bound is read first, then the count runs
    assert count_sql.startswith("SELECT COUNT(*)")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + count_sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using stock_levels_available_cover_idx" in plan, plan
    assert "Index Only Scan using inventory_items_active_reorder_cover_idx" in plan, plan
