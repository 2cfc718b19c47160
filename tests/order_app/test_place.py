"""POST /api/v1/orders (docs/api.md §37.3, §37.9): shape, the order of checks, all or nothing,
idempotency."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from inventory_app.models import ReservationStatus, StockReservation
from order_app.models import Order
from tests.factories import make_item, stock
from tests.helpers import assert_error, assert_forbidden, assert_ok, assert_validation
from tests.order_app.conftest import ORDERS, act, customer_client, invariants, lines_of, place, placed

FIELDS = {
    "id", "number", "status", "customerId", "customerName", "customerEmail", "branchId", "branchCode", "branchName",
    "currency", "subtotal", "total", "notes", "cancelReason", "pickupCode", "expiresAt", "placedAt", "confirmedAt",
    "readyAt", "fulfilledAt", "cancelledAt", "lines", "history", "createdAt", "updatedAt",
}  # fmt: skip


def test_place_answers_the_order_for_its_customer(shop, customer):
    order = placed(customer, shop.branch, (shop.mouse, 2), (shop.laptop, 1), notes="Gift wrap")
    assert set(order) == FIELDS
    assert re.fullmatch(r"NJ-\d{6,}", order["number"])
    assert order["status"] == "PLACED"
    assert (order["customerName"], order["customerEmail"]) == ("Cora Customer", "cora@example.com")
    assert (order["branchCode"], order["branchName"]) == ("ST-DT", "Downtown Store")
    assert (order["currency"], order["subtotal"], order["total"]) == ("USD", "1038.99", "1038.99")
    assert order["notes"] == "Gift wrap"
    assert re.fullmatch(r"\d{6}", order["pickupCode"])
    assert [(line["sku"], line["unitPrice"], line["quantity"], line["lineTotal"]) for line in order["lines"]] == [
        ("MOU-1", "19.50", 2, "39.00"),
        ("LAP-1", "999.99", 1, "999.99"),
    ]  # request order
    assert all(line["fulfilledQuantity"] is None for line in order["lines"])
    assert order["history"] == [
        {"status": "PLACED", "at": order["placedAt"], "actorId": str(customer.user.pk), "actorRole": "customer",
         "reason": None}
    ]  # fmt: skip
    placed_at = timezone.datetime.fromisoformat(order["placedAt"])
    assert timezone.datetime.fromisoformat(order["expiresAt"]) == placed_at + timedelta(minutes=60)
    assert order["confirmedAt"] is order["cancelledAt"] is None


def test_place_holds_each_line_with_a_reservation(shop, customer):
    order = placed(customer, shop.branch, (shop.mouse, 2), (shop.laptop, 1))
    reservations = StockReservation.objects.filter(reference_number=order["number"]).order_by("quantity")
    assert [(r.inventory_item_id, r.quantity, r.status, r.created_by) for r in reservations] == [
        (shop.laptop.pk, 1, ReservationStatus.ACTIVE, customer.user.pk),
        (shop.mouse.pk, 2, ReservationStatus.ACTIVE, customer.user.pk),
    ]
    assert {r.expires_at.isoformat().replace("+00:00", "Z") for r in reservations} == {order["expiresAt"]}
    assert (shop.row(shop.mouse).reserved_quantity, shop.row(shop.laptop).reserved_quantity) == (2, 1)
    assert invariants() == []


def test_numbers_increase(shop, customer):
    first = placed(customer, shop.branch, (shop.mouse, 1))["number"]
    second = placed(customer, shop.branch, (shop.mouse, 1))["number"]
    assert int(second[3:]) > int(first[3:])


@pytest.mark.parametrize("role", ["admin", "seller"])
def test_only_customers_place(shop, role, admin_client, seller_client):
    client = {"admin": admin_client, "seller": seller_client}[role]
    assert_forbidden(place(client, shop.branch, (shop.mouse, 1)))
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({"branchId": None, "lines": None}, {"branchId": "Field is required", "lines": "Field is required"}),
        ({"branchId": "x", "lines": []}, {"branchId": "Invalid value", "lines": "Must contain between 1 and 50 lines"}),
        ({"lines": [{"inventoryItemId": str(uuid.uuid4()), "quantity": 0}]},
         {"lines[0].quantity": "Must be between 1 and 1000"}),
        ({"lines": [{"inventoryItemId": str(uuid.uuid4()), "quantity": 1001}]},
         {"lines[0].quantity": "Must be between 1 and 1000"}),
        ({"lines": [{"quantity": 1}]}, {"lines[0].inventoryItemId": "Field is required"}),
        ({"lines": [{"inventoryItemId": str(uuid.UUID(int=1)), "quantity": 1}] * 2},
         {"lines": "Each item may appear only once"}),
        ({"lines": [{"inventoryItemId": str(uuid.uuid4()), "quantity": 1} for _ in range(51)]},
         {"lines": "Must contain between 1 and 50 lines"}),
        ({"notes": "x" * 501}, {"notes": "Must be at most 500 characters"}),
    ],
)  # fmt: skip
def test_field_validation(shop, customer, body, details):
    base = {"branchId": str(shop.branch.pk), "lines": lines_of((shop.mouse, 1))}
    assert_validation(customer.post(ORDERS, {**base, **body}, format="json"), details)
    assert not Order.objects.exists()


def test_unverified_customer_is_refused_after_validation(shop):
    unverified = customer_client(is_verified=False)
    assert_validation(unverified.post(ORDERS, {}, format="json"), {"branchId": "Field is required",
                                                                    "lines": "Field is required"})  # fmt: skip
    assert_error(
        place(unverified, shop.branch, (shop.mouse, 1)), 403, "ACCOUNT_NOT_VERIFIED",
        "Verify your account before placing orders",
    )  # fmt: skip
    assert shop.row(shop.mouse).reserved_quantity == 0


@override_settings(ORDER_MAX_OPEN_PER_CUSTOMER=2)
def test_too_many_open_orders_before_the_branch(shop, customer, admin_client):
    first = placed(customer, shop.branch, (shop.mouse, 1))
    placed(customer, shop.branch, (shop.cable, 1))
    missing_branch = {"branchId": str(uuid.uuid4()), "lines": lines_of((shop.mouse, 1))}
    assert_error(customer.post(ORDERS, missing_branch, format="json"), 409, "TOO_MANY_OPEN_ORDERS",
                 "You already have 2 open orders")  # fmt: skip
    # a fulfilled, cancelled or expired order is not open
    assert_ok(act(customer, first, "cancel"), 200, "Order cancelled")
    placed(customer, shop.branch, (shop.mouse, 1))
    Order.objects.filter(status="PLACED").update(expires_at=timezone.now() - timedelta(seconds=1))
    placed(customer, shop.branch, (shop.mouse, 1))
    placed(customer, shop.branch, (shop.mouse, 1))


def test_missing_branch_then_items_in_request_order(shop, customer):
    ghost, other_ghost = uuid.uuid4(), uuid.uuid4()
    body = {"branchId": str(uuid.uuid4()), "lines": [{"inventoryItemId": str(ghost), "quantity": 1}]}
    assert_error(customer.post(ORDERS, body, format="json"), 400, "BRANCH_NOT_FOUND", "Branch not found")
    body = {
        "branchId": str(shop.branch.pk),
        "lines": [
            {"inventoryItemId": str(shop.mouse.pk), "quantity": 1},
            {"inventoryItemId": str(other_ghost), "quantity": 1},
            {"inventoryItemId": str(ghost), "quantity": 1},
        ],
    }
    assert_error(customer.post(ORDERS, body, format="json"), 400, "ITEM_NOT_FOUND", "Inventory item not found",
                 {"inventoryItemId": str(other_ghost)})  # fmt: skip
    assert shop.row(shop.mouse).reserved_quantity == 0


def test_inactive_branch_or_item_is_not_available(shop, customer):
    shop.cable.is_active = False
    shop.cable.save()
    assert_error(place(customer, shop.branch, (shop.mouse, 1), (shop.cable, 1)), 409, "ITEM_NOT_AVAILABLE",
                 "Item is not available at this branch", {"inventoryItemId": str(shop.cable.pk)})  # fmt: skip
    shop.branch.is_active = False
    shop.branch.save()
    assert_error(place(customer, shop.branch, (shop.mouse, 1), (shop.cable, 1)), 409, "ITEM_NOT_AVAILABLE",
                 "Item is not available at this branch", {"branchId": str(shop.branch.pk)})  # fmt: skip
    # a missing item is reported before an inactive branch
    ghost = make_item("GHOST", "Gone")
    ghost_id = ghost.pk
    ghost.delete()
    body = {"branchId": str(shop.branch.pk), "lines": [{"inventoryItemId": str(ghost_id), "quantity": 1}]}
    assert_error(customer.post(ORDERS, body, format="json"), 400, "ITEM_NOT_FOUND", "Inventory item not found",
                 {"inventoryItemId": str(ghost_id)})  # fmt: skip
    assert not StockReservation.objects.exists()


def test_insufficient_stock_refuses_every_line(shop, customer):
    unstocked = make_item("NEW-1", "New")  # no stock row at all: available 0
    response = place(customer, shop.branch, (shop.mouse, 3), (shop.laptop, 11), (unstocked, 1))
    assert_error(response, 409, "INSUFFICIENT_STOCK", "Insufficient stock: available 10, requested 11",
                 {"inventoryItemId": str(shop.laptop.pk), "available": 10, "requested": 11})  # fmt: skip
    response = place(customer, shop.branch, (shop.mouse, 3), (unstocked, 1))
    assert_error(response, 409, "INSUFFICIENT_STOCK", "Insufficient stock: available 0, requested 1",
                 {"inventoryItemId": str(unstocked.pk), "available": 0, "requested": 1})  # fmt: skip
    assert not Order.objects.exists()
    assert not StockReservation.objects.exists()
    assert shop.row(shop.mouse).reserved_quantity == 0


def test_a_refused_order_keeps_only_the_expiry_of_due_reservations(shop, customer):
    other = placed(customer_client(), shop.branch, (shop.laptop, 8))
    StockReservation.objects.filter(reference_number=other["number"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = place(customer, shop.branch, (shop.mouse, 11), (shop.laptop, 1))
    assert response.status_code == 409
    assert StockReservation.objects.get(reference_number=other["number"]).status == ReservationStatus.EXPIRED
    assert shop.row(shop.laptop).reserved_quantity == 0
    assert Order.objects.count() == 1


def test_a_line_may_use_every_available_unit(shop, customer):
    stock(make_item("ONE-1", "Last one"), shop.branch, 1)
    assert placed(customer, shop.branch, (shop.mouse, 10))["lines"][0]["quantity"] == 10
    assert invariants() == []


# -- idempotency (§37.9) -------------------------------------------------------------------------
def test_a_replay_returns_the_stored_order_even_after_it_changed(shop, customer, admin_client):
    body = {"branchId": str(shop.branch.pk), "lines": lines_of((shop.mouse, 2))}
    first = customer.post(ORDERS, body, format="json", HTTP_IDEMPOTENCY_KEY="order-1")
    order = assert_ok(first, 201, "Order placed")
    assert_ok(act(admin_client, order, "confirm"), 200, "Order confirmed")
    again = customer.post(ORDERS, body, format="json", HTTP_IDEMPOTENCY_KEY="order-1")
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert list(again.json()["data"]) == list(first.json()["data"])
    assert Order.objects.count() == 1
    assert shop.row(shop.mouse).reserved_quantity == 2
    other = {"branchId": str(shop.branch.pk), "lines": lines_of((shop.mouse, 3))}
    assert_error(customer.post(ORDERS, other, format="json", HTTP_IDEMPOTENCY_KEY="order-1"), 409,
                 "IDEMPOTENCY_KEY_REUSED", "Idempotency-Key was already used with a different request")  # fmt: skip


def test_a_refused_order_stores_no_key(shop, customer):
    body = {"branchId": str(shop.branch.pk), "lines": lines_of((shop.mouse, 11))}
    assert customer.post(ORDERS, body, format="json", HTTP_IDEMPOTENCY_KEY="k").status_code == 409
    stock(make_item("X-1"), shop.branch, 1)
    shop_row = shop.row(shop.mouse)
    shop_row.quantity = 20
    shop_row.save()
    assert customer.post(ORDERS, body, format="json", HTTP_IDEMPOTENCY_KEY="k").status_code == 201


def test_a_bad_key_is_reported_with_the_fields(shop, customer):
    assert_validation(
        customer.post(ORDERS, {"branchId": str(shop.branch.pk)}, format="json", HTTP_IDEMPOTENCY_KEY=""),
        {"lines": "Field is required", "Idempotency-Key": "Must be 1-255 printable ASCII characters"},
    )
