"""Sessions (docs/api.md §30) and the revocations of §25 over HTTP: the session routes of each role,
``sid`` in the tokens, immediate refusal of an ended session's access tokens, and no-store."""

from __future__ import annotations

import uuid

import jwt
import pytest
from django.conf import settings

from auth_app.models import RefreshToken, RoleName, Session
from auth_app.services.sessions import tokens_issue
from auth_app.tokens import issue_access_token, sha256_hex
from tests.auth_app.conftest import bearer, post, profile
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.helpers import MISSING, TIMESTAMP_RE, assert_error, assert_ok, assert_unauthorized

pytestmark = pytest.mark.django_db
SESSION_KEYS = {"id", "userAgent", "ipAddress", "createdAt", "lastUsedAt", "current"}
NOT_FOUND = ("SESSION_NOT_FOUND", "Session not found")


def claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def sign_in(client, email: str, *, agent: str = "pytest", address: str = "192.0.2.10") -> dict:
    response = post(
        client,
        "/api/v1/auth/login",
        {"identifier": email, "password": DEFAULT_PASSWORD},
        HTTP_USER_AGENT=agent,
        REMOTE_ADDR=address,
    )
    return assert_ok(response, 200, "Login successful")


def test_login_starts_a_session_that_refresh_keeps(client, group, member):
    first = sign_in(client, member.credentials.email, agent="Firefox/140", address="2001:db8::7")
    sid = claims(first["accessToken"])["sid"]
    assert claims(first["refreshToken"])["sid"] == sid
    session = Session.objects.get(pk=sid)
    assert (session.user_id, session.user_agent, session.ip_address) == (member.pk, "Firefox/140", "2001:db8::7")
    refreshed = assert_ok(
        post(client, "/api/v1/auth/refresh-token", {"refreshToken": first["refreshToken"]}),
        200,
        "Token refreshed successfully",
    )
    assert claims(refreshed["accessToken"])["sid"] == claims(refreshed["refreshToken"])["sid"] == sid
    assert Session.objects.get(pk=sid).last_used_at > session.last_used_at
    assert set(RefreshToken.objects.filter(user=member).values_list("session_id", flat=True)) == {uuid.UUID(sid)}


def test_session_list_marks_the_current_one(client, group, member):
    older = sign_in(client, member.credentials.email, agent="Old browser", address="192.0.2.1")
    newer = sign_in(client, member.credentials.email, agent="New browser", address="192.0.2.2")
    response = client.get(f"/api/v1/{group}/auth/sessions", **bearer(older["accessToken"]))
    rows = assert_ok(response, 200, "Sessions retrieved successfully", meta=True)
    assert response.json()["meta"]["total"] == 2
    assert [row["id"] for row in rows] == [claims(newer["accessToken"])["sid"], claims(older["accessToken"])["sid"]]
    for row in rows:
        assert set(row) == SESSION_KEYS
        assert TIMESTAMP_RE.match(row["createdAt"])
        assert TIMESTAMP_RE.match(row["lastUsedAt"])
    assert [(r["userAgent"], r["ipAddress"], r["current"]) for r in rows] == [
        ("New browser", "192.0.2.2", False),
        ("Old browser", "192.0.2.1", True),
    ]


def test_ending_a_session_refuses_its_access_token_at_once(client, group, member):
    mine = sign_in(client, member.credentials.email)
    other = sign_in(client, member.credentials.email)
    other_sid = claims(other["accessToken"])["sid"]
    assert profile(client, group, other["accessToken"]).status_code == 200
    response = client.delete(f"/api/v1/{group}/auth/sessions/{other_sid}", **bearer(mine["accessToken"]))
    assert assert_ok(response, 200, "Session ended") is None
    assert_unauthorized(profile(client, group, other["accessToken"]))
    assert profile(client, group, mine["accessToken"]).status_code == 200  # the caller's own session lives on
    listed = client.get(f"/api/v1/{group}/auth/sessions/", **bearer(mine["accessToken"])).json()["data"]
    assert [row["id"] for row in listed] == [claims(mine["accessToken"])["sid"]]
    assert RefreshToken.objects.get(token=sha256_hex(other["refreshToken"])).is_revoked
    # ending it again, another user's session, an unknown id: 404
    again = client.delete(f"/api/v1/{group}/auth/sessions/{other_sid}/", **bearer(mine["accessToken"]))
    assert_error(again, 404, *NOT_FOUND)
    stranger = sign_in(client, make_user(group, email="stranger@example.com").credentials.email)
    theirs = claims(stranger["accessToken"])["sid"]
    assert_error(
        client.delete(f"/api/v1/{group}/auth/sessions/{theirs}", **bearer(mine["accessToken"])), 404, *NOT_FOUND
    )
    assert profile(client, group, stranger["accessToken"]).status_code == 200
    assert_error(
        client.delete(f"/api/v1/{group}/auth/sessions/{MISSING}", **bearer(mine["accessToken"])), 404, *NOT_FOUND
    )
    bad = client.delete(f"/api/v1/{group}/auth/sessions/nope", **bearer(mine["accessToken"]))
    assert_error(bad, 400, "BAD_REQUEST", "Invalid UUID: nope")
    # the ended session's refresh token is refused and changes nothing else (§35 amends §6.8)
    refused = post(client, "/api/v1/auth/refresh-token", {"refreshToken": other["refreshToken"]})
    assert_error(refused, 401, "INVALID_REFRESH_TOKEN", "Refresh token has been revoked")
    assert profile(client, group, mine["accessToken"]).status_code == 200


