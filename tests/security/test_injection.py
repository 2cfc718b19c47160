"""SQL metacharacters, NUL bytes, 10 kB strings, huge numbers and type confusion in every query
filter, every body field and every path parameter of every operation (docs/api.md §1.2, §2.1, §3.2).

Each case is sent by a caller the route admits, from a body that would otherwise succeed, so the
hostile value really reaches the serializers, selectors and the database. Never a 5xx: either
the contract's 4xx envelope (and then not a single row changed) or a 2xx with a correct result
(text stored exactly as sent). Each value runs in its own rolled-back savepoint."""

from __future__ import annotations

import re

import pytest

from auth_app.models import RoleName
from tests.factories import DEFAULT_PASSWORD
from tests.helpers import assert_validation
from tests.security.conftest import (
    Operation,
    assert_contract_answer,
    assert_valid_list,
    db_fingerprint,
    isolated,
    schema_operations,
    send,
)
from tests.security.test_route_access import ROLE_TABLE

TEN_KB = "x" * 10240
TEXT_VALUES = [
    "' OR 1=1 --",
    '"; DROP TABLE x; --',
    "%",
    "_",
    "\\",
    "a\x00b",
    "%00",
    "\u202eevil\u202c 😀",
    TEN_KB,
    " ",
    "",
]
NUMERIC_TEXT = [str(2**63), str(-(2**63) - 1), "-1", "0", "1e3", "1.5", "NaN", "١٠", "5\n"]
NEAR_UUID = "6f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b\n"  # "$" would accept the trailing newline
DATE_TEXT = ["2026-13-45", "2026-13-45T00:00:00", "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"]
QUERY_VALUES = [*TEXT_VALUES, *NUMERIC_TEXT, *DATE_TEXT, NEAR_UUID]
TYPE_CONFUSION = [2**63, True, [], {"$gt": ""}]
BODY_VALUES = {  # by the schema type of the field: each hostile value x each field, bounded
    "string": [*TEXT_VALUES, *TYPE_CONFUSION],
    "integer": [*NUMERIC_TEXT[:5], "5\n", -(2**63) - 1, 10**30, -1, 0, 1.5, "' OR 1=1 --", "a\x00b", *TYPE_CONFUSION],
    "other": ["' OR 1=1 --", "a\x00b", TEN_KB, "", 1, NEAR_UUID, *TYPE_CONFUSION],  # uuid, boolean, date
}
OPERATIONS = schema_operations()


def caller(op: Operation) -> str:
    roles = ROLE_TABLE[op.key]
    return RoleName.ADMIN if not roles or RoleName.ADMIN in roles else sorted(roles)[0]


def client_for(world, op: Operation):
    from rest_framework.test import APIClient

    return world.clients[caller(op)] if ROLE_TABLE[op.key] else APIClient()


# -- query filters ----------------------------------------------------------------------------
LIST_PARAMS = [(op, name) for op in OPERATIONS for name in op.query]
INVALID_ROLE_PARAMS = {("GET /api/v1/admin/auth/users", "role")}


def test_every_list_route_has_query_parameters_covered():
    lists = {op.key for op in OPERATIONS if "limit" in op.query}
    # docs/api.md §2.1: the nine list endpoints, §26-§29a's four, §30's session list per role, §36's sellers,
    # §37's orders
    assert len(lists) == 18
    assert len(LIST_PARAMS) >= 39


@pytest.mark.parametrize(("op", "param"), LIST_PARAMS, ids=[f"{op.key}?{p}" for op, p in LIST_PARAMS])
def test_hostile_query_values(world, op, param):
    client, url = client_for(world, op), world.url(op)
    for value in QUERY_VALUES:
        with isolated():
            response = client.get(url, {param: value})
            body = assert_contract_answer(response, allowed_4xx={400: {"VALIDATION_ERROR", "INVALID_ROLE"}})
            if response.status_code == 200:
                if "limit" in op.query:  # a list (the seller dashboard's ``days`` is a query, not a list)
                    assert_valid_list(body)
            elif (op.key, param) in INVALID_ROLE_PARAMS:
                assert body["error"]["code"] == "INVALID_ROLE", value
            else:
                assert body["error"]["code"] == "VALIDATION_ERROR"
                assert list(body["error"]["details"]) == [param], (value, body)


