"""The inventory factories: unique natural keys, and stock rows that keep the ledger invariant."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from inventory_app.models import MovementType, StockLevel, StockMovement
from tests.factories import (
    BranchFactory,
    CategoryFactory,
    InventoryItemFactory,
    StockLevelFactory,
    make_branch,
    make_category,
    make_item,
    stock,
)

pytestmark = pytest.mark.django_db


def test_natural_keys_are_unique_and_names_follow_them():
    branches = BranchFactory.create_batch(3)
    items = InventoryItemFactory.create_batch(3)
    categories = CategoryFactory.create_batch(3)
    assert len({b.code for b in branches}) == len({i.sku for i in items}) == len({c.name for c in categories}) == 3
    assert [b.name for b in branches] == [f"Branch {b.code}" for b in branches]
    assert [i.name for i in items] == [f"Item {i.sku}" for i in items]
    assert {(i.category, i.unit_of_measure, str(i.unit_price)) for i in items} == {(None, "piece", "10.00")}


def test_helpers_pass_their_fields_through():
    parent = make_category("Parent")
    child = make_category("Child", parent, description="d")
    assert (child.name, child.parent_category, child.description) == ("Child", parent, "d")
    branch = make_branch("WH", city="Kampot")
    assert (branch.code, branch.name, branch.city) == ("WH", "Branch WH", "Kampot")
    assert make_branch("ST", "Store").name == "Store"
    item = make_item("LAP-1", unit_price="5.50", category=child)
    assert (item.sku, item.name, str(item.unit_price), item.category) == ("LAP-1", "Item LAP-1", "5.50", child)


def test_stock_writes_its_opening_in_movement():
    item, branch = make_item(), make_branch()
    row = stock(item, branch, 7)
    assert (row.inventory_item, row.branch, row.quantity, row.reserved_quantity) == (item, branch, 7, 0)
    movement = StockMovement.objects.get()
    assert (movement.inventory_item, movement.to_branch, movement.from_branch) == (item, branch, None)
    assert (movement.movement_type, movement.quantity) == (MovementType.IN, 7)
    call_command("reconcile_stock")  # no drift
    assert stock(make_item(), branch, 4, reserved=1).reserved_quantity == 1  # (no reservation: reserved drift)


def test_an_empty_stock_row_has_no_movement():
    stock(make_item(), make_branch(), 0)
    StockLevelFactory()
    assert StockLevel.objects.count() == 2
    assert not StockMovement.objects.exists()


def test_factory_stock_row_with_its_own_item_and_branch_keeps_the_ledger():
    row = StockLevelFactory(quantity=3)
    assert StockMovement.objects.get().to_branch == row.branch
    call_command("reconcile_stock")


def test_a_built_row_writes_nothing():
    StockLevelFactory.build(quantity=3)
    assert not StockMovement.objects.exists()
