"""Role route groups (docs/api.md §5, §6.7, §6.12–§6.14): permission matrix, profile, logout, stubs."""

import uuid

import jwt
import pytest
from django.conf import settings

from auth_app.models import Credential, RefreshToken, RoleName, TokenBlacklist, User
from auth_app.services.sessions import tokens_issue
from auth_app.validation import (
    DOB_MESSAGE,
    FIRST_NAME_MESSAGE,
    GENDER_MESSAGE,
    LAST_NAME_MESSAGE,
    USERNAME_MESSAGE,
)
from natjoub.api.contact_rules import PHONE_MESSAGE
from tests.auth_app.conftest import assert_user_dto, post, put, send
from tests.conftest import bearer_client
from tests.factories import make_user
from tests.helpers import assert_error, assert_forbidden, assert_ok, assert_unauthorized, assert_validation

pytestmark = pytest.mark.django_db
SOME_ID = "6f0c1b7e-0000-4000-8000-000000000001"

# (method, path, role allowed, body)
ROUTES = [
    ("GET", "/api/v1/admin/auth/profile", RoleName.ADMIN, None),
    ("PUT", "/api/v1/admin/auth/profile", RoleName.ADMIN, {}),
    ("GET", "/api/v1/admin/auth/users", RoleName.ADMIN, None),
    ("PUT", f"/api/v1/admin/auth/users/{SOME_ID}/status", RoleName.ADMIN, {"isActive": True}),
    ("DELETE", f"/api/v1/admin/auth/users/{SOME_ID}", RoleName.ADMIN, None),
    ("POST", "/api/v1/admin/auth/logout", RoleName.ADMIN, None),
    ("GET", "/api/v1/seller/auth/profile", RoleName.SELLER, None),
    ("PUT", "/api/v1/seller/auth/profile", RoleName.SELLER, {}),
    ("GET", "/api/v1/seller/auth/dashboard", RoleName.SELLER, None),
    ("POST", "/api/v1/seller/auth/logout", RoleName.SELLER, None),
    ("GET", "/api/v1/customer/auth/profile", RoleName.CUSTOMER, None),
    ("PUT", "/api/v1/customer/auth/profile", RoleName.CUSTOMER, {}),
    ("GET", "/api/v1/customer/auth/bookings", RoleName.CUSTOMER, None),
    ("POST", "/api/v1/customer/auth/logout", RoleName.CUSTOMER, None),
]
ROUTE_IDS = [f"{m} {p.replace(SOME_ID, '{id}')}" for m, p, _, _ in ROUTES]


@pytest.mark.parametrize(("method", "path", "allowed", "body"), ROUTES, ids=ROUTE_IDS)
def test_every_role_route_by_role(role_client, method, path, allowed, body):
    response = send(role_client, method, path, body)
    if role_client.role == allowed:
        assert response.status_code in {200, 404}, response.content  # 404: SOME_ID does not exist
        if response.status_code == 404:
            assert_error(response, 404, "USER_NOT_FOUND", "User not found")
    else:
        assert_forbidden(response)


@pytest.mark.parametrize(("method", "path", "allowed", "body"), ROUTES, ids=ROUTE_IDS)
def test_every_role_route_without_a_valid_token(client, method, path, allowed, body):
    assert_unauthorized(send(client, method, path, body))
    assert_unauthorized(send(client, method, path, body, HTTP_AUTHORIZATION="Bearer nonsense"))


@pytest.mark.parametrize(("method", "path", "allowed", "body"), ROUTES, ids=ROUTE_IDS)
def test_trailing_slash_variant(role_client, method, path, allowed, body):
    if role_client.role == allowed:
        assert send(role_client, method, path + "/", body).status_code in {200, 404}


def test_405_before_authentication(client):
    response = client.delete("/api/v1/seller/auth/profile")
    assert response.status_code == 405
    assert set(response["Allow"].replace(" ", "").split(",")) >= {"GET", "PUT"}
    assert client.get("/api/v1/admin/auth/logout").status_code == 405
    assert client.get(f"/api/v1/admin/auth/users/{SOME_ID}").status_code == 405


