"""Sign-in and sessions (docs/api.md §4, §6.2, §6.8, §6.12, §30): login, token issue and rotation
with reuse detection, logout, and the caller's own session management."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError

from auth_app import metrics
from auth_app.backends import dummy_password_check
from auth_app.exceptions import (
    AccountDeactivated,
    InvalidCredentials,
    InvalidRefreshToken,
    RefreshTokenRevoked,
    SessionNotFound,
)
from auth_app.models import RefreshToken, Session, TokenBlacklist, User
from auth_app.selectors import credential_by_identifier, live_sessions
from auth_app.services.revocation import end_every_session, end_sessions, lock_user
from auth_app.tokens import RefreshJWT, issue_access_token, issue_refresh_jwt, sha256_hex
from natjoub import ratelimit
from natjoub.api.errors import RateLimited
from natjoub.api.query import UUID_RE
from natjoub.audit import audit, identifier_hash

USER_AGENT_MAX = 255


@dataclass(frozen=True)
class Client:
    """Where a sign-in comes from, recorded on its session."""

    user_agent: str = ""
    ip_address: str | None = None


NO_CLIENT = Client()


def _epoch(value: int) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def session_start(*, user: User, client: Client = NO_CLIENT) -> Session:
    return Session.objects.create(
        user=user, user_agent=client.user_agent[:USER_AGENT_MAX], ip_address=client.ip_address
    )


def tokens_issue(*, user: User, session: Session | None = None) -> dict:
    """A new access token and a stored (hashed) refresh token of ``session`` (a new one when not
    given). Call inside the caller's transaction."""
    if session is None:
        session = session_start(user=user)
    access = issue_access_token(user, session.pk)
    refresh = issue_refresh_jwt(user, session.pk)
    raw_refresh = str(refresh)
    RefreshToken.objects.create(
        user=user, session=session, token=sha256_hex(raw_refresh), expires_at=_epoch(refresh["exp"])
    )
    return {
        "access_token": str(access),
        "refresh_token": raw_refresh,
        "expires_in": settings.JWT_ACCESS_TTL_SECONDS,
    }


def _login_failed(identifier: str) -> InvalidCredentials:
    transaction.on_commit(lambda: metrics.record_login(False))
    audit("login.failure", identifier_hash=identifier_hash(identifier))
    return InvalidCredentials()


def user_login(*, identifier: str, password: str, client: Client = NO_CLIENT) -> tuple[User, dict]:
    """Identifier lookup → the attempt counted against the account (or the normalised identifier)
    before the password is looked at, 429 over the limit (§29.1 as amended by §35) → password (a
    dummy check for unknown identifiers; a right one takes the attempt back) → active → a new
    session and its tokens."""
    credential = credential_by_identifier(identifier)
    key = ratelimit.failure_key(identifier, account_id=None if credential is None else credential.user_id)
    try:
        attempt = ratelimit.begin_attempt(key)
    except RateLimited:
        audit("login.blocked", identifier_hash=identifier_hash(identifier))
        raise
    if credential is None:
        dummy_password_check(password)
        raise _login_failed(identifier)
    if not check_password(password, credential.password):
        raise _login_failed(identifier)
    ratelimit.end_attempt_ok(attempt)
    user = credential.user
    if not user.is_active:
        transaction.on_commit(lambda: metrics.record_login(False))
        audit("login.refused", target_id=user.pk, reason="deactivated")
        raise AccountDeactivated()
    with transaction.atomic():
        session = session_start(user=user, client=client)
        tokens = tokens_issue(user=user, session=session)
        transaction.on_commit(lambda: metrics.record_login(True))
        audit("login.success", actor_id=user.pk, target_id=user.pk, session_id=session.pk, ip=client.ip_address)
    return user, tokens


def _decode_refresh(raw: str) -> uuid.UUID:
    try:
        token = RefreshJWT(raw)
    except TokenError:
        raise InvalidRefreshToken() from None
    user_id = token.get("user_id")
    if not isinstance(user_id, str) or not UUID_RE.match(user_id):
        raise InvalidRefreshToken()
    return uuid.UUID(user_id)


