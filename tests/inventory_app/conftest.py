"""Inventory fixtures: rows created directly (the API is what the tests exercise) and helpers to
create them; envelope assertions are in ``tests.helpers``."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inventory_app.models import Branch, Category, InventoryItem, MovementType, StockLevel, StockMovement

BASE = "/api/v1/inventory"


def make_branch(code: str = "BR-1", name: str | None = None, **fields) -> Branch:
    return Branch.objects.create(code=code, name=name or f"Branch {code}", **fields)


def make_category(name: str = "Cat", parent: Category | None = None, **fields) -> Category:
    return Category.objects.create(name=name, parent_category=parent, **fields)


def make_item(sku: str = "SKU-1", name: str | None = None, **fields) -> InventoryItem:
    fields.setdefault("unit_of_measure", "piece")
    fields.setdefault("unit_price", Decimal("10.00"))
    return InventoryItem.objects.create(sku=sku, name=name or f"Item {sku}", **fields)


def stock(item: InventoryItem, branch: Branch, quantity: int, reserved: int = 0) -> StockLevel:
    """A stock row with its opening IN movement, so the ledger invariant holds."""
    row = StockLevel.objects.create(inventory_item=item, branch=branch, quantity=quantity, reserved_quantity=reserved)
    if quantity:
        StockMovement.objects.create(
            inventory_item=item, to_branch=branch, movement_type=MovementType.IN, quantity=quantity
        )
    return row


@pytest.fixture
def branch(db) -> Branch:
    return make_branch("WH", "Warehouse")


@pytest.fixture
def other_branch(db) -> Branch:
    return make_branch("ST", "Store")


@pytest.fixture
def item(db) -> InventoryItem:
    return make_item("LAP-1", "Laptop", reorder_level=5)
