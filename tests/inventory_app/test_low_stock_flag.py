"""``stock_levels.is_low`` (migrations 0012/0013, docs/architecture.md §3.8): kept by triggers on
every path that changes a row's availability or its item's reorder level or activity, so the
low-stock list (which selects the flagged rows) follows each change."""

from __future__ import annotations

import pytest
from django.db import connection

from inventory_app.models import StockLevel
from tests.factories import make_branch, make_item, stock
from tests.helpers import assert_ok
from tests.inventory_app.conftest import BASE

pytestmark = pytest.mark.django_db
LOW = f"{BASE}/stock-levels/low-stock"


def flag(row: StockLevel) -> bool:
    with connection.cursor() as cursor:
        cursor.execute('SELECT is_low FROM "inventory_schema"."stock_levels" WHERE id = %s', [row.pk])
        return cursor.fetchone()[0]


def listed(client) -> list[str]:
    return [r["id"] for r in client.get(LOW).json()["data"]]


def test_a_new_row_is_flagged_when_it_is_low():
    item, branch = make_item("F-1", reorder_level=5), make_branch("F")
    assert flag(stock(item, branch, 5)) is True
    assert flag(stock(make_item("F-2", reorder_level=5), branch, 6)) is False
    assert flag(stock(make_item("F-3", reorder_level=50, is_active=False), branch, 0)) is False


def test_movements_across_the_reorder_level_flip_it(admin_client):
    item, branch = make_item("M-1", reorder_level=5), make_branch("M")
    row = stock(item, branch, 8)
    assert (flag(row), listed(admin_client)) == (False, [])
    body = {"inventoryItemId": str(item.pk), "movementType": "OUT", "quantity": 3, "fromBranchId": str(branch.pk)}
    assert_ok(admin_client.post(f"{BASE}/movements", body, format="json"), 201, "Stock movement recorded successfully")
    assert (flag(row), listed(admin_client)) == (True, [str(row.pk)])
    body = {"inventoryItemId": str(item.pk), "movementType": "IN", "quantity": 1, "toBranchId": str(branch.pk)}
    assert_ok(admin_client.post(f"{BASE}/movements", body, format="json"), 201, "Stock movement recorded successfully")
    assert (flag(row), listed(admin_client)) == (False, [])


def test_reservations_change_the_available_quantity_and_the_flag(admin_client):
    item, branch = make_item("R-1", reorder_level=5), make_branch("R")
    row = stock(item, branch, 7)
    body = {"inventoryItemId": str(item.pk), "branchId": str(branch.pk), "quantity": 2}
    reserved = assert_ok(
        admin_client.post(f"{BASE}/reservations", body, format="json"), 201, "Reservation created successfully"
    )
    assert (flag(row), listed(admin_client)) == (True, [str(row.pk)])  # available 5 <= 5
    assert_ok(
        admin_client.post(f"{BASE}/reservations/{reserved['id']}/release"), 200, "Reservation released successfully"
    )
    assert (flag(row), listed(admin_client)) == (False, [])


def test_the_item_reorder_level_and_activity_flip_its_rows(admin_client):
    item, north, south = make_item("I-1", reorder_level=5), make_branch("N"), make_branch("S")
    rows = [stock(item, north, 6), stock(item, south, 20)]
    update = f"{BASE}/items/{item.pk}"
    assert_ok(admin_client.put(update, {"reorderLevel": 6}, format="json"), 200, "Inventory item updated successfully")
    assert [flag(r) for r in rows] == [True, False]
    assert listed(admin_client) == [str(rows[0].pk)]
    assert_ok(admin_client.put(update, {"isActive": False}, format="json"), 200, "Inventory item updated successfully")
    assert ([flag(r) for r in rows], listed(admin_client)) == ([False, False], [])
    assert_ok(admin_client.put(update, {"isActive": True}, format="json"), 200, "Inventory item updated successfully")
    assert [flag(r) for r in rows] == [True, False]
    assert_ok(admin_client.put(update, {"reorderLevel": 20}, format="json"), 200, "Inventory item updated successfully")
    assert [flag(r) for r in rows] == [True, True]
    assert_ok(admin_client.put(update, {"reorderLevel": 1}, format="json"), 200, "Inventory item updated successfully")
    assert ([flag(r) for r in rows], listed(admin_client)) == ([False, False], [])


def test_a_writer_cannot_set_a_wrong_flag():
    row = stock(make_item("W-1", reorder_level=5), make_branch("W"), 9)
    row.is_low = True
    row.save()  # an ORM save writes every column, the flag included: the trigger recomputes it
    assert flag(row) is False
    StockLevel.objects.filter(pk=row.pk).update(is_low=True)
    assert flag(row) is False
    StockLevel.objects.filter(pk=row.pk).update(quantity=5)
    assert flag(row) is True


def test_the_partial_index_holds_the_flagged_rows_only():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'stock_levels_low_idx'")
        (definition,) = cursor.fetchone()
    assert definition.endswith("USING btree (branch_id) WHERE is_low")


def test_pages_are_slices_of_the_list_when_branches_share_a_name(admin_client):
    """The page reads each branch's first ``offset + limit`` rows in name order; two branches of
    one name interleave by SKU, and every page is the same slice of the whole ordered list."""
    twins, first = [make_branch("T1", "Twin"), make_branch("T2", "Twin")], make_branch("A", "Alpha")
    for n in range(6):
        stock(make_item(f"S-{n}", reorder_level=5), twins[n % 2], n)
    stock(make_item("S-A", reorder_level=5), first, 1)
    stock(make_item("S-OFF", reorder_level=5), make_branch("Z", "Zed", is_active=False), 0)
    whole = admin_client.get(LOW).json()
    assert [(r["branchName"], r["sku"]) for r in whole["data"]] == [("Alpha", "S-A")] + [
        ("Twin", f"S-{n}") for n in range(6)
    ]
    for limit in (1, 2, 3):
        for offset in range(9):
            page = admin_client.get(LOW, {"limit": limit, "offset": offset}).json()
            assert (page["data"], page["meta"]["total"]) == (whole["data"][offset : offset + limit], 7)
