"""Bearer authentication (docs/api.md §4.2, §25, §30): simplejwt validation plus one query that
loads the active user with its role and credentials, checks the token's ``jti`` against the
blacklist and, for a token carrying ``sid``, that its session has not ended. It never reads a
replica that has not replayed the latest revocation (§35)."""

from __future__ import annotations

import math
import uuid

from django.db.models import Exists, OuterRef
from rest_framework import exceptions
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import TokenError

from auth_app.models import Session, TokenBlacklist, User
from auth_app.tokens import AccessToken
from natjoub.api.query import UUID_RE
from natjoub.db.compiled import CompiledQuery

REALM = "NatJoub Microservices"


def _active_user(user_id, jti, sid=None):
    """The active user with role and credentials (the profile routes need both), whether the
    token's ``jti`` is blacklisted and, for a token with ``sid``, whether its session is live."""
    users = User.objects.select_related("role", "credentials").annotate(
        blacklisted=Exists(TokenBlacklist.objects.filter(jti=jti).values("pk")[:1])
    )
    if sid is not None:
        live = Session.objects.filter(pk=sid, user_id=OuterRef("pk"), ended_at__isnull=True)
        users = users.annotate(session_live=Exists(live.values("pk")[:1]))
    return users.filter(pk=user_id, is_active=True)


# Every authenticated request runs one of these: compiled once (natjoub.db.compiled). A replica
# answers it only once it has replayed every revocation so far (the revocations mark, docs/api.md
# §35 and §32.1): an ended session, a deactivation or a deletion is refused on every node at once.
ACTIVE_USER = CompiledQuery(_active_user, user_id=uuid.UUID, jti=str)
ACTIVE_USER_IN_SESSION = CompiledQuery(_active_user, user_id=uuid.UUID, jti=str, sid=uuid.UUID)


class BearerTokenAuthentication(JWTAuthentication):
    www_authenticate_realm = REALM

    def authenticate_header(self, request) -> str:
        return f'Bearer realm="{REALM}"'

    def get_raw_token(self, header: bytes):
        parts = header.split()
        if not parts or parts[0].lower() != b"bearer":
            return None  # another scheme: unauthenticated (401 on protected routes)
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Invalid or expired token")
        return parts[1]

    def get_validated_token(self, raw_token: bytes) -> AccessToken:
        try:
            return AccessToken(raw_token.decode("latin-1"))
        except (TokenError, UnicodeDecodeError) as exc:
            raise exceptions.AuthenticationFailed("Invalid or expired token") from exc

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:  # for the access log (natjoub.middleware), which sees the Django request
            request._request.authenticated_user_id = result[0].pk
        return result

    def get_user(self, validated_token) -> User:
        user_id, jti, sid = validated_token.get("user_id"), validated_token.get("jti"), validated_token.get("sid")
        if not isinstance(user_id, str) or not UUID_RE.match(user_id) or not isinstance(jti, str):
            raise exceptions.AuthenticationFailed("Invalid or expired token")
        if sid is not None and (not isinstance(sid, str) or not UUID_RE.match(sid)):
            raise exceptions.AuthenticationFailed("Invalid or expired token")
        if sid is None:
            user = ACTIVE_USER.first(user_id=user_id, jti=jti)
        else:  # in the same query: no extra round trip for the session check
            user = ACTIVE_USER_IN_SESSION.first(user_id=user_id, jti=jti, sid=sid)
        if user is None or user.blacklisted:
            raise exceptions.AuthenticationFailed("Invalid or expired token")
        if (not user.session_live) if sid is not None else _issued_before_revocation(validated_token, user):
            raise exceptions.AuthenticationFailed("Invalid or expired token")
        return user


def _issued_before_revocation(token, user: User) -> bool:
    """For a token without ``sid`` (minted before sessions existed): refused when issued before the
    user's sessions last ended. ``iat`` has whole seconds, so every token of the revocation's own
    second is refused too. That costs nothing legitimate: every token issued since sessions exist
    carries ``sid`` and is judged by its session, so no ``sid``-less token can postdate a
    revocation (a fresh login in the same second gets a new session and works)."""
    revoked = user.sessions_revoked_at
    if revoked is None:
        return False
    issued = token.get("iat")
    return not isinstance(issued, int | float) or issued < math.floor(revoked.timestamp()) + 1
