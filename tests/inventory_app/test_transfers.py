"""Two-step transfers (docs/api.md §27): dispatch all or nothing, receive (possibly short), cancel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from inventory_app import services
from inventory_app.models import MovementType, StockLevel, StockMovement, StockReservation, StockTransfer
from tests.factories import make_branch, make_item, stock
from tests.helpers import MISSING, TIMESTAMP_RE, assert_error, assert_ok, assert_validation
from tests.inventory_app.conftest import BASE
from tests.security.conftest import db_dump

URL = f"{BASE}/transfers"
FIELDS = {
    "id", "fromBranchId", "fromBranchName", "toBranchId", "toBranchName", "status", "referenceNumber", "notes",
    "dispatchedBy", "dispatchedAt", "receivedBy", "receivedAt", "cancelledBy", "cancelledAt", "lines", "createdAt",
    "updatedAt",
}  # fmt: skip
LINE_FIELDS = {"inventoryItemId", "sku", "inventoryItemName", "quantity", "receivedQuantity", "shortQuantity"}


@pytest.fixture
def items(db):
    return [make_item(f"T-{i}", f"Thing {i}") for i in range(5)]


@pytest.fixture
def stocked(items, branch):
    for item in items:
        stock(item, branch, 20)
    return items


def dispatch(client, src, dst, lines, **extra):
    body = {
        "fromBranchId": str(getattr(src, "pk", src)),
        "toBranchId": str(getattr(dst, "pk", dst)),
        "lines": [{"inventoryItemId": str(getattr(item, "pk", item)), "quantity": q} for item, q in lines],
        **extra,
    }
    return client.post(URL, body, format="json")


def quantity(item, branch) -> int | None:
    row = StockLevel.objects.filter(inventory_item=item, branch=branch).first()
    return None if row is None else row.quantity


def no_drift():
    call_command("reconcile_stock")  # quantities, reservations and balances


# -- dispatch ---------------------------------------------------------------------------------
def test_dispatch_moves_units_into_transit(seller_client, stocked, branch, other_branch):
    a, b = stocked[:2]
    response = dispatch(seller_client, branch, other_branch, [(a, 5), (b, 7)], referenceNumber="TR-1", notes="n")
    data = assert_ok(response, 201, "Transfer dispatched")
    assert set(data) == FIELDS
    assert (data["status"], data["fromBranchName"], data["toBranchName"], data["referenceNumber"]) == (
        "IN_TRANSIT", "Warehouse", "Store", "TR-1",
    )  # fmt: skip
    assert data["dispatchedBy"] == str(seller_client.user.pk)
    assert TIMESTAMP_RE.match(data["dispatchedAt"])
    assert (data["receivedBy"], data["receivedAt"], data["cancelledBy"], data["cancelledAt"]) == (None,) * 4
    assert [set(line) for line in data["lines"]] == [LINE_FIELDS, LINE_FIELDS]
    assert [
        (line["sku"], line["quantity"], line["receivedQuantity"], line["shortQuantity"]) for line in data["lines"]
    ] == [
        ("T-0", 5, None, None),
        ("T-1", 7, None, None),
    ]  # request order
    assert (quantity(a, branch), quantity(b, branch)) == (15, 13)
    assert quantity(a, other_branch) is None  # in transit: part of no stock row
    outs = StockMovement.objects.filter(movement_type=MovementType.TRANSFER_OUT).order_by("inventory_item__sku")
    assert [(m.quantity, m.from_balance_after, m.to_branch_id, m.reference_number) for m in outs] == [
        (5, 15, None, "TR-1"),
        (7, 13, None, "TR-1"),
    ]
    assert {str(m.transfer_id) for m in outs} == {data["id"]}
    assert {m.notes for m in outs} == {f"Transfer {data['id']} dispatched"}
    assert seller_client.get(f"{BASE}/items/{a.pk}").json()["data"]["totalStock"] == 15  # not counting transit
    no_drift()


def test_movements_expose_the_transfer(admin_client, stocked, branch, other_branch):
    transfer = dispatch(admin_client, branch, other_branch, [(stocked[0], 2)]).json()["data"]
    movements = admin_client.get(f"{BASE}/movements", {"movementType": "TRANSFER_OUT"}).json()["data"]
    assert [(m["transferId"], m["fromBalanceAfter"], m["toBalanceAfter"]) for m in movements] == [
        (transfer["id"], 18, None)
    ]
    assert movements[0]["referenceNumber"] == f"transfer:{transfer['id']}"  # no reference given


def test_short_on_line_three_of_five_changes_nothing(admin_client, stocked, branch, other_branch):
    """All lines or none: the first short line (in request order) is reported, nothing is written."""
    lines = [(stocked[0], 1), (stocked[1], 2), (stocked[2], 21), (stocked[3], 1), (stocked[4], 99)]
    before = db_dump()
    response = dispatch(admin_client, branch, other_branch, lines, referenceNumber="TR-X")
    assert_error(
        response,
        409,
        "INSUFFICIENT_STOCK",
        "Insufficient stock: available 20, requested 21",
        {"inventoryItemId": str(stocked[2].pk), "available": 20, "requested": 21},
    )
    assert db_dump() == before


def test_a_short_line_still_expires_due_reservations(admin_client, stocked, branch, other_branch):
    item = stocked[0]
    reservation = services.reservation_create(
        inventory_item_id=item.pk, branch_id=branch.pk, quantity=15, created_by=None
    )
    StockReservation.objects.filter(pk=reservation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = dispatch(admin_client, branch, other_branch, [(stocked[1], 1), (item, 21)])
    assert response.json()["error"]["details"] == {"inventoryItemId": str(item.pk), "available": 20, "requested": 21}
    assert StockReservation.objects.get(pk=reservation.pk).status == "EXPIRED"  # the expiry stands
    assert StockLevel.objects.get(inventory_item=item, branch=branch).reserved_quantity == 0
    assert not StockTransfer.objects.exists()
    assert quantity(stocked[1], branch) == 20
    no_drift()


def test_dispatch_counts_reserved_units(admin_client, stocked, branch, other_branch):
    services.reservation_create(inventory_item_id=stocked[0].pk, branch_id=branch.pk, quantity=15, created_by=None)
    response = dispatch(admin_client, branch, other_branch, [(stocked[0], 6)])
    assert response.json()["error"]["details"]["available"] == 5


def test_a_missing_row_is_available_zero(admin_client, items, branch, other_branch):
    response = dispatch(admin_client, branch, other_branch, [(items[0], 1)])
    assert response.json()["error"]["details"] == {"inventoryItemId": str(items[0].pk), "available": 0, "requested": 1}
    assert not StockLevel.objects.exists()


def test_dispatch_validation(admin_client, stocked, branch, other_branch):
    item = str(stocked[0].pk)
    assert_validation(admin_client.post(URL, {}, format="json"), {
        "fromBranchId": "Field is required", "toBranchId": "Field is required", "lines": "Field is required",
    })  # fmt: skip
    base = {"fromBranchId": str(branch.pk), "toBranchId": str(other_branch.pk)}
    cases = [
        ({"lines": []}, {"lines": "Must contain between 1 and 100 lines"}),
        ({"lines": [{"inventoryItemId": item, "quantity": 1}] * 101},
         {"lines": "Must contain between 1 and 100 lines"}),
        ({"lines": "x"}, {"lines": "Invalid value"}),
        ({"lines": [{"inventoryItemId": item, "quantity": 1}, {"inventoryItemId": item.upper(), "quantity": 2}]},
         {"lines": "Each item may appear only once"}),
        ({"lines": [{"inventoryItemId": item, "quantity": 1}, {"quantity": 0}, 5]},
         {"lines[1].inventoryItemId": "Field is required", "lines[1].quantity": "Must be greater than 0",
          "lines[2]": "Invalid value"}),
        ({"lines": [{"inventoryItemId": "x", "quantity": 2147483648}]},
         {"lines[0].inventoryItemId": "Invalid value", "lines[0].quantity": "Invalid value"}),
        ({"lines": [{"inventoryItemId": item, "quantity": 1}], "referenceNumber": "r" * 101},
         {"referenceNumber": "Must be at most 100 characters"}),
    ]  # fmt: skip
    for extra, details in cases:
        assert_validation(admin_client.post(URL, {**base, **extra}, format="json"), details)
    assert not StockTransfer.objects.exists()


def test_dispatch_checks_in_order(admin_client, stocked, branch, other_branch):
    item = stocked[0]
    assert_error(
        dispatch(admin_client, branch, branch, [(MISSING, 1)]),
        400,
        "INVALID_MOVEMENT",
        "FROM and TO branches must differ",
    )
    assert_error(
        dispatch(admin_client, MISSING, branch, [(MISSING, 1)]), 400, "BRANCH_NOT_FOUND", "From branch not found"
    )
    assert_error(
        dispatch(admin_client, branch, MISSING, [(MISSING, 1)]), 400, "BRANCH_NOT_FOUND", "To branch not found"
    )
    assert_error(
        dispatch(admin_client, branch, other_branch, [(item, 1), (MISSING, 999)]),
        400,
        "ITEM_NOT_FOUND",
        "Inventory item not found",
        {"inventoryItemId": MISSING},
    )


def test_dispatch_with_an_idempotency_key_happens_once(seller_client, stocked, branch, other_branch):
    body = {
        "fromBranchId": str(branch.pk),
        "toBranchId": str(other_branch.pk),
        "lines": [{"inventoryItemId": str(stocked[0].pk), "quantity": 3}],
    }
    first = seller_client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="tr-1")
    again = seller_client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="tr-1")
    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (201, 201, "true")
    assert again.json() == first.json()
    assert list(again.json()["data"]) == list(first.json()["data"])  # wire order kept
    assert StockTransfer.objects.count() == 1
    assert quantity(stocked[0], branch) == 17
    other = seller_client.post(URL, {**body, "notes": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="tr-1")
    assert_error(other, 409, "IDEMPOTENCY_KEY_REUSED", "Idempotency-Key was already used with a different request")


# -- receive ----------------------------------------------------------------------------------
@pytest.fixture
def in_transit(admin_client, stocked, branch, other_branch):
    lines = [(stocked[0], 5), (stocked[1], 4), (stocked[2], 3)]
    return dispatch(admin_client, branch, other_branch, lines, referenceNumber="TR-9").json()["data"]


def test_receive_in_full_without_a_body(seller_client, in_transit, stocked, other_branch):
    data = assert_ok(seller_client.post(f"{URL}/{in_transit['id']}/receive"), 200, "Transfer received")
    assert (data["status"], data["receivedBy"]) == ("RECEIVED", str(seller_client.user.pk))
    assert TIMESTAMP_RE.match(data["receivedAt"])
    assert [(line["receivedQuantity"], line["shortQuantity"]) for line in data["lines"]] == [(5, 0), (4, 0), (3, 0)]
    assert [quantity(item, other_branch) for item in stocked[:3]] == [5, 4, 3]
    ins = StockMovement.objects.filter(movement_type=MovementType.TRANSFER_IN)
    assert {(m.to_branch_id, m.from_branch_id, m.reference_number, m.notes) for m in ins} == {
        (other_branch.pk, None, "TR-9", f"Transfer {in_transit['id']} received")
    }
    assert sorted(m.to_balance_after for m in ins) == [3, 4, 5]
    no_drift()


def test_partial_receive_books_the_short_quantity(admin_client, in_transit, stocked, branch, other_branch):
    """A line the body omits arrives in full; units not received are lost (no branch gets them)."""
    body = {"lines": [{"inventoryItemId": str(stocked[1].pk), "receivedQuantity": 1},
                      {"inventoryItemId": str(stocked[2].pk), "receivedQuantity": "0"}]}  # fmt: skip
    data = assert_ok(
        admin_client.post(f"{URL}/{in_transit['id']}/receive", body, format="json"), 200, "Transfer received"
    )
    assert [
        (line["sku"], line["quantity"], line["receivedQuantity"], line["shortQuantity"]) for line in data["lines"]
    ] == [
        ("T-0", 5, 5, 0),
        ("T-1", 4, 1, 3),
        ("T-2", 3, 0, 3),
    ]
    assert [quantity(item, other_branch) for item in stocked[:3]] == [5, 1, None]  # no row for nothing received
    assert [quantity(item, branch) for item in stocked[:3]] == [15, 16, 17]  # the source keeps its loss
    assert StockMovement.objects.filter(movement_type=MovementType.TRANSFER_IN).count() == 2
    no_drift()  # the ledger stays exact: lost units left the source and arrived nowhere


def test_receive_validation(admin_client, in_transit, stocked):
    url = f"{URL}/{in_transit['id']}/receive"
    assert_validation(
        admin_client.post(
            url, {"lines": [{"inventoryItemId": str(stocked[0].pk), "receivedQuantity": -1}]}, format="json"
        ),
        {"lines[0].receivedQuantity": "Must be greater than or equal to 0"},
    )
    body = {"lines": [{"inventoryItemId": str(stocked[0].pk), "receivedQuantity": 6},
                      {"inventoryItemId": str(stocked[4].pk), "receivedQuantity": 1}]}  # fmt: skip
    assert_validation(
        admin_client.post(url, body, format="json"),
        {
            "lines[0].receivedQuantity": "Must be between 0 and 5",
            "lines[1].inventoryItemId": "Item is not on this transfer",
        },
    )
    assert StockTransfer.objects.get().status == "IN_TRANSIT"


def test_receive_or_cancel_twice_is_409(admin_client, in_transit):
    url = f"{URL}/{in_transit['id']}"
    assert admin_client.post(f"{url}/receive").status_code == 200
    before = db_dump()
    for action in ("receive", "cancel"):
        assert_error(
            admin_client.post(f"{url}/{action}"),
            409,
            "TRANSFER_NOT_IN_TRANSIT",
            "Transfer is not in transit (status: RECEIVED)",
        )
    assert db_dump() == before


def test_cancel_returns_every_unit(admin_client, in_transit, stocked, branch, other_branch):
    data = assert_ok(admin_client.post(f"{URL}/{in_transit['id']}/cancel"), 200, "Transfer cancelled")
    assert (data["status"], data["cancelledBy"]) == ("CANCELLED", str(admin_client.user.pk))
    assert [(line["receivedQuantity"], line["shortQuantity"]) for line in data["lines"]] == [(None, None)] * 3
    assert [quantity(item, branch) for item in stocked[:3]] == [20, 20, 20]
    assert [quantity(item, other_branch) for item in stocked[:3]] == [None] * 3
    back = StockMovement.objects.filter(movement_type=MovementType.TRANSFER_IN)
    assert {(m.to_branch_id, m.notes) for m in back} == {(branch.pk, f"Transfer {in_transit['id']} cancelled")}
    assert sorted(m.to_balance_after for m in back) == [20, 20, 20]
    assert_error(
        admin_client.post(f"{URL}/{in_transit['id']}/receive"),
        409,
        "TRANSFER_NOT_IN_TRANSIT",
        "Transfer is not in transit (status: CANCELLED)",
    )
    no_drift()


def test_cancel_takes_no_body(admin_client, in_transit):
    response = admin_client.generic("POST", f"{URL}/{in_transit['id']}/cancel", "{", content_type="application/json")
    assert response.status_code == 200


# -- reads ------------------------------------------------------------------------------------
def test_list_order_filters_and_get_one(admin_client, stocked, branch, other_branch):
    third = make_branch("TH", "Third")
    first = dispatch(admin_client, branch, other_branch, [(stocked[0], 1)]).json()["data"]
    second = dispatch(admin_client, branch, third, [(stocked[1], 1)]).json()["data"]
    admin_client.post(f"{URL}/{first['id']}/receive")

    def ids(**params):
        return [t["id"] for t in admin_client.get(URL, params).json()["data"]]

    listed = assert_ok(admin_client.get(URL), 200, "Transfers retrieved successfully", meta=True)
    assert [t["id"] for t in listed] == [second["id"], first["id"]]  # newest dispatch first
    assert ids(status="RECEIVED") == [first["id"]]
    assert ids(toBranchId=str(third.pk)) == [second["id"]]
    assert ids(fromBranchId=str(other_branch.pk)) == []
    assert ids(branchId=str(other_branch.pk)) == [first["id"]]
    assert ids(inventoryItemId=str(stocked[1].pk)) == [second["id"]]
    assert ids(inventoryItemId=MISSING) == []
    assert_validation(
        admin_client.get(URL, {"status": "LOST", "branchId": "x", "fromBranchId": "1", "toBranchId": "2",
                               "inventoryItemId": "3"}),
        {"status": "Must be one of: IN_TRANSIT, RECEIVED, CANCELLED", "branchId": "Invalid value",
         "fromBranchId": "Invalid value", "toBranchId": "Invalid value", "inventoryItemId": "Invalid value"},
    )  # fmt: skip
    one = assert_ok(admin_client.get(f"{URL}/{first['id']}"), 200, "Transfer retrieved successfully")
    assert (one["id"], one["status"], one["lines"][0]["receivedQuantity"]) == (first["id"], "RECEIVED", 1)
    assert_error(
        admin_client.get(f"{URL}/{MISSING}"), 404, "TRANSFER_NOT_FOUND", f"Transfer not found with id: {MISSING}"
    )
    for action in ("receive", "cancel"):
        assert_error(
            admin_client.post(f"{URL}/{MISSING}/{action}"),
            404,
            "TRANSFER_NOT_FOUND",
            f"Transfer not found with id: {MISSING}",
        )


def test_a_branch_with_a_transfer_cannot_be_deleted(admin_client, stocked, branch):
    target = make_branch("EMPTY")
    dispatch(admin_client, branch, target, [(stocked[0], 1)])
    assert admin_client.delete(f"{BASE}/branches/{target.pk}").json()["error"]["code"] == "BRANCH_IN_USE"


# -- the "Also fix" of issue 12: a refused movement leaves no trace ---------------------------
def test_a_refused_transfer_movement_creates_no_stock_row(admin_client, item, branch, other_branch):
    """A refused TRANSFER (409) used to leave a zero-quantity row at the destination."""
    body = {
        "inventoryItemId": str(item.pk),
        "movementType": "TRANSFER",
        "quantity": 1,
        "fromBranchId": str(branch.pk),
        "toBranchId": str(other_branch.pk),
    }
    before = db_dump()
    assert admin_client.post(f"{BASE}/movements", body, format="json").status_code == 409
    assert not StockLevel.objects.filter(inventory_item=item, branch=other_branch).exists()
    assert db_dump() == before
