"""docs/api.md §13: stock levels by branch and low stock."""

from prometheus_client import REGISTRY

from tests.conftest import bearer_client
from tests.factories import make_branch, make_item, make_seller, stock
from tests.helpers import MISSING, assert_error, assert_ok, assert_validation
from tests.inventory_app.conftest import BASE

FIELDS = {
    "id",
    "inventoryItemId",
    "inventoryItemName",
    "sku",
    "branchId",
    "branchName",
    "quantity",
    "reservedQuantity",
    "availableQuantity",
    "lastCountedAt",
    "updatedAt",
}


def test_by_branch(seller_client, db):
    branch, other = make_branch("A"), make_branch("B")
    b_item, a_item, lower = make_item("b-1"), make_item("A-1"), make_item("a-1")
    stock(b_item, branch, 5, reserved=2)
    stock(a_item, branch, 1)
    stock(lower, branch, 0)
    stock(a_item, other, 9)
    response = seller_client.get(f"{BASE}/stock-levels/branch/{branch.pk}", {"limit": 2})
    data = assert_ok(response, 200, "Stock levels retrieved successfully", meta=True)
    assert response.json()["meta"]["total"] == 3
    assert [r["sku"] for r in data] == ["A-1", "a-1"]
    assert set(data[0]) == FIELDS
    last = seller_client.get(f"{BASE}/stock-levels/branch/{branch.pk}", {"offset": 2}).json()["data"][0]
    assert (last["quantity"], last["reservedQuantity"], last["availableQuantity"], last["branchName"]) == (
        5,
        2,
        3,
        "Branch A",
    )
    assert last["lastCountedAt"] is None
    assert_error(
        seller_client.get(f"{BASE}/stock-levels/branch/{MISSING}"),
        404,
        "BRANCH_NOT_FOUND",
        f"Branch not found with id: {MISSING}",
    )


def test_low_stock(admin_client, db):
    north, alpha, closed = (
        make_branch("N", "North"),
        make_branch("A", "Alpha"),
        make_branch("C", "Closed", is_active=False),
    )
    pen = make_item("PEN", reorder_level=10)
    cup = make_item("CUP", reorder_level=5)
    old = make_item("OLD", reorder_level=100, is_active=False)
    stock(pen, north, 12, reserved=2)  # available 10 <= 10: low
    stock(pen, alpha, 11)  # 11 > 10
    stock(cup, alpha, 5)  # low
    stock(cup, north, 0)  # low
    stock(pen, closed, 0)  # inactive branch
    stock(old, north, 1)  # inactive item
    response = admin_client.get(f"{BASE}/stock-levels/low-stock")
    data = assert_ok(response, 200, "Low stock items retrieved successfully", meta=True)
    assert [(r["branchName"], r["sku"]) for r in data] == [("Alpha", "CUP"), ("North", "CUP"), ("North", "PEN")]
    assert response.json()["meta"]["total"] == 3
    filtered = admin_client.get(f"{BASE}/stock-levels/low-stock", {"branchId": str(north.pk)}).json()["data"]
    assert [r["sku"] for r in filtered] == ["CUP", "PEN"]
    assert admin_client.get(f"{BASE}/stock-levels/low-stock", {"branchId": MISSING}).json()["data"] == []
    assert_validation(
        admin_client.get(f"{BASE}/stock-levels/low-stock", {"branchId": "x"}), {"branchId": "Invalid value"}
    )
    assert REGISTRY.get_sample_value("inventory_low_stock_items") == 3


def test_low_stock_gauge_survives_a_database_failure(monkeypatch):
    from django.db import OperationalError

    from natjoub.metrics import _scrape_collectors

    def broken():
        raise OperationalError("connection refused")

    monkeypatch.setattr("inventory_app.selectors.low_stock_count", broken)
    (gauge,) = [c for c in _scrape_collectors if getattr(c, "name", None) == "inventory_low_stock_items"]
    assert list(gauge.collect()) == []


def test_low_stock_pages_and_totals(admin_client, db):
    """The total is read with the page (docs/architecture.md §3.10): every page, the one past the
    end and a seller's scoped list report the same totals and rows as the whole list."""
    north, alpha = make_branch("N", "North"), make_branch("A", "Alpha")
    items = [make_item(f"LOW-{n}", reorder_level=10) for n in range(5)]
    for n, item in enumerate(items):
        stock(item, north if n % 2 else alpha, n, reserved=min(n, 1))
    stock(make_item("HIGH", reorder_level=1), north, 50)
    whole = admin_client.get(f"{BASE}/stock-levels/low-stock").json()
    assert whole["meta"]["total"] == 5
    assert [(r["branchName"], r["sku"]) for r in whole["data"]] == [
        ("Alpha", "LOW-0"), ("Alpha", "LOW-2"), ("Alpha", "LOW-4"), ("North", "LOW-1"), ("North", "LOW-3"),
    ]  # fmt: skip
    assert [r["availableQuantity"] for r in whole["data"]] == [0, 1, 3, 0, 2]
    for offset in range(7):
        page = admin_client.get(f"{BASE}/stock-levels/low-stock", {"limit": 2, "offset": offset}).json()
        assert page["data"] == whole["data"][offset : offset + 2]
        assert page["meta"] == {**whole["meta"], "limit": 2, "offset": offset, "page": offset // 2 + 1,
                                "pageSize": 2, "totalPages": 3}  # fmt: skip
    seller = bearer_client(make_seller(every_branch=False, branches=[north]))
    scoped = seller.get(f"{BASE}/stock-levels/low-stock", {"limit": 1, "offset": 1}).json()
    assert (scoped["data"], scoped["meta"]["total"]) == (whole["data"][4:5], 2)
    empty = admin_client.get(f"{BASE}/stock-levels/low-stock", {"branchId": str(make_branch("E").pk)}).json()
    assert (empty["data"], empty["meta"]["total"], empty["meta"]["totalPages"]) == ([], 0, 0)


def test_low_stock_without_any_active_item(admin_client, db):
    stock(make_item("OFF", reorder_level=10, is_active=False), make_branch("N"), 0)
    body = admin_client.get(f"{BASE}/stock-levels/low-stock", {"offset": 3}).json()
    assert (body["data"], body["meta"]["total"], body["meta"]["totalPages"]) == ([], 0, 0)
    assert admin_client.get(f"{BASE}/stock-levels/low-stock").json()["meta"]["total"] == 0
