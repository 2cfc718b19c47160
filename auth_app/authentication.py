"""Bearer authentication (docs/api.md §4.2, §25, §30): simplejwt validation plus one query that
loads the active user with its role and credentials, checks the token's ``jti`` against the
blacklist and, for a token carrying ``sid``, that its session has not ended. It never reads a
replica that has not replayed the latest revocation (§35)."""

from __future__ import annotations

import itertools
import math
import threading
import time
import uuid

from django.core.signals import setting_changed
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


class ValidatedTokens:
    """Access tokens this process has already validated (signature, claims, type), keyed by the
    whole token string, kept until their ``exp``: decoding and checking a JWT was ~0.5 ms of every
    authenticated request (bench/results/notes.md, "Round 3: movement POST CPU"). Only what the
    token itself proves is cached; the user, its session and the blacklist are still read on every
    request (``get_user``), so a logout, a revocation or a deactivation is refused at once. Bounded:
    when full, expired entries go first, then the oldest eighth. Emptied when a JWT setting changes."""

    def __init__(self, size: int = 4096):
        self.size = size
        self._entries: dict[str, tuple[float, AccessToken]] = {}
        self._lock = threading.Lock()

    def get(self, raw: str) -> AccessToken | None:
        entry = self._entries.get(raw)
        if entry is None:
            return None
        if time.time() >= entry[0]:  # simplejwt / PyJWT: expired once exp <= now - leeway
            with self._lock:  # never while put() walks the entries
                self._entries.pop(raw, None)
            return None
        return entry[1]

    def put(self, raw: str, token: AccessToken) -> None:
        exp = token.get("exp")
        if not isinstance(exp, int | float) or isinstance(exp, bool):
            return
        deadline = exp + _leeway_seconds()
        with self._lock:
            if len(self._entries) >= self.size:
                now = time.time()
                for key in [key for key, (until, _) in self._entries.items() if until <= now]:
                    del self._entries[key]
                if len(self._entries) >= self.size:  # the oldest eighth at once: no scan per put
                    for key in list(itertools.islice(self._entries, max(1, self.size // 8))):
                        del self._entries[key]  # dicts keep insertion order
            self._entries[raw] = (deadline, token)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def _leeway_seconds() -> float:
    from rest_framework_simplejwt.settings import api_settings

    leeway = api_settings.LEEWAY
    return leeway.total_seconds() if hasattr(leeway, "total_seconds") else float(leeway or 0)


VALIDATED_TOKENS = ValidatedTokens()
_JWT_SETTINGS = {"JWT_SECRET", "JWT_ISSUER", "JWT_AUDIENCE", "JWT_ACCESS_TTL_SECONDS", "SIMPLE_JWT"}


def _forget_tokens(*, setting, **kwargs) -> None:
    if setting in _JWT_SETTINGS:  # tests override them; a token valid before may not be now
        VALIDATED_TOKENS.clear()


setting_changed.connect(_forget_tokens, dispatch_uid="auth_app.validated_tokens")


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
            raw = raw_token.decode("latin-1")
        except UnicodeDecodeError as exc:  # latin-1 decodes any byte; kept for safety
            raise exceptions.AuthenticationFailed("Invalid or expired token") from exc
        token = VALIDATED_TOKENS.get(raw)
        if token is not None:
            return token
        try:
            token = AccessToken(raw)
        except TokenError as exc:
            raise exceptions.AuthenticationFailed("Invalid or expired token") from exc
        VALIDATED_TOKENS.put(raw, token)
        return token

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
