"""Inventory fixtures: a branch, a second branch and an item, created directly (the API is what
the tests exercise). Row helpers are in ``tests.factories``, envelope assertions in
``tests.helpers``."""

from __future__ import annotations

import pytest

from inventory_app.models import Branch, InventoryItem
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
