"""docs/api.md §35 (§3 input): a JSON string holding an unpaired surrogate (``"\\ud800"``), anywhere
in a body, is a 400 ``VALIDATION_ERROR`` ``Invalid value`` for the field that holds it, on every
route; never a 5xx. Before the fix login and register answered 500 (django-ratelimit and bcrypt
encode the string as UTF-8)."""

from __future__ import annotations

import json

import pytest

from auth_app.models import RoleName
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.helpers import assert_validation
from tests.security.conftest import assert_contract_answer, isolated, world  # noqa: F401 - world is a fixture
from tests.security.test_injection import BODY_OPS, base_body, client_for

pytestmark = pytest.mark.django_db
LONE = "\ud800"


def send_json(client, method: str, url: str, body) -> object:
    # json.dumps escapes the surrogate as \ud800 (ensure_ascii), which is how a client sends one
    return client.generic(method, url, json.dumps(body), content_type="application/json")


def test_login_and_register_answer_400(client):
    make_user(RoleName.SELLER, email="lone@example.com")
    cases = [
        ("/api/v1/auth/login", {"identifier": "lone@example.com", "password": f"x{LONE}"}, "password"),
        ("/api/v1/auth/login", {"identifier": f"lone{LONE}@example.com", "password": DEFAULT_PASSWORD}, "identifier"),
        ("/api/v1/auth/register", {"email": "new@example.com", "password": f"Aa1!{LONE}xxxxx"}, "password"),
        ("/api/v1/auth/forgot-password", {"email": f"{LONE}@example.com"}, "email"),
    ]
    for url, body, field in cases:
        response = send_json(client, "POST", url, body)
        assert_validation(response, {field: "Invalid value"})


@pytest.mark.parametrize("op", BODY_OPS, ids=[op.key for op in BODY_OPS])
def test_every_body_field_of_every_route(world, op):  # noqa: F811 - the fixture imported above
    client, url, body = client_for(world, op), world.url(op), base_body(world, op)
    for field, _kind in op.body:
        with isolated():
            response = send_json(client, op.method, url, {**body, field: f"a{LONE}b"})
            assert_contract_answer(response)
            assert_validation(response, {field: "Invalid value"})


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({"lines": [{"quantity": 1}, {"inventoryItemId": LONE}]}, {"lines[1].inventoryItemId": "Invalid value"}),
        ({"lines": [1, [2, {"deep": ["ok", LONE]}]]}, {"lines[1][1].deep[1]": "Invalid value"}),
        ({"notes": {"nested": {"k": LONE}}}, {"notes.nested.k": "Invalid value"}),
        ({f"key{LONE}": "value"}, {"key\ufffd": "Invalid value"}),  # the key itself: echoed without the surrogate
        ({"lines": [{f"{LONE}": 1}]}, {"lines[0].\ufffd": "Invalid value"}),
        ({"fromBranchId": f"\udc00{LONE}"}, {"fromBranchId": "Invalid value"}),  # low then high: two unpaired
    ],
)  # fmt: skip
def test_nested_values_and_keys_are_named_by_their_path(admin_client, body, details):
    response = send_json(admin_client, "POST", "/api/v1/inventory/transfers", body)
    assert_validation(response, details)


def test_a_surrogate_pair_is_one_character_and_accepted(client):
    make_user(RoleName.SELLER, email="pair@example.com", password="Pair-\U0001f600-pass1")
    raw = '{"identifier": "pair@example.com", "password": "Pair-\\ud83d\\ude00-pass1"}'
    response = client.generic("POST", "/api/v1/auth/login", raw, content_type="application/json")
    assert response.status_code == 200, response.content
