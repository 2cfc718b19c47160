"""Role and cross-user access (docs/api.md §4.2, §5) for every operation of the OpenAPI schema.

The table below is the contract's §0/§5 in code. ``test_table_covers_every_operation`` fails as
soon as a route is added without a role expectation, so no route can be forgotten. A refused
request must leave every row of both apps exactly as it was (the ids used are real, so an
allowed caller would really act)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from auth_app.models import RoleName
from inventory_app.models import BranchAssignment, StockMovement, StockReservation
from tests.conftest import bearer_client
from tests.factories import make_user
from tests.helpers import MISSING, assert_forbidden, assert_unauthorized
from tests.security.conftest import ROLES, assert_contract_answer, db_dump, schema_operations, send

PUBLIC = frozenset()
ANY = frozenset(ROLES)
STAFF = frozenset({RoleName.ADMIN, RoleName.SELLER})
ADMIN = frozenset({RoleName.ADMIN})
SELLER = frozenset({RoleName.SELLER})
CUSTOMER = frozenset({RoleName.CUSTOMER})

AUTH, INV = "/api/v1/auth", "/api/v1/inventory"
ROLE_TABLE: dict[str, frozenset] = {
    **{
        f"POST {AUTH}/{name}": PUBLIC
        for name in (
            "register",
            "login",
            "verify-otp",
            "resend-otp",
            "forgot-password",
            "reset-password",
            "refresh-token",
        )
    },
    **{
        f"{method} /api/v1/{group}/auth/{name}": roles
        for group, roles in (("admin", ADMIN), ("seller", SELLER), ("customer", CUSTOMER))
        for method, name in (
            ("GET", "profile"),
            ("PUT", "profile"),
            ("POST", "logout"),
            ("GET", "sessions"),  # docs/api.md §30
            ("DELETE", "sessions/{id}"),
            ("POST", "sessions/revoke-others"),
        )
    },
    "GET /api/v1/admin/auth/users": ADMIN,
    "PUT /api/v1/admin/auth/users/{id}/status": ADMIN,
    "DELETE /api/v1/admin/auth/users/{id}": ADMIN,
    "GET /api/v1/seller/auth/dashboard": SELLER,
    "GET /api/v1/customer/auth/bookings": CUSTOMER,
    f"GET {INV}/branches": ANY,
    f"POST {INV}/branches": ADMIN,
    f"GET {INV}/branches/{{id}}": ANY,
    f"PUT {INV}/branches/{{id}}": ADMIN,
    f"DELETE {INV}/branches/{{id}}": ADMIN,
    f"GET {INV}/categories": ANY,
    f"GET {INV}/categories/tree": ANY,
    f"POST {INV}/categories": STAFF,
    f"GET {INV}/categories/{{id}}": ANY,
    f"PUT {INV}/categories/{{id}}": STAFF,
    f"DELETE {INV}/categories/{{id}}": STAFF,
    f"GET {INV}/items": ANY,
    f"POST {INV}/items": STAFF,
    f"GET {INV}/items/{{id}}": ANY,
    f"PUT {INV}/items/{{id}}": STAFF,
    f"DELETE {INV}/items/{{id}}": STAFF,
    f"GET {INV}/movements": STAFF,
    f"POST {INV}/movements": STAFF,
    f"GET {INV}/movements/{{id}}": STAFF,
    f"GET {INV}/stock-levels/branch/{{branchId}}": STAFF,
    f"GET {INV}/stock-levels/low-stock": STAFF,
    f"GET {INV}/reservations": STAFF,
    f"POST {INV}/reservations": STAFF,
    f"GET {INV}/reservations/{{id}}": STAFF,
    f"POST {INV}/reservations/{{id}}/release": STAFF,
    f"POST {INV}/reservations/{{id}}/commit": STAFF,
    # docs/api.md §26-§29a
    f"GET {INV}/branches/mine": STAFF,
    f"GET {INV}/branches/{{id}}/staff": ADMIN,
    f"PUT {INV}/branches/{{id}}/staff/{{userId}}": ADMIN,
    f"DELETE {INV}/branches/{{id}}/staff/{{userId}}": ADMIN,
    f"GET {INV}/transfers": STAFF,
    f"POST {INV}/transfers": STAFF,
    f"GET {INV}/transfers/{{id}}": STAFF,
    f"POST {INV}/transfers/{{id}}/receive": STAFF,
    f"POST {INV}/transfers/{{id}}/cancel": STAFF,
    f"GET {INV}/stock-alerts": STAFF,
    f"GET {INV}/stock-alerts/{{id}}": STAFF,
    # docs/api.md §36
    f"GET {INV}/sellers": ADMIN,
    f"GET {INV}/sellers/{{userId}}/access": ADMIN,
    f"PUT {INV}/sellers/{{userId}}/access/all-branches": ADMIN,
    f"DELETE {INV}/sellers/{{userId}}/access/all-branches": ADMIN,
    # docs/api.md §37
    "GET /api/v1/orders": ANY,
    "POST /api/v1/orders": CUSTOMER,
    "GET /api/v1/orders/{id}": ANY,
    "POST /api/v1/orders/{id}/confirm": STAFF,
    "POST /api/v1/orders/{id}/ready": STAFF,
    "POST /api/v1/orders/{id}/fulfil": STAFF,
    "POST /api/v1/orders/{id}/cancel": ANY,
}

OPERATIONS = schema_operations()
PROTECTED = [op for op in OPERATIONS if ROLE_TABLE.get(op.key)]
DENIED = [(op, role) for op in PROTECTED for role in ROLES if role not in ROLE_TABLE[op.key]]
GRANTED = [(op, role) for op in PROTECTED for role in ROLES if role in ROLE_TABLE[op.key]]


def test_table_covers_every_operation():
    """Every operation of the schema has a role expectation, and the table names no ghost route."""
    keys = {op.key for op in OPERATIONS}
    assert keys - set(ROLE_TABLE) == set(), "operations without a role expectation"
    assert set(ROLE_TABLE) - keys == set(), "expectations for routes the service does not serve"
    assert (
        len(OPERATIONS) == 78
    )  # docs/api.md §0 rows 7-47 (the second method of six rows), §26-§29a's 11, §30's 9, §36's 4, §37's 7


def test_schema_operations_are_the_url_conf():
    """The schema is generated from the URL conf; check it against the resolver for each route."""
    from django.urls import resolve

    for op in OPERATIONS:
        concrete = op.path.replace("{id}", MISSING).replace("{branchId}", MISSING).replace("{userId}", MISSING)
        resolve(concrete)  # raises Resolver404 for a path that is not routed


# -- wrong role: 403 and nothing written ------------------------------------------------------
@pytest.mark.parametrize(("op", "role"), DENIED, ids=[f"{role}:{op.key}" for op, role in DENIED])
def test_wrong_role_is_403_and_writes_nothing(world, op, role):
    before = db_dump()
    body = {"isActive": False, "name": "Hijacked", "role": "admin"} if op.method in ("POST", "PUT") else None
    assert_forbidden(send(world.clients[role], op.method, world.url(op), body))
    assert db_dump() == before


@pytest.mark.parametrize("op", PROTECTED, ids=[op.key for op in PROTECTED])
@pytest.mark.parametrize("authorization", [None, "Bearer x.y.z", "Basic YWRtaW46YWRtaW4="])
def test_anonymous_is_401_and_writes_nothing(world, op, authorization):
    before = db_dump()
    extra = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    assert_unauthorized(send(APIClient(), op.method, world.url(op), None, **extra))
    assert db_dump() == before


@pytest.mark.parametrize(("op", "role"), GRANTED, ids=[f"{role}:{op.key}" for op, role in GRANTED])
def test_granted_role_passes_the_role_check(world, op, role):
    """Control for the two tests above: the same request by an allowed role is not refused."""
    response = send(world.clients[role], op.method, world.url(op), {} if op.method in ("POST", "PUT") else None)
    assert response.status_code not in (401, 403), response.content
    assert_contract_answer(response)


PUBLIC_OPS = [op for op in OPERATIONS if not ROLE_TABLE.get(op.key)]


@pytest.mark.parametrize("op", PUBLIC_OPS, ids=[op.key for op in PUBLIC_OPS])
def test_public_routes_ignore_the_authorization_header(world, op):
    response = send(APIClient(), op.method, op.path, {}, HTTP_AUTHORIZATION="Bearer x")
    assert response.status_code == 400  # validation of the empty body, not 401
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


# -- cross-user: the token's user is the only subject -----------------------------------------
@pytest.mark.parametrize("group", ["admin", "seller", "customer"])
def test_profile_is_always_the_callers_own(world, group):
    """A profile request names no user: ids of another user in the body or query change nobody."""
    caller, victim = world.users[group], world.other_customer
    victim_before = db_dump()["User"]
    client = world.clients[group]
    url = f"/api/v1/{group}/auth/profile"
    body = {"id": str(victim.pk), "userId": str(victim.pk), "user": {"id": str(victim.pk)}, "firstName": "Renamed"}
    response = send(client, "PUT", f"{url}?id={victim.pk}&userId={victim.pk}", body)
    assert response.status_code == 200, response.content
    assert response.json()["data"]["user"]["id"] == str(caller.pk)
    got = send(client, "GET", f"{url}?id={victim.pk}&userId={victim.pk}").json()["data"]["user"]
    assert got["id"] == str(caller.pk)
    assert got["firstName"] == "Renamed"
    after = {row["id"]: row for row in db_dump()["User"]}
    for row in victim_before:
        if row["id"] != caller.pk:
            assert after[row["id"]] == row


def test_logout_ends_only_the_callers_session(world):
    victim_client = world.clients[RoleName.SELLER]
    other = send(world.clients[RoleName.CUSTOMER], "POST", "/api/v1/customer/auth/logout")
    assert other.status_code == 200
    assert send(victim_client, "GET", "/api/v1/seller/auth/profile").status_code == 200


@pytest.mark.parametrize("role", [RoleName.SELLER, RoleName.CUSTOMER])
def test_non_admin_cannot_manage_other_users(world, role):
    client = world.clients[role]
    target = world.users[RoleName.ADMIN]
    before = db_dump()
    assert_forbidden(send(client, "PUT", f"/api/v1/admin/auth/users/{target.pk}/status", {"isActive": False}))
    assert_forbidden(send(client, "DELETE", f"/api/v1/admin/auth/users/{target.pk}"))
    assert_forbidden(send(client, "PUT", f"/api/v1/admin/auth/users/{client.user.pk}/status", {"isActive": True}))
    assert_forbidden(send(client, "GET", "/api/v1/admin/auth/users"))
    assert_forbidden(send(client, "GET", "/api/v1/admin/auth/profile"))
    assert db_dump() == before


def test_seller_acting_on_another_sellers_reservation_is_recorded_as_themself(world):
    """docs/api.md §14.3: any caller with the role may act on any reservation, but the ledger
    names the committer, never the reservation's creator."""
    other = world.other_seller
    response = send(bearer_client(other), "POST", f"/api/v1/inventory/reservations/{world.reservation.pk}/commit")
    assert response.status_code == 200, response.content
    movement = StockMovement.objects.get(pk=response.json()["data"]["movementId"])
    assert movement.performed_by == other.pk
    assert StockReservation.objects.get(pk=world.reservation.pk).created_by == world.users[RoleName.SELLER].pk


