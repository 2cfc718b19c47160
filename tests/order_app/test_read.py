"""Reading orders (docs/api.md §37.4, §37.13): who sees what, the list's order and filters, the
customer's bookings, the pickup code only for the owner."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from auth_app.models import RoleName
from inventory_app.exceptions import BranchAccessDenied
from inventory_app.models import BranchAssignment
from order_app.models import Order
from tests.conftest import bearer_client
from tests.factories import make_branch, make_user, stock
from tests.helpers import assert_error, assert_forbidden, assert_ok, assert_validation
from tests.order_app.conftest import ORDERS, act, customer_client, placed

SUMMARY = {
    "id",
    "number",
    "status",
    "branchId",
    "branchName",
    "currency",
    "total",
    "itemCount",
    "placedAt",
    "expiresAt",
}


def seller_at(*branches):
    """A seller with access to exactly these branches (assignments, docs/api.md §36)."""
    user = make_user(RoleName.SELLER)
    for branch in branches:
        BranchAssignment.objects.create(user=user, branch=branch)
    return bearer_client(user)


@pytest.fixture
def elsewhere(shop):
    branch = make_branch("BR-N", "North")
    for item in (shop.mouse, shop.cable):
        stock(item, branch, 5)
    return branch


def test_customer_lists_its_own_orders_newest_first(shop, customer, other_customer):
    first = placed(customer, shop.branch, (shop.mouse, 2), (shop.cable, 3))
    second = placed(customer, shop.branch, (shop.laptop, 1))
    placed(other_customer, shop.branch, (shop.mouse, 1))
    data = assert_ok(customer.get(ORDERS), 200, "Orders retrieved successfully", meta=True)
    assert [row["id"] for row in data] == [second["id"], first["id"]]
    assert set(data[0]) == SUMMARY
    assert data[1] == {
        "id": first["id"], "number": first["number"], "status": "PLACED", "branchId": str(shop.branch.pk),
        "branchName": "Downtown Store", "currency": "USD", "total": "48.99", "itemCount": 5,
        "placedAt": first["placedAt"], "expiresAt": first["expiresAt"],
    }  # fmt: skip
    # customerId is ignored for a customer: its list is always its own
    other_id = other_customer.user.pk
    assert [row["id"] for row in customer.get(ORDERS, {"customerId": str(other_id)}).json()["data"]] == [
        second["id"],
        first["id"],
    ]


def test_bookings_are_the_customers_orders(shop, customer, other_customer):
    mine = placed(customer, shop.branch, (shop.mouse, 1))
    placed(other_customer, shop.branch, (shop.mouse, 1))
    orders = customer.get(ORDERS, {"limit": 5}).json()
    bookings = customer.get("/api/v1/customer/auth/bookings", {"limit": 5})
    data = assert_ok(bookings, 200, "Bookings retrieved successfully", meta=True)
    assert [row["id"] for row in data] == [mine["id"]]
    assert data == orders["data"]
    assert bookings.json()["meta"] == orders["meta"]
    filtered = customer.get("/api/v1/customer/auth/bookings/", {"status": "CANCELLED"}).json()
    assert filtered["data"] == []


def test_admin_lists_every_order_and_filters(shop, customer, other_customer, admin_client, elsewhere):
    a = placed(customer, shop.branch, (shop.mouse, 1))
    b = placed(other_customer, elsewhere, (shop.mouse, 1))
    c = placed(customer, elsewhere, (shop.cable, 1))
    assert_ok(act(customer, a, "cancel"), 200, "Order cancelled")

    def ids(**params):
        return [row["id"] for row in assert_ok(admin_client.get(ORDERS, params), 200,
                                               "Orders retrieved successfully", meta=True)]  # fmt: skip

    assert ids() == [c["id"], b["id"], a["id"]]
    assert ids(status="CANCELLED") == [a["id"]]
    assert ids(status="PLACED") == [c["id"], b["id"]]
    assert ids(branchId=str(elsewhere.pk)) == [c["id"], b["id"]]
    assert ids(customerId=str(customer.user.pk)) == [c["id"], a["id"]]
    assert ids(search=b["number"].lower()) == [b["id"]]
    assert ids(search="NJ-") == [c["id"], b["id"], a["id"]]
    assert ids(search="XX") == []
    assert ids(placedFrom=b["placedAt"]) == [c["id"], b["id"]]
    assert ids(placedTo=b["placedAt"]) == [a["id"]]
    assert ids(placedFrom=b["placedAt"], placedTo=c["placedAt"]) == [b["id"]]


def test_list_filters_are_validated(customer):
    assert_validation(
        customer.get(ORDERS, {"status": "OPEN", "branchId": "x", "placedFrom": "yesterday", "limit": 0}),
        {
            "status": "Must be one of: PLACED, CONFIRMED, READY, FULFILLED, CANCELLED, EXPIRED",
            "branchId": "Invalid value",
            "placedFrom": "Invalid value",
            "limit": "Must be an integer between 1 and 1000",
        },
    )


def test_seller_reads_the_orders_of_its_branches_only(shop, customer, elsewhere):
    here = placed(customer, shop.branch, (shop.mouse, 1))
    there = placed(customer, elsewhere, (shop.mouse, 1))
    seller = seller_at(shop.branch)
    data = assert_ok(seller.get(ORDERS), 200, "Orders retrieved successfully", meta=True)
    assert [row["id"] for row in data] == [here["id"]]
    assert_ok(seller.get(f"{ORDERS}/{here['id']}"), 200, "Order retrieved successfully")
    assert_error(
        seller.get(f"{ORDERS}/{there['id']}"), 404, "ORDER_NOT_FOUND", f"Order not found with id: {there['id']}"
    )
    denied = seller.get(ORDERS, {"branchId": str(elsewhere.pk)})
    assert_error(denied, 403, "BRANCH_ACCESS_DENIED", BranchAccessDenied.template, details=...)


def test_pickup_code_only_for_the_owner(shop, customer, admin_client):
    order = placed(customer, shop.branch, (shop.mouse, 1))
    own = assert_ok(customer.get(f"{ORDERS}/{order['id']}"), 200, "Order retrieved successfully")
    assert own == order | {"updatedAt": own["updatedAt"]}
    assert own["pickupCode"] == order["pickupCode"]
    assert (
        assert_ok(admin_client.get(f"{ORDERS}/{order['id']}"), 200, "Order retrieved successfully")["pickupCode"]
        is None
    )
    assert (
        assert_ok(seller_at(shop.branch).get(f"{ORDERS}/{order['id']}"), 200, "Order retrieved successfully")[
            "pickupCode"
        ]
        is None
    )
    assert_ok(act(admin_client, order, "confirm"), 200, "Order confirmed")
    assert act(admin_client, order, "ready").json()["data"]["pickupCode"] is None
    assert order["pickupCode"] not in admin_client.get(ORDERS).content.decode()
    assert order["pickupCode"] not in customer.get(ORDERS).content.decode()


def test_another_customers_order_is_not_found(shop, customer, other_customer):
    order = placed(customer, shop.branch, (shop.mouse, 1))
    message = f"Order not found with id: {order['id']}"
    assert_error(other_customer.get(f"{ORDERS}/{order['id']}"), 404, "ORDER_NOT_FOUND", message)
    assert_error(act(other_customer, order, "cancel"), 404, "ORDER_NOT_FOUND", message)
    assert Order.objects.get().status == "PLACED"
    ghost = uuid.uuid4()
    assert_error(customer.get(f"{ORDERS}/{ghost}"), 404, "ORDER_NOT_FOUND", f"Order not found with id: {ghost}")
    assert_error(customer.get(f"{ORDERS}/nope"), 400, "BAD_REQUEST", "Invalid UUID: nope")


def test_bookings_is_for_customers(admin_client, seller_client):
    assert_forbidden(admin_client.get("/api/v1/customer/auth/bookings"))
    assert_forbidden(seller_client.get("/api/v1/customer/auth/bookings"))


def test_an_order_past_its_deadline_reads_as_expired(shop, customer):
    order = placed(customer, shop.branch, (shop.mouse, 1))
    Order.objects.filter(pk=order["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    row = customer.get(ORDERS).json()["data"][0]
    assert (row["status"], row["expiresAt"]) == ("EXPIRED", None)
    assert [r["id"] for r in customer.get(ORDERS, {"status": "EXPIRED"}).json()["data"]] == [order["id"]]
    assert customer.get(ORDERS, {"status": "PLACED"}).json()["data"] == []
    assert customer_client().get(ORDERS).json()["data"] == []
