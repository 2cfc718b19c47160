"""Mass assignment (docs/api.md §1.2 "unknown keys are ignored", §6.7, §9, §11, §12, §14): fields a
caller must not set are ignored, one field per case, and the database proves it: an update made of
only such fields changes no row; a create stores the server's value, not the sent one."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from auth_app.models import RoleName, User
from inventory_app.models import (
    Branch,
    Category,
    InventoryItem,
    ReservationStatus,
    StockLevel,
    StockMovement,
    StockReservation,
    StockTransfer,
)
from tests.factories import DEFAULT_PASSWORD
from tests.helpers import assert_error
from tests.security.conftest import db_dump, schema_operations, send
from tests.security.test_injection import base_body

OTHER_ID = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
ADMIN_ROLE_ID = "11111111-1111-1111-1111-111111111111"
LONG_AGO = "2000-01-01T00:00:00Z"
FAR_FUTURE = "2099-01-01T00:00:00Z"

# -- updates: a body of forbidden fields only changes nothing ---------------------------------
PROFILE_FORBIDDEN = {
    "email": "stolen@example.com",
    "password": "N3w!Secret-Pass",
    "role": "admin",
    "roleId": ADMIN_ROLE_ID,
    "isActive": False,
    "isVerified": False,
    "id": OTHER_ID,
    "userId": OTHER_ID,
    "createdAt": LONG_AGO,
    "otpAttempts": 99,
    "credentials": {"email": "stolen@example.com", "isVerified": False},
}
UPDATE_CASES = [
    *[
        (f"/api/v1/{group}/auth/profile", group, field, value)
        for group in ("admin", "seller", "customer")
        for field, value in PROFILE_FORBIDDEN.items()
    ],
    *[
        ("/api/v1/admin/auth/users/{other_customer}/status", "admin", field, value)
        for field, value in {
            "role": "admin",
            "roleId": ADMIN_ROLE_ID,
            "email": "stolen@example.com",
            "isVerified": False,
            "password": "N3w!Secret-Pass",
            "id": OTHER_ID,
        }.items()
    ],
    *[
        ("/api/v1/inventory/branches/{branch}", "admin", field, value)
        for field, value in {"code": "HIJACK", "id": OTHER_ID, "createdAt": LONG_AGO}.items()
    ],
    *[
        ("/api/v1/inventory/categories/{category}", "seller", field, value)
        for field, value in {"id": OTHER_ID, "createdAt": LONG_AGO, "parentCategory": OTHER_ID}.items()
    ],
    *[
        ("/api/v1/inventory/items/{item}", "seller", field, value)
        for field, value in {
            "sku": "HIJACK-1",
            "id": OTHER_ID,
            "totalStock": 999,
            "quantity": 999,
            "reservedQuantity": 0,
            "reserved": 0,
            "categoryName": "Other",
            "createdAt": LONG_AGO,
        }.items()
    ],
]


@pytest.mark.parametrize(
    ("path", "role", "field", "value"),
    UPDATE_CASES,
    ids=[f"{p.split('/')[-1] or p}:{r}:{f}" for p, r, f, _ in UPDATE_CASES],
)
def test_update_ignores_fields_it_must_not_change(world, path, role, field, value):
    url = path.format(
        other_customer=world.other_customer.pk, branch=world.branch.pk, category=world.category.pk, item=world.item.pk
    )
    body = {"isActive": True} if url.endswith("/status") else {}  # the status route requires isActive
    before = db_dump(ignore=("updated_at",))
    response = send(world.clients[role], "PUT", url, {**body, field: value})
    assert response.status_code == 200, response.content
    assert db_dump(ignore=("updated_at",)) == before


def test_profile_ignores_every_forbidden_field_at_once(world):
    seller = world.users[RoleName.SELLER]
    response = send(world.clients[RoleName.SELLER], "PUT", "/api/v1/seller/auth/profile", PROFILE_FORBIDDEN)
    user = response.json()["data"]["user"]
    assert (user["id"], user["role"], user["isActive"], user["isVerified"]) == (str(seller.pk), "seller", True, True)
    assert user["email"] == seller.credentials.email
    login = send(
        world.clients[RoleName.SELLER],
        "POST",
        "/api/v1/auth/login",
        {"identifier": seller.credentials.email, "password": DEFAULT_PASSWORD},
    )
    assert login.status_code == 200  # the password did not change either


# -- creates: the server decides ----------------------------------------------------------------
def _created(model, response):
    assert response.status_code == 201, response.content
    return model.objects.get(pk=response.json()["data"]["id"])


def check_register(world, field, value, response):
    data = response.json()["data"]
    user = User.objects.select_related("role", "credentials").get(pk=data["user"]["id"])
    assert user.role.name == RoleName.SELLER
    assert user.is_active is True
    assert user.credentials.is_verified is False
    assert str(user.pk) != OTHER_ID
    assert user.created_at > timezone.now() - timedelta(minutes=5)
    claims = jwt.decode(data["accessToken"], settings.JWT_SECRET, algorithms=["HS256"], audience=settings.JWT_AUDIENCE)
    assert claims["role"] == "seller"


def check_fresh(model, *, active=True):
    def check(world, field, value, response):
        row = _created(model, response)
        assert str(row.pk) != OTHER_ID
        assert row.created_at > timezone.now() - timedelta(minutes=5)
        if active is not None:
            assert row.is_active is active
        if model is InventoryItem:
            assert response.json()["data"]["totalStock"] == 0
            assert not StockLevel.objects.filter(inventory_item=row).exists()
            assert response.json()["data"]["categoryName"] == world.category.name

    return check


def check_movement(world, field, value, response):
    movement = _created(StockMovement, response)
    assert movement.performed_by == world.users[RoleName.SELLER].pk
    assert str(movement.pk) != OTHER_ID
    assert movement.created_at > timezone.now() - timedelta(minutes=5)
    assert (movement.inventory_item_id, movement.quantity) == (world.item.pk, 1)


def check_reservation(world, field, value, response):
    reservation = _created(StockReservation, response)
    assert reservation.created_by == world.users[RoleName.SELLER].pk
    assert reservation.status == ReservationStatus.ACTIVE
    assert reservation.movement_id is None
    assert str(reservation.pk) != OTHER_ID
    assert reservation.expires_at < timezone.now() + timedelta(seconds=61)


def check_transfer(world, field, value, response):
    transfer = _created(StockTransfer, response)
    assert (transfer.status, transfer.dispatched_by) == ("IN_TRANSIT", world.users[RoleName.SELLER].pk)
    assert (transfer.received_by, transfer.received_at, transfer.cancelled_at) == (None, None, None)
    assert str(transfer.pk) != OTHER_ID
    assert transfer.dispatched_at > timezone.now() - timedelta(minutes=5)
    assert [(line.quantity, line.received_quantity) for line in transfer.lines.all()] == [(1, None)]
    movement = StockMovement.objects.get(transfer=transfer)
    assert (movement.performed_by, movement.from_balance_after) == (world.users[RoleName.SELLER].pk, 49)


CREATE_CASES = [
    *[
        ("POST /api/v1/auth/register", None, field, value, check_register)
        for field, value in {
            "isActive": False,
            "isVerified": True,
            "roleId": ADMIN_ROLE_ID,
            "id": OTHER_ID,
            "createdAt": LONG_AGO,
            "isStaff": True,
            "isSuperuser": True,
        }.items()
    ],
    *[
        ("POST /api/v1/inventory/branches", RoleName.ADMIN, field, value, check_fresh(Branch))
        for field, value in {"isActive": False, "id": OTHER_ID, "createdAt": LONG_AGO}.items()
    ],
    *[
        ("POST /api/v1/inventory/categories", RoleName.SELLER, field, value, check_fresh(Category))
        for field, value in {"isActive": False, "id": OTHER_ID, "createdAt": LONG_AGO}.items()
    ],
    *[
        ("POST /api/v1/inventory/items", RoleName.SELLER, field, value, check_fresh(InventoryItem))
        for field, value in {
            "isActive": False,
            "id": OTHER_ID,
            "createdAt": LONG_AGO,
            "totalStock": 999,
            "quantity": 999,
            "categoryName": "Spoofed",
        }.items()
    ],
    *[
        ("POST /api/v1/inventory/movements", RoleName.SELLER, field, value, check_movement)
        for field, value in {
            "performedBy": OTHER_ID,
            "performed_by": OTHER_ID,
            "id": OTHER_ID,
            "createdAt": LONG_AGO,
            "sku": "OTHER",
        }.items()
    ],
    *[
        ("POST /api/v1/inventory/reservations", RoleName.SELLER, field, value, check_reservation)
        for field, value in {
            "createdBy": OTHER_ID,
            "status": "COMMITTED",
            "movementId": OTHER_ID,
            "expiresAt": FAR_FUTURE,
            "id": OTHER_ID,
        }.items()
    ],
    *[
        ("POST /api/v1/inventory/transfers", RoleName.SELLER, field, value, check_transfer)
        for field, value in {
            "status": "RECEIVED",
            "dispatchedBy": OTHER_ID,
            "receivedBy": OTHER_ID,
            "receivedAt": LONG_AGO,
            "dispatchedAt": LONG_AGO,
            "id": OTHER_ID,
            "fromBalanceAfter": 999,
        }.items()
    ],
]


@pytest.mark.parametrize(
    ("key", "role", "field", "value", "check"),
    CREATE_CASES,
    ids=[f"{k.split('/')[-1]}:{f}" for k, _, f, _, _ in CREATE_CASES],
)
def test_create_ignores_fields_the_server_decides(world, key, role, field, value, check):
    op = next(op for op in schema_operations() if op.key == key)
    client = world.clients[role] if role else APIClient()
    response = send(client, op.method, op.path, {**base_body(world, op), field: value})
    check(world, field, value, response)


@pytest.mark.parametrize("role", ["ADMIN", "admin", "Admin", "aDmIn"])
def test_register_as_admin_is_refused_and_creates_nobody(api_client, db, role):
    body = {
        "firstName": "Eve",
        "lastName": "Hacker",
        "email": "eve@example.com",
        "password": DEFAULT_PASSWORD,
        "role": role,
    }
    before = db_dump()
    assert_error(
        send(api_client, "POST", "/api/v1/auth/register", body),
        400,
        "INVALID_ROLE",
        "Cannot register as admin",
        details=...,
    )
    assert db_dump() == before


def test_login_and_refresh_ignore_a_role_in_the_body(world):
    customer = world.users[RoleName.CUSTOMER]
    login = send(
        world.clients[RoleName.CUSTOMER],
        "POST",
        "/api/v1/auth/login",
        {"identifier": customer.credentials.username, "password": DEFAULT_PASSWORD, "role": "admin"},
    ).json()["data"]
    refreshed = send(
        world.clients[RoleName.CUSTOMER],
        "POST",
        "/api/v1/auth/refresh-token",
        {"refreshToken": login["refreshToken"], "role": "admin", "userId": str(world.users[RoleName.ADMIN].pk)},
    ).json()["data"]
    for token in (login["accessToken"], refreshed["accessToken"]):
        claims = jwt.decode(token, settings.JWT_SECRET, algorithms=["HS256"], audience=settings.JWT_AUDIENCE)
        assert (claims["role"], claims["user_id"]) == ("customer", str(customer.pk))


@pytest.mark.parametrize("action", ["release", "commit"])
def test_release_and_commit_never_read_a_body(world, action):
    """Routes without a body ignore one entirely: no performedBy, status or quantity spoofing."""
    seller = world.users[RoleName.SELLER]
    body = {"performedBy": OTHER_ID, "status": "ACTIVE", "quantity": 1, "movementId": OTHER_ID}
    url = f"/api/v1/inventory/reservations/{world.reservation.pk}/{action}"
    response = send(world.clients[RoleName.SELLER], "POST", url, body)
    assert response.status_code == 200, response.content
    reservation = StockReservation.objects.get(pk=world.reservation.pk)
    assert reservation.quantity == 5
    row = StockLevel.objects.get(inventory_item=world.item, branch=world.branch)
    if action == "commit":
        assert reservation.status == ReservationStatus.COMMITTED
        movement = StockMovement.objects.get(pk=reservation.movement_id)
        assert (movement.performed_by, movement.quantity) == (seller.pk, 5)
        assert (row.quantity, row.reserved_quantity) == (45, 0)
    else:
        assert reservation.status == ReservationStatus.RELEASED
        assert (row.quantity, row.reserved_quantity) == (50, 0)


def test_logout_with_a_body_naming_another_user_logs_out_only_the_caller(world):
    victim = world.users[RoleName.SELLER]
    body = {"userId": str(victim.pk), "id": str(victim.pk)}
    assert send(world.clients[RoleName.CUSTOMER], "POST", "/api/v1/customer/auth/logout", body).status_code == 200
    assert send(world.clients[RoleName.SELLER], "GET", "/api/v1/seller/auth/profile").status_code == 200
    assert send(world.clients[RoleName.CUSTOMER], "GET", "/api/v1/customer/auth/profile").status_code == 401
