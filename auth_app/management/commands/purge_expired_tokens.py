"""``manage.py purge_expired_tokens``: delete token rows that can no longer matter."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from auth_app.services import expired_tokens_purge


def _purge_idempotency_keys() -> int | None:
    """The inventory service's retention purge, when that app provides one (auth_app never
    depends on inventory_app otherwise)."""
    try:
        from inventory_app.services import idempotency_keys_purge
    except ImportError:
        return None
    return idempotency_keys_purge()


class Command(BaseCommand):
    help = (
        "Delete expired refresh tokens, expired access-token blacklist entries, expired or used "
        "password reset tokens, and (when the inventory app provides it) idempotency keys past their "
        "retention. Prints how many rows of each kind were deleted. Safe to run at any time, e.g. hourly."
    )

    def handle(self, *args, **options):
        counts = expired_tokens_purge()
        keys = _purge_idempotency_keys()
        if keys is not None:
            counts["idempotency_keys"] = keys if isinstance(keys, int) else sum(keys.values())
        summary = ", ".join(f"{name.replace('_', ' ')}: {count}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Purged {summary}."))
