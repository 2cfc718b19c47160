"""``manage.py purge_expired_tokens``: the earlier name of ``purge_expired`` (kept for cron lines)."""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Alias of `manage.py purge_expired`: runs every registered maintenance job (expired refresh "
        "tokens, blacklist entries and password reset tokens, idempotency keys past their retention, "
        "due reservations, ...). Safe to run at any time, e.g. hourly."
    )

    def handle(self, *args, **options):
        call_command("purge_expired", stdout=self.stdout, stderr=self.stderr)
