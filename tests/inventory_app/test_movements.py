"""docs/api.md §12: the stock ledger."""

import pytest
from django.core.management import call_command
from prometheus_client import REGISTRY

from inventory_app.models import StockLevel, StockMovement
from tests.factories import stock
from tests.helpers import MISSING, TIMESTAMP_RE, assert_error, assert_ok, assert_validation
from tests.inventory_app.conftest import BASE

URL = f"{BASE}/movements"
FIELDS = {
    "id",
    "inventoryItemId",
    "inventoryItemName",
    "sku",
    "fromBranchId",
    "fromBranchName",
    "toBranchId",
    "toBranchName",
    "movementType",
    "quantity",
    "unitPrice",
    "referenceNumber",
    "notes",
    "performedBy",
    "createdAt",
    "transferId",  # docs/api.md §25, §28
    "fromBalanceAfter",
    "toBalanceAfter",
}
TYPES_MESSAGE = "Must be one of: IN, OUT, TRANSFER, ADJUSTMENT, RETURN"
FILTER_TYPES_MESSAGE = "Must be one of: IN, OUT, TRANSFER, ADJUSTMENT, RETURN, TRANSFER_OUT, TRANSFER_IN"  # §25


def post(client, item, movement_type, quantity, *, src=None, dst=None, **extra):
    body = {"inventoryItemId": str(item.pk), "movementType": movement_type, "quantity": quantity, **extra}
    if src is not None:
        body["fromBranchId"] = str(getattr(src, "pk", src))
    if dst is not None:
        body["toBranchId"] = str(getattr(dst, "pk", dst))
    return client.post(URL, body, format="json")


def qty(item, branch):
    row = StockLevel.objects.filter(inventory_item=item, branch=branch).first()
    return None if row is None else (row.quantity, row.reserved_quantity)


def test_in_creates_the_row_and_returns_the_dto(seller_client, item, branch):
    response = post(seller_client, item, "IN", "7", dst=branch, unitPrice="1.5", referenceNumber="PO-1", notes="n")
    data = assert_ok(response, 201, "Stock movement recorded successfully")
    assert set(data) == FIELDS
    assert data["unitPrice"] == "1.50"
    assert (data["sku"], data["inventoryItemName"], data["toBranchName"], data["fromBranchId"]) == (
        "LAP-1",
        "Laptop",
        "Warehouse",
        None,
    )
    assert data["performedBy"] == str(seller_client.user.pk)
    assert TIMESTAMP_RE.match(data["createdAt"])
    row = StockLevel.objects.get(inventory_item=item, branch=branch)
    assert (row.quantity, row.reserved_quantity, row.last_counted_at) == (7, 0, None)


def test_effects_of_every_type(admin_client, item, branch, other_branch):
    stock(item, branch, 10)
    assert post(admin_client, item, "OUT", 3, src=branch).status_code == 201
    assert qty(item, branch) == (7, 0)
    assert post(admin_client, item, "TRANSFER", 2, src=branch, dst=other_branch).status_code == 201
    assert (qty(item, branch), qty(item, other_branch)) == ((5, 0), (2, 0))
    assert post(admin_client, item, "RETURN", 1, dst=other_branch).status_code == 201
    assert qty(item, other_branch) == (3, 0)
    assert post(admin_client, item, "ADJUSTMENT", 4, src=branch).status_code == 201  # decrease
    assert qty(item, branch) == (1, 0)
    assert StockLevel.objects.get(inventory_item=item, branch=branch).last_counted_at is not None
    # both branches: to += q only, from stored without effect
    data = post(admin_client, item, "ADJUSTMENT", 5, src=branch, dst=other_branch).json()["data"]
    assert data["fromBranchId"] == str(branch.pk)
    assert data["toBranchId"] == str(other_branch.pk)
    assert (qty(item, branch), qty(item, other_branch)) == ((1, 0), (8, 0))
    # unused branch fields are stored and have no effect
    assert post(admin_client, item, "IN", 1, src=other_branch, dst=branch).status_code == 201
    assert post(admin_client, item, "OUT", 1, src=branch, dst=other_branch).status_code == 201
    assert (qty(item, branch), qty(item, other_branch)) == ((1, 0), (8, 0))
    call_command("reconcile_stock")


@pytest.mark.parametrize(
    ("movement_type", "src", "dst", "message"),
    [
        ("IN", True, False, "TO branch required for IN movement"),
        ("RETURN", True, False, "TO branch required for RETURN movement"),
        ("OUT", False, True, "FROM branch required for OUT movement"),
        ("TRANSFER", True, False, "Both FROM and TO branches required for TRANSFER"),
        ("TRANSFER", False, True, "Both FROM and TO branches required for TRANSFER"),
        ("ADJUSTMENT", False, False, "FROM or TO branch required for ADJUSTMENT"),
    ],
)
def test_branch_rules_come_before_existence_checks(admin_client, movement_type, src, dst, message, db):
    body = {"inventoryItemId": MISSING, "movementType": movement_type, "quantity": 1}
    if src:
        body["fromBranchId"] = MISSING
    if dst:
        body["toBranchId"] = MISSING
    assert_error(admin_client.post(URL, body, format="json"), 400, "INVALID_MOVEMENT", message)


def test_transfer_branches_must_differ(admin_client, item, branch):
    assert_error(
        post(admin_client, item, "TRANSFER", 1, src=branch, dst=branch),
        400,
        "INVALID_MOVEMENT",
        "FROM and TO branches must differ",
    )