@pytest.mark.parametrize(("op", "param"), LIST_PARAMS, ids=[f"{op.key}?{p}" for op, p in LIST_PARAMS])
def test_repeated_query_parameter(world, op, param):
    """``?p=a&p=b``: an array where a scalar is expected is never a 5xx."""
    client, url = client_for(world, op), world.url(op)
    for pair in (["a", "b"], ["1", "' OR 1=1 --"], ["true", "\x00"]):
        with isolated():
            assert_contract_answer(
                client.get(url, {param: pair}), allowed_4xx={400: {"VALIDATION_ERROR", "INVALID_ROLE"}}
            )


@pytest.mark.parametrize(
    ("limit", "offset", "details"),
    [
        ("0", None, {"limit": "Must be an integer between 1 and 1000"}),
        ("-5", None, {"limit": "Must be an integer between 1 and 1000"}),
        ("1001", None, {"limit": "Must be an integer between 1 and 1000"}),
        (str(2**63), None, {"limit": "Must be an integer between 1 and 1000"}),
        ("9" * 5000, None, {"limit": "Must be an integer between 1 and 1000"}),
        (None, "-1", {"offset": "Must be a non-negative integer"}),
        (None, "1.0", {"offset": "Must be a non-negative integer"}),
        ("1e2", "x", {"limit": "Must be an integer between 1 and 1000", "offset": "Must be a non-negative integer"}),
    ],
)
def test_bad_paging_is_a_400_on_every_list(world, limit, offset, details):
    params = {k: v for k, v in (("limit", limit), ("offset", offset)) if v is not None}
    for op in (op for op in OPERATIONS if "limit" in op.query):
        with isolated():
            assert_validation(client_for(world, op).get(world.url(op), params), details)


@pytest.mark.parametrize("offset", [str(2**31), str(2**63), str(10**100)])
def test_huge_offset_is_an_empty_page(world, offset):
    for op in (op for op in OPERATIONS if "limit" in op.query):
        with isolated():
            body = assert_contract_answer(client_for(world, op).get(world.url(op), {"offset": offset}))
            assert body["data"] == [], op.key
            assert body["meta"]["offset"] == int(offset)