# -- orders (docs/api.md §37): a customer never sees or acts on another's order; a seller without
# the order's branch gets 404 -----------------------------------------------------------------
ORDER_ACTIONS = [("GET", ""), ("POST", "/confirm"), ("POST", "/ready"), ("POST", "/fulfil"), ("POST", "/cancel")]


def test_a_customer_never_sees_or_acts_on_another_customers_order(world):
    client = world.clients[RoleName.CUSTOMER]
    theirs = world.other_order
    before = db_dump()
    for method, suffix in (("GET", ""), ("POST", "/cancel")):
        response = send(client, method, f"/api/v1/orders/{theirs.pk}{suffix}", {} if method == "POST" else None)
        assert response.status_code == 404, response.content
        assert response.json()["error"] == {
            "code": "ORDER_NOT_FOUND", "message": f"Order not found with id: {theirs.pk}", "details": None,
        }  # fmt: skip
    listed = send(client, "GET", f"/api/v1/orders?customerId={world.other_customer.pk}").json()["data"]
    assert [row["id"] for row in listed] == [str(world.order.pk)]
    bookings = send(client, "GET", "/api/v1/customer/auth/bookings").json()["data"]
    assert [row["id"] for row in bookings] == [str(world.order.pk)]
    assert db_dump() == before


