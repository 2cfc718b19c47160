"""Purge of token rows that can no longer matter (``manage.py purge_expired_tokens``)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from auth_app.models import PasswordResetToken, RefreshToken, TokenBlacklist


def expired_tokens_purge() -> dict[str, int]:
    """Delete expired refresh tokens, expired blacklist rows and expired or used reset tokens.

    A blacklisted ``jti`` may go once its access token has expired: authentication refuses an
    expired token before it looks at the blacklist.
    """
    moment = timezone.now()
    with transaction.atomic():
        refresh, _ = RefreshToken.objects.filter(expires_at__lte=moment).delete()
        blacklist, _ = TokenBlacklist.objects.filter(expires_at__lte=moment).delete()
        reset, _ = PasswordResetToken.objects.filter(Q(expires_at__lte=moment) | Q(used_at__isnull=False)).delete()
    return {"refresh_tokens": refresh, "blacklisted_tokens": blacklist, "password_reset_tokens": reset}
