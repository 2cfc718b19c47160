"""Ending sessions (docs/api.md §25, §30): one user's (logout, reset, deactivation, reuse detection)
or several users' at once (the back office's "Revoke all sessions").

Every path that ends sessions, and the refresh rotation that issues new tokens, first locks the
user row (``lock_user``). Without that lock a rotation racing a logout could commit a new refresh
token the logout's UPDATE never saw (its snapshot predates the INSERT): the lock puts one of the
two entirely before the other.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import transaction
from django.utils import timezone

from auth_app.models import RefreshToken, Session, User
from natjoub.audit import audit
from natjoub.db.replicas.middleware import remember_revocation, remember_write_for


@dataclass(frozen=True)
class SessionsRevoked:
    refresh_tokens: int
    admin_sessions: int
    sessions: int = 0


def lock_user(user_id: uuid.UUID) -> User | None:
    """Lock the user row for the rest of the transaction. ``FOR NO KEY UPDATE``: it serialises the
    session paths with each other but never blocks inserts that merely reference the user."""
    return User.objects.select_for_update(no_key=True).filter(pk=user_id).first()


def end_every_session(user_id: uuid.UUID, *, moment: datetime, reason: str, actor_id=None) -> int:
    """End every session of a user whose row the caller has locked: sessions ended (their access
    tokens refused at once), every refresh token revoked, and ``sessions_revoked_at`` set for the
    ``sid``-less tokens minted before sessions existed. Returns the number of sessions ended."""
    User.objects.filter(pk=user_id).update(sessions_revoked_at=moment)
    ended = Session.objects.filter(user_id=user_id, ended_at__isnull=True).update(ended_at=moment)
    RefreshToken.objects.filter(user_id=user_id, is_revoked=False).update(is_revoked=True)
    audit("sessions.ended", actor_id=actor_id, target_id=user_id, reason=reason, sessions=ended)
    remember_write_for(user_id)  # the user's next request is refused on any replica, however far behind
    remember_revocation()  # and no node reads a replica that has not replayed this (docs/api.md §35)
    return ended


def end_sessions(sessions, *, moment: datetime) -> int:
    """End the given sessions (a queryset of live sessions of one locked user) and revoke their
    refresh tokens."""
    ids = list(sessions.values_list("pk", flat=True))
    if ids:
        Session.objects.filter(pk__in=ids).update(ended_at=moment)
        RefreshToken.objects.filter(session_id__in=ids, is_revoked=False).update(is_revoked=True)
        remember_revocation()  # their access tokens are refused on every node at once (docs/api.md §35)
    return len(ids)


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
    if keys:
        remember_revocation()  # no node may find the deleted rows on a lagging replica (docs/api.md §35)
    return len(keys)


def user_sessions_revoke(*, user_ids: Collection[uuid.UUID], actor_id=None) -> SessionsRevoked:
    """Signed out everywhere, in one transaction: the users' rows locked in primary-key order,
    every session ended, every live refresh token revoked, and their admin sign-ins ended."""
    ids = sorted(user_ids)
    moment = timezone.now()
    with transaction.atomic():
        locked = list(User.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk").values_list("pk"))
        tokens = RefreshToken.objects.filter(user_id__in=ids, is_revoked=False).count()
        sessions = sum(end_every_session(pk, moment=moment, reason="revoke_all", actor_id=actor_id) for (pk,) in locked)
        admin_sessions = _end_admin_sessions({str(pk) for pk in ids})
    return SessionsRevoked(refresh_tokens=tokens, admin_sessions=admin_sessions, sessions=sessions)
