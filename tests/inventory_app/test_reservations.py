"""docs/api.md §14: reservations, expiry, release and commit."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from inventory_app.models import ReservationStatus, StockLevel, StockMovement, StockReservation
from tests.factories import stock
from tests.helpers import MISSING, TIMESTAMP_RE, assert_error, assert_ok, assert_validation
from tests.inventory_app.conftest import BASE

URL = f"{BASE}/reservations"
FIELDS = {
    "id",
    "inventoryItemId",
    "sku",
    "branchId",
    "quantity",
    "status",
    "referenceNumber",
    "expiresAt",
    "createdBy",
    "createdAt",
    "updatedAt",
    "movementId",
}


def reserve(client, item, branch, quantity, **extra):
    body = {"inventoryItemId": str(item.pk), "branchId": str(getattr(branch, "pk", branch)), "quantity": quantity}
    return client.post(URL, {**body, **extra}, format="json")


def row(item, branch):
    return StockLevel.objects.get(inventory_item=item, branch=branch)


def expire(reservation_id):
    StockReservation.objects.filter(pk=reservation_id).update(expires_at=timezone.now() - timedelta(seconds=1))


def test_create_holds_units(seller_client, item, branch):
    stock(item, branch, 10)
    response = reserve(seller_client, item, branch, 4, referenceNumber="ORD-1", ttlSeconds="60")
    data = assert_ok(response, 201, "Reservation created successfully")
    assert set(data) == FIELDS
    assert (data["status"], data["sku"], data["movementId"], data["createdBy"]) == (
        "ACTIVE",
        "LAP-1",
        None,
        str(seller_client.user.pk),
    )
    assert TIMESTAMP_RE.match(data["expiresAt"])
    reservation = StockReservation.objects.get(pk=data["id"])
    assert timedelta(seconds=59) < reservation.expires_at - reservation.created_at <= timedelta(seconds=60)
    assert row(item, branch).reserved_quantity == 4
    default = reserve(seller_client, item, branch, 1).json()["data"]
    reservation = StockReservation.objects.get(pk=default["id"])
    assert reservation.expires_at - reservation.created_at == timedelta(seconds=900)


def test_create_errors(admin_client, item, branch, other_branch):
    stock(item, branch, 5, reserved=2)
    assert_validation(
        admin_client.post(URL, {"branchId": "x", "quantity": 0, "ttlSeconds": 604801}, format="json"),
        {
            "inventoryItemId": "Field is required",
            "branchId": "Invalid value",
            "quantity": "Must be greater than 0",
            "ttlSeconds": "Must be between 1 and 604800",
        },
    )
    missing_item = type("Missing", (), {"pk": MISSING})()
    assert_error(reserve(admin_client, missing_item, MISSING, 1), 400, "ITEM_NOT_FOUND", "Inventory item not found")
    assert_error(reserve(admin_client, item, MISSING, 1), 400, "BRANCH_NOT_FOUND", "Branch not found")
    assert_error(
        reserve(admin_client, item, branch, 4),
        409,
        "INSUFFICIENT_STOCK",
        "Insufficient stock: available 3, requested 4",
        {"available": 3, "requested": 4},
    )
    assert_error(
        reserve(admin_client, item, other_branch, 1),
        409,
        "INSUFFICIENT_STOCK",
        "Insufficient stock: available 0, requested 1",
        {"available": 0, "requested": 1},
    )
    assert not StockReservation.objects.exists()


def test_release_and_commit(seller_client, admin_client, item, branch):
    stock(item, branch, 10)
    first = reserve(seller_client, item, branch, 3, referenceNumber="ORD-9").json()["data"]
    second = reserve(seller_client, item, branch, 2).json()["data"]
    released = assert_ok(seller_client.post(f"{URL}/{first['id']}/release"), 200, "Reservation released successfully")
    assert released["status"] == "RELEASED"
    assert (row(item, branch).quantity, row(item, branch).reserved_quantity) == (10, 2)
    assert_error(
        seller_client.post(f"{URL}/{first['id']}/commit"),
        409,
        "RESERVATION_NOT_ACTIVE",
        "Reservation is not active (status: RELEASED)",
    )
    committed = assert_ok(admin_client.post(f"{URL}/{second['id']}/commit"), 200, "Reservation committed successfully")
    assert committed["status"] == "COMMITTED"
    movement = StockMovement.objects.get(pk=committed["movementId"])
    assert (movement.movement_type, movement.quantity, movement.from_branch_id, movement.to_branch_id) == (
        "OUT",
        2,
        branch.pk,
        None,
    )
    assert movement.reference_number == f"reservation:{second['id']}"
    assert movement.notes == f"Reservation {second['id']} committed"
    assert movement.performed_by == admin_client.user.pk
    assert movement.unit_price is None
    assert (row(item, branch).quantity, row(item, branch).reserved_quantity) == (8, 0)
    assert_error(
        seller_client.post(f"{URL}/{second['id']}/release"),
        409,
        "RESERVATION_NOT_ACTIVE",
        "Reservation is not active (status: COMMITTED)",
    )
    third = reserve(seller_client, item, branch, 1, referenceNumber="ORD-3").json()["data"]
    movement_id = seller_client.post(f"{URL}/{third['id']}/commit").json()["data"]["movementId"]
    assert StockMovement.objects.get(pk=movement_id).reference_number == "ORD-3"
    for action in ("release", "commit"):
        assert_error(
            seller_client.post(f"{URL}/{MISSING}/{action}"),
            404,
            "RESERVATION_NOT_FOUND",
            f"Reservation not found with id: {MISSING}",
        )
    call_command("reconcile_stock")


@pytest.mark.parametrize("action", ["release", "commit"])
def test_settling_a_due_reservation_expires_it(seller_client, item, branch, action):
    stock(item, branch, 10)
    data = reserve(seller_client, item, branch, 4).json()["data"]
    expire(data["id"])
    assert seller_client.get(f"{URL}/{data['id']}").json()["data"]["status"] == "EXPIRED"
    assert row(item, branch).reserved_quantity == 4  # reads report the stored value until then
    assert_error(
        seller_client.post(f"{URL}/{data['id']}/{action}"),
        409,
        "RESERVATION_NOT_ACTIVE",
        "Reservation is not active (status: EXPIRED)",
    )
    assert StockReservation.objects.get(pk=data["id"]).status == ReservationStatus.EXPIRED  # committed despite 409
    assert row(item, branch).reserved_quantity == 0
    assert_error(
        seller_client.post(f"{URL}/{data['id']}/{action}"),
        409,
        "RESERVATION_NOT_ACTIVE",
        "Reservation is not active (status: EXPIRED)",
    )
    assert row(item, branch).reserved_quantity == 0


def test_availability_checks_expire_due_reservations(seller_client, item, branch):
    stock(item, branch, 10)
    data = reserve(seller_client, item, branch, 8).json()["data"]
    expire(data["id"])
    body = {"inventoryItemId": str(item.pk), "movementType": "OUT", "quantity": 9, "fromBranchId": str(branch.pk)}
    assert seller_client.post(f"{BASE}/movements", body, format="json").status_code == 201
    assert (row(item, branch).quantity, row(item, branch).reserved_quantity) == (1, 0)
    other = reserve(seller_client, item, branch, 1).json()["data"]
    expire(other["id"])
    assert reserve(seller_client, item, branch, 1).status_code == 201
    assert StockReservation.objects.get(pk=other["id"]).status == ReservationStatus.EXPIRED
    call_command("reconcile_stock")


def test_refused_movement_still_expires_due_reservations(seller_client, item, branch):
    stock(item, branch, 10)
    data = reserve(seller_client, item, branch, 5).json()["data"]
    expire(data["id"])
    body = {"inventoryItemId": str(item.pk), "movementType": "OUT", "quantity": 11, "fromBranchId": str(branch.pk)}
    assert_error(
        seller_client.post(f"{BASE}/movements", body, format="json"),
        409,
        "INSUFFICIENT_STOCK",
        "Insufficient stock: available 10, requested 11",
        {"available": 10, "requested": 11},
    )
    assert row(item, branch).reserved_quantity == 0
    call_command("reconcile_stock")


def test_release_expired_reservations_command(seller_client, item, branch, other_branch, capsys):
    stock(item, branch, 10)
    stock(item, other_branch, 10)
    due = [reserve(seller_client, item, b, 2).json()["data"]["id"] for b in (branch, branch, other_branch)]
    keep = reserve(seller_client, item, branch, 1).json()["data"]["id"]
    for reservation_id in due:
        expire(reservation_id)
    call_command("release_expired_reservations")
    assert "Released 3 expired reservation(s)." in capsys.readouterr().out
    assert (row(item, branch).reserved_quantity, row(item, other_branch).reserved_quantity) == (1, 0)
    assert StockReservation.objects.get(pk=keep).status == ReservationStatus.ACTIVE
    call_command("release_expired_reservations")
    assert "Released 0 expired reservation(s)." in capsys.readouterr().out
    call_command("reconcile_stock")


def test_list_filters_use_the_effective_status(seller_client, item, branch, other_branch):
    stock(item, branch, 20)
    stock(item, other_branch, 20)
    a = reserve(seller_client, item, branch, 1).json()["data"]["id"]
    b = reserve(seller_client, item, branch, 1).json()["data"]["id"]
    c = reserve(seller_client, item, other_branch, 1).json()["data"]["id"]
    d = reserve(seller_client, item, other_branch, 1).json()["data"]["id"]
    seller_client.post(f"{URL}/{c}/release")
    seller_client.post(f"{URL}/{d}/commit")
    expire(b)
    ids = lambda params: [r["id"] for r in seller_client.get(URL, params).json()["data"]]  # noqa: E731
    data = assert_ok(seller_client.get(URL), 200, "Reservations retrieved successfully", meta=True)
    assert [r["id"] for r in data] == [d, c, b, a]
    assert ids({"status": "ACTIVE"}) == [a]
    assert ids({"status": "EXPIRED"}) == [b]
    assert ids({"status": "RELEASED"}) == [c]
    assert ids({"status": "COMMITTED"}) == [d]
    assert ids({"branchId": str(other_branch.pk)}) == [d, c]
    assert ids({"inventoryItemId": MISSING}) == []
    assert_validation(
        seller_client.get(URL, {"status": "active", "branchId": "b", "inventoryItemId": "c"}),
        {
            "status": "Must be one of: ACTIVE, RELEASED, COMMITTED, EXPIRED",
            "branchId": "Invalid value",
            "inventoryItemId": "Invalid value",
        },
    )
    one = assert_ok(seller_client.get(f"{URL}/{b}"), 200, "Reservation retrieved successfully")
    assert one["status"] == "EXPIRED"
    assert_error(
        seller_client.get(f"{URL}/{MISSING}"), 404, "RESERVATION_NOT_FOUND", f"Reservation not found with id: {MISSING}"
    )


def test_release_and_commit_take_no_body(seller_client, item, branch):
    stock(item, branch, 3)
    rid = reserve(seller_client, item, branch, 1).json()["data"]["id"]
    response = seller_client.generic("POST", f"{URL}/{rid}/release", "not json", content_type="text/plain")
    assert response.status_code == 200