# -- body fields ------------------------------------------------------------------------------
def base_body(world, op: Operation) -> dict | None:
    """A body that succeeds (or reaches its business rule) for ``op``'s caller."""
    user = world.users[RoleName.ADMIN]
    profile = {
        "firstName": "Neo", "lastName": "Anderson", "dob": "1990-02-03", "gender": "male",
        "username": "neo_1", "phoneNumber": "+85599999999",
    }  # fmt: skip
    branch = {
        "name": "North", "address": "1 Road", "city": "Phnom Penh", "country": "KH",
        "phoneNumber": "+85512345678", "email": "north@example.com", "managerName": "Dara",
    }  # fmt: skip
    item = {
        "name": "Mouse", "description": "Wireless", "categoryId": str(world.category.pk),
        "unitOfMeasure": "piece", "unitPrice": "9.99", "reorderLevel": 1, "reorderQuantity": 2,
        "barcode": "222", "imageUrl": "https://example.com/m.png",
    }  # fmt: skip
    bodies = {
        "POST /api/v1/auth/register": {
            "firstName": "Eve",
            "lastName": "Hacker",
            "email": "eve@example.com",
            "password": DEFAULT_PASSWORD,
            "role": "seller",
            "username": "eve_h",
            "phoneNumber": "+85512345678",
            "dob": "1990-01-01",
            "gender": "female",
        },
        "POST /api/v1/auth/login": {"identifier": user.credentials.username, "password": DEFAULT_PASSWORD},
        "POST /api/v1/auth/verify-otp": {"identifier": user.credentials.username, "otp": "123456"},
        "POST /api/v1/auth/resend-otp": {"identifier": user.credentials.username},
        "POST /api/v1/auth/forgot-password": {"email": user.credentials.email},
        "POST /api/v1/auth/reset-password": {"token": "t" * 43, "newPassword": "N3w!Secret-Pass"},
        "POST /api/v1/auth/refresh-token": {"refreshToken": "not-a-token"},
        "PUT /api/v1/admin/auth/profile": profile,
        "PUT /api/v1/seller/auth/profile": profile,
        "PUT /api/v1/customer/auth/profile": profile,
        "PUT /api/v1/admin/auth/users/{id}/status": {"isActive": False},
        "POST /api/v1/inventory/branches": {**branch, "code": "BR-N"},
        "PUT /api/v1/inventory/branches/{id}": {**branch, "isActive": True},
        "POST /api/v1/inventory/categories": {
            "name": "Audio",
            "description": "Sound",
            "parentCategoryId": str(world.category.pk),
        },
        "PUT /api/v1/inventory/categories/{id}": {"name": "Gadgets", "description": "All", "isActive": True},
        "POST /api/v1/inventory/items": {**item, "sku": "NEW-1"},
        "PUT /api/v1/inventory/items/{id}": {**item, "isActive": True},
        "POST /api/v1/inventory/movements": {
            "inventoryItemId": str(world.item.pk),
            "movementType": "TRANSFER",
            "quantity": 1,
            "fromBranchId": str(world.branch.pk),
            "toBranchId": str(world.other_branch.pk),
            "unitPrice": "1.00",
            "referenceNumber": "REF-9",
            "notes": "restock",
        },
        "POST /api/v1/inventory/reservations": {
            "inventoryItemId": str(world.item.pk),
            "branchId": str(world.branch.pk),
            "quantity": 1,
            "referenceNumber": "R-9",
            "ttlSeconds": 60,
        },
        "POST /api/v1/inventory/transfers": {
            "fromBranchId": str(world.branch.pk),
            "toBranchId": str(world.other_branch.pk),
            "lines": [{"inventoryItemId": str(world.item.pk), "quantity": 1}],
            "referenceNumber": "TR-9",
            "notes": "restock",
        },
        "POST /api/v1/inventory/transfers/{id}/receive": {
            "lines": [{"inventoryItemId": str(world.transfer.lines.get().inventory_item_id), "receivedQuantity": 1}]
        },
        "POST /api/v1/orders": {
            "branchId": str(world.branch.pk),
            "lines": [{"inventoryItemId": str(world.item.pk), "quantity": 1}],
            "notes": "Gift wrap",
        },
        "POST /api/v1/orders/{id}/fulfil": {
            "pickupCode": world.order.pickup_code,
            "lines": [{"inventoryItemId": str(world.order.lines.get().inventory_item_id), "quantity": 1}],
        },
        "POST /api/v1/orders/{id}/cancel": {"reason": "STAFF"},
    }
    return bodies.get(op.key)


SUCCEEDS = {  # base bodies that succeed, so every mutation reaches the database
    "POST /api/v1/auth/register", "POST /api/v1/auth/login", "POST /api/v1/auth/resend-otp",
    "POST /api/v1/auth/forgot-password", "PUT /api/v1/admin/auth/profile", "PUT /api/v1/seller/auth/profile",
    "PUT /api/v1/customer/auth/profile", "PUT /api/v1/admin/auth/users/{id}/status",
    "POST /api/v1/inventory/branches", "PUT /api/v1/inventory/branches/{id}", "POST /api/v1/inventory/categories",
    "PUT /api/v1/inventory/categories/{id}", "POST /api/v1/inventory/items", "PUT /api/v1/inventory/items/{id}",
    "POST /api/v1/inventory/movements", "POST /api/v1/inventory/reservations", "POST /api/v1/inventory/transfers",
    "POST /api/v1/inventory/transfers/{id}/receive", "POST /api/v1/orders", "POST /api/v1/orders/{id}/cancel",
}  # fmt: skip
BODY_OPS = [op for op in OPERATIONS if op.body]
MONEY = {"unitPrice"}  # a string in the schema (money), numeric on input
BODY_FIELDS = [(op, name, "integer" if name in MONEY else kind) for op in BODY_OPS for name, kind in op.body]
LEGIT_WRITES_ON_4XX = {"INVALID_OTP"}  # a wrong OTP counts an attempt (docs/api.md §6.3)
NOT_ECHOED = {"password", "newPassword", "token", "refreshToken", "identifier", "otp", "role"}


