"""Deadlines and expiry (docs/api.md §37.2), a customer's deletion (§37.7), the seller dashboard
(§37.11), metrics and commands (§37.12, §37.8), demo orders (§40)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from auth_app.models import RoleName
from inventory_app.models import ReservationStatus, StockReservation
from order_app.models import Order
from tests.factories import make_branch, make_user, stock
from tests.helpers import assert_error, assert_ok
from tests.order_app.conftest import ORDERS, act, customer_client, invariants, placed
from tests.order_app.test_read import seller_at


def past_deadline(order) -> None:
    """Move the order's deadline (and its reservations', which always carry the same) into the past."""
    past = timezone.now() - timedelta(seconds=1)
    Order.objects.filter(pk=order["id"]).update(expires_at=past)
    StockReservation.objects.filter(reference_number=order["number"]).update(expires_at=past)


def stored(order) -> Order:
    return Order.objects.get(pk=order["id"])


def test_reading_an_order_past_its_deadline_expires_it(shop, customer):
    order = placed(customer, shop.branch, (shop.mouse, 2))
    past_deadline(order)
    data = assert_ok(customer.get(f"{ORDERS}/{order['id']}"), 200, "Order retrieved successfully")
    assert (data["status"], data["expiresAt"]) == ("EXPIRED", None)
    assert data["history"][-1] == {"status": "EXPIRED", "at": data["history"][-1]["at"], "actorId": None,
                                   "actorRole": None, "reason": None}  # fmt: skip
    assert stored(order).status == "EXPIRED"
    assert StockReservation.objects.get(reference_number=order["number"]).status == ReservationStatus.EXPIRED
    assert shop.row(shop.mouse).reserved_quantity == 0
    assert invariants() == []


@pytest.mark.parametrize(
    ("steps", "action", "body", "word"),
    [
        ((), "confirm", None, "confirmed"),
        (("confirm",), "ready", None, "made ready"),
        (("confirm", "ready"), "fulfil", "code", "fulfilled"),
        (("confirm",), "cancel", {"reason": "STAFF"}, "cancelled"),
    ],
)
def test_an_action_on_an_order_past_its_deadline_expires_it_and_answers_409(
    shop, customer, admin_client, steps, action, body, word
):
    order = placed(customer, shop.branch, (shop.mouse, 2))
    for step in steps:
        assert act(admin_client, order, step).status_code == 200
    past_deadline(order)
    body = {"pickupCode": order["pickupCode"]} if body == "code" else body
    assert_error(act(admin_client, order, action, body), 409, "ORDER_STATE_CONFLICT",
                 f"Order cannot be {word} (status: EXPIRED)")  # fmt: skip
    assert stored(order).status == "EXPIRED"  # the expiry stands
    assert shop.row(shop.mouse).reserved_quantity == 0
    assert invariants() == []


def test_an_availability_check_releases_the_units_and_the_order_reads_expired(shop, customer, admin_client):
    order = placed(customer, shop.branch, (shop.mouse, 10))
    past_deadline(order)
    movement = {"inventoryItemId": str(shop.mouse.pk), "movementType": "OUT", "quantity": 10,
                "fromBranchId": str(shop.branch.pk)}  # fmt: skip
    assert admin_client.post("/api/v1/inventory/movements", movement, format="json").status_code == 201
    assert StockReservation.objects.get(reference_number=order["number"]).status == ReservationStatus.EXPIRED
    assert customer.get(ORDERS).json()["data"][0]["status"] == "EXPIRED"
    assert invariants() == []  # stored open but past its deadline: an EXPIRED reservation is fine
    out = io.StringIO()
    call_command("expire_orders", stdout=out)
    assert out.getvalue() == "Orders expired: 0\n"  # the list read above expired it already
    assert stored(order).status == "EXPIRED"


def test_expire_orders_command_and_the_housekeeping_job(shop, customer):
    a = placed(customer, shop.branch, (shop.mouse, 1))
    b = placed(customer, shop.branch, (shop.cable, 1))
    placed(customer, shop.branch, (shop.laptop, 1))
    past_deadline(a)
    past_deadline(b)
    out = io.StringIO()
    call_command("expire_orders", stdout=out)
    assert out.getvalue() == "Orders expired: 2\n"
    assert (stored(a).status, stored(b).status) == ("EXPIRED", "EXPIRED")
    assert Order.objects.filter(status="PLACED").count() == 1
    c = placed(customer, shop.branch, (shop.mouse, 1))
    past_deadline(c)
    out = io.StringIO()
    call_command("purge_expired", "--only", "expired_orders", stdout=out)
    assert out.getvalue() == "expired_orders: orders expired: 1\n"
    assert stored(c).status == "EXPIRED"
    assert invariants() == []


def test_deleting_a_customer_cancels_its_open_orders(shop, customer, admin_client, other_customer):
    kept = placed(other_customer, shop.branch, (shop.mouse, 1))
    open_one = placed(customer, shop.branch, (shop.mouse, 2))
    confirmed = placed(customer, shop.branch, (shop.cable, 2))
    assert act(admin_client, confirmed, "confirm").status_code == 200
    done = placed(customer, shop.branch, (shop.laptop, 1))
    assert act(admin_client, done, "confirm").status_code == 200
    assert act(admin_client, done, "fulfil", {"pickupCode": done["pickupCode"]}).status_code == 200
    response = admin_client.delete(f"/api/v1/admin/auth/users/{customer.user.pk}")
    assert response.status_code == 200, response.content
    assert [(stored(o).status, stored(o).cancel_reason) for o in (open_one, confirmed, done, kept)] == [
        ("CANCELLED", "CUSTOMER"), ("CANCELLED", "CUSTOMER"), ("FULFILLED", None), ("PLACED", None),
    ]  # fmt: skip
    event = stored(open_one).events.order_by("created_at").last()
    assert (event.actor_id, event.actor_role, event.reason) == (admin_client.user.pk, "admin", "CUSTOMER")
    assert (shop.row(shop.mouse).reserved_quantity, shop.row(shop.cable).reserved_quantity) == (1, 0)
    assert invariants() == []


def test_seller_dashboard_figures(shop, customer, admin_client):
    seller = seller_at(shop.branch)
    elsewhere = make_branch("BR-N", "North")
    stock(shop.mouse, elsewhere, 3)
    placed(customer, elsewhere, (shop.mouse, 1))  # not at the seller's branch
    open_one = placed(customer, shop.branch, (shop.cable, 1))
    done = placed(customer, shop.branch, (shop.mouse, 2), (shop.laptop, 1))
    assert act(seller, done, "confirm").status_code == 200
    body = {"pickupCode": done["pickupCode"], "lines": [{"inventoryItemId": str(shop.laptop.pk), "quantity": 0}]}
    assert act(seller, done, "fulfil", body).status_code == 200
    shop.cable.is_active = False
    shop.cable.save()
    data = assert_ok(seller.get("/api/v1/seller/auth/dashboard"), 200, "Dashboard retrieved successfully")
    assert data == {"totalBookings": 2, "activeListings": 2, "revenue": "39.00", "pendingOrders": 1,
                    "currency": "USD", "days": 30}  # fmt: skip
    past_deadline(open_one)
    data = seller.get("/api/v1/seller/auth/dashboard?days=1").json()["data"]
    assert (data["totalBookings"], data["pendingOrders"], data["days"]) == (2, 0, 1)
    nowhere = seller_at(make_branch("BR-E", "Empty"))
    assert nowhere.get("/api/v1/seller/auth/dashboard").json()["data"] == {
        "totalBookings": 0, "activeListings": 0, "revenue": "0.00", "pendingOrders": 0, "currency": "USD", "days": 30,
    }  # fmt: skip


def test_metrics(shop, customer, client, django_capture_on_commit_callbacks):
    from order_app.metrics import ORDERS

    before = ORDERS.labels(event="placed")._value.get()
    with django_capture_on_commit_callbacks(execute=True):
        placed(customer, shop.branch, (shop.mouse, 1))
    assert ORDERS.labels(event="placed")._value.get() == before + 1
    text = client.get("/metrics").content.decode()
    assert "natjoub_orders_open 1.0" in text
    assert 'natjoub_orders_total{event="expired"}' in text


def test_reconcile_stock_names_the_order_that_breaks_an_invariant(shop, customer, admin_client):
    order = placed(customer, shop.branch, (shop.mouse, 2))
    call_command("reconcile_stock", stdout=io.StringIO())
    reservation = StockReservation.objects.get(reference_number=order["number"])
    response = admin_client.post(f"/api/v1/inventory/reservations/{reservation.pk}/release")
    assert response.status_code == 200  # staff released the order's hold behind its back
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("reconcile_stock", stdout=out)
    assert f"ORDER {order['number']}" in out.getvalue()
    assert "open order without an active reservation" in out.getvalue()


def test_seed_demo_orders_only_on_request(db):
    call_command("seed_demo", stdout=io.StringIO())
    assert not Order.objects.exists()
    out = io.StringIO()
    call_command("seed_demo", "--orders", stdout=out)
    assert "Demo orders created: 2" in out.getvalue()
    orders = list(Order.objects.order_by("placed_at"))
    assert [(o.customer_email, o.branch_code, o.status) for o in orders] == [
        ("customer1@example.com", "ST-DT", "PLACED"), ("customer1@example.com", "ST-DT", "READY"),
    ]  # fmt: skip
    call_command("seed_demo", "--orders", stdout=io.StringIO())
    assert Order.objects.count() == 2
    assert invariants() == []


def test_unverified_customers_orders_need_verification_only_to_place(shop):
    make_user(RoleName.CUSTOMER)
    assert customer_client(is_verified=False).get(ORDERS).status_code == 200