def test_a_seller_without_the_branch_gets_404_for_every_order_route(world):
    outsider = make_user(RoleName.SELLER)
    BranchAssignment.objects.create(user=outsider, branch=world.other_branch)
    client = bearer_client(outsider)
    before = db_dump()
    for method, suffix in ORDER_ACTIONS:
        body = {"pickupCode": world.order.pickup_code, "reason": "STAFF"} if method == "POST" else None
        response = send(client, method, f"/api/v1/orders/{world.order.pk}{suffix}", body)
        assert response.status_code == 404, (suffix, response.content)
        assert response.json()["error"]["code"] == "ORDER_NOT_FOUND"
    assert send(client, "GET", "/api/v1/orders").json()["data"] == []
    assert db_dump() == before


# -- the seller without access (docs/api.md §36): a column for every route ----------------------
# A seller who registered itself and was granted nothing acts on no branch. Per route: what it
# gets. Routes not listed follow the role table (the seller role's rights, or 403 FORBIDDEN).
EMPTY = "empty list"
BRANCH_DENIED = (403, "BRANCH_ACCESS_DENIED")
NO_BRANCH = (403, "NO_BRANCH_ACCESS")
PENDING_TABLE: dict[str, object] = {
    **{f"{method} {INV}/{name}": NO_BRANCH for method, name in (
        ("POST", "categories"), ("PUT", "categories/{id}"), ("DELETE", "categories/{id}"),
        ("POST", "items"), ("PUT", "items/{id}"), ("DELETE", "items/{id}"),
    )},
    **{f"GET {INV}/{name}": EMPTY for name in (
        "movements", "stock-levels/low-stock", "reservations", "transfers", "stock-alerts", "branches/mine",
    )},
    f"POST {INV}/movements": BRANCH_DENIED,
    f"POST {INV}/reservations": BRANCH_DENIED,
    f"POST {INV}/transfers": BRANCH_DENIED,
    f"GET {INV}/stock-levels/branch/{{branchId}}": BRANCH_DENIED,
    f"GET {INV}/movements/{{id}}": (404, "MOVEMENT_NOT_FOUND"),
    f"GET {INV}/reservations/{{id}}": (404, "RESERVATION_NOT_FOUND"),
    f"POST {INV}/reservations/{{id}}/release": (404, "RESERVATION_NOT_FOUND"),
    f"POST {INV}/reservations/{{id}}/commit": (404, "RESERVATION_NOT_FOUND"),
    f"GET {INV}/transfers/{{id}}": (404, "TRANSFER_NOT_FOUND"),
    f"POST {INV}/transfers/{{id}}/receive": (404, "TRANSFER_NOT_FOUND"),
    f"POST {INV}/transfers/{{id}}/cancel": (404, "TRANSFER_NOT_FOUND"),
    f"GET {INV}/stock-alerts/{{id}}": (404, "STOCK_ALERT_NOT_FOUND"),
    "GET /api/v1/orders": EMPTY,
    **{f"{method} /api/v1/orders/{{id}}{suffix}": (404, "ORDER_NOT_FOUND") for method, suffix in (
        ("GET", ""), ("POST", "/confirm"), ("POST", "/ready"), ("POST", "/fulfil"), ("POST", "/cancel"),
    )},
}  # fmt: skip


