"""Auth counters (docs/api.md §17.2), the auth rate-limit bucket (§19), bcrypt cost 12 (§4.4)."""

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher
from django.test import override_settings
from prometheus_client import REGISTRY

from auth_app.models import Credential, RoleName
from tests.auth_app.conftest import STRONG_PASSWORD, post, register_body, reset_token_from_outbox
from tests.factories import DEFAULT_PASSWORD, make_user

pytestmark = pytest.mark.django_db


def value(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_login_counter_by_outcome(client, committed):
    make_user(RoleName.SELLER, email="m@example.com")
    ok, failed = value("auth_login_attempts_total", success="true"), value("auth_login_attempts_total", success="false")
    with committed():
        post(client, "/api/v1/auth/login", {"identifier": "m@example.com", "password": DEFAULT_PASSWORD})
        post(client, "/api/v1/auth/login", {"identifier": "m@example.com", "password": "wrong"})
        post(client, "/api/v1/auth/login", {"identifier": "ghost", "password": "wrong"})
    assert value("auth_login_attempts_total", success="true") == ok + 1
    assert value("auth_login_attempts_total", success="false") == failed + 2


def test_registration_refresh_and_reset_counters(client, committed):
    before = {n: value(n) for n in ("auth_registration_total", "auth_token_refresh_total", "auth_password_reset_total")}
    with committed():
        data = post(client, "/api/v1/auth/register", register_body()).json()["data"]
        post(client, "/api/v1/auth/register", register_body())  # 409: not counted
        post(client, "/api/v1/auth/refresh-token", {"refreshToken": data["refreshToken"]})
        post(client, "/api/v1/auth/refresh-token", {"refreshToken": data["refreshToken"]})  # reuse: not counted
        post(client, "/api/v1/auth/forgot-password", {"email": "john@example.com"})
    token = reset_token_from_outbox()
    with committed():
        post(client, "/api/v1/auth/reset-password", {"token": token, "newPassword": STRONG_PASSWORD})
        post(client, "/api/v1/auth/reset-password", {"token": token, "newPassword": STRONG_PASSWORD})  # used
    assert value("auth_registration_total") == before["auth_registration_total"] + 1
    assert value("auth_token_refresh_total") == before["auth_token_refresh_total"] + 1
    assert value("auth_password_reset_total") == before["auth_password_reset_total"] + 1


def test_rolled_back_work_is_not_counted(client):
    """Without a commit (the test transaction never commits) the on-commit increments never run."""
    before = value("auth_registration_total")
    assert post(client, "/api/v1/auth/register", register_body()).status_code == 201
    assert value("auth_registration_total") == before


def test_metrics_endpoint_lists_the_auth_counters(client):
    text = client.get("/metrics").content.decode()
    for name in ("auth_login_attempts_total", "auth_registration_total", "auth_token_refresh_total",
                 "auth_password_reset_total"):  # fmt: skip
        assert f"# TYPE {name} counter" in text
    assert 'auth_login_attempts_total{success="true"}' in text
    assert 'auth_login_attempts_total{success="false"}' in text


@override_settings(RATE_LIMIT_ENABLED=True, RATE_LIMIT_AUTH_PER_MINUTE=5, RATE_LIMIT_API_PER_MINUTE=100)
def test_sixth_login_of_one_ip_is_429(client):
    make_user(RoleName.SELLER, email="rl@example.com")
    body = {"identifier": "rl@example.com", "password": DEFAULT_PASSWORD}
    statuses = [post(client, "/api/v1/auth/login", body, REMOTE_ADDR="10.77.0.1").status_code for _ in range(5)]
    assert statuses == [200] * 5
    limited = post(client, "/api/v1/auth/login", body, REMOTE_ADDR="10.77.0.1")
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "RATE_LIMIT_EXCEEDED"
    assert 1 <= int(limited["Retry-After"]) <= 60
    # another IP is not affected, and role routes are in the other bucket
    assert post(client, "/api/v1/auth/login", body, REMOTE_ADDR="10.77.0.2").status_code == 200


@override_settings(PASSWORD_HASHERS=["auth_app.hashers.BCryptSHA256Cost12PasswordHasher"])
def test_registration_hashes_with_bcrypt_cost_12(client):
    assert post(client, "/api/v1/auth/register", register_body()).status_code == 201
    stored = Credential.objects.get().password
    assert identify_hasher(stored).algorithm == "bcrypt_sha256"
    assert stored.split("$")[2:4] == ["2b", "12"]
    assert check_password(STRONG_PASSWORD, stored)
    login = post(client, "/api/v1/auth/login", {"identifier": "john@example.com", "password": STRONG_PASSWORD})
    assert login.status_code == 200
