"""``manage.py release_expired_reservations``: expire due reservations in bulk (docs/api.md §14.4)."""

from django.core.management.base import BaseCommand

from inventory_app.services import reservations_release_expired


class Command(BaseCommand):
    help = (
        "Mark every ACTIVE reservation whose expiresAt has passed as EXPIRED and return its units to the "
        "available stock (reserved quantity decreases once). Prints how many were released."
    )

    def handle(self, *args, **options):
        count = reservations_release_expired()
        self.stdout.write(self.style.SUCCESS(f"Released {count} expired reservation(s)."))
