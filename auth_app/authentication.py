"""Bearer authentication (docs/api.md §4.2): simplejwt validation plus one query that loads the
active user with its role and credentials and checks the token's ``jti`` against the blacklist."""

from __future__ import annotations

import math

from django.db.models import Exists
from rest_framework import exceptions
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import TokenError

from auth_app.models import TokenBlacklist, User
from auth_app.tokens import AccessToken
from natjoub.api.query import UUID_RE

REALM = "NatJoub Microservices"


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

    def get_user(self, validated_token) -> User:
        user_id, jti = validated_token.get("user_id"), validated_token.get("jti")
        if not isinstance(user_id, str) or not UUID_RE.match(user_id) or not isinstance(jti, str):
            raise exceptions.AuthenticationFailed("Invalid or expired token")
        user = (
            User.objects.select_related("role", "credentials")  # the profile routes need both
            .annotate(blacklisted=Exists(TokenBlacklist.objects.filter(jti=jti).values("pk")[:1]))
            .filter(pk=user_id, is_active=True)
            .first()
        )
        if user is None or user.blacklisted or _issued_before_revocation(validated_token, user):
            raise exceptions.AuthenticationFailed("Invalid or expired token")
        return user


def _issued_before_revocation(token, user: User) -> bool:
    """``iat`` has whole seconds, so every token of the revocation's own second is refused too
    (one issued just before the revocation must not survive it); signing in again works from the
    next second on."""
    revoked = user.sessions_revoked_at
    if revoked is None:
        return False
    issued = token.get("iat")
    return not isinstance(issued, int | float) or issued < math.floor(revoked.timestamp()) + 1