def test_not_found_order(admin_client, item, branch):
    missing_item = type("Missing", (), {"pk": MISSING})()
    assert_error(
        post(admin_client, missing_item, "TRANSFER", 1, src=MISSING, dst=branch),
        400,
        "ITEM_NOT_FOUND",
        "Inventory item not found",
    )
    assert_error(
        post(admin_client, item, "TRANSFER", 1, src=MISSING, dst=branch),
        400,
        "BRANCH_NOT_FOUND",
        "From branch not found",
    )
    assert_error(
        post(admin_client, item, "TRANSFER", 1, src=branch, dst=MISSING), 400, "BRANCH_NOT_FOUND", "To branch not found"
    )
    assert_error(
        post(admin_client, item, "IN", 1, src=MISSING, dst=branch), 400, "BRANCH_NOT_FOUND", "From branch not found"
    )
    assert not StockMovement.objects.exists()


def test_validation_messages(admin_client, db):
    assert_validation(
        admin_client.post(
            URL,
            {"movementType": "in", "quantity": 0, "fromBranchId": 3, "unitPrice": "1e3", "referenceNumber": "r" * 101},
            format="json",
        ),
        {
            "inventoryItemId": "Field is required",
            "movementType": TYPES_MESSAGE,
            "quantity": "Must be greater than 0",
            "fromBranchId": "Invalid value",
            "unitPrice": "Invalid value",
            "referenceNumber": "Must be at most 100 characters",
        },
    )
    assert_validation(
        admin_client.post(URL, {"inventoryItemId": MISSING, "movementType": 1, "quantity": 2147483648}, format="json"),
        {"movementType": "Invalid value", "quantity": "Invalid value"},
    )


def test_insufficient_stock_counts_reservations(admin_client, item, branch, other_branch):
    stock(item, branch, 10, reserved=4)
    response = post(admin_client, item, "OUT", 7, src=branch)
    assert_error(
        response,
        409,
        "INSUFFICIENT_STOCK",
        "Insufficient stock: available 6, requested 7",
        {"available": 6, "requested": 7},
    )
    assert_error(
        post(admin_client, item, "TRANSFER", 1, src=other_branch, dst=branch),
        409,
        "INSUFFICIENT_STOCK",
        "Insufficient stock: available 0, requested 1",
        {"available": 0, "requested": 1},
    )
    assert_error(
        post(admin_client, item, "ADJUSTMENT", 11, src=branch),
        409,
        "INSUFFICIENT_STOCK",
        "Insufficient stock: available 6, requested 11",
        {"available": 6, "requested": 11},
    )
    assert qty(item, branch) == (10, 4)
    assert qty(item, other_branch) is None
    assert post(admin_client, item, "OUT", 6, src=branch).status_code == 201


def test_inactive_items_and_branches_still_move(admin_client, item, branch, other_branch):
    stock(item, branch, 5)
    item.is_active = False
    item.save()
    branch.is_active = False
    branch.save()
    assert post(admin_client, item, "TRANSFER", 5, src=branch, dst=other_branch).status_code == 201


def test_list_filters_and_get_one(admin_client, seller_client, item, branch, other_branch):
    stock(item, branch, 10)
    first = post(admin_client, item, "OUT", 1, src=branch, referenceNumber="R-1").json()["data"]
    second = post(seller_client, item, "TRANSFER", 1, src=branch, dst=other_branch).json()["data"]
    third = post(seller_client, item, "RETURN", 1, dst=other_branch).json()["data"]
    ids = lambda params: [r["id"] for r in seller_client.get(URL, params).json()["data"]]  # noqa: E731
    data = assert_ok(seller_client.get(URL), 200, "Stock movements retrieved successfully", meta=True)
    assert [r["id"] for r in data][:3] == [third["id"], second["id"], first["id"]]
    assert ids({"branchId": str(other_branch.pk)}) == [third["id"], second["id"]]
    assert ids({"movementType": "OUT"}) == [first["id"]]
    assert ids({"referenceNumber": "R-1"}) == [first["id"]]
    assert ids({"inventoryItemId": MISSING}) == []
    assert len(ids({"inventoryItemId": str(item.pk)})) == 4
    assert ids({"createdAfter": second["createdAt"]}) == [third["id"], second["id"]]
    assert ids({"createdBefore": second["createdAt"]})[0] == first["id"]
    assert ids({"createdAfter": "2999-01-01T00:00:00+07:00"}) == []
    assert_validation(
        seller_client.get(
            URL,
            {
                "movementType": "SELL",
                "createdAfter": "2026-01-01",
                "createdBefore": "x",
                "branchId": "1",
                "inventoryItemId": "z",
            },
        ),
        {
            "movementType": FILTER_TYPES_MESSAGE,
            "createdAfter": "Invalid value",
            "createdBefore": "Invalid value",
            "branchId": "Invalid value",
            "inventoryItemId": "Invalid value",
        },
    )
    one = assert_ok(seller_client.get(f"{URL}/{first['id']}"), 200, "Stock movement retrieved successfully")
    assert one == first
    assert_error(
        seller_client.get(f"{URL}/{MISSING}"), 404, "MOVEMENT_NOT_FOUND", f"Stock movement not found with id: {MISSING}"
    )


def test_movements_count_in_metrics_on_commit(admin_client, item, branch, django_capture_on_commit_callbacks):
    def value(movement_type):
        sample = REGISTRY.get_sample_value("inventory_stock_movements_total", {"movement_type": movement_type})
        return sample or 0.0

    before_in, before_out = value("IN"), value("OUT")
    with django_capture_on_commit_callbacks(execute=True):
        assert post(admin_client, item, "IN", 2, dst=branch).status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        assert post(admin_client, item, "OUT", 5, src=branch).status_code == 409  # refused: not counted
    assert (value("IN"), value("OUT")) == (before_in + 1, before_out)
