"""Bearer tokens beyond tests/auth_app/test_tokens.py (which covers alg none, HS512, wrong key,
wrong/missing iss and aud, expired, refresh type, unknown/deleted/deactivated users, blacklist):
``none`` spellings, stripped and spliced signatures, claims of the wrong JSON type, hostile text in
claims signed with the real key, and oversized or non-ASCII headers. All are 401 on routes of
every group, and none may reach a 500."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest
from django.conf import settings

from auth_app.models import RoleName
from tests.factories import access_claims as claims
from tests.helpers import assert_unauthorized
from tests.security.conftest import db_fingerprint, isolated, send

ROUTES = [
    ("GET", "/api/v1/admin/auth/profile"),
    ("GET", "/api/v1/seller/auth/dashboard"),
    ("GET", "/api/v1/customer/auth/bookings"),
    ("GET", "/api/v1/inventory/items"),
    ("POST", "/api/v1/inventory/branches"),
    ("POST", "/api/v1/admin/auth/logout"),
]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed(payload: dict, **headers) -> str:
    return jwt.encode(payload, settings.JWT_SECRET, algorithm="HS256", headers=headers or None)


def unsigned(payload: dict, alg: str) -> str:
    header = b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    return f"{header}.{b64(json.dumps(payload).encode())}."


def hostile(admin, other) -> dict[str, str]:
    good = signed(claims(admin))
    head, payload, signature = good.split(".")
    other_signature = signed(claims(other)).split(".")[2]
    escalated = b64(json.dumps(claims(other, role="admin")).encode())
    now = int(time.time())
    return {
        **{f"alg {alg}": unsigned(claims(admin), alg) for alg in ("none", "None", "NONE", "nOnE", "")},
        "stripped signature": f"{head}.{payload}.",
        "no signature segment": f"{head}.{payload}",
        "spliced signature": f"{head}.{payload}.{other_signature}",
        "payload swapped under a valid signature": f"{head}.{escalated}.{signature}",
        "exp equals now (no leeway)": signed(claims(admin, iat=now - 900, exp=now)),
        "exp as a string": signed(claims(admin, exp=str(now + 900))),
        "aud of another service": signed(claims(admin, aud="http://0.0.0.0:8080/api/other")),
        "iss with a trailing space": signed(claims(admin, iss=settings.JWT_ISSUER + " ")),
        "type ACCESS": signed(claims(admin, type="ACCESS")),
        "user id with NUL": signed(claims(admin, user_id=f"{admin.pk}\x00")),
        "user id as SQL": signed(claims(admin, user_id="' OR 1=1 --")),
        "user id as a list": signed(claims(admin, user_id=[str(admin.pk)])),
        "jti with NUL": signed(claims(admin, jti="a\x00b")),
        "jti as an object": signed(claims(admin, jti={"$ne": ""})),
        "kid path traversal, wrong key": jwt.encode(
            claims(admin), "wrong-secret-" * 4, algorithm="HS256", headers={"kid": "../../dev/null"}
        ),
        "10 kB token": "a" * 10240,
        "non-base64 segments": "@@@.###.$$$",
    }


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_hostile_bearer_tokens_are_401(world, method, path):
    admin, other = world.users[RoleName.ADMIN], world.users[RoleName.CUSTOMER]
    before = db_fingerprint()
    client = world.clients[RoleName.ADMIN].__class__()
    answers = {}
    for name, token in hostile(admin, other).items():
        with isolated():
            auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
            response = send(client, method, path, {} if method == "POST" else None, **auth)
            answers[name] = response.status_code
            if response.status_code == 401:
                assert_unauthorized(response)
    assert {name: status for name, status in answers.items() if status != 401} == {}
    assert db_fingerprint() == before


@pytest.mark.parametrize(
    "header",
    [
        "Bearer \u00e9t\u00e9",
        "Bearer a\x00b",
        "Bearer\ttoken",
        "Bearer " + "x" * 20000,
        "Bearer null",
        "Bearer undefined",
    ],
)
def test_hostile_authorization_headers_are_401(world, header):
    client = world.clients[RoleName.ADMIN].__class__()
    assert_unauthorized(client.get("/api/v1/inventory/items", HTTP_AUTHORIZATION=header))


def test_control_a_signed_token_with_the_right_claims_works(world):
    """The forging helpers make tokens the service accepts, so the cases above test the claim."""
    client = world.clients[RoleName.ADMIN].__class__()
    token = signed(claims(world.users[RoleName.ADMIN]))
    assert client.get("/api/v1/admin/auth/profile", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


@pytest.mark.parametrize("exp", ["9999999999", None, [1], {"t": 1}, 10**30, 1.5e308])
def test_refresh_token_with_a_malformed_exp_is_401(world, exp):
    """Regression: simplejwt crashed (500) on an ``exp`` of the wrong JSON type."""
    admin = world.users[RoleName.ADMIN]
    refresh = {k: v for k, v in claims(admin, type="refresh", exp=exp).items() if k != "role"}
    client = world.clients[RoleName.ADMIN].__class__()
    response = send(client, "POST", "/api/v1/auth/refresh-token", {"refreshToken": signed(refresh)})
    assert response.status_code == 401, response.content
    assert response.json()["error"]["code"] == "INVALID_REFRESH_TOKEN"


@pytest.mark.parametrize("exp", ["9999999999", [1], {"t": 1}, 10**30])
def test_bearer_token_with_a_malformed_exp_is_401(world, exp):
    """Regression: the same crash on every bearer route."""
    client = world.clients[RoleName.ADMIN].__class__()
    token = signed(claims(world.users[RoleName.ADMIN], exp=exp))
    assert_unauthorized(client.get("/api/v1/admin/auth/profile", HTTP_AUTHORIZATION=f"Bearer {token}"))