def test_revoke_others_keeps_only_the_current_session(client, group, member):
    mine = sign_in(client, member.credentials.email)
    others = [sign_in(client, member.credentials.email) for _ in range(2)]
    response = client.post(f"/api/v1/{group}/auth/sessions/revoke-others", **bearer(mine["accessToken"]))
    assert assert_ok(response, 200, "Other sessions ended") == {"ended": 2}
    for tokens in others:
        assert_unauthorized(profile(client, group, tokens["accessToken"]))
    assert profile(client, group, mine["accessToken"]).status_code == 200
    again = client.post(f"/api/v1/{group}/auth/sessions/revoke-others/", **bearer(mine["accessToken"]))
    assert assert_ok(again, 200, "Other sessions ended") == {"ended": 0}


def test_session_routes_belong_to_their_role(client):
    seller = make_user(RoleName.SELLER)
    token = tokens_issue(user=seller)["access_token"]
    for group in ("admin", "customer"):
        response = client.get(f"/api/v1/{group}/auth/sessions", **bearer(token))
        assert_error(response, 403, "FORBIDDEN", "You don't have permission to access this resource")
    assert_unauthorized(client.get("/api/v1/seller/auth/sessions"))


# -- §25: every revocation refuses the tokens issued before it; a sign-in after it works --------
def test_refresh_token_reuse_ends_its_own_session(client):
    user = make_user(RoleName.CUSTOMER, email="reused@example.com")
    first, second = sign_in(client, "reused@example.com"), sign_in(client, "reused@example.com")
    assert post(client, "/api/v1/auth/refresh-token", {"refreshToken": first["refreshToken"]}).status_code == 200
    reused = post(client, "/api/v1/auth/refresh-token", {"refreshToken": first["refreshToken"]})
    assert reused.status_code == 401
    assert_unauthorized(profile(client, "customer", first["accessToken"]))
    assert profile(client, "customer", second["accessToken"]).status_code == 200  # §35: its family only
    assert {str(s) for s in Session.objects.filter(user=user, ended_at__isnull=True).values_list("pk", flat=True)} == {
        claims(second["accessToken"])["sid"]
    }


def test_a_token_without_sid_still_works_until_a_revocation(client):
    user = make_user(RoleName.SELLER)
    legacy = str(issue_access_token(user))
    assert "sid" not in claims(legacy)
    assert profile(client, "seller", legacy).status_code == 200
    listed = client.get("/api/v1/seller/auth/sessions", **bearer(legacy))
    assert listed.status_code == 200
    logout = client.post("/api/v1/seller/auth/logout", **bearer(str(issue_access_token(user))))
    assert logout.status_code == 200
    assert_unauthorized(profile(client, "seller", legacy))


@pytest.mark.parametrize("sid", ["not-a-uuid", 42, ""])
def test_a_malformed_sid_is_401(client, sid):
    from tests.factories import access_claims

    user = make_user(RoleName.SELLER)
    forged = jwt.encode(access_claims(user, sid=sid), settings.JWT_SECRET, algorithm="HS256")
    assert_unauthorized(profile(client, "seller", forged))


def test_profile_get_with_a_session_token_costs_two_queries(client, django_assert_max_num_queries):
    user = make_user(RoleName.CUSTOMER, email="counted@example.com")
    token = sign_in(client, "counted@example.com")["accessToken"]
    profile(client, "customer", token)  # this process has now seen the rate-limit counter live
    # 1 rate-limit counter + 1 authentication (user, role, credentials, blacklist and session)
    with django_assert_max_num_queries(2):
        assert profile(client, "customer", token).status_code == 200
    Session.objects.filter(user=user).update(ended_at=Session.objects.get(user=user).created_at)
    with django_assert_max_num_queries(2):
        assert_unauthorized(profile(client, "customer", token))