def test_bad_uuid_after_auth_and_role(admin_client, seller_client, client):
    assert_error(admin_client.delete("/api/v1/admin/auth/users/nope"), 400, "BAD_REQUEST", "Invalid UUID: nope")
    assert_forbidden(seller_client.delete("/api/v1/admin/auth/users/nope"))
    assert_unauthorized(client.delete("/api/v1/admin/auth/users/nope"))


# -- profile -----------------------------------------------------------------------------------
@pytest.mark.parametrize("group", ["admin", "seller", "customer"])
def test_get_profile(group):
    user = make_user(group, email=f"{group}@example.com", username=f"{group}_x", dob="1990-01-02", gender="other")
    response = bearer_client(user).get(f"/api/v1/{group}/auth/profile")
    data = assert_ok(response, 200, "Profile retrieved successfully")
    assert list(data) == ["user"]
    assert_user_dto(
        data["user"], user, role=group, email=f"{group}@example.com", username=f"{group}_x",
        dob="1990-01-02", gender="other", isActive=True, isVerified=True, phoneNumber=None,
    )  # fmt: skip


def test_put_profile_changes_given_fields_only(customer_client, customer_user):
    body = {
        "firstName": "Cleo",
        "dob": "2001-12-31",
        "gender": "FEMALE",
        "username": "cleo_c",
        "phoneNumber": "+85599888777",
        "lastName": None,
        "email": "hijack@example.com",
        "password": "Ign0red!Pass",
        "role": "admin",
        "isActive": False,
        "isVerified": False,
    }
    response = put(customer_client, "/api/v1/customer/auth/profile", body)
    data = assert_ok(response, 200, "Profile updated successfully")
    assert_user_dto(
        data["user"], customer_user, firstName="Cleo", lastName="Customer", dob="2001-12-31", gender="female",
        username="cleo_c", phoneNumber="+85599888777", role="customer", isActive=True, isVerified=True,
        email=customer_user.credentials.email,
    )  # fmt: skip
    assert Credential.objects.get(user=customer_user).password == customer_user.credentials.password


def test_put_empty_body_changes_nothing(seller_client, seller_user):
    data = assert_ok(put(seller_client, "/api/v1/seller/auth/profile", None), 200, "Profile updated successfully")
    assert data["user"]["firstName"] == "Sam"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("firstName", "", FIRST_NAME_MESSAGE),
        ("firstName", "R2D2", FIRST_NAME_MESSAGE),
        ("lastName", "x" * 101, LAST_NAME_MESSAGE),
        ("dob", "2023-02-30", DOB_MESSAGE),
        ("gender", "robot", GENDER_MESSAGE),
        ("username", "", USERNAME_MESSAGE),
        ("username", "no spaces", USERNAME_MESSAGE),
        ("phoneNumber", "+0123", PHONE_MESSAGE),
        ("firstName", 1, "Invalid value"),
    ],
)
def test_put_profile_validation(seller_client, field, value, message):
    response = put(seller_client, "/api/v1/seller/auth/profile", {field: value})
    assert_validation(response, {field: message})


def test_put_profile_conflicts_username_first_and_atomic(seller_client, seller_user):
    make_user(RoleName.CUSTOMER, username="taken_name", phone_number="+15551234")
    body = {"firstName": "Changed", "username": "taken_name", "phoneNumber": "+15551234"}
    response = put(seller_client, "/api/v1/seller/auth/profile", body)
    assert_error(response, 409, "USER_ALREADY_EXISTS", "Username already taken")
    response = put(seller_client, "/api/v1/seller/auth/profile", {"firstName": "Changed", "phoneNumber": "+15551234"})
    assert_error(response, 409, "USER_ALREADY_EXISTS", "Phone number already registered")
    assert User.objects.get(pk=seller_user.pk).first_name == "Sam"


def test_put_profile_keeping_own_username_is_fine(seller_client, seller_user):
    own = seller_user.credentials.username
    assert put(seller_client, "/api/v1/seller/auth/profile", {"username": own}).status_code == 200


