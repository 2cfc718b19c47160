"""Signing users out everywhere (the back office's "Revoke all sessions" action)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import transaction
from django.utils import timezone

from auth_app.models import RefreshToken, User
from natjoub.db.replicas.middleware import remember_write_for


@dataclass(frozen=True)
class SessionsRevoked:
    refresh_tokens: int
    admin_sessions: int


def _end_admin_sessions(user_ids: set[str]) -> int:
    """Delete the live Django sessions (the admin site's sign-ins) of the given users.

    Sessions are not indexed by user, so the live rows are scanned and decoded; each match is
    deleted through its session store (so a cached_db engine's cache entry goes too). Engines
    without a session table (cache-only, signed cookies) cannot be enumerated: nothing to do then,
    and the session of such a user still ends when they are deactivated (the backend refuses
    inactive users on every request)."""
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    get_model_class = getattr(store_class, "get_model_class", None)
    if get_model_class is None:
        return 0
    decoder = store_class()
    live = get_model_class().objects.filter(expire_date__gt=timezone.now()).values_list("session_key", "session_data")
    keys = [key for key, data in live.iterator(chunk_size=2000) if decoder.decode(data).get(SESSION_KEY) in user_ids]
    for key in keys:
        store_class(session_key=key).delete()
    return len(keys)


def user_sessions_revoke(*, user_ids: Collection[uuid.UUID]) -> SessionsRevoked:
    """Signed out everywhere, in one transaction: every live refresh token revoked, access tokens
    issued before now refused (``User.sessions_revoked_at``, checked by bearer authentication at
    no extra query) and admin sessions ended."""
    ids = list(user_ids)
    with transaction.atomic():
        User.objects.filter(pk__in=ids).update(sessions_revoked_at=timezone.now())
        tokens = RefreshToken.objects.filter(user_id__in=ids, is_revoked=False).update(is_revoked=True)
        sessions = _end_admin_sessions({str(pk) for pk in ids})
    for pk in ids:
        remember_write_for(pk)  # their next requests must see it, on any replica
    return SessionsRevoked(refresh_tokens=tokens, admin_sessions=sessions)