def test_every_body_operation_has_a_base_body(world):
    assert {op.key for op in BODY_OPS} == {op.key for op in OPERATIONS if base_body(world, op) is not None}
    assert len(BODY_FIELDS) >= 90


@pytest.mark.parametrize("op", BODY_OPS, ids=[op.key for op in BODY_OPS])
def test_base_body_control(world, op):
    with isolated():
        response = send(client_for(world, op), op.method, world.url(op), base_body(world, op))
        assert_contract_answer(response)
        if op.key in SUCCEEDS:
            assert response.status_code in (200, 201), response.content


@pytest.mark.parametrize(("op", "field", "kind"), BODY_FIELDS, ids=[f"{op.key}:{f}" for op, f, _ in BODY_FIELDS])
def test_hostile_body_values(world, op, field, kind):
    client, url, body = client_for(world, op), world.url(op), base_body(world, op)
    before = db_fingerprint()
    for value in BODY_VALUES.get(kind, BODY_VALUES["other"]):
        with isolated():
            response = send(client, op.method, url, {**body, field: value})
            answer = assert_contract_answer(response)
            if response.status_code >= 400:
                if answer["error"]["code"] not in LEGIT_WRITES_ON_4XX:
                    assert db_fingerprint() == before, (field, value, answer)
                continue
            data = answer["data"] or {}
            data = data.get("user", data)
            if kind == "string" and isinstance(value, str) and field in data and field not in NOT_ECHOED:
                assert data[field] == value, (field, value)  # stored as sent, metacharacters included


# -- path parameters --------------------------------------------------------------------------
PATH_OPS = [op for op in OPERATIONS if "{" in op.path]
PATH_VALUES = [
    NEAR_UUID,
    "' OR 1=1 --",
    "%00",
    "a\x00b",
    "..",
    TEN_KB,
    "\u202e😀",
    "1" * 40,
    "00000000-0000-0000-0000-00000000000g",
]


PATH_CASES = [(op, name) for op in PATH_OPS for name in re.findall(r"\{(\w+)\}", op.path)]


@pytest.mark.parametrize(("op", "placeholder"), PATH_CASES, ids=[f"{op.key}:{name}" for op, name in PATH_CASES])
def test_hostile_path_values(world, op, placeholder):
    """Each path parameter in turn gets the hostile value; the others are real ids."""
    from urllib.parse import quote

    client = client_for(world, op)
    for value in PATH_VALUES:
        url = op.path.format(**{**world.path_ids(op.path), placeholder: quote(value, safe="")})
        with isolated():
            response = send(client, op.method, url, {} if op.method in ("POST", "PUT") else None)
            answer = assert_contract_answer(response, allowed_4xx={400: {"BAD_REQUEST"}, 404: {"NOT_FOUND"}})
            if value != "..":
                assert answer["message"] == f"Invalid UUID: {value}"


# -- headers ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path", ["/api/v1/inventory/movements", "/api/v1/inventory/reservations", "/api/v1/inventory/transfers"]
)
def test_hostile_idempotency_keys(world, path):
    op = next(op for op in OPERATIONS if op.key == f"POST {path}")
    before = db_fingerprint()
    for key in ["a\x00b", "x" * 256, "\u202e😀", "a\r\nSet-Cookie: x=1", "\t"]:
        with isolated():
            response = send(
                world.clients[RoleName.SELLER], "POST", path, base_body(world, op), HTTP_IDEMPOTENCY_KEY=key
            )
            assert_validation(response, {"Idempotency-Key": "Must be 1-255 printable ASCII characters"})
            assert db_fingerprint() == before
    for key in ["' OR 1=1 --", '"; DROP TABLE x; --', "%_\\"]:
        with isolated():
            first = send(world.clients[RoleName.SELLER], "POST", path, base_body(world, op), HTTP_IDEMPOTENCY_KEY=key)
            again = send(world.clients[RoleName.SELLER], "POST", path, base_body(world, op), HTTP_IDEMPOTENCY_KEY=key)
            assert first.status_code == again.status_code == 201, first.content
            assert again["Idempotent-Replayed"] == "true"
            assert first.json()["data"]["id"] == again.json()["data"]["id"]