# -- logout ------------------------------------------------------------------------------------
@pytest.mark.parametrize("group", ["admin", "seller", "customer"])
def test_logout_blacklists_the_token_and_ends_every_session(client, group):
    user = make_user(group)
    tokens = [tokens_issue(user=user) for _ in range(2)]
    header = {"HTTP_AUTHORIZATION": f"Bearer {tokens[0]['access_token']}"}
    response = client.post(f"/api/v1/{group}/auth/logout", **header)
    assert assert_ok(response, 200, "Logout successful") == {"message": "Logged out successfully"}
    claims = jwt.decode(tokens[0]["access_token"], options={"verify_signature": False})
    assert TokenBlacklist.objects.filter(jti=claims["jti"]).exists()
    assert not RefreshToken.objects.filter(user=user, is_revoked=False).exists()
    assert_unauthorized(client.post(f"/api/v1/{group}/auth/logout", **header))  # twice → 401
    assert_unauthorized(client.get(f"/api/v1/{group}/auth/profile", **header))
    for pair in tokens:
        refreshed = post(client, "/api/v1/auth/refresh-token", {"refreshToken": pair["refresh_token"]})
        assert refreshed.status_code == 401
        assert refreshed.json()["error"]["code"] == "INVALID_REFRESH_TOKEN"
    # every session ended: the other access token is refused at once (§25 amends §4.3) ...
    other = client.get(f"/api/v1/{group}/auth/profile", HTTP_AUTHORIZATION=f"Bearer {tokens[1]['access_token']}")
    assert_unauthorized(other)
    # ... and a sign-in right after the logout (same second included) works
    again = tokens_issue(user=user)
    fresh = client.get(f"/api/v1/{group}/auth/profile", HTTP_AUTHORIZATION=f"Bearer {again['access_token']}")
    assert fresh.status_code == 200


def test_logout_ignores_a_body(seller_client):
    response = seller_client.generic("POST", "/api/v1/seller/auth/logout", "not json", content_type="text/plain")
    assert response.status_code == 200


# -- the seller dashboard: figures registered by the apps that own them (docs/api.md §37.11) ---
def test_seller_dashboard_overlays_registered_figures(seller_client, monkeypatch):
    from natjoub.registry import DashboardFigures, Registry

    seen = []

    def orders(*, user_id, role, days):
        seen.append((role, days))
        return {"total_bookings": 3, "revenue": "12.50"}

    registry = Registry("seller dashboard figures")
    registry.register(DashboardFigures(name="orders", compute=orders))
    monkeypatch.setattr("auth_app.selectors.seller_dashboard_figures", registry)
    data = assert_ok(seller_client.get("/api/v1/seller/auth/dashboard?days=7"), 200, "Dashboard retrieved successfully")
    assert data == {
        "totalBookings": 3,
        "activeListings": 0,
        "revenue": "12.50",
        "pendingOrders": 0,
        "currency": "USD",
        "days": 7,
    }
    assert seen == [("seller", 7)]


@pytest.mark.parametrize("days", ["0", "366", "x", "1.5"])
def test_seller_dashboard_days_out_of_range(seller_client, days):
    response = seller_client.get(f"/api/v1/seller/auth/dashboard?days={days}")
    assert_validation(response, {"days": "Must be an integer between 1 and 365"})


def test_customer_bookings_stub_list(customer_client):
    response = customer_client.get("/api/v1/customer/auth/bookings?limit=10&offset=20")
    body = response.json()
    assert response.status_code == 200
    assert body == {
        "success": True,
        "data": [],
        "message": "Bookings retrieved successfully",
        "error": None,
        "meta": {"total": 0, "limit": 10, "offset": 20, "page": 3, "pageSize": 10, "totalPages": 0},
    }


def test_customer_bookings_validates_paging(customer_client):
    response = customer_client.get("/api/v1/customer/auth/bookings?limit=0&offset=-1")
    assert_validation(
        response, {"limit": "Must be an integer between 1 and 1000", "offset": "Must be a non-negative integer"}
    )


def test_token_role_claim_decides_the_group(client):
    """The role used for authorization is the token's ``role`` claim (§4.2)."""
    user = make_user(RoleName.CUSTOMER)
    token = jwt.encode(
        {
            "iss": settings.JWT_ISSUER, "aud": settings.JWT_AUDIENCE, "user_id": str(user.pk), "role": "seller",
            "type": "access", "jti": str(uuid.uuid4()), "iat": 1, "exp": 4_000_000_000,
        },
        settings.JWT_SECRET, algorithm="HS256",
    )  # fmt: skip
    assert client.get("/api/v1/seller/auth/dashboard", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
