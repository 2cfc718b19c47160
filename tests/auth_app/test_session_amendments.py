"""docs/api.md §35, sessions: logout ends the caller's session only, and refresh-token reuse ends
the token's own session (its family), not every session of the user. Tried as a user would, with
two signed-in devices over HTTP."""

from __future__ import annotations

import jwt
import pytest

from auth_app.models import RefreshToken, RoleName, Session, User
from auth_app.services.sessions import _epoch
from auth_app.tokens import RefreshJWT, issue_access_token, sha256_hex
from tests.auth_app.conftest import bearer, post, profile
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.helpers import assert_error, assert_ok, assert_unauthorized

pytestmark = pytest.mark.django_db
REFRESH = "/api/v1/auth/refresh-token"
REVOKED = ("INVALID_REFRESH_TOKEN", "Refresh token has been revoked")


def sign_in(client, email: str) -> dict:
    response = post(client, "/api/v1/auth/login", {"identifier": email, "password": DEFAULT_PASSWORD})
    return assert_ok(response, 200, "Login successful")


def sid(tokens: dict) -> str:
    return jwt.decode(tokens["accessToken"], options={"verify_signature": False})["sid"]


def refresh(client, tokens: dict):
    return post(client, REFRESH, {"refreshToken": tokens["refreshToken"]})


def live(user) -> set[str]:
    return {str(pk) for pk in Session.objects.filter(user=user, ended_at__isnull=True).values_list("pk", flat=True)}


@pytest.fixture
def two_devices(client, group, member):
    return sign_in(client, member.credentials.email), sign_in(client, member.credentials.email)


# -- logout ------------------------------------------------------------------------------------
def test_logout_ends_the_callers_session_only(client, group, member, two_devices):
    phone, laptop = two_devices
    response = client.post(f"/api/v1/{group}/auth/logout", **bearer(phone["accessToken"]))
    assert assert_ok(response, 200, "Logout successful") == {"message": "Logged out successfully"}
    assert_unauthorized(profile(client, group, phone["accessToken"]))
    assert_error(refresh(client, phone), 401, *REVOKED)
    # the other device keeps working: its access token, and its refresh token
    assert profile(client, group, laptop["accessToken"]).status_code == 200
    renewed = assert_ok(refresh(client, laptop), 200, "Token refreshed successfully")
    assert profile(client, group, renewed["accessToken"]).status_code == 200
    assert live(member) == {sid(laptop)}
    assert User.objects.get(pk=member.pk).sessions_revoked_at is None


def test_logout_refuses_every_access_token_of_that_session(client, group, member, two_devices):
    phone, laptop = two_devices
    rotated = assert_ok(refresh(client, phone), 200, "Token refreshed successfully")  # same sid, new tokens
    assert profile(client, group, phone["accessToken"]).status_code == 200
    assert client.post(f"/api/v1/{group}/auth/logout", **bearer(rotated["accessToken"])).status_code == 200
    assert_unauthorized(profile(client, group, phone["accessToken"]))  # an older token of the session too
    assert_error(refresh(client, rotated), 401, *REVOKED)
    assert profile(client, group, laptop["accessToken"]).status_code == 200


def test_logout_with_a_token_without_sid_ends_every_session(client, group, member, two_devices):
    legacy = str(issue_access_token(member))  # minted "before sessions existed"
    assert client.post(f"/api/v1/{group}/auth/logout", **bearer(legacy)).status_code == 200
    for device in two_devices:
        assert_unauthorized(profile(client, group, device["accessToken"]))
        assert_error(refresh(client, device), 401, *REVOKED)
    assert live(member) == set()


# -- refresh-token reuse -----------------------------------------------------------------------
def test_refreshing_a_session_ended_elsewhere_ends_nothing_else(client, group, member, two_devices):
    """The issue's reproduction: DELETE the other device's session, then that device refreshes its
    token. Before §35 this was reuse and ended the caller's session too."""
    mine, other = two_devices
    ended = client.delete(f"/api/v1/{group}/auth/sessions/{sid(other)}", **bearer(mine["accessToken"]))
    assert assert_ok(ended, 200, "Session ended") is None
    assert_error(refresh(client, other), 401, *REVOKED)
    assert profile(client, group, mine["accessToken"]).status_code == 200
    assert assert_ok(refresh(client, mine), 200, "Token refreshed successfully")
    assert live(member) == {sid(mine)}


@pytest.mark.parametrize("how", ["logout", "revoke-others", "expiry"])
def test_the_refresh_token_of_an_ended_session_changes_nothing(client, group, member, two_devices, how, settings):
    mine, other = two_devices
    if how == "logout":
        assert client.post(f"/api/v1/{group}/auth/logout", **bearer(other["accessToken"])).status_code == 200
    elif how == "revoke-others":
        revoked = client.post(f"/api/v1/{group}/auth/sessions/revoke-others", **bearer(mine["accessToken"]))
        assert assert_ok(revoked, 200, "Other sessions ended") == {"ended": 1}
    else:  # the other session's refresh token expired: it is no longer live (§30) but was never revoked
        Session.objects.filter(pk=sid(other)).update(last_used_at=_epoch(1))
        RefreshToken.objects.filter(token=sha256_hex(other["refreshToken"])).update(is_revoked=True)
    tokens_before = set(RefreshToken.objects.filter(user=member).values_list("pk", "is_revoked"))
    assert_error(refresh(client, other), 401, *REVOKED)
    assert set(RefreshToken.objects.filter(user=member).values_list("pk", "is_revoked")) == tokens_before
    assert profile(client, group, mine["accessToken"]).status_code == 200
    assert refresh(client, mine).status_code == 200


def test_reuse_ends_the_tokens_own_session_only(client, group, member, two_devices):
    stolen, other = two_devices
    rotated = assert_ok(refresh(client, stolen), 200, "Token refreshed successfully")
    assert_error(refresh(client, stolen), 401, *REVOKED)  # the old token again: theft of this family
    assert_unauthorized(profile(client, group, rotated["accessToken"]))
    assert_error(refresh(client, rotated), 401, *REVOKED)
    assert profile(client, group, other["accessToken"]).status_code == 200
    assert refresh(client, other).status_code == 200
    assert live(member) == {sid(other)}


def test_reuse_of_a_refresh_token_without_session_revokes_every_refresh_token(client):
    user = make_user(RoleName.CUSTOMER, email="legacy-refresh@example.com")
    device = sign_in(client, "legacy-refresh@example.com")
    legacy = RefreshJWT()
    legacy["user_id"] = str(user.pk)
    RefreshToken.objects.create(
        user=user, token=sha256_hex(str(legacy)), expires_at=_epoch(legacy["exp"]), is_revoked=True
    )
    assert_error(post(client, REFRESH, {"refreshToken": str(legacy)}), 401, *REVOKED)
    assert not RefreshToken.objects.filter(user=user, is_revoked=False).exists()
    assert_unauthorized(profile(client, "customer", device["accessToken"]))
