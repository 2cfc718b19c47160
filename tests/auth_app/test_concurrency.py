"""Races against the real database, each thread on its own connection (docs/api.md §6.1, §6.8, §6.10)."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client

from auth_app.models import RefreshToken, RoleName, User
from auth_app.services.sessions import tokens_issue
from auth_app.tokens import sha256_hex
from tests.auth_app.conftest import register_body
from tests.conftest import bearer_client
from tests.factories import make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]
THREADS = 10


def in_parallel(calls) -> list:
    """Run the callables at the same moment, each in its own thread with its own connection."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            barrier.wait(timeout=10)
            return call()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def json_post(url, body):
    return lambda: Client().post(url, body, content_type="application/json")


def test_ten_parallel_refreshes_of_one_token_exactly_one_wins():
    user = make_user(RoleName.CUSTOMER)
    refresh = tokens_issue(user=user)["refresh_token"]
    responses = in_parallel([json_post("/api/v1/auth/refresh-token", {"refreshToken": refresh})] * THREADS)
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 1, 401: THREADS - 1}
    losers = [r.json() for r in responses if r.status_code == 401]
    assert {body["error"]["code"] for body in losers} == {"INVALID_REFRESH_TOKEN"}
    assert {body["message"] for body in losers} == {"Refresh token has been revoked"}
    # the losers count as reuse: every refresh token of the user is revoked, and that is committed
    assert RefreshToken.objects.filter(user=user).count() == 2
    assert not RefreshToken.objects.filter(user=user, is_revoked=False).exists()


def test_reuse_revocation_is_committed_although_the_answer_is_401():
    user = make_user(RoleName.CUSTOMER)
    first = tokens_issue(user=user)["refresh_token"]
    other = tokens_issue(user=user)["refresh_token"]
    client = Client()
    rotated = client.post("/api/v1/auth/refresh-token", {"refreshToken": first}, content_type="application/json")
    assert rotated.status_code == 200
    reuse = client.post("/api/v1/auth/refresh-token", {"refreshToken": first}, content_type="application/json")
    assert reuse.status_code == 401
    connection.close()  # a fresh connection sees only committed rows
    # the reused token's session ended (its rotated token revoked); the other session lives (§35)
    assert list(RefreshToken.objects.filter(user=user, is_revoked=False).values_list("token", flat=True)) == [
        sha256_hex(other)
    ]
    token = rotated.json()["data"]["refreshToken"]
    again = client.post("/api/v1/auth/refresh-token", {"refreshToken": token}, content_type="application/json")
    assert again.json()["message"] == "Refresh token has been revoked"


def test_concurrent_registrations_with_one_email():
    calls = [
        json_post("/api/v1/auth/register", register_body(email="Same@Example.com" if n % 2 else "same@example.com",
                                                          username=f"user_{n}", phoneNumber=f"+1555000{n:02d}"))
        for n in range(THREADS)
    ]  # fmt: skip
    responses = in_parallel(calls)
    assert Counter(r.status_code for r in responses) == {201: 1, 409: THREADS - 1}
    for response in responses:
        if response.status_code == 409:
            assert response.json()["error"] == {
                "code": "USER_ALREADY_EXISTS",
                "message": "Email already registered",
                "details": None,
            }
    assert User.objects.count() == 1


def test_concurrent_registrations_with_one_username():
    calls = [
        json_post("/api/v1/auth/register", register_body(email=f"u{n}@example.com", username="contested",
                                                          phoneNumber=f"+1555100{n:02d}"))
        for n in range(THREADS)
    ]  # fmt: skip
    responses = in_parallel(calls)
    assert Counter(r.status_code for r in responses) == {201: 1, 409: THREADS - 1}
    assert {r.json()["message"] for r in responses if r.status_code == 409} == {"Username already taken"}


def test_two_admins_deactivating_each_other_leave_one_active():
    admins = [make_user(RoleName.ADMIN) for _ in range(2)]
    clients = [bearer_client(a) for a in admins]
    calls = [
        lambda c=clients[0], t=admins[1]: c.put(f"/api/v1/admin/auth/users/{t.pk}/status", {"isActive": False},
                                                content_type="application/json"),
        lambda c=clients[1], t=admins[0]: c.put(f"/api/v1/admin/auth/users/{t.pk}/status", {"isActive": False},
                                                content_type="application/json"),
    ]  # fmt: skip
    responses = in_parallel(calls)
    statuses = sorted(r.status_code for r in responses)
    # either one wins and the other gets 409 (or 401: its own account was deactivated first)
    assert statuses[0] == 200
    assert statuses[1] in {401, 409}
    assert User.objects.filter(role__name=RoleName.ADMIN, is_active=True).count() == 1


def test_three_admins_deleting_every_admin_at_once_keep_one():
    admins = [make_user(RoleName.ADMIN) for _ in range(3)]
    clients = [bearer_client(a) for a in admins]
    calls = [lambda c=clients[i], t=admins[(i + 1) % 3]: c.delete(f"/api/v1/admin/auth/users/{t.pk}") for i in range(3)]
    responses = in_parallel(calls)
    assert all(r.status_code in {200, 401, 409} for r in responses)
    assert User.objects.filter(role__name=RoleName.ADMIN, is_active=True).count() >= 1
