"""The amendments of docs/api.md §25 that close findings 7 and 9: every revocation refuses the access
tokens issued before it (a sign-in after it works), and auth responses are never cached. Only names
that existed before sessions are imported, so these tests run against the code before the fix too."""

from __future__ import annotations

import pytest

from auth_app.models import RoleName, User
from auth_app.tokens import issue_access_token
from tests.auth_app.conftest import STRONG_PASSWORD, bearer, post, profile, reset_token_from_outbox
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.helpers import assert_error, assert_ok, assert_unauthorized

pytestmark = pytest.mark.django_db


def sign_in(client, email: str) -> dict:
    response = post(client, "/api/v1/auth/login", {"identifier": email, "password": DEFAULT_PASSWORD})
    return assert_ok(response, 200, "Login successful")


def test_password_reset_refuses_earlier_access_tokens(client, committed):
    """Finding 7: an access token survived a password reset."""
    user = make_user(RoleName.SELLER, email="reset-me@example.com")
    before = sign_in(client, "reset-me@example.com")
    with committed():
        post(client, "/api/v1/auth/forgot-password", {"email": "reset-me@example.com"})
    reset = post(
        client, "/api/v1/auth/reset-password", {"token": reset_token_from_outbox(), "newPassword": STRONG_PASSWORD}
    )
    assert reset.status_code == 200
    assert_unauthorized(profile(client, "seller", before["accessToken"]))
    after = post(client, "/api/v1/auth/login", {"identifier": "reset-me@example.com", "password": STRONG_PASSWORD})
    assert profile(client, "seller", after.json()["data"]["accessToken"]).status_code == 200  # same second too
    assert User.objects.get(pk=user.pk).sessions_revoked_at is not None


def test_deactivation_then_reactivation_does_not_revive_tokens(client, admin_client):
    """Finding 7: a deactivated user's access token worked again after reactivation."""
    user = make_user(RoleName.CUSTOMER, email="paused@example.com")
    before = sign_in(client, "paused@example.com")
    legacy = str(issue_access_token(user))  # a token without sid, minted "before sessions existed"
    for active in (False, True):
        status = admin_client.put(
            f"/api/v1/admin/auth/users/{user.pk}/status", {"isActive": active}, content_type="application/json"
        )
        assert status.status_code == 200
    assert_unauthorized(profile(client, "customer", before["accessToken"]))
    assert_unauthorized(profile(client, "customer", legacy))
    assert_error(
        post(client, "/api/v1/auth/refresh-token", {"refreshToken": before["refreshToken"]}),
        401,
        "INVALID_REFRESH_TOKEN",
        "Refresh token has been revoked",
    )
    after = sign_in(client, "paused@example.com")
    assert profile(client, "customer", after["accessToken"]).status_code == 200


# -- Cache-Control: no-store on every auth response ---------------------------------------------
def test_auth_responses_are_never_cached(client, member, group, settings):
    """Finding 9: token and profile responses had no Cache-Control."""
    tokens = sign_in(client, member.credentials.email)
    answers = [
        post(client, "/api/v1/auth/login", {"identifier": member.credentials.email, "password": DEFAULT_PASSWORD}),
        post(client, "/api/v1/auth/login", {"identifier": "nobody@example.com", "password": "x"}),
        post(client, "/api/v1/auth/refresh-token", {"refreshToken": tokens["refreshToken"]}),
        post(client, "/api/v1/auth/register", {}),
        profile(client, group, tokens["accessToken"]),
        profile(client, group, "garbage"),
        client.get(f"/api/v1/{group}/auth/sessions", **bearer(tokens["accessToken"])),
        client.get("/api/v1/admin/auth/users", **bearer(tokens["accessToken"])),
    ]
    for response in answers:
        assert response["Cache-Control"] == "no-store", (response.status_code, response.content[:200])
    settings.RATE_LIMIT_AUTH_PER_MINUTE = 0
    limited = post(client, "/api/v1/auth/login", {}, REMOTE_ADDR="198.51.100.77")
    assert limited.status_code == 429
    assert limited["Cache-Control"] == "no-store"
    assert "Cache-Control" not in client.get("/health")