def pending_body(world, op):
    """Bodies that would succeed for a seller with access: the refusal is about the branch."""
    item, branch = str(world.item.pk), str(world.branch.pk)
    bodies = {
        f"POST {INV}/movements": {
            "inventoryItemId": item,
            "movementType": "OUT",
            "quantity": 1,
            "fromBranchId": branch,
        },
        f"POST {INV}/reservations": {"inventoryItemId": item, "branchId": branch, "quantity": 1},
        f"POST {INV}/transfers": {
            "fromBranchId": branch,
            "toBranchId": str(world.other_branch.pk),
            "lines": [{"inventoryItemId": item, "quantity": 1}],
        },
        "POST /api/v1/orders/{id}/fulfil": {"pickupCode": world.order.pickup_code},
        "POST /api/v1/orders/{id}/cancel": {"reason": "STAFF"},
    }
    return bodies.get(op.key, {"name": "Hijacked"} if op.method in ("POST", "PUT") else None)


def pending_expectation(op):
    if op.key in PENDING_TABLE:
        return PENDING_TABLE[op.key]
    return "allowed" if RoleName.SELLER in ROLE_TABLE[op.key] else (403, "FORBIDDEN")


def test_pending_table_names_only_routes_a_seller_may_use():
    for key in PENDING_TABLE:
        assert ROLE_TABLE[key] >= SELLER, key  # every other route is refused by role already


@pytest.mark.parametrize("op", PROTECTED, ids=[op.key for op in PROTECTED])
def test_seller_without_access(world, op):
    """Stock and catalog writes are refused (403, or 404 for rows addressed by id), lists are
    empty; a refused request leaves every row of both apps as it was."""
    expected = pending_expectation(op)
    before = db_dump()
    response = send(world.pending_client, op.method, world.url(op), pending_body(world, op))
    answer = assert_contract_answer(response)
    if expected == "allowed":
        assert response.status_code not in (401, 403), response.content
        return
    if expected == EMPTY:
        assert (response.status_code, answer["data"]) == (200, []), response.content
        assert answer["meta"]["total"] == 0
        return
    status, code = expected
    assert (response.status_code, answer["error"]["code"]) == (status, code), response.content
    assert db_dump() == before
