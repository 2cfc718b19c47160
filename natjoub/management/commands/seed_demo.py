"""``manage.py seed_demo``: the demo accounts and inventory of docs/api.md §23 (idempotent)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from auth_app.seed import seed_demo_users
from inventory_app.seed import seed_inventory


class Command(BaseCommand):
    help = (
        "Create the demo data of the API contract (§23, §34) where missing: roles, four users, four branches, "
        "ten categories, fourteen items and their opening stock (as OPENING-BALANCE movements, reserved units "
        "backed by DEMO-SEED reservations). Idempotent: safe to run again, nothing is duplicated."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--transfers",
            action="store_true",
            help="Also dispatch one example transfer (BR-NORTH to BR-SR, OFFC-NBK-001 x 5, DEMO-TRANSFER), once.",
        )

    def handle(self, *args, transfers=False, **options):
        with transaction.atomic():
            users, admin = seed_demo_users()
            report = seed_inventory(admin_id=admin.pk, transfers=transfers)
        self.stdout.write(f"Users created: {users}")
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))