def token_refresh(*, refresh_token: str, client: Client = NO_CLIENT) -> dict:
    """Rotate a refresh token within its session. Exactly one of several concurrent rotations wins
    (a conditional UPDATE). A rotated or revoked token presented again while its session lives is
    reuse: that session (its token family) ends, and that is committed although the request
    answers 401; the user's other sessions keep working. The token of a session that has already
    ended changes nothing (docs/api.md §35). The user row is locked first, so a rotation never
    slips a new token past a concurrent logout, reset or deactivation."""
    user_id = _decode_refresh(refresh_token)
    row = (
        RefreshToken.objects.filter(token=sha256_hex(refresh_token)).values_list("pk", "user_id", "session_id").first()
    )
    if row is None or row[1] != user_id:
        raise InvalidRefreshToken()
    row_id, user_id, session_id = row
    with transaction.atomic():
        user = lock_user(user_id)
        if user is None:
            raise InvalidRefreshToken()  # deleted meanwhile
        rotated = RefreshToken.objects.filter(pk=row_id, is_revoked=False).update(is_revoked=True)
        if rotated == 1:
            if not user.is_active:
                raise AccountDeactivated()
            moment = timezone.now()
            if session_id is None:  # a refresh token from before sessions: it starts one now
                session = session_start(user=user, client=client)
            else:
                session = live_sessions(user_id=user_id).filter(pk=session_id).first()
                if session is None:  # cannot happen while ending a session revokes its tokens
                    raise RefreshTokenRevoked()
            session.last_used_at = moment
            session.save(update_fields=["last_used_at"])
            tokens = tokens_issue(user=user, session=session)
            transaction.on_commit(metrics.TOKEN_REFRESHES.inc)
            return tokens
        if session_id is None:  # no family to end: a token from before sessions ends them all
            end_every_session(user_id, moment=timezone.now(), reason="refresh_token_reuse")
        elif end_sessions(live_sessions(user_id=user_id).filter(pk=session_id), moment=timezone.now()):
            audit("session.ended", target_id=user_id, session_id=session_id, reason="refresh_token_reuse")
    raise RefreshTokenRevoked  # after the block: the revocation is committed


def session_logout(*, user: User, access_token) -> None:
    """Blacklist the presented access token by ``jti`` and end the caller's session (the token's
    ``sid``): its refresh tokens revoked, its access tokens refused; the other sessions live on. A
    token without ``sid`` (minted before sessions existed) ends every session (docs/api.md §35)."""
    sid = access_token.get("sid")
    with transaction.atomic():
        lock_user(user.pk)
        TokenBlacklist.objects.bulk_create(
            [TokenBlacklist(jti=access_token["jti"], expires_at=_epoch(access_token["exp"]))], ignore_conflicts=True
        )
        moment = timezone.now()
        if sid is None:
            end_every_session(user.pk, moment=moment, reason="logout", actor_id=user.pk)
        else:  # authentication checked that sid is a UUID of a live session of this user
            ended = end_sessions(Session.objects.filter(pk=sid, user_id=user.pk, ended_at__isnull=True), moment=moment)
            audit(
                "sessions.ended", actor_id=user.pk, target_id=user.pk, reason="logout", sessions=ended, session_id=sid
            )


def session_end(*, user_id: uuid.UUID, session_id: uuid.UUID, actor_id: uuid.UUID | None = None) -> None:
    """End one live session of a user (its refresh tokens revoked, its access tokens refused): the
    caller's own (the API), or anyone's from the back office (``actor_id`` the admin)."""
    with transaction.atomic():
        lock_user(user_id)
        if end_sessions(live_sessions(user_id=user_id).filter(pk=session_id), moment=timezone.now()) == 0:
            raise SessionNotFound()
        actor = user_id if actor_id is None else actor_id
        audit("session.ended", actor_id=actor, target_id=user_id, session_id=session_id, reason="ended")


def sessions_revoke_others(*, user_id: uuid.UUID, current_session_id: uuid.UUID | None) -> int:
    """End every live session of the caller but the current one; returns how many ended."""
    with transaction.atomic():
        lock_user(user_id)
        others = live_sessions(user_id=user_id)
        if current_session_id is not None:
            others = others.exclude(pk=current_session_id)
        ended = end_sessions(others, moment=timezone.now())
        audit("sessions.ended", actor_id=user_id, target_id=user_id, reason="revoke_others", sessions=ended)
    return ended
