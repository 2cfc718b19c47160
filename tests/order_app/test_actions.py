"""Confirm, ready, fulfil, cancel (docs/api.md §37.5-§37.7): states, roles, the pickup code,
partial handover through the reservations, the exact 409 messages."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from inventory_app.models import MovementType, ReservationStatus, StockAlert, StockMovement, StockReservation
from order_app.models import Order
from tests.factories import make_item, stock
from tests.helpers import assert_error, assert_forbidden, assert_ok, assert_validation
from tests.order_app.conftest import ORDERS, act, invariants, placed
from tests.order_app.test_read import seller_at


def conflict(response, action: str, status: str):
    return assert_error(response, 409, "ORDER_STATE_CONFLICT", f"Order cannot be {action} (status: {status})")


def reservations(order) -> dict:
    return {r.inventory_item_id: r for r in StockReservation.objects.filter(reference_number=order["number"])}


@pytest.fixture
def order(shop, customer):
    return placed(customer, shop.branch, (shop.laptop, 2), (shop.mouse, 3), (shop.cable, 1))


@pytest.fixture
def staff(shop):
    return seller_at(shop.branch)


def test_confirm_moves_the_deadline_and_the_reservations(order, staff):
    data = assert_ok(act(staff, order, "confirm"), 200, "Order confirmed")
    confirmed_at = datetime.fromisoformat(data["confirmedAt"])
    assert data["status"] == "CONFIRMED"
    assert datetime.fromisoformat(data["expiresAt"]) == confirmed_at + timedelta(hours=48)
    assert {r.expires_at for r in reservations(order).values()} == {confirmed_at + timedelta(hours=48)}
    assert [(e["status"], e["actorId"], e["actorRole"]) for e in data["history"]][1:] == [
        ("CONFIRMED", str(staff.user.pk), "seller")
    ]
    conflict(act(staff, order, "confirm"), "confirmed", "CONFIRMED")


def test_ready_keeps_the_deadline(order, admin_client):
    conflict(act(admin_client, order, "ready"), "made ready", "PLACED")
    confirmed = assert_ok(act(admin_client, order, "confirm"), 200, "Order confirmed")
    ready = assert_ok(act(admin_client, order, "ready"), 200, "Order ready for pickup")
    assert (ready["status"], ready["expiresAt"]) == ("READY", confirmed["expiresAt"])
    assert ready["readyAt"] is not None
    conflict(act(admin_client, order, "ready"), "made ready", "READY")
    conflict(act(admin_client, order, "confirm"), "confirmed", "READY")


def test_customers_may_not_confirm_ready_or_fulfil(order, customer):
    for step in ("confirm", "ready", "fulfil"):
        assert_forbidden(act(customer, order, step, {"pickupCode": order["pickupCode"]}))
    assert Order.objects.get().status == "PLACED"


def test_a_seller_without_the_branch_gets_404_for_every_action(shop, order):
    from tests.factories import make_branch

    outsider = seller_at(make_branch("BR-X", "Elsewhere"))
    message = f"Order not found with id: {order['id']}"
    for step, body in (("confirm", None), ("ready", None), ("fulfil", {"pickupCode": "000000"}),
                       ("cancel", {"reason": "STAFF"})):  # fmt: skip
        assert_error(act(outsider, order, step, body), 404, "ORDER_NOT_FOUND", message)
    assert Order.objects.get().status == "PLACED"


def test_fulfil_in_full_takes_the_stock_out_through_the_reservations(shop, order, staff):
    assert_ok(act(staff, order, "confirm"), 200, "Order confirmed")
    data = assert_ok(act(staff, order, "fulfil", {"pickupCode": order["pickupCode"]}), 200, "Order fulfilled")
    assert (data["status"], data["total"], data["subtotal"], data["expiresAt"]) == (
        "FULFILLED", "2061.81", "2061.81", None,
    )  # fmt: skip
    assert [line["fulfilledQuantity"] for line in data["lines"]] == [2, 3, 1]
    outs = StockMovement.objects.filter(reference_number=order["number"])
    assert sorted((m.inventory_item_id, m.quantity, m.movement_type, m.notes, m.performed_by) for m in outs) == sorted(
        (item.pk, q, MovementType.OUT, f"Order {order['number']} fulfilled", staff.user.pk)
        for item, q in ((shop.laptop, 2), (shop.mouse, 3), (shop.cable, 1))
    )
    held = reservations(order)
    assert {r.status for r in held.values()} == {ReservationStatus.COMMITTED}
    assert held[shop.mouse.pk].quantity == 3
    assert held[shop.mouse.pk].movement_id == outs.get(inventory_item=shop.mouse).pk
    assert [(shop.row(i).quantity, shop.row(i).reserved_quantity) for i in (shop.laptop, shop.mouse, shop.cable)] == [
        (8, 0), (7, 0), (9, 0),
    ]  # fmt: skip
    assert invariants() == []
    conflict(act(staff, order, "fulfil", {"pickupCode": order["pickupCode"]}), "fulfilled", "FULFILLED")
    conflict(act(staff, order, "cancel", {"reason": "STAFF"}), "cancelled", "FULFILLED")


def test_partial_fulfil_commits_part_and_releases_the_rest(shop, order, admin_client):
    assert_ok(act(admin_client, order, "confirm"), 200, "Order confirmed")
    assert_ok(act(admin_client, order, "ready"), 200, "Order ready for pickup")
    body = {
        "pickupCode": order["pickupCode"],
        "lines": [
            {"inventoryItemId": str(shop.mouse.pk), "quantity": 1},
            {"inventoryItemId": str(shop.cable.pk), "quantity": 0},
        ],
    }
    data = assert_ok(act(admin_client, order, "fulfil", body), 200, "Order fulfilled")
    assert [line["fulfilledQuantity"] for line in data["lines"]] == [2, 1, 0]
    assert (data["subtotal"], data["total"]) == ("2061.81", "2019.48")
    held = reservations(order)
    assert held[shop.mouse.pk].status == ReservationStatus.COMMITTED
    assert held[shop.mouse.pk].quantity == 3  # unchanged: the rest was released
    assert held[shop.cable.pk].status == ReservationStatus.RELEASED
    assert held[shop.cable.pk].movement_id is None
    assert StockMovement.objects.get(reference_number=order["number"], inventory_item=shop.mouse).quantity == 1
    assert not StockMovement.objects.filter(reference_number=order["number"], inventory_item=shop.cable).exists()
    assert [(shop.row(i).quantity, shop.row(i).reserved_quantity) for i in (shop.mouse, shop.cable)] == [
        (9, 0),
        (10, 0),
    ]
    assert invariants() == []


def test_fulfil_checks_the_state_then_the_code_then_the_lines(shop, order, staff):
    wrong = "000000" if order["pickupCode"] != "000000" else "111111"
    conflict(act(staff, order, "fulfil", {"pickupCode": wrong}), "fulfilled", "PLACED")
    assert_ok(act(staff, order, "confirm"), 200, "Order confirmed")
    assert_validation(act(staff, order, "fulfil", {}), {"pickupCode": "Field is required"})
    bad_lines = {"pickupCode": wrong, "lines": [{"inventoryItemId": str(uuid.uuid4()), "quantity": 1}]}
    assert_error(act(staff, order, "fulfil", bad_lines), 400, "INVALID_PICKUP_CODE", "Pickup code does not match")
    ghost = str(uuid.uuid4())
    body = {
        "pickupCode": order["pickupCode"],
        "lines": [{"inventoryItemId": ghost, "quantity": 1}, {"inventoryItemId": str(shop.mouse.pk), "quantity": 4}],
    }
    assert_validation(
        act(staff, order, "fulfil", body),
        {"lines[0].inventoryItemId": "Item is not on this order", "lines[1].quantity": "Must be between 0 and 3"},
    )
    assert_validation(
        act(staff, order, "fulfil", {"pickupCode": order["pickupCode"], "lines": [{"inventoryItemId": ghost,
                                                                                   "quantity": -1}]}),
        {"lines[0].quantity": "Must be between 0 and 1000"},
    )  # fmt: skip
    assert Order.objects.get().status == "CONFIRMED"
    assert not StockMovement.objects.filter(reference_number=order["number"]).exists()
    assert invariants() == []


def test_customer_cancels_its_own_order_whatever_the_reason(shop, order, customer):
    data = assert_ok(act(customer, order, "cancel", {"reason": "nonsense"}), 200, "Order cancelled")
    assert (data["status"], data["cancelReason"], data["expiresAt"]) == ("CANCELLED", "CUSTOMER", None)
    assert data["history"][-1] == {
        "status": "CANCELLED", "at": data["cancelledAt"], "actorId": str(customer.user.pk), "actorRole": "customer",
        "reason": "CUSTOMER",
    }  # fmt: skip
    assert {r.status for r in reservations(order).values()} == {ReservationStatus.RELEASED}
    assert shop.row(shop.laptop).reserved_quantity == 0
    conflict(act(customer, order, "cancel"), "cancelled", "CANCELLED")
    assert invariants() == []


def test_staff_cancel_needs_a_reason(order, staff):
    assert_validation(act(staff, order, "cancel"), {"reason": "Field is required"})
    assert_validation(
        act(staff, order, "cancel", {"reason": "BORED"}),
        {"reason": "Must be one of: CUSTOMER, OUT_OF_STOCK, NOT_COLLECTED, STAFF, OTHER"},
    )
    data = assert_ok(act(staff, order, "cancel", {"reason": "OUT_OF_STOCK"}), 200, "Order cancelled")
    assert (data["cancelReason"], data["history"][-1]["actorRole"]) == ("OUT_OF_STOCK", "seller")


@pytest.mark.parametrize("steps", [(), ("confirm",), ("confirm", "ready")])
def test_cancel_from_every_open_state(order, admin_client, steps):
    for step in steps:
        assert act(admin_client, order, step).status_code == 200
    assert_ok(act(admin_client, order, "cancel", {"reason": "NOT_COLLECTED"}), 200, "Order cancelled")
    assert invariants() == []


def test_path_ids_are_validated_after_the_role(customer, admin_client):
    assert_forbidden(customer.post(f"{ORDERS}/nope/confirm"))
    assert_error(admin_client.post(f"{ORDERS}/nope/confirm"), 400, "BAD_REQUEST", "Invalid UUID: nope")


@pytest.mark.parametrize("how", ["release", "expire"])
def test_fulfil_of_a_line_whose_reservation_ended_changes_nothing(shop, order, admin_client, how):
    """The fulfil writes its order side first and settles the stock last (one statement): a
    reservation no longer ACTIVE (released through §14, or past its deadline) answers 409
    RESERVATION_NOT_ACTIVE and the whole transaction rolls back, order side included."""
    assert_ok(act(admin_client, order, "confirm"), 200, "Order confirmed")
    mouse = reservations(order)[shop.mouse.pk]
    if how == "release":
        assert_ok(
            admin_client.post(f"/api/v1/inventory/reservations/{mouse.pk}/release"),
            200,
            "Reservation released successfully",
        )
        status = "RELEASED"
    else:  # due, but not yet expired by anyone (the order's own deadline is later)
        StockReservation.objects.filter(pk=mouse.pk).update(expires_at=datetime(2020, 1, 1, tzinfo=UTC))
        status = "EXPIRED"
    before = [(shop.row(i).quantity, shop.row(i).reserved_quantity) for i in (shop.laptop, shop.mouse, shop.cable)]
    assert_error(
        act(admin_client, order, "fulfil", {"pickupCode": order["pickupCode"]}),
        409,
        "RESERVATION_NOT_ACTIVE",
        f"Reservation is not active (status: {status})",
    )
    stored = Order.objects.get()
    assert (stored.status, stored.fulfilled_at, str(stored.total)) == ("CONFIRMED", None, "2061.81")
    assert [line.fulfilled_quantity for line in stored.lines.all()] == [None, None, None]
    assert [event.status for event in stored.events.all()] == ["PLACED", "CONFIRMED"]
    assert not StockMovement.objects.filter(reference_number=order["number"]).exists()
    assert {r.status for i, r in reservations(order).items() if i != shop.mouse.pk} == {ReservationStatus.ACTIVE}
    assert [(shop.row(i).quantity, shop.row(i).reserved_quantity) for i in (shop.laptop, shop.mouse, shop.cable)] == (
        before
    )


def test_placement_and_fulfil_open_and_resolve_stock_alerts(shop, customer, admin_client):
    """The placement's reservation and the fulfil's settlement write the stock rows in one
    statement each (inventory_app/sql.py HOLD_WRITE, HOLD_SETTLE) that also opens and resolves
    the rows' alerts (docs/api.md §29a), as every stock write does."""
    lamp = make_item("LAMP-1", "Lamp", reorder_level=8)
    stock(lamp, shop.branch, 10)
    order = placed(customer, shop.branch, (lamp, 3))  # available 7 <= 8
    alert = StockAlert.objects.get(inventory_item=lamp, branch=shop.branch)
    assert (alert.status, alert.available_at_open) == ("OPEN", 7)
    assert_ok(act(admin_client, order, "confirm"), 200, "Order confirmed")
    body = {"pickupCode": order["pickupCode"], "lines": [{"inventoryItemId": str(lamp.pk), "quantity": 1}]}
    assert_ok(act(admin_client, order, "fulfil", body), 200, "Order fulfilled")  # 9 left, none reserved
    alert.refresh_from_db()
    assert alert.status == "RESOLVED"
    out = StockMovement.objects.get(reference_number=order["number"])
    assert (out.quantity, out.from_balance_after) == (1, 9)
    assert invariants() == []
