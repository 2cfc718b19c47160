"""Helpers for the auth API tests: JSON requests, the user DTO, the mail outbox (envelope assertions
are in ``tests.helpers``)."""

from __future__ import annotations

import json
import re

import pytest
from django.core import mail

from auth_app.models import RoleName
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.helpers import TIMESTAMP_RE

STRONG_PASSWORD = "N3w!Secret-Pass"
USER_DTO_KEYS = {
    "id", "firstName", "lastName", "email", "username", "phoneNumber", "role",
    "dob", "gender", "isActive", "isVerified", "createdAt",
}  # fmt: skip
OTP_LINE_RE = re.compile(r"^Your verification code is: (\d{6})$", re.MULTILINE)
RESET_LINE_RE = re.compile(r"^Reset token: ([A-Za-z0-9_-]+)$", re.MULTILINE)


# The three role groups of the auth routes (/api/v1/<group>/auth/...), for role-parametrised tests.
GROUPS = ["admin", "seller", "customer"]


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def profile(client, group: str, token: str):
    return client.get(f"/api/v1/{group}/auth/profile", **bearer(token))


@pytest.fixture(params=GROUPS)
def group(request) -> str:
    return request.param


@pytest.fixture
def member(group):
    return make_user(group, email=f"{group}-member@example.com")


def send(client, method: str, url: str, body=None, **extra):
    data = "" if body is None else json.dumps(body)
    return client.generic(method, url, data, content_type="application/json", **extra)


def post(client, url: str, body=None, **extra):
    return send(client, "POST", url, body, **extra)


def put(client, url: str, body=None, **extra):
    return send(client, "PUT", url, body, **extra)


def assert_user_dto(dto: dict, user=None, **expected):
    assert set(dto) == USER_DTO_KEYS
    assert TIMESTAMP_RE.match(dto["createdAt"]), dto["createdAt"]
    if user is not None:
        assert dto["id"] == str(user.pk)
    for key, value in expected.items():
        assert dto[key] == value, key


def otp_from_outbox(index: int = -1) -> str:
    message = mail.outbox[index]
    assert message.subject == "Your NatJoub verification code"
    codes = re.findall(r"(?<!\d)\d{6}(?!\d)", message.body)
    assert len(codes) == 1  # the code and no other 6-digit number
    match = OTP_LINE_RE.search(message.body)
    assert match is not None
    assert match[1] == codes[0]
    return codes[0]


def reset_token_from_outbox(index: int = -1) -> str:
    message = mail.outbox[index]
    assert message.subject == "NatJoub password reset"
    match = RESET_LINE_RE.search(message.body)
    assert match is not None
    return match[1]


def register_body(**overrides) -> dict:
    body = {
        "firstName": "John",
        "lastName": "Doe",
        "email": "john@example.com",
        "password": STRONG_PASSWORD,
        "role": "seller",
        "username": "johndoe",
        "phoneNumber": "+1234567890",
        "dob": "1995-05-10",
        "gender": "male",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


@pytest.fixture(autouse=True)
def _empty_outbox():
    mail.outbox = []


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed(): ...`` runs the block's on-commit callbacks (e-mail, metrics) as a real
    commit would (the test's own transaction never commits)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def person(db):
    """A verified seller with e-mail, username and phone."""
    return make_user(
        RoleName.SELLER,
        email="Person@Example.com",
        username="person_1",
        phone_number="+85512345678",
        first_name="Pat",
        last_name="Person",
    )


__all__ = ["DEFAULT_PASSWORD"]
