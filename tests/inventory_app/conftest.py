"""Inventory fixtures: rows created directly (the API is what the tests exercise) and helpers."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

import pytest

from inventory_app.models import Branch, Category, InventoryItem, MovementType, StockLevel, StockMovement

BASE = "/api/v1/inventory"
TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?Z$")
MISSING = "00000000-0000-4000-8000-000000000000"


def assert_ok(response, status: int, message: str):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["success"] is True
    assert body["error"] is None
    assert body["message"] == message
    return body["data"]


def assert_error(response, status: int, code: str, message: str, details=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"success", "data", "message", "error"}
    assert body["success"] is False
    assert body["data"] is None
    assert body["error"] == {"code": code, "message": message, "details": details}
    assert body["message"] == message


def assert_validation(response, details: dict):
    assert_error(response, 400, "VALIDATION_ERROR", "Validation failed", details)


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


def new_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def branch(db) -> Branch:
    return make_branch("WH", "Warehouse")


@pytest.fixture
def other_branch(db) -> Branch:
    return make_branch("ST", "Store")


@pytest.fixture
def item(db) -> InventoryItem:
    return make_item("LAP-1", "Laptop", reorder_level=5)
