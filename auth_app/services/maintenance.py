"""Purge of token rows that can no longer matter (``manage.py purge_expired_tokens``)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from auth_app.models import PasswordResetToken, RefreshToken, Session, TokenBlacklist


def expired_tokens_purge() -> dict[str, int]:
    """Delete expired refresh tokens, expired blacklist rows, expired or used reset tokens, and
    sessions that ended (or whose last refresh token expired) longer than a refresh lifetime ago.

    A blacklisted ``jti`` may go once its access token has expired: authentication refuses an
    expired token before it looks at the blacklist. A deleted session refuses its access tokens
    like an ended one (the bearer check looks for a live row).
    """
    moment = timezone.now()
    horizon = moment - timedelta(seconds=settings.JWT_REFRESH_TTL_SECONDS)
    with transaction.atomic():
        refresh, _ = RefreshToken.objects.filter(expires_at__lte=moment).delete()
        blacklist, _ = TokenBlacklist.objects.filter(expires_at__lte=moment).delete()
        reset, _ = PasswordResetToken.objects.filter(Q(expires_at__lte=moment) | Q(used_at__isnull=False)).delete()
        old = Session.objects.filter(Q(ended_at__lte=horizon) | Q(ended_at__isnull=True, last_used_at__lte=horizon))
        RefreshToken.objects.filter(session__in=old).delete()
        _, deleted = old.delete()
    return {
        "refresh_tokens": refresh,
        "blacklisted_tokens": blacklist,
        "password_reset_tokens": reset,
        "sessions": deleted.get(Session._meta.label, 0),
    }
