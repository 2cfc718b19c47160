"""Inventory fixtures: a branch, a second branch and an item, created directly (the API is what
the tests exercise). Row helpers are in ``tests.factories``, envelope assertions in
``tests.helpers``; ``list_counter_drift`` checks the list counters against the rows."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db.models import Sum

from inventory_app import list_counts
from inventory_app.models import Branch, InventoryItem, StockMovement
from natjoub.models import ListCount
from tests.factories import make_branch, make_item

BASE = "/api/v1/inventory"


@pytest.fixture
def branch(db) -> Branch:
    return make_branch("WH", "Warehouse")


@pytest.fixture
def other_branch(db) -> Branch:
    return make_branch("ST", "Store")


@pytest.fixture
def item(db) -> InventoryItem:
    return make_item("LAP-1", "Laptop", reorder_level=5)


def list_counter_drift() -> dict[str, tuple[int, int]]:
    """Every inventory list counter (migration 0007) whose value is not the number of rows its
    list shows, as ``{name: (counter, rows)}``; the rows are counted here in Python, by the
    filters' own definition (a movement is at a branch when it is its FROM or its TO)."""
    rows = Counter({list_counts.ITEMS: InventoryItem.objects.count()})
    for item_id, from_id, to_id in StockMovement.objects.values_list(
        "inventory_item_id", "from_branch_id", "to_branch_id"
    ):
        rows[list_counts.MOVEMENTS] += 1
        rows[list_counts.movements_of_item(item_id)] += 1
        for branch_id in {from_id, to_id} - {None}:
            rows[list_counts.movements_at_branch(branch_id)] += 1
    kept = dict(
        ListCount.objects.filter(counter__startswith="inventory.")
        .values_list("counter")
        .annotate(n=Sum("n"))
        .values_list("counter", "n")
    )
    return {
        name: (kept.get(name, 0), rows[name]) for name in kept.keys() | rows.keys() if kept.get(name, 0) != rows[name]
    }
