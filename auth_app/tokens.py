"""JWTs per docs/api.md §4.1, built on simplejwt's Token: HS256 with JWT_SECRET, ``iss``/``aud``,
``user_id``, ``sid`` (the session, §30), ``type``, a UUID4 ``jti``, ``iat``/``exp``; access tokens
add ``role``."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

from django.conf import settings
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import Token


class _NatJoubToken(Token):
    def set_jti(self) -> None:
        self.payload["jti"] = str(uuid.uuid4())

    def verify(self) -> None:
        """simplejwt's checks, plus ``iss``/``aud`` *equal* to the configured strings: PyJWT also
        accepts an ``aud`` list that merely contains the audience (docs/api.md §4.2 wants equality).
        A claim of the wrong JSON type (``"exp": "123"``) is an invalid token, not a crash."""
        try:
            super().verify()
        except (TypeError, ValueError, OverflowError) as exc:
            raise TokenError("Token has a malformed claim") from exc
        jti = self.payload.get("jti")
        if not isinstance(jti, str) or "\x00" in jti:  # it is looked up and stored as PostgreSQL text
            raise TokenError("Token has a malformed jti")
        if self.payload.get("aud") != settings.JWT_AUDIENCE or self.payload.get("iss") != settings.JWT_ISSUER:
            raise TokenError("Token has wrong issuer or audience")


class AccessToken(_NatJoubToken):
    token_type = "access"  # noqa: S105 - a claim value, not a secret

    @property
    def lifetime(self) -> timedelta:
        return timedelta(seconds=settings.JWT_ACCESS_TTL_SECONDS)


class RefreshJWT(_NatJoubToken):
    token_type = "refresh"  # noqa: S105 - a claim value, not a secret

    @property
    def lifetime(self) -> timedelta:
        return timedelta(seconds=settings.JWT_REFRESH_TTL_SECONDS)


def issue_access_token(user, session_id=None) -> AccessToken:
    token = AccessToken()
    token["user_id"] = str(user.pk)
    if session_id is not None:
        token["sid"] = str(session_id)
    token["role"] = user.role.name
    return token


def issue_refresh_jwt(user, session_id) -> RefreshJWT:
    token = RefreshJWT()
    token["user_id"] = str(user.pk)
    token["sid"] = str(session_id)
    return token


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
