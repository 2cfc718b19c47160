"""Regressions for the bugs the hostile-input tests found, and literal matching of LIKE
metacharacters in every search filter (``%``, ``_`` and ``\\`` are text, never wildcards)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from auth_app.models import RoleName
from inventory_app.models import Branch, InventoryItem, StockMovement
from tests.factories import make_branch, make_item, make_user
from tests.helpers import assert_error, assert_validation
from tests.security.conftest import db_fingerprint, send

INVALID = "Invalid value"


# -- bug 1: a NUL byte in a text query filter reached PostgreSQL (500) ------------------------
@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/v1/inventory/items", "search"),
        ("/api/v1/inventory/branches", "search"),
        ("/api/v1/admin/auth/users", "search"),
        ("/api/v1/inventory/movements", "referenceNumber"),
    ],
)
def test_nul_in_a_text_filter_is_a_validation_error(world, path, param):
    assert_validation(world.clients[RoleName.ADMIN].get(path, {param: "a\x00b"}), {param: INVALID})


def test_nul_in_the_users_role_filter_stays_invalid_role(world):
    response = world.clients[RoleName.ADMIN].get("/api/v1/admin/auth/users", {"role": "ad\x00min"})
    assert_error(response, 400, "INVALID_ROLE", "Invalid role: ad\x00min", None)


# -- bug 2: NUL in a body text field reached PostgreSQL on insert/update/lookup (500) ---------
@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", "/api/v1/inventory/branches", {"name": "N\x00", "code": "C1"}, "name"),
        ("POST", "/api/v1/inventory/items", {"sku": "S\x00", "name": "n", "unitOfMeasure": "u", "unitPrice": 1}, "sku"),
        ("POST", "/api/v1/inventory/categories", {"name": "ok", "description": "\x00"}, "description"),
        ("POST", "/api/v1/auth/login", {"identifier": "admin\x00", "password": "x"}, "identifier"),
        ("POST", "/api/v1/auth/resend-otp", {"identifier": "\x00"}, "identifier"),
        ("POST", "/api/v1/auth/verify-otp", {"identifier": "\x00", "otp": "123456"}, "identifier"),
    ],
)
def test_nul_in_a_body_text_field_is_a_validation_error(world, method, path, body, field):
    before = db_fingerprint()
    assert_validation(send(world.clients[RoleName.ADMIN], method, path, body), {field: INVALID})
    assert db_fingerprint() == before


def test_nul_in_a_movement_note_writes_nothing(world):
    before = db_fingerprint()
    body = {
        "inventoryItemId": str(world.item.pk),
        "movementType": "IN",
        "quantity": 1,
        "toBranchId": str(world.branch.pk),
        "notes": "ok\x00; DROP TABLE x",
    }
    assert_validation(
        send(world.clients[RoleName.SELLER], "POST", "/api/v1/inventory/movements", body), {"notes": INVALID}
    )
    assert db_fingerprint() == before


# -- bug 3: date-time offsets beyond PostgreSQL's ±15:59 (500) --------------------------------
def test_offsets_beyond_postgresql_range_are_converted_to_utc(world):
    StockMovement.objects.update(created_at=datetime(2026, 1, 1, 12, 0, tzinfo=UTC))
    client = world.clients[RoleName.ADMIN]
    # 2026-01-01T00:00-23:00 is 2026-01-01T23:00Z: after the movement
    before = client.get("/api/v1/inventory/movements", {"createdBefore": "2026-01-01T00:00:00-23:00"})
    assert before.status_code == 200, before.content
    assert before.json()["meta"]["total"] == StockMovement.objects.count()
    after = client.get("/api/v1/inventory/movements", {"createdAfter": "2026-01-01T00:00:00-23:00"})
    assert after.json()["meta"]["total"] == 0


@pytest.mark.parametrize(
    ("param", "value"),
    [("createdAfter", "9999-12-31T23:59:59-23:59"), ("createdBefore", "0001-01-01T00:00:00+23:59")],
)
def test_offsets_that_leave_the_calendar_are_invalid(world, param, value):
    assert_validation(
        world.clients[RoleName.ADMIN].get("/api/v1/inventory/movements", {param: value}), {param: INVALID}
    )


# -- LIKE metacharacters are literal, SQL text is data ----------------------------------------
@pytest.fixture
def lookalikes(db):
    """Rows that a wildcard would match but the literal text does not (and one that does)."""
    for sku in ("PCT%1", "PCTX1", "UND_1", "UNDX1", "BSL\\1", "BSLX1"):
        make_item(sku, f"Item {sku}")
    for code in ("B%1", "BX1", "B_2", "BY2"):
        make_branch(code, f"Branch {code}")
    for n, username in enumerate(("pct%user", "pctxuser", "und_user", "undxuser")):
        make_user(RoleName.CUSTOMER, username=username, email=f"lookalike{n}@example.com")


@pytest.mark.parametrize(("search", "expected"), [("T%1", ["PCT%1"]), ("D_1", ["UND_1"]), ("L\\1", ["BSL\\1"])])
def test_item_search_is_literal(admin_client, lookalikes, search, expected):
    data = admin_client.get("/api/v1/inventory/items", {"search": search}).json()["data"]
    assert [row["sku"] for row in data] == expected


@pytest.mark.parametrize(("search", "expected"), [("B%", ["B%1"]), ("B_", ["B_2"])])
def test_branch_search_is_literal(admin_client, lookalikes, search, expected):
    data = admin_client.get("/api/v1/inventory/branches", {"search": search}).json()["data"]
    assert [row["code"] for row in data] == expected


@pytest.mark.parametrize(("search", "expected"), [("pct%", ["pct%user"]), ("und_", ["und_user"])])
def test_user_search_is_literal(admin_client, lookalikes, search, expected):
    data = admin_client.get("/api/v1/admin/auth/users", {"search": search}).json()["data"]
    assert [row["username"] for row in data] == expected


def test_reference_number_filter_is_exact_text(world):
    StockMovement.objects.update(reference_number="REF%")
    client = world.clients[RoleName.ADMIN]
    assert client.get("/api/v1/inventory/movements", {"referenceNumber": "REF_"}).json()["meta"]["total"] == 0
    total = client.get("/api/v1/inventory/movements", {"referenceNumber": "REF%"}).json()["meta"]["total"]
    assert total == StockMovement.objects.count() > 0


@pytest.mark.parametrize("search", ["' OR 1=1 --", "') OR ('1'='1", '"; DROP TABLE x; --', "%' OR '%'='"])
def test_sql_text_in_search_matches_nothing_and_drops_nothing(world, search):
    client = world.clients[RoleName.ADMIN]
    for path in ("/api/v1/inventory/items", "/api/v1/inventory/branches", "/api/v1/admin/auth/users", "/api/v1/orders"):
        body = client.get(path, {"search": search}).json()
        assert (body["data"], body["meta"]["total"]) == ([], 0), path
    assert InventoryItem.objects.count() == 3  # the world's laptop, mouse and keyboard
    assert Branch.objects.count() == 2


def test_sql_text_is_stored_as_sent(world):
    client = world.clients[RoleName.ADMIN]
    name = "Robert'); DROP TABLE inventory_items;--"
    created = send(client, "POST", "/api/v1/inventory/branches", {"name": name, "code": "' OR 1=1 --"})
    assert created.status_code == 201, created.content
    assert Branch.objects.get(pk=created.json()["data"]["id"]).name == name
    found = client.get("/api/v1/inventory/branches", {"search": "DROP TABLE"}).json()["data"]
    assert [row["code"] for row in found] == ["' OR 1=1 --"]
