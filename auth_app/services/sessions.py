"""Login, token issue and rotation with reuse detection, logout (docs/api.md §4, §6.2, §6.8, §6.12)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.db import transaction
from rest_framework_simplejwt.exceptions import TokenError

from auth_app import metrics
from auth_app.backends import dummy_password_check
from auth_app.exceptions import AccountDeactivated, InvalidCredentials, InvalidRefreshToken, RefreshTokenRevoked
from auth_app.models import RefreshToken, TokenBlacklist, User
from auth_app.selectors import credential_by_identifier
from auth_app.services.common import revoke_refresh_tokens
from auth_app.tokens import RefreshJWT, issue_access_token, issue_refresh_jwt, sha256_hex
from natjoub.api.query import UUID_RE


def _epoch(value: int) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def tokens_issue(*, user: User) -> dict:
    """A new access token and a stored (hashed) refresh token. Call inside the caller's transaction."""
    access = issue_access_token(user)
    refresh = issue_refresh_jwt(user)
    raw_refresh = str(refresh)
    RefreshToken.objects.create(user=user, token=sha256_hex(raw_refresh), expires_at=_epoch(refresh["exp"]))
    return {
        "access_token": str(access),
        "refresh_token": raw_refresh,
        "expires_in": settings.JWT_ACCESS_TTL_SECONDS,
    }


def user_login(*, identifier: str, password: str) -> tuple[User, dict]:
    """Identifier lookup → password (a dummy check for unknown identifiers) → active → tokens."""
    credential = credential_by_identifier(identifier)
    if credential is None:
        dummy_password_check(password)
        transaction.on_commit(lambda: metrics.record_login(False))
        raise InvalidCredentials()
    if not check_password(password, credential.password):
        transaction.on_commit(lambda: metrics.record_login(False))
        raise InvalidCredentials()
    user = credential.user
    if not user.is_active:
        transaction.on_commit(lambda: metrics.record_login(False))
        raise AccountDeactivated()
    with transaction.atomic():
        tokens = tokens_issue(user=user)
        transaction.on_commit(lambda: metrics.record_login(True))
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


def token_refresh(*, refresh_token: str) -> dict:
    """Rotate a refresh token. Exactly one of several concurrent rotations wins (a conditional
    UPDATE); presenting a revoked or rotated token revokes every refresh token of its user, and
    that revocation is committed although the request answers 401."""
    user_id = _decode_refresh(refresh_token)
    row = RefreshToken.objects.filter(token=sha256_hex(refresh_token)).values_list("pk", "user_id").first()
    if row is None or row[1] != user_id:
        raise InvalidRefreshToken()
    row_id, user_id = row
    with transaction.atomic():
        rotated = RefreshToken.objects.filter(pk=row_id, is_revoked=False).update(is_revoked=True)
        if rotated == 1:
            user = User.objects.select_related("role").filter(pk=user_id).first()
            if user is None:
                raise InvalidRefreshToken()
            if not user.is_active:
                raise AccountDeactivated()
            tokens = tokens_issue(user=user)
            transaction.on_commit(metrics.TOKEN_REFRESHES.inc)
            return tokens
        revoke_refresh_tokens(user_id)  # reuse detected: end every session of the user
    raise RefreshTokenRevoked  # after the block: the revocation is committed


def session_logout(*, user: User, access_token) -> None:
    """Blacklist the presented access token by ``jti`` and revoke every refresh token of the user."""
    with transaction.atomic():
        TokenBlacklist.objects.bulk_create(
            [TokenBlacklist(jti=access_token["jti"], expires_at=_epoch(access_token["exp"]))], ignore_conflicts=True
        )
        revoke_refresh_tokens(user.pk)
