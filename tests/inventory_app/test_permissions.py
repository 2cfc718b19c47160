"""docs/api.md §5: role × action for every inventory route; 401 without a valid token."""

import pytest

from auth_app.models import RoleName
from tests.helpers import MISSING, assert_error, assert_forbidden, assert_unauthorized
from tests.inventory_app.conftest import BASE

ANY = {RoleName.ADMIN, RoleName.SELLER, RoleName.CUSTOMER}
STAFF = {RoleName.ADMIN, RoleName.SELLER}
ADMIN = {RoleName.ADMIN}

ROUTES = [
    ("get", "/branches", ANY),
    ("post", "/branches", ADMIN),
    ("get", f"/branches/{MISSING}", ANY),
    ("put", f"/branches/{MISSING}", ADMIN),
    ("delete", f"/branches/{MISSING}", ADMIN),
    ("get", "/categories", ANY),
    ("get", "/categories/tree", ANY),
    ("post", "/categories", STAFF),
    ("get", f"/categories/{MISSING}", ANY),
    ("put", f"/categories/{MISSING}", STAFF),
    ("delete", f"/categories/{MISSING}", STAFF),
    ("get", "/items", ANY),
    ("post", "/items", STAFF),
    ("get", f"/items/{MISSING}", ANY),
    ("put", f"/items/{MISSING}", STAFF),
    ("delete", f"/items/{MISSING}", STAFF),
    ("get", "/movements", STAFF),
    ("post", "/movements", STAFF),
    ("get", f"/movements/{MISSING}", STAFF),
    ("get", f"/stock-levels/branch/{MISSING}", STAFF),
    ("get", "/stock-levels/low-stock", STAFF),
    ("get", "/reservations", STAFF),
    ("post", "/reservations", STAFF),
    ("get", f"/reservations/{MISSING}", STAFF),
    ("post", f"/reservations/{MISSING}/release", STAFF),
    ("post", f"/reservations/{MISSING}/commit", STAFF),
    # docs/api.md §26-§29a
    ("get", "/branches/mine", STAFF),
    ("get", f"/branches/{MISSING}/staff", ADMIN),
    ("put", f"/branches/{MISSING}/staff/{MISSING}", ADMIN),
    ("delete", f"/branches/{MISSING}/staff/{MISSING}", ADMIN),
    ("get", "/transfers", STAFF),
    ("post", "/transfers", STAFF),
    ("get", f"/transfers/{MISSING}", STAFF),
    ("post", f"/transfers/{MISSING}/receive", STAFF),
    ("post", f"/transfers/{MISSING}/cancel", STAFF),
    ("get", "/stock-alerts", STAFF),
    ("get", f"/stock-alerts/{MISSING}", STAFF),
]
IDS = [f"{method.upper()} {path.replace(MISSING, '{id}')}" for method, path, _ in ROUTES]


def call(client, method, path):
    kwargs = {"format": "json"} if method in ("post", "put") else {}
    args = ({},) if method in ("post", "put") else ()
    return getattr(client, method)(BASE + path, *args, **kwargs)


@pytest.mark.parametrize(("method", "path", "allowed"), ROUTES, ids=IDS)
def test_role_matrix(role_client, method, path, allowed):
    response = call(role_client, method, path)
    if role_client.role in allowed:
        assert response.status_code not in (401, 403, 405, 500), response.content
    else:
        assert_forbidden(response)


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path", "allowed"), ROUTES, ids=IDS)
@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic abc"])
def test_without_valid_token_is_401(api_client, method, path, allowed, authorization):
    if authorization:
        api_client.credentials(HTTP_AUTHORIZATION=authorization)
    response = call(api_client, method, path)
    assert_unauthorized(response)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("put", f"/movements/{MISSING}"),
        ("delete", f"/movements/{MISSING}"),
        ("patch", f"/items/{MISSING}"),
        ("delete", "/items"),
        ("put", f"/reservations/{MISSING}"),
        ("get", f"/reservations/{MISSING}/commit"),
        ("post", "/stock-levels/low-stock"),
        ("post", "/branches/mine"),
        ("get", f"/branches/{MISSING}/staff/{MISSING}"),
        ("post", f"/branches/{MISSING}/staff"),
        ("put", f"/transfers/{MISSING}"),
        ("get", f"/transfers/{MISSING}/receive"),
        ("post", "/stock-alerts"),
        ("delete", f"/stock-alerts/{MISSING}"),
    ],
)
def test_unsupported_methods_are_405_before_authentication(api_client, db, method, path):
    response = getattr(api_client, method)(BASE + path)
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    assert "Allow" in response


def test_path_uuid_checked_after_role(customer_client, seller_client):
    assert customer_client.get(f"{BASE}/movements/nope").status_code == 403
    assert_error(seller_client.get(f"{BASE}/movements/nope"), 400, "BAD_REQUEST", "Invalid UUID: nope")
    assert_error(seller_client.get(f"{BASE}/stock-levels/branch/xyz"), 400, "BAD_REQUEST", "Invalid UUID: xyz")


def test_trailing_slash_is_the_same_route(admin_client):
    assert admin_client.get(f"{BASE}/branches/").status_code == 200
    assert admin_client.get(f"{BASE}/categories/tree/").status_code == 200
    assert admin_client.get(f"{BASE}/stock-levels/low-stock/").status_code == 200
    assert admin_client.get(f"{BASE}/branches/mine/").status_code == 200
    assert admin_client.get(f"{BASE}/stock-alerts/").status_code == 200


def test_branches_mine_is_not_a_branch_id(admin_client):
    """The literal route takes precedence over branches/{id} (as categories/tree does)."""
    assert admin_client.get(f"{BASE}/branches/mine").json()["message"] == "Branches retrieved successfully"
    assert admin_client.put(f"{BASE}/branches/mine", {}, format="json").status_code == 405
