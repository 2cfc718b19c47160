"""The session and revocation services called directly (docs/api.md §25, §30), beside the HTTP tests
in test_sessions.py."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from auth_app import selectors, services
from auth_app.exceptions import RefreshTokenRevoked, SessionNotFound
from auth_app.models import RefreshToken, RoleName, Session, User
from auth_app.services.revocation import user_sessions_revoke
from auth_app.services.sessions import Client, session_start
from auth_app.tokens import AccessToken, RefreshJWT
from tests.factories import DEFAULT_PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller():
    return make_user(RoleName.SELLER, email="svc-seller@example.com")


def sid_of(tokens: dict) -> str:
    return AccessToken(tokens["access_token"])["sid"]


def test_login_records_the_client_and_issues_tokens_of_that_session(seller):
    _user, tokens = services.user_login(
        identifier="svc-seller@example.com",
        password=DEFAULT_PASSWORD,
        client=Client(user_agent="x" * 300, ip_address="203.0.113.9"),
    )
    session = Session.objects.get(pk=sid_of(tokens))
    assert (session.user_id, session.user_agent, session.ip_address) == (seller.pk, "x" * 255, "203.0.113.9")
    assert session.ended_at is None
    assert RefreshJWT(tokens["refresh_token"])["sid"] == str(session.pk)
    assert RefreshToken.objects.get(user=seller).session_id == session.pk


def test_rotation_keeps_the_session_and_moves_last_used_at(seller):
    tokens = services.tokens_issue(user=seller)
    before = Session.objects.get(pk=sid_of(tokens)).last_used_at
    rotated = services.token_refresh(refresh_token=tokens["refresh_token"])
    assert sid_of(rotated) == sid_of(tokens)
    assert Session.objects.get(pk=sid_of(tokens)).last_used_at > before


def test_a_refresh_token_from_before_sessions_starts_one(seller):
    legacy = RefreshJWT()
    legacy["user_id"] = str(seller.pk)
    from auth_app.services.sessions import _epoch
    from auth_app.tokens import sha256_hex

    RefreshToken.objects.create(user=seller, token=sha256_hex(str(legacy)), expires_at=_epoch(legacy["exp"]))
    rotated = services.token_refresh(refresh_token=str(legacy), client=Client(user_agent="old app"))
    assert Session.objects.get(pk=sid_of(rotated)).user_agent == "old app"


def test_session_end_and_revoke_others(seller):
    current, *others = (services.tokens_issue(user=seller) for _ in range(3))
    services.session_end(user_id=seller.pk, session_id=sid_of(others[0]))
    ended = Session.objects.get(pk=sid_of(others[0]))
    assert ended.ended_at is not None
    assert not RefreshToken.objects.filter(session=ended, is_revoked=False).exists()
    with pytest.raises(SessionNotFound):
        services.session_end(user_id=seller.pk, session_id=ended.pk)  # already ended
    stranger = make_user(RoleName.SELLER)
    with pytest.raises(SessionNotFound):
        services.session_end(user_id=stranger.pk, session_id=sid_of(current))
    assert services.sessions_revoke_others(user_id=seller.pk, current_session_id=sid_of(current)) == 1
    assert [str(s.pk) for s in selectors.live_sessions(user_id=seller.pk)] == [sid_of(current)]
    with pytest.raises(RefreshTokenRevoked):
        services.token_refresh(refresh_token=others[1]["refresh_token"])


def test_logout_ends_the_tokens_session_only(seller):
    tokens = [services.tokens_issue(user=seller) for _ in range(2)]
    services.session_logout(user=seller, access_token=AccessToken(tokens[0]["access_token"]))
    assert [str(s.pk) for s in Session.objects.filter(user=seller, ended_at__isnull=True)] == [sid_of(tokens[1])]
    assert [t.session_id for t in RefreshToken.objects.filter(user=seller, is_revoked=False)] == [
        Session.objects.get(pk=sid_of(tokens[1])).pk
    ]
    assert User.objects.get(pk=seller.pk).sessions_revoked_at is None


def test_logout_with_a_token_without_sid_ends_every_session_and_stamps_the_user(seller):
    from auth_app.tokens import issue_access_token

    for _ in range(2):
        services.tokens_issue(user=seller)
    services.session_logout(user=seller, access_token=issue_access_token(seller))
    assert not Session.objects.filter(user=seller, ended_at__isnull=True).exists()
    assert not RefreshToken.objects.filter(user=seller, is_revoked=False).exists()
    assert User.objects.get(pk=seller.pk).sessions_revoked_at is not None


def test_revoke_all_of_several_users(seller):
    other = make_user(RoleName.CUSTOMER)
    bystander = make_user(RoleName.CUSTOMER)
    for user in (seller, seller, other, bystander):
        services.tokens_issue(user=user)
    revoked = user_sessions_revoke(user_ids=[other.pk, seller.pk])
    assert (revoked.refresh_tokens, revoked.sessions) == (3, 3)
    assert Session.objects.filter(user=bystander, ended_at__isnull=True).count() == 1
    assert not Session.objects.filter(user__in=[seller, other], ended_at__isnull=True).exists()


def test_live_sessions_skip_those_whose_refresh_token_expired(seller, settings):
    session = session_start(user=seller)
    assert list(selectors.live_sessions(user_id=seller.pk)) == [session]
    settings.JWT_REFRESH_TTL_SECONDS = 0
    assert list(selectors.live_sessions(user_id=seller.pk)) == []


def test_the_session_list_is_one_query(seller):
    for _ in range(3):
        session_start(user=seller)
    with CaptureQueriesContext(connection) as queries:
        rows = list(selectors.session_list(user_id=seller.pk, current_session_id=None))
    assert len(rows) == 3
    assert len(queries) == 1
    assert {row.current for row in rows} == {False}
